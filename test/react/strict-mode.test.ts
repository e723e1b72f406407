/**
 * `agate-tokens/react` in Chromium: a small React app (test/react/page/app.ts) joins with
 * agora-rtc-react's `useJoin` fed by `useFreshJoinOptions`, keeps its token fresh with
 * `useTokenRenewal`, under StrictMode (mount, unmount, mount again), against the sandbox of the real
 * token server at 8x. Checked: one join, renewals accepted by the sandbox, no join after an unmount,
 * and no helper timer or listener left after the unmount; `ready: false` leaves with nothing left to
 * join again; a new token source serves the next renewal.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Plugin } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { startDemoServer, type DemoServer } from '../e2e/demo-server.js'
import { bundleForPage } from '../client/page-bundle.js'
import { launchChromium, MISSING_CHROMIUM, requireChromium } from '../helpers/chromium.js'

const executable = requireChromium()

/** Resolves the libraries the vendor script already put on the page to its globals, so every script shares one React. */
const pageGlobals: Plugin = {
  name: 'page-globals',
  setup(builder) {
    const globals: Record<string, string> = {
      react: 'React',
      'react-dom/client': 'ReactDOMClient',
      'agora-rtc-react': 'AgoraRTCReact',
    }
    builder.onResolve({ filter: /^(react|react-dom\/client|agora-rtc-react)$/ }, (args) => ({
      path: args.path,
      namespace: 'page-global',
    }))
    builder.onLoad({ filter: /.*/, namespace: 'page-global' }, (args) => ({
      contents: `module.exports = window.${globals[args.path]}`,
      loader: 'js',
    }))
  },
}

/** The page's scripts share one React: the vendor script's (development build: StrictMode mounts twice only there). */
function bundle(entry: string, options: { globalName?: string; shared?: boolean } = {}): Promise<string> {
  return bundleForPage(entry, {
    define: { 'process.env.NODE_ENV': '"development"' },
    ...(options.globalName === undefined ? {} : { globalName: options.globalName }),
    ...(options.shared ? { plugins: [pageGlobals] } : {}),
  })
}

let server: DemoServer | undefined
let browser: Browser | undefined
let pageUrl = ''
let files: Record<string, string> = {}

before(async () => {
  if (executable === undefined) return
  const [timers, vendor, helper, app] = await Promise.all([
    bundle('test/client/real-sdk/timers.ts'),
    bundle('test/react/page/vendor.ts'),
    bundle('test/react/page/agate.ts', { globalName: 'Agate', shared: true }),
    bundle('test/react/page/app.ts', { shared: true }),
  ])
  files = { '/timers.js': timers, '/vendor.js': vendor, '/helper.js': helper, '/app.js': app }
  server = await startDemoServer({ timeScale: 8 })
  browser = await launchChromium(executable)
  pageUrl = `${server.url}/react-test/?appId=${server.config.apps[0]!.appId}`
})

after(async () => {
  await browser?.close()
  await server?.close()
})

/** A fresh page with the app loaded (scripts served by the test, on the server's origin). */
async function openApp(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(error.message))
  const html = `<!doctype html><meta charset="utf-8"><title>react</title><div id="root"></div>${Object.keys(files)
    .map((path) => `<script src="/react-test${path}"></script>`)
    .join('')}`
  await page.route(`${server!.url}/react-test/**`, (route) => {
    const path = new URL(route.request().url()).pathname.replace('/react-test', '')
    const body = path === '/' ? html : files[path]
    return body === undefined
      ? route.abort()
      : route.fulfill({ contentType: path === '/' ? 'text/html' : 'text/javascript', body })
  })
  await page.goto(pageUrl)
  await page.waitForFunction(() => 'app' in window)
  return { page, problems }
}

interface Stats {
  joins: number
  leaves: number
  fetches: number
  secondSourceFetches: number
  failedFetches: number
  renewals: number
  rejoins: number
  errors: string[]
  listeners: Record<string, number>
  events: string[]
  connectionState: string
  helperTimers: number
  state: string | undefined
  connected: string | undefined
  /** The code of the error useTokenRenewal reports, '' when none. */
  error: string | undefined
}

const stats = (page: Page): Promise<Stats> => page.evaluate(() => (window as any).app.stats())
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))
/** Waits until the app's session has renewed its token `count` times in all (30 s at most). */
const untilRenewals = (page: Page, count: number): Promise<unknown> =>
  page.waitForFunction((atLeast) => (window as any).app.stats().renewals >= atLeast, count, { timeout: 30_000 })

/** A page whose app is mounted, joined and has renewed its token once: where most tests start. */
async function openRenewingApp(): Promise<{ page: Page; problems: string[] }> {
  const opened = await openApp()
  await opened.page.evaluate(() => (window as any).app.mount(0))
  await untilRenewals(opened.page, 1)
  return opened
}

test(
  'StrictMode: one join, renewals accepted by the sandbox, and after the unmount no join, timer or listener',
  { timeout: 90_000 },
  async (t) => {
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    const { page, problems } = await openApp()
    await page.evaluate(() => (window as any).app.mount(0))
    await page.waitForFunction(() => document.getElementById('status')?.dataset.connected === 'true', undefined, {
      timeout: 30_000,
    })
    // 8x: a 40 s token warns 1.25 s after it was issued; wait for two renewals.
    await untilRenewals(page, 2)
    const joined = await stats(page)
    assert.equal(joined.joins, 1, `one join under StrictMode (${joined.events.join(' ')})`)
    assert.equal(joined.connectionState, 'CONNECTED')
    assert.ok(['joined', 'renewing'].includes(joined.state!), joined.state)
    assert.deepEqual(joined.errors, [])
    assert.ok(joined.helperTimers >= 1, 'the watchdog or a fetch is pending while joined')

    await page.evaluate(() => (window as any).app.unmount())
    await page.waitForFunction(() => (window as any).app.stats().connectionState === 'DISCONNECTED', undefined, {
      timeout: 10_000,
    })
    await sleep(2500) // two will-expire periods at 8x: nothing may come back
    const gone = await stats(page)
    assert.equal(gone.joins, 1, 'no join after the unmount')
    assert.equal(gone.helperTimers, 0, 'no helper timer left')
    for (const [event, count] of Object.entries(gone.listeners)) assert.equal(count, 0, `${event} listeners left`)
    assert.ok(Object.keys(gone.listeners).includes('token-privilege-will-expire'))
    assert.deepEqual(problems, [])
    await page.close()
  },
)

test('StrictMode: unmounted while the token is being fetched, the app never joins', { timeout: 60_000 }, async (t) => {
  if (executable === undefined) return t.skip(MISSING_CHROMIUM)
  const { page, problems } = await openApp()
  await page.evaluate(() => (window as any).app.mount(2000))
  await page.waitForFunction(() => (window as any).app.stats().fetches >= 1)
  await page.evaluate(() => (window as any).app.unmount())
  await sleep(3000) // past the 2 s fetch: a join would have started by now
  const gone = await stats(page)
  assert.equal(gone.joins, 0, 'no join after the unmount')
  assert.equal(gone.connectionState, 'DISCONNECTED')
  assert.equal(gone.helperTimers, 0)
  for (const [event, count] of Object.entries(gone.listeners)) assert.equal(count, 0, `${event} listeners left`)
  assert.deepEqual(problems, [])
  await page.close()
})

test(
  'ready: false leaves with no session left to join again; true joins again and renews',
  { timeout: 90_000 },
  async (t) => {
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    const { page, problems } = await openRenewingApp()
    await page.evaluate(() => (window as any).app.setInCall(false))
    await page.waitForFunction(() => (window as any).app.stats().connectionState === 'DISCONNECTED', undefined, {
      timeout: 10_000,
    })
    // Past a whole 40 s token at 8x (5 s): a session left behind would have renewed or joined again.
    await sleep(6000)
    const out = await stats(page)
    assert.equal(out.joins, 1, `no join while ready is false (${out.events.join(' ')})`)
    assert.equal(out.helperTimers, 0, 'no helper timer while ready is false')
    // agora-rtc-react's own hooks still listen (the component is mounted); the helper's events have no listener.
    for (const event of ['token-privilege-will-expire', 'token-privilege-did-expire'])
      assert.equal(out.listeners[event], 0, `${event} listeners left`)
    assert.equal(out.state, 'idle')

    const renewalsBefore = out.renewals
    await page.evaluate(() => (window as any).app.setInCall(true))
    await untilRenewals(page, renewalsBefore + 1)
    const back = await stats(page)
    assert.equal(back.joins, 2, 'one join back in')
    assert.equal(back.connectionState, 'CONNECTED')
    assert.deepEqual(back.errors, [])
    assert.deepEqual(problems, [])
    await page.close()
  },
)

test(
  'a tokenSource passed on a later render serves the next renewal, with no new join',
  { timeout: 60_000 },
  async (t) => {
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    const { page, problems } = await openRenewingApp()
    await page.evaluate(() => (window as any).app.useSecondSource())
    await page.waitForFunction(() => (window as any).app.stats().secondSourceFetches >= 1, undefined, {
      timeout: 30_000,
    })
    await untilRenewals(page, 2)
    const after = await stats(page)
    assert.equal(after.joins, 1, 'the session kept the client joined')
    assert.equal(after.connectionState, 'CONNECTED')
    assert.deepEqual(after.errors, [])
    assert.deepEqual(problems, [])
    await page.evaluate(() => (window as any).app.unmount())
    await page.close()
  },
)

test(
  'a renewal that fails shows in the status until a fresh token is in use again, and the call goes on',
  { timeout: 60_000 },
  async (t) => {
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    const { page, problems } = await openRenewingApp()
    // The token server goes down: the next renewal fails, and the hook says so.
    await page.evaluate(() => (window as any).app.useFailingSource())
    await page.waitForFunction(() => (window as any).app.stats().error === 'ERR_TOKEN_FETCH_NETWORK', undefined, {
      timeout: 30_000,
    })
    const failing = await stats(page)
    assert.ok(failing.failedFetches >= 1)
    assert.deepEqual(failing.errors, ['ERR_TOKEN_FETCH_NETWORK'])
    // It comes back: the next renewal (or the rejoin at expiry) succeeds, and the error is gone.
    await page.evaluate(() => (window as any).app.useFirstSource())
    await page.waitForFunction(
      () => {
        const now = (window as any).app.stats()
        return now.error === '' && now.connectionState === 'CONNECTED'
      },
      undefined,
      { timeout: 30_000 },
    )
    const after = await stats(page)
    assert.ok(after.renewals + after.rejoins > failing.renewals + failing.rejoins, after.events.join(' '))
    assert.equal(after.connected, 'true')
    assert.deepEqual(problems, [])
    await page.evaluate(() => (window as any).app.unmount())
    await page.close()
  },
)
