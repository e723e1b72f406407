/**
 * The renewal helper on the real SDK client objects in Chromium: agora-rtc-sdk-ng 4.24.8 and
 * agora-rtm-sdk 2.3.0 bundled by esbuild, offline (the browser's only proxy is a closed loopback
 * port, so nothing leaves the machine and the SDKs retry as they do without a network). Each race of
 * issue 13 runs on real clients (test/client/real-sdk/races.ts); after every terminal path the
 * client's listeners are back to where they were and the helper has no timer pending.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { launchChromium, MISSING_CHROMIUM, requireChromium } from '../helpers/chromium.js'
import { APP_ID, rtcToken, rtmToken } from './fixtures.js'
import { bundleForPage as bundle } from './page-bundle.js'

const executable = requireChromium()

let server: Server | undefined
let browser: Browser | undefined
let page: Page | undefined
const problems: string[] = []
let users = 0
const tokens = () => {
  const userId = `alice-${++users}`
  return { appId: APP_ID, rtc: rtcToken({ expire: 600 }), rtm: rtmToken(userId, { expire: 600 }), userId }
}

before(async () => {
  if (executable === undefined) return
  const sdkEntry = 'test/client/real-sdk/sdk.ts'
  const [timers, sdk, helper, races] = await Promise.all([
    bundle('test/client/real-sdk/timers.ts'),
    bundle(sdkEntry),
    bundle('src/client/index.ts', { globalName: 'AgateClient' }),
    bundle('test/client/real-sdk/races.ts'),
  ])
  const files: Record<string, string> = {
    '/timers.js': timers,
    '/sdk.js': sdk,
    '/helper.js': helper,
    '/races.js': races,
  }
  const html = `<!doctype html><meta charset="utf-8"><title>races</title>${Object.keys(files)
    .map((path) => `<script src="${path}"></script>`)
    .join('')}`
  server = createServer((request, response) => {
    const body = request.url === '/' ? html : files[request.url ?? '']
    if (body === undefined) return void response.writeHead(404).end()
    response.writeHead(200, { 'content-type': request.url === '/' ? 'text/html' : 'text/javascript' }).end(body)
  })
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done))
  browser = await launchChromium(executable)
  // Every request that is not to this page goes to a closed loopback port: the SDKs run offline.
  const context = await browser.newContext({ proxy: { server: 'http://127.0.0.1:9', bypass: '127.0.0.1' } })
  page = await context.newPage()
  page.on('pageerror', (error) => problems.push(error.message))
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  await page.waitForFunction(() => 'races' in window && 'AgoraRTC' in window)
})

after(async () => {
  await browser?.close()
  await new Promise((done) => (server === undefined ? done(undefined) : server.close(done)))
})

/** Runs one race in the page. */
function race<T>(name: string, ...args: unknown[]): Promise<T> {
  const input: [string, unknown[]] = [name, [tokens(), ...args]]
  return page!.evaluate(([race, values]) => (window as any).races[race](...values), input) as Promise<T>
}

interface Facts {
  state: string
  baseline: number
  after: number
  timers: number
  events: string[]
  stops: { reason: string; sdkReason?: string }[]
}

function assertClean(facts: Facts, label: string): void {
  assert.equal(facts.after, facts.baseline, `${label}: the helper's listeners are gone`)
  assert.equal(facts.timers, 0, `${label}: no helper timer pending`)
  assert.ok(!facts.events.includes('error'), `${label}: no error event (${facts.events.join(' ')})`)
}

for (const how of ['leave', 'abort'] as const) {
  test(
    `RTC: ${how === 'leave' ? 'session.leave()' : 'the signal aborts'} 100 ms into the token fetch: the client never joins`,
    { timeout: 60_000 },
    async (t) => {
      if (executable === undefined) return t.skip(MISSING_CHROMIUM)
      const facts = await race<Facts & { joinResult: string; seen: string[]; connectionState: string; during: number }>(
        'leaveDuringFetch',
        how,
      )
      assert.equal(facts.during, facts.baseline + 3, 'the session listened to the real client')
      assert.equal(facts.joinResult, 'ERR_ABORTED')
      assert.deepEqual(facts.seen, [], 'the client never went CONNECTING')
      assert.equal(facts.connectionState, 'DISCONNECTED')
      assert.equal(facts.state, 'left')
      assert.deepEqual(facts.stops, [{ type: 'stopped', reason: how === 'leave' ? 'left' : 'aborted' }])
      assertClean(facts, how)
    },
  )
}

for (const how of ['client', 'session'] as const) {
  test(
    `RTC: ${how}.leave() while the real SDK is CONNECTING stops the session quietly`,
    { timeout: 60_000 },
    async (t) => {
      if (executable === undefined) return t.skip(MISSING_CHROMIUM)
      const facts = await race<
        Facts & { joinResult: string; seen: string[]; stateWhileConnecting: string; connectionState: string }
      >('leaveWhileConnecting', how)
      assert.equal(facts.stateWhileConnecting, 'joining')
      assert.equal(facts.joinResult, 'ERR_ABORTED')
      if (how === 'client')
        assert.deepEqual(
          facts.seen,
          ['CONNECTING', 'DISCONNECTING', 'DISCONNECTED'],
          'the SDK gives no reason for this leave',
        )
      assert.equal(facts.connectionState, 'DISCONNECTED')
      assert.equal(facts.state, 'left')
      assert.deepEqual(facts.stops, [{ type: 'stopped', reason: 'left' }])
      assertClean(facts, how)
    },
  )
}

test(
  'RTC: offline, a join that cannot connect gives up after joinTimeoutMs, with join-timeout, and leaves',
  { timeout: 60_000 },
  async (t) => {
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    const facts = await race<Facts & { joinResult: string; tookMs: number; seen: string[]; connectionState: string }>(
      'joinTimeout',
    )
    assert.equal(facts.joinResult, 'ERR_JOIN_TIMEOUT')
    assert.ok(facts.events.includes('join-timeout'))
    assert.deepEqual(
      facts.events.filter((e) => e.startsWith('state:')),
      ['state:fetching', 'state:joining', 'state:failed'],
    )
    assert.equal(facts.connectionState, 'DISCONNECTED', 'the SDK stopped retrying')
    assert.deepEqual(facts.stops, [{ type: 'stopped', reason: 'failed' }])
    assert.equal(facts.after, facts.baseline)
    assert.equal(facts.timers, 0)
  },
)

for (const reason of ['UID_BANNED', 'IP_BANNED', 'CHANNEL_BANNED', 'SERVER_ERROR', 'LEAVE']) {
  test(
    `RTC: DISCONNECTED with ${reason} after a join ends the session: watchdog and listeners gone, a reconnect before did not`,
    { timeout: 60_000 },
    async (t) => {
      if (executable === undefined) return t.skip(MISSING_CHROMIUM)
      const facts = await race<
        Facts & { timersJoined: number; stateAfterReconnect: string; timersAfterReconnect: number; renewals: number }
      >('disconnectAfterJoin', reason)
      assert.equal(facts.timersJoined, 1, 'the watchdog was armed')
      assert.equal(facts.stateAfterReconnect, 'joined')
      assert.equal(facts.timersAfterReconnect, 1, 'a reconnect keeps the watchdog')
      assert.equal(facts.state, reason === 'LEAVE' ? 'left' : 'failed')
      assert.deepEqual(facts.stops, [
        reason === 'LEAVE'
          ? { type: 'stopped', reason: 'left' }
          : { type: 'stopped', reason: 'disconnected', sdkReason: reason },
      ])
      assert.equal(facts.renewals, 0, 'no renewToken on a disconnected client')
      assertClean(facts, reason)
    },
  )
}

for (const when of ['connecting', 'fetching'] as const) {
  test(
    `RTM: ${when === 'connecting' ? 'rtm.logout() while the real login connects' : 'session.logout() during the fetch'} stops the session quietly`,
    { timeout: 60_000 },
    async (t) => {
      if (executable === undefined) return t.skip(MISSING_CHROMIUM)
      const facts = await race<Facts & { loginResult: string; links: string[]; logins: number; during: number }>(
        'rtmLogout',
        when,
      )
      assert.equal(facts.during, facts.baseline + 3)
      assert.equal(facts.loginResult, 'ERR_ABORTED')
      assert.equal(facts.logins, when === 'connecting' ? 1 : 0)
      if (when === 'connecting') assert.deepEqual(facts.links, ['CONNECTING:LOGIN', 'IDLE:LOGOUT'])
      assert.equal(facts.state, 'left')
      assert.deepEqual(facts.stops, [{ type: 'stopped', reason: 'logged-out' }])
      assertClean(facts, when)
    },
  )
}

test(
  'RTM: offline, a login that cannot connect gives up after loginTimeoutMs, with login-timeout, and logs out',
  { timeout: 60_000 },
  async (t) => {
    if (executable === undefined) return t.skip(MISSING_CHROMIUM)
    const facts = await race<Facts & { loginResult: string; links: string[] }>('rtmLoginTimeout')
    assert.equal(facts.loginResult, 'ERR_JOIN_TIMEOUT')
    assert.ok(facts.events.includes('login-timeout'))
    assert.equal(facts.links.at(-1), 'IDLE:LOGOUT', 'the SDK stopped trying')
    assert.equal(facts.state, 'failed')
    assert.equal(facts.after, facts.baseline)
    assert.equal(facts.timers, 0)
  },
)

test('the page raised no uncaught error', (t) => {
  if (executable === undefined) return t.skip(MISSING_CHROMIUM)
  assert.deepEqual(problems, [])
})
