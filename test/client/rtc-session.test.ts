import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { IAgoraRTCClient } from 'agora-rtc-sdk-ng'
import {
  createTokenSource,
  keepRtcTokenFresh,
  type RtcClientLike,
  type RtcTokenEvent,
  type TokenFetcher,
  type TokenRequest,
} from '../../src/client/index.js'
import type { SandboxRtcClient } from '../../src/sandbox/client.js'
import { APP_ID, OTHER_APP_ID, rtcToken } from './fixtures.js'
import { FakeRtcClient, flush } from './fake-clients.js'

// The helper takes the SDK's own client type, and the sandbox client fits it too (checked by tsc).
const _sdkFits = (client: IAgoraRTCClient): RtcClientLike => client
const _sandboxFits = (client: SandboxRtcClient): RtcClientLike => client
void _sdkFits
void _sandboxFits

/** A token fetcher that records requests and answers with `make` (default: a fresh matching token). */
function fetcher(make: (request: TokenRequest, index: number) => string | Promise<string> = () => rtcToken()) {
  const requests: TokenRequest[] = []
  const signals: AbortSignal[] = []
  const fetch: TokenFetcher = async (request, options) => {
    requests.push(request)
    if (options.signal !== undefined) signals.push(options.signal)
    return make(request, requests.length - 1)
  }
  return { fetch, requests, signals }
}

function start(options: Partial<Parameters<typeof keepRtcTokenFresh>[1]> = {}, source = fetcher()) {
  const client = new FakeRtcClient()
  const events: RtcTokenEvent[] = []
  const session = keepRtcTokenFresh(client, {
    appId: APP_ID,
    channel: 'ChannelA',
    uid: 42,
    tokenSource: source.fetch,
    // State changes have their own tests (rtc-lifecycle.test.ts).
    onEvent: (event) => event.type !== 'state' && events.push(event),
    ...options,
  })
  const types = (): string[] => events.filter((e) => e.type !== 'fetching').map((e) => e.type)
  return { client, session, events, types, source }
}

test('join() fetches a token for the channel, uid and role, then joins with it', async () => {
  const { client, session, events, source } = start({ role: 'subscriber' })
  assert.equal(await session.join(), 42)
  assert.deepEqual(source.requests, [{ service: 'rtc', channelName: 'ChannelA', uid: 42, role: 'subscriber' }])
  assert.equal(client.joins.length, 1)
  assert.deepEqual(
    { ...client.joins[0], token: typeof client.joins[0]!.token },
    { appId: APP_ID, channel: 'ChannelA', token: 'string', uid: 42 },
  )
  assert.deepEqual(
    events.map((e) => e.type),
    ['fetching', 'fetched', 'joined'],
  )
  assert.ok(session.expiresAt! > Date.now() / 1000 + 35)
  session.dispose()
})

test('a user account (string uid) is fetched and joined as such', async () => {
  const { client, session, source } = start(
    { uid: 'alice' },
    fetcher(() => rtcToken({ account: 'alice' })),
  )
  await session.join()
  assert.deepEqual(source.requests[0], { service: 'rtc', channelName: 'ChannelA', account: 'alice', role: 'publisher' })
  assert.equal(client.joins[0]!.uid, 'alice')
  session.dispose()
})

test('will-expire renews with a fresh token', async () => {
  const { client, session, types } = start()
  await session.join()
  client.emit('token-privilege-will-expire')
  await flush()
  assert.equal(client.renewals.length, 1)
  assert.notEqual(client.renewals[0], client.joins[0]!.token)
  assert.deepEqual(types(), ['fetched', 'joined', 'will-expire', 'fetched', 'renewed'])
  session.dispose()
})

test('will-expire events that arrive together make one renewal (single flight)', async () => {
  const { client, session, source } = start()
  await session.join()
  client.emit('token-privilege-will-expire')
  client.emit('token-privilege-will-expire')
  await session.renew()
  await flush()
  assert.equal(source.requests.length, 2)
  assert.equal(client.renewals.length, 1)
  session.dispose()
})

test('with renewal off, will-expire is reported and nothing is fetched', async () => {
  const { client, session, events, source } = start({ autoRenew: false })
  await session.join()
  client.emit('token-privilege-will-expire')
  await flush()
  assert.deepEqual(events.at(-1), { type: 'will-expire', renewing: false })
  assert.equal(source.requests.length, 1)
  session.autoRenew = true
  client.emit('token-privilege-will-expire')
  await flush()
  assert.equal(client.renewals.length, 1)
  session.dispose()
})

test('did-expire fetches a fresh token and joins again; the SDK having left is not taken for the app leaving', async () => {
  const { client, session, types } = start()
  await session.join()
  client.expire()
  await flush()
  assert.equal(client.joins.length, 2)
  assert.notEqual(client.joins[1]!.token, client.joins[0]!.token)
  assert.equal(client.leaves, 0)
  assert.deepEqual(types(), ['fetched', 'joined', 'did-expire', 'fetched', 'rejoined'])
  assert.equal(session.stopped, false)
  session.dispose()
})

test('did-expire on an SDK that stays connected: the helper leaves first, without stopping itself', async () => {
  const { client, session, types } = start()
  await session.join()
  client.emit('token-privilege-did-expire')
  await flush()
  assert.equal(client.leaves, 1)
  assert.equal(client.joins.length, 2)
  assert.equal(session.stopped, false)
  assert.deepEqual(types().slice(-2), ['fetched', 'rejoined'])
  session.dispose()
})

test('with rejoin off, did-expire is reported and ends the session (the SDK has left)', async () => {
  const { client, session, events } = start({ autoRejoin: false })
  await session.join()
  client.expire()
  await flush()
  assert.deepEqual(events.slice(-2), [
    { type: 'did-expire', rejoining: false },
    { type: 'stopped', reason: 'disconnected', sdkReason: 'TOKEN_EXPIRE' },
  ])
  assert.equal(client.joins.length, 1)
  assert.equal(session.expiresAt, undefined)
})

test('did-expire during a renewal cancels the renewal and rejoins', async () => {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const source = fetcher(async (_request, index) => {
    if (index === 1) await gate
    return rtcToken()
  })
  const { client, session, types } = start({}, source)
  await session.join()
  client.emit('token-privilege-will-expire')
  await flush()
  client.expire()
  await flush()
  release()
  await flush()
  assert.equal(source.signals[1]!.aborted, true, 'the renewal fetch was cancelled')
  assert.equal(client.renewals.length, 0, 'no stale renewToken after the token expired')
  assert.equal(client.joins.length, 2)
  assert.ok(!types().includes('error'), 'a cancelled renewal is not an error')
  session.dispose()
})

test('a fetched token for another channel, uid or App ID is refused and never reaches the SDK', async () => {
  for (const [wrong, field] of [
    [rtcToken({ channelName: 'ChannelB' }), 'channelName'],
    [rtcToken({ uid: 43 }), 'uid'],
    [rtcToken({ appId: OTHER_APP_ID }), 'appId'],
  ] as const) {
    const { client, session, events } = start(
      {},
      fetcher((_r, index) => (index === 0 ? rtcToken() : wrong)),
    )
    await session.join()
    client.emit('token-privilege-will-expire')
    await flush()
    assert.equal(client.renewals.length, 0)
    const error = events.find((e) => e.type === 'error')
    assert.ok(error?.type === 'error')
    assert.equal(error.phase, 'renew')
    assert.deepEqual(
      { code: (error.error as any).code, field: (error.error as any).field },
      { code: 'ERR_TOKEN_MISMATCH', field },
    )
    session.dispose()
  }
})

test('a token with less than 30 s left is refused (configurable), and join() rejects with it', async () => {
  const short = rtcToken({ expire: 20 })
  const { client, session, events } = start(
    {},
    fetcher(() => short),
  )
  await assert.rejects(session.join(), { name: 'TokenClientError', code: 'ERR_TOKEN_EXPIRING' })
  assert.equal(client.joins.length, 0)
  assert.ok(events.some((e) => e.type === 'error' && e.phase === 'join'))
  session.dispose()
  const relaxed = start(
    { minValiditySeconds: 10 },
    fetcher(() => short),
  )
  await relaxed.session.join()
  relaxed.session.dispose()
})

test('SDK failures are reported: a refused join rejects join() and ends the session, a refused renewToken is an error event', async () => {
  const refused = start()
  refused.client.joinError = Object.assign(new Error('invalid token, authorized failed'), {
    name: 'AgoraRTCError',
    code: 'CAN_NOT_GET_GATEWAY_SERVER',
  })
  await assert.rejects(refused.session.join(), { name: 'AgoraRTCError', code: 'CAN_NOT_GET_GATEWAY_SERVER' })
  assert.equal(refused.session.state, 'failed', 'the app starts a new session to try again')
  assert.deepEqual(
    refused.events
      .filter((e) => e.type === 'error')
      .map((e) => (e.type === 'error' ? [e.phase, (e.error as any).code] : [])),
    [['join', 'CAN_NOT_GET_GATEWAY_SERVER']],
  )

  const { client, session, events } = start()
  await session.join()
  client.renewError = Object.assign(new Error('refused'), { name: 'AgoraRTCError', code: 'UNEXPECTED_RESPONSE' })
  client.emit('token-privilege-will-expire')
  await flush()
  assert.deepEqual(
    events.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? [e.phase, (e.error as any).code] : [])),
    [['renew', 'UNEXPECTED_RESPONSE']],
  )
  assert.equal(session.state, 'joined', 'a failed renewal is not the end: the watchdog or did-expire comes next')
  session.dispose()
})

test('retries of the token source are reported with the phase', async () => {
  let calls = 0
  const source = createTokenSource({
    url: '/fetch_rtc_token',
    backoff: { initialMs: 1, maxMs: 2 },
    fetch: async () => {
      if (calls++ === 0) return new Response('busy', { status: 503 })
      return Response.json({ token: rtcToken(), code: '200' })
    },
  })
  const { session, events } = start({ tokenSource: source })
  await session.join()
  const retry = events.find((e) => e.type === 'retry')
  assert.ok(retry?.type === 'retry')
  assert.deepEqual(
    [retry.phase, retry.retry, retry.error.code, retry.error.status],
    ['join', 1, 'ERR_TOKEN_FETCH_HTTP', 503],
  )
  session.dispose()
})

test('dispose removes the SDK listeners, cancels a fetch in flight and ignores later events', async () => {
  const source = fetcher((_r, index) => (index === 0 ? rtcToken() : new Promise<string>(() => {})))
  const { client, session, events } = start({}, source)
  const before = client.listenerCount()
  await session.join()
  client.emit('token-privilege-will-expire')
  await flush()
  session.dispose()
  assert.equal(source.signals[1]!.aborted, true)
  assert.equal(client.listenerCount(), before - 3)
  assert.deepEqual(events.at(-1), { type: 'stopped', reason: 'disposed' })
  const count = events.length
  client.emit('token-privilege-will-expire')
  client.expire()
  await flush()
  assert.equal(events.length, count)
  await assert.rejects(session.join(), { name: 'TokenClientError', code: 'ERR_ABORTED' })
  session.dispose()
})

test('when the app leaves, the helper stops by itself', async () => {
  const { client, session, events } = start()
  await session.join()
  await client.leave()
  assert.equal(session.stopped, true)
  assert.deepEqual(events.at(-1), { type: 'stopped', reason: 'left' })
  assert.equal(client.listenerCount(), 0, 'the helper removed its listeners')
})

test('the watchdog renews 20 s before the end when the SDK stays silent; not when renewal is off', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() })
  const { client, session, events } = start()
  await session.join()
  t.mock.timers.tick(19_000)
  await flush()
  assert.equal(client.renewals.length, 0)
  t.mock.timers.tick(1_500)
  await flush()
  assert.equal(client.renewals.length, 1)
  assert.deepEqual(
    events.filter((e) => e.type === 'renewed').map((e) => (e.type === 'renewed' ? e.trigger : '')),
    ['watchdog'],
  )
  session.autoRenew = false
  t.mock.timers.tick(30_000)
  await flush()
  assert.equal(client.renewals.length, 1)
  session.dispose()

  const quiet = start({ watchdog: false })
  await quiet.session.join()
  t.mock.timers.tick(30_000)
  await flush()
  assert.equal(quiet.client.renewals.length, 0)
  quiet.session.dispose()
})

test('bad options are refused with the field named', () => {
  const client = new FakeRtcClient() as unknown as RtcClientLike
  const base = { appId: APP_ID, channel: 'ChannelA', uid: 42, tokenSource: fetcher().fetch }
  assert.throws(() => keepRtcTokenFresh(client, { ...base, appId: '' }), {
    name: 'TokenClientError',
    code: 'ERR_INVALID_ARGUMENT',
    field: 'appId',
  })
  assert.throws(() => keepRtcTokenFresh(client, { ...base, uid: -1 }), { code: 'ERR_INVALID_ARGUMENT', field: 'uid' })
  assert.throws(() => keepRtcTokenFresh(client, { ...base, uid: '' }), { code: 'ERR_INVALID_ARGUMENT', field: 'uid' })
  assert.throws(() => keepRtcTokenFresh(client, { ...base, tokenSource: {} as never }), {
    code: 'ERR_INVALID_ARGUMENT',
    field: 'tokenSource',
  })
  assert.throws(() => keepRtcTokenFresh({} as RtcClientLike, base), { code: 'ERR_INVALID_ARGUMENT', field: 'client' })
})
