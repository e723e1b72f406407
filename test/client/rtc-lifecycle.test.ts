/**
 * The RTC session's lifecycle rules against an SDK-shaped fake: leave or abort at any point, a leave
 * while the SDK connects, terminal and transient disconnects, the join timeout, adoption.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keepRtcTokenFresh, type RtcTokenEvent, type TokenFetcher } from '../../src/client/index.js'
import { APP_ID, rtcToken } from './fixtures.js'
import { FakeRtcClient, flush } from './fake-clients.js'

/** A fetcher whose answers the test releases one by one. */
function gatedFetcher() {
  const waiting: { release: () => void; signal: AbortSignal | undefined }[] = []
  const fetch: TokenFetcher = (_request, options) =>
    new Promise((resolve, reject) => {
      waiting.push({ release: () => resolve(rtcToken()), signal: options.signal })
      options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true })
    })
  return { fetch, waiting }
}

function start(
  options: Partial<Parameters<typeof keepRtcTokenFresh>[1]> = {},
  fetch: TokenFetcher = async () => rtcToken(),
) {
  const client = new FakeRtcClient()
  const events: RtcTokenEvent[] = []
  const session = keepRtcTokenFresh(client, {
    appId: APP_ID,
    channel: 'ChannelA',
    uid: 42,
    tokenSource: fetch,
    onEvent: (e) => events.push(e),
    ...options,
  })
  const states = (): string[] => events.flatMap((e) => (e.type === 'state' ? [e.state] : []))
  const types = (): string[] => events.filter((e) => e.type !== 'fetching' && e.type !== 'state').map((e) => e.type)
  return { client, session, events, states, types }
}

test('a join goes idle, fetching, joining, joined; a renewal renewing and back; leave() ends it left and leaves the client', async () => {
  const { client, session, states } = start()
  assert.equal(session.state, 'idle')
  await session.join()
  client.emit('token-privilege-will-expire')
  await flush()
  assert.equal(session.state, 'joined')
  await session.leave()
  assert.deepEqual(states(), ['fetching', 'joining', 'joined', 'renewing', 'joined', 'left'])
  assert.equal(client.leaves, 1)
  assert.equal(client.connectionState, 'DISCONNECTED')
  assert.equal(client.listenerCount(), 0)
})

test('leave() while the token is being fetched: the fetch is cancelled and the client never joins', async () => {
  const source = gatedFetcher()
  const { client, session, types } = start({}, source.fetch)
  const joining = session.join()
  await flush()
  assert.equal(session.state, 'fetching')
  await session.leave()
  await assert.rejects(joining, { code: 'ERR_ABORTED' })
  source.waiting[0]!.release()
  await flush()
  assert.equal(source.waiting[0]!.signal!.aborted, true)
  assert.equal(client.joins.length, 0)
  assert.equal(client.leaves, 0, 'nothing to leave: the client was never handed a join')
  assert.deepEqual(types(), ['stopped'])
  assert.equal(client.listenerCount(), 0)
})

test('an aborted signal is a leave at any point: before the session, while fetching, while connecting, while joined', async () => {
  const before = new AbortController()
  before.abort()
  const early = start({ signal: before.signal })
  assert.equal(early.session.state, 'left')
  await assert.rejects(early.session.join(), { code: 'ERR_ABORTED' })
  assert.equal(early.client.listenerCount(), 0)

  // Already joined by the app, and aborted before the session began: still left, nothing renews.
  const joinedClient = new FakeRtcClient()
  joinedClient.connectionState = 'CONNECTED'
  let fetched = 0
  const adopted = keepRtcTokenFresh(joinedClient, {
    appId: APP_ID,
    channel: 'ChannelA',
    uid: 42,
    tokenSource: async () => {
      fetched++
      return rtcToken()
    },
    signal: before.signal,
  })
  assert.equal(adopted.state, 'left')
  assert.equal(adopted.stopped, true)
  await assert.rejects(adopted.renew(), { code: 'ERR_ABORTED' })
  assert.equal(fetched, 0)
  assert.equal(joinedClient.listenerCount(), 0)

  for (const point of ['fetching', 'joining', 'joined'] as const) {
    const controller = new AbortController()
    const source = gatedFetcher()
    const { client, session, events } = start({ signal: controller.signal }, source.fetch)
    client.hangJoins = true
    const joining = session.join()
    joining.catch(() => {})
    await flush()
    if (point !== 'fetching') {
      source.waiting[0]!.release()
      await flush()
    }
    if (point === 'joined') {
      client.connect()
      await joining
    }
    assert.equal(session.state, point)
    controller.abort()
    await flush()
    assert.equal(session.state, 'left')
    assert.deepEqual(events.at(-1), { type: 'stopped', reason: 'aborted' })
    assert.equal(client.connectionState, 'DISCONNECTED', point)
    assert.equal(client.joins.length, point === 'fetching' ? 0 : 1, point)
    assert.equal(client.listenerCount(), 0)
    assert.ok(!events.some((e) => e.type === 'error'), point)
    client.emit('token-privilege-will-expire')
    client.emit('token-privilege-did-expire')
    await flush()
    assert.equal(client.renewals.length + client.joins.length, point === 'fetching' ? 0 : 1, 'nothing after the abort')
  }
})

test('the app calls client.leave() while the SDK is connecting: DISCONNECTED without a reason stops the session quietly', async () => {
  const { client, session, events } = start()
  client.hangJoins = true
  const joining = session.join()
  await flush()
  assert.equal(client.connectionState, 'CONNECTING')
  await client.leave()
  await assert.rejects(joining, { code: 'ERR_ABORTED' })
  assert.equal(session.state, 'left')
  assert.deepEqual(events.at(-1), { type: 'stopped', reason: 'left' })
  assert.ok(!events.some((e) => e.type === 'error'), 'no error for the app’s own cancel')
  assert.equal(client.listenerCount(), 0)
})

test('a join the SDK refuses is an error, and the session fails', async () => {
  const { client, session, events } = start()
  client.joinError = Object.assign(new Error('invalid token'), {
    name: 'AgoraRTCError',
    code: 'CAN_NOT_GET_GATEWAY_SERVER',
  })
  await assert.rejects(session.join(), { code: 'CAN_NOT_GET_GATEWAY_SERVER' })
  assert.equal(session.state, 'failed')
  assert.deepEqual(
    events.filter((e) => e.type === 'error' || e.type === 'stopped').map((e) => e.type),
    ['error', 'stopped'],
  )
  assert.deepEqual(events.at(-1), { type: 'stopped', reason: 'failed' })
  assert.equal(client.listenerCount(), 0)
})

test('terminal disconnects stop timers and listeners; reconnects do not', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() })
  for (const reason of ['UID_BANNED', 'IP_BANNED', 'CHANNEL_BANNED', 'SERVER_ERROR', 'NETWORK_ERROR', 'LEAVE']) {
    const { client, session, events } = start()
    await session.join()
    client.state('RECONNECTING')
    client.state('CONNECTED')
    assert.equal(session.state, 'joined', 'a reconnect is not terminal')
    client.state('DISCONNECTED', reason)
    assert.equal(session.state, reason === 'LEAVE' ? 'left' : 'failed', reason)
    assert.deepEqual(
      events.at(-1),
      reason === 'LEAVE'
        ? { type: 'stopped', reason: 'left' }
        : { type: 'stopped', reason: 'disconnected', sdkReason: reason },
    )
    assert.equal(client.listenerCount(), 0)
    // The watchdog would have fired 20 s before the 40 s token's end.
    t.mock.timers.tick(60_000)
    await flush()
    assert.equal(client.renewals.length, 0, `no renewToken on a client disconnected by ${reason}`)
  }
})

test('a join that does not connect within joinTimeoutMs emits join-timeout, leaves the client and rejects', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const { client, session, events } = start({ joinTimeoutMs: 5000 })
  client.hangJoins = true
  const joining = session.join()
  await flush()
  assert.equal(session.state, 'joining')
  t.mock.timers.tick(5000)
  await assert.rejects(joining, { name: 'TokenClientError', code: 'ERR_JOIN_TIMEOUT', field: 'joinTimeoutMs' })
  assert.ok(events.some((e) => e.type === 'join-timeout' && e.timeoutMs === 5000 && e.phase === 'join'))
  assert.equal(client.connectionState, 'DISCONNECTED', 'the SDK’s retries were stopped')
  assert.equal(session.state, 'failed')
  assert.equal(client.listenerCount(), 0)
  assert.throws(() => start({ joinTimeoutMs: 0 }), { code: 'ERR_INVALID_ARGUMENT', field: 'joinTimeoutMs' })
  // setTimeout would fire these at once: refused, not a join that times out in a few ms.
  for (const joinTimeoutMs of [Infinity, 2 ** 31, Number.NaN]) {
    assert.throws(() => start({ joinTimeoutMs }), { code: 'ERR_INVALID_ARGUMENT', field: 'joinTimeoutMs' })
  }
})

test('a rejoin that fails ends the session; with rejoin off, did-expire ends it', async () => {
  let calls = 0
  const { client, session, events } = start({}, async () =>
    calls++ === 0 ? rtcToken() : rtcToken({ channelName: 'Other' }),
  )
  await session.join()
  client.expire()
  await flush()
  assert.equal(session.state, 'failed')
  assert.ok(events.some((e) => e.type === 'error' && e.phase === 'rejoin'))
  assert.equal(client.listenerCount(), 0)

  const off = start({ autoRejoin: false })
  await off.session.join()
  off.client.expire()
  await flush()
  assert.deepEqual(off.events.at(-1), { type: 'stopped', reason: 'disconnected', sdkReason: 'TOKEN_EXPIRE' })
  assert.equal(off.client.joins.length, 1)
})

test('a client the app joined itself is adopted when it connects, and its token kept fresh', async () => {
  const { client, session } = start()
  await client.join(APP_ID, 'ChannelA', rtcToken(), 42)
  assert.equal(session.state, 'joined')
  client.emit('token-privilege-will-expire')
  await flush()
  assert.equal(client.renewals.length, 1)
  await assert.rejects(start().session.renew(), { code: 'ERR_INVALID_STATE' })
  session.dispose()
})
