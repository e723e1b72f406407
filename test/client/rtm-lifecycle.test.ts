/**
 * The RTM session's lifecycle rules against an SDK-shaped fake: the `token` event, logout or abort at
 * any point, a logout while connecting, terminal link failures, the login timeout.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keepRtmTokenFresh, type RtmTokenEvent, type TokenFetcher } from '../../src/client/index.js'
import { APP_ID, rtmToken } from './fixtures.js'
import { FakeRtmClient, flush } from './fake-clients.js'

function start(
  options: Partial<Parameters<typeof keepRtmTokenFresh>[1]> = {},
  fetch: TokenFetcher = async () => rtmToken('alice'),
) {
  const client = new FakeRtmClient()
  const events: RtmTokenEvent[] = []
  const session = keepRtmTokenFresh(client, {
    userId: 'alice',
    appId: APP_ID,
    tokenSource: fetch,
    onEvent: (e) => events.push(e),
    ...options,
  })
  const states = (): string[] => events.flatMap((e) => (e.type === 'state' ? [e.state] : []))
  return { client, session, events, states }
}

test('login goes fetching, joining, joined; logout() logs the client out and ends it left', async () => {
  const { client, session, states, events } = start()
  await session.login()
  await session.logout()
  assert.deepEqual(states(), ['fetching', 'joining', 'joined', 'left'])
  assert.equal(client.logouts, 1)
  assert.deepEqual(events.at(-1), { type: 'stopped', reason: 'logged-out' })
  assert.equal(client.listenerCount(), 0)
})

test("the SDK's token event: WILL_EXPIRE while connected renews, once kicked out it logs in again", async () => {
  const { client, session, events } = start()
  await session.login()
  client.emit('token', { eventType: 'WILL_EXPIRE', reason: 'The token is about to expire' })
  await flush()
  assert.equal(client.renewals.length, 1)
  client.link('FAILED', 'TOKEN_EXPIRED')
  client.emit('token', { eventType: 'WILL_EXPIRE', reason: 'The token is about to expire' })
  await flush()
  assert.equal(client.logins.length, 2, 'one relogin for the link failure and the token event together')
  assert.ok(events.some((e) => e.type === 'relogged-in'))
  client.emit('token', { eventType: 'READ_PERMISSION_REVOKED' })
  await flush()
  assert.equal(client.renewals.length + client.logins.length, 3, 'other token events are not about expiry')
  session.dispose()
})

test('the app logs out while the login connects: the session stops quietly', async () => {
  const { client, session, events } = start()
  client.hangLogins = true
  const login = session.login()
  await flush()
  assert.equal(session.state, 'joining')
  await client.logout()
  await assert.rejects(login, { code: 'ERR_ABORTED' })
  assert.deepEqual(events.at(-1), { type: 'stopped', reason: 'logged-out' })
  assert.ok(!events.some((e) => e.type === 'error'))
  assert.equal(client.listenerCount(), 0)
})

test('an abort at any point: nothing is fetched, renewed or logged in afterwards', async () => {
  for (const point of ['fetching', 'joining', 'joined'] as const) {
    const controller = new AbortController()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const { client, session, events } = start({ signal: controller.signal }, async () => {
      await gate
      return rtmToken('alice')
    })
    client.hangLogins = point === 'joining'
    const login = session.login()
    login.catch(() => {})
    await flush()
    if (point !== 'fetching') release()
    await flush()
    assert.equal(session.state, point)
    controller.abort()
    release()
    await flush()
    assert.equal(session.state, 'left')
    assert.equal(client.logins.length, point === 'fetching' ? 0 : 1)
    assert.equal(client.logouts, point === 'fetching' ? 0 : 1)
    assert.ok(!events.some((e) => e.type === 'error'))
    client.emit('tokenPrivilegeWillExpire', '')
    client.link('FAILED', 'TOKEN_EXPIRED')
    await flush()
    assert.equal(client.renewals.length, 0)
    assert.equal(client.listenerCount(), 0)
  }
})

test('a FAILED link for another reason ends the session; DISCONNECTED and SUSPENDED do not', async () => {
  const { client, session, events } = start()
  await session.login()
  client.link('DISCONNECTED', 'KEEP_ALIVE_TIMEOUT')
  client.link('SUSPENDED', 'KEEP_ALIVE_TIMEOUT')
  client.link('CONNECTED', 'RECONNECT_SUCCESS')
  assert.equal(session.state, 'joined')
  client.link('FAILED', 'SAME_UID_LOGIN')
  assert.equal(session.state, 'failed')
  assert.deepEqual(events.at(-1), { type: 'stopped', reason: 'disconnected', sdkReason: 'SAME_UID_LOGIN' })
  assert.equal(client.listenerCount(), 0)
})

test('a login that does not connect within loginTimeoutMs emits login-timeout, logs out and rejects', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const { client, session, events } = start({ loginTimeoutMs: 4000 })
  client.hangLogins = true
  const login = session.login()
  await flush()
  t.mock.timers.tick(4000)
  await assert.rejects(login, { code: 'ERR_JOIN_TIMEOUT', field: 'loginTimeoutMs' })
  assert.ok(events.some((e) => e.type === 'login-timeout' && e.timeoutMs === 4000))
  assert.equal(client.logouts, 1)
  assert.equal(session.state, 'failed')
  assert.equal(client.listenerCount(), 0)
})
