/**
 * The demo's session panel and its React page in Chromium, against the real token server with the
 * sandbox: Leave during a slow token fetch never joins; the React page joins, renews and leaves.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { startDemoServer, type DemoServer } from '../e2e/demo-server.js'
import { launchChromium, MISSING_CHROMIUM, requireChromium } from '../helpers/chromium.js'

const executable = requireChromium()
let webDir = ''
let server: DemoServer | undefined
let browser: Browser | undefined

before(async () => {
  if (executable === undefined) return
  webDir = await mkdtemp(join(tmpdir(), 'agate-web-'))
  // The cast keeps tsc from looking for types of the .mjs script.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const { buildWeb } = (await import('../../scripts/build-web.mjs' as string)) as {
    buildWeb(options: { outdir: string }): Promise<string[]>
  }
  await buildWeb({ outdir: webDir })
  server = await startDemoServer({ webDir, timeScale: 8 })
  browser = await launchChromium(executable)
})

after(async () => {
  await browser?.close()
  await server?.close()
  if (webDir !== '') await rm(webDir, { recursive: true, force: true })
})

async function open(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`)
  })
  await page.goto(`${server!.url}${path}`)
  return { page, problems }
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))

test(
  'the demo: Leave while /v1/tokens is slow stops the join; the page does not end CONNECTED',
  { timeout: 60_000 },
  async (t) => {
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    const { page, problems } = await open('/?speed=8')
    await page.waitForSelector('body[data-ready="true"]')
    let delayed = 0
    await page.route('**/v1/tokens', async (route) => {
      delayed++
      await sleep(1500)
      await route.continue().catch(() => {})
    })
    await page.click('#join')
    await sleep(100)
    await page.click('#leave')
    await page.waitForSelector('#timeline li[data-event="stopped"]')
    await sleep(2500)
    assert.equal(delayed, 1)
    assert.doesNotMatch(await page.locator('#connection').innerText(), /^(CONNECTING|CONNECTED)/)
    assert.equal(await page.locator('#timeline li[data-event="joined"]').count(), 0)
    assert.equal(await page.isEnabled('#join'), true)
    assert.deepEqual(problems, [])
    await page.close()
  },
)

test('the React page: linked from the demo, joins with useJoin, renews, and leaves', { timeout: 60_000 }, async (t) => {
  if (executable === undefined) return t.skip(MISSING_CHROMIUM)
  const { page, problems } = await open('/demo/')
  await page.click('a[href="/demo/assets/react.html"]')
  await page.waitForSelector('#react-join')
  await page.click('#react-join')
  await page.waitForSelector('#react-connected[data-connected="true"]', { timeout: 20_000 })
  await page.waitForSelector('#react-log li[data-event="renewed"]', { timeout: 20_000 })
  assert.equal(await page.locator('#react-log li[data-event^="error"]').count(), 0)
  await page.click('#react-join')
  await page.waitForSelector('#react-connected[data-connected="false"]')
  await page.waitForSelector('#react-renewal[data-state="idle"]')
  assert.deepEqual(problems, [])
  await page.close()
})

test("a page on another origin reads the token server's Date header: the token source's clock", async (t) => {
  if (executable === undefined) return t.skip(MISSING_CHROMIUM)
  // localhost and 127.0.0.1 are different origins for the browser, one server for the network. The
  // page is /healthz: the demo's own pages allow no other origin in their Content-Security-Policy.
  const page = await browser!.newPage()
  await page.goto(`${server!.url.replace('127.0.0.1', 'localhost')}/healthz`)
  const seen = await page.evaluate(async (url) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ uid: 42, ChannelName: 'cross-origin', role: 1 }),
    })
    return {
      origin: location.origin,
      status: response.status,
      date: response.headers.get('date'),
      requestId: response.headers.get('x-request-id'),
    }
  }, `${server!.url}/fetch_rtc_token`)
  assert.notEqual(seen.origin, new URL(server!.url).origin, 'the page is cross-origin')
  assert.equal(seen.status, 200)
  assert.ok(seen.requestId !== null, 'X-Request-Id is exposed')
  assert.ok(
    seen.date !== null && Math.abs(Date.parse(seen.date) - Date.now()) < 60_000,
    `Date is exposed: ${seen.date}`,
  )
  await page.close()
})
