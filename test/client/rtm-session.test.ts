import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RTMClient } from 'agora-rtm-sdk'
import {
  keepRtmTokenFresh,
  type RtmClientLike,
  type RtmTokenEvent,
  type TokenFetcher,
  type TokenRequest,
} from '../../src/client/index.js'
import { APP_ID, rtcToken, rtmToken } from './fixtures.js'
import { FakeRtmClient, flush } from './fake-clients.js'

// The helper takes the RTM SDK's own client type (checked by tsc).
const _sdkFits = (client: RTMClient): RtmClientLike => client
void _sdkFits

function start(
  make: (request: TokenRequest, index: number) => string = (request) =>
    request.service === 'rtm'
      ? rtmToken(request.userId)
      : rtcToken({ channelName: request.channelName, account: request.account! }),
  options: { autoRenew?: boolean } = {},
) {
  const client = new FakeRtmClient()
  const requests: TokenRequest[] = []
  const fetch: TokenFetcher = async (request) => {
    requests.push(request)
    return make(request, requests.length - 1)
  }
  const events: RtmTokenEvent[] = []
  // State changes have their own tests (rtm-lifecycle.test.ts).
  const session = keepRtmTokenFresh(client, {
    userId: 'alice',
    appId: APP_ID,
    tokenSource: fetch,
    onEvent: (e) => e.type !== 'state' && events.push(e),
    ...options,
  })
  const types = (): string[] => events.filter((e) => e.type !== 'fetching').map((e) => e.type)
  return { client, session, events, requests, types }
}

test('login() fetches an RTM token for the user and logs in with it', async () => {
  const { client, session, requests, types } = start()
  await session.login()
  assert.deepEqual(requests, [{ service: 'rtm', userId: 'alice' }])
  assert.equal(client.logins.length, 1)
  assert.deepEqual(types(), ['fetched', 'logged-in'])
  session.dispose()
})

test("tokenPrivilegeWillExpire('') renews the login token", async () => {
  const { client, session, types } = start()
  await session.login()
  client.emit('tokenPrivilegeWillExpire', '')
  await flush()
  assert.equal(client.renewals.length, 1)
  assert.equal(client.renewals[0]!.channelName, undefined)
  assert.deepEqual(types().slice(-3), ['will-expire', 'fetched', 'renewed'])
  session.dispose()
})

test('tokenPrivilegeWillExpire(channel) renews that stream channel with an RTC token for the user id', async () => {
  const { client, session, requests, events } = start()
  await session.login()
  client.emit('tokenPrivilegeWillExpire', 'stream-1')
  await flush()
  assert.deepEqual(requests.at(-1), { service: 'rtc', channelName: 'stream-1', account: 'alice' })
  assert.equal(client.renewals[0]!.channelName, 'stream-1')
  assert.deepEqual(events.at(-1), {
    type: 'renewed',
    expiresAt: (events.at(-1) as { expiresAt: number }).expiresAt,
    channelName: 'stream-1',
  })
  session.dispose()
})

test('with renewal off, will-expire is only reported', async () => {
  const { client, session, events, requests } = start(undefined, { autoRenew: false })
  await session.login()
  client.emit('tokenPrivilegeWillExpire', '')
  await flush()
  assert.deepEqual(events.at(-1), { type: 'will-expire', renewing: false })
  assert.equal(requests.length, 1)
  session.dispose()
})

test('a link failure with TOKEN_EXPIRED logs in again with a fresh token', async () => {
  const { client, session, types } = start()
  await session.login()
  client.emit('linkState', { currentState: 'FAILED', previousState: 'CONNECTED', reasonCode: 'TOKEN_EXPIRED' })
  await flush()
  assert.equal(client.logins.length, 2)
  assert.notEqual(client.logins[1], client.logins[0])
  assert.deepEqual(types().slice(-3), ['did-expire', 'fetched', 'relogged-in'])
  session.dispose()
})

test('a token for another user is refused and never reaches the SDK', async () => {
  const { client, session, events } = start((_request, index) =>
    index === 0 ? rtmToken('alice') : rtmToken('mallory'),
  )
  await session.login()
  client.emit('tokenPrivilegeWillExpire', '')
  await flush()
  assert.equal(client.renewals.length, 0)
  const error = events.find((e) => e.type === 'error')
  assert.ok(error?.type === 'error')
  assert.deepEqual([(error.error as any).code, (error.error as any).field], ['ERR_TOKEN_MISMATCH', 'userId'])
  session.dispose()
})

test('a renewal that fails (the token server down) is reported, the login stays, and the next will-expire renews', async () => {
  const down = new Error('token server unavailable')
  const { client, session, events, types } = start((_request, index) => {
    if (index === 1) throw down
    return rtmToken('alice')
  })
  await session.login()
  client.emit('tokenPrivilegeWillExpire', '')
  await flush()
  assert.deepEqual(
    events.find((e) => e.type === 'error'),
    { type: 'error', phase: 'renew', error: down },
  )
  assert.equal(client.renewals.length, 0)
  assert.equal(session.stopped, false)
  assert.equal(session.state, 'joined')
  client.emit('tokenPrivilegeWillExpire', '')
  await flush()
  assert.equal(client.renewals.length, 1)
  assert.deepEqual(types().slice(-3), ['will-expire', 'fetched', 'renewed'])
  session.dispose()
})

test("a stream channel's failed renewal names the channel and leaves the login alone", async () => {
  const down = new Error('token server unavailable')
  const { client, session, events } = start((request) => {
    if (request.service === 'rtc') throw down
    return rtmToken('alice')
  })
  await session.login()
  client.emit('tokenPrivilegeWillExpire', 'stream-1')
  await flush()
  assert.deepEqual(events.at(-1), { type: 'error', phase: 'renew', error: down, channelName: 'stream-1' })
  assert.equal(session.state, 'joined')
  // The login token's own renewal still works.
  client.emit('tokenPrivilegeWillExpire', '')
  await flush()
  assert.deepEqual(
    client.renewals.map((renewal) => renewal.channelName),
    [undefined],
  )
  session.dispose()
})

test('a login Agora refuses ends the session as failed: login() rejects with the SDK error and the listeners go', async () => {
  const { client, session, events } = start()
  const refused = Object.assign(new Error('login failed: invalid token'), { code: -10005 })
  client.failLogins = refused
  await assert.rejects(session.login(), (error) => error === refused)
  assert.deepEqual(
    events.find((e) => e.type === 'error'),
    { type: 'error', phase: 'login', error: refused },
  )
  assert.deepEqual(events.at(-1), { type: 'stopped', reason: 'failed' })
  assert.equal(session.stopped, true)
  assert.equal(session.state, 'failed')
  assert.equal(client.listenerCount(), 0)
  // A stopped session logs in no more.
  await assert.rejects(session.login(), { name: 'TokenClientError', code: 'ERR_ABORTED' })
  assert.equal(client.logins.length, 1)
})

test('a token server down at login ends the session as failed, with nothing sent to the SDK', async () => {
  const down = new Error('token server unavailable')
  const { client, session, events } = start(() => {
    throw down
  })
  await assert.rejects(session.login(), (error) => error === down)
  assert.deepEqual(
    events.find((e) => e.type === 'error'),
    { type: 'error', phase: 'login', error: down },
  )
  assert.equal(session.state, 'failed')
  assert.equal(client.logins.length, 0)
})

test('logging out stops the helper; dispose does too, removing its listeners', async () => {
  const first = start()
  await first.session.login()
  first.client.emit('linkState', { currentState: 'IDLE', previousState: 'CONNECTED', reasonCode: 'LOGOUT' })
  assert.equal(first.session.stopped, true)
  assert.deepEqual(first.events.at(-1), { type: 'stopped', reason: 'logged-out' })
  assert.equal(first.client.listenerCount(), 0)

  const second = start()
  await second.session.login()
  second.session.dispose()
  assert.equal(second.client.listenerCount(), 0)
  second.client.emit('tokenPrivilegeWillExpire', '')
  await flush()
  assert.equal(second.client.renewals.length, 0)
  await assert.rejects(second.session.login(), { name: 'TokenClientError', code: 'ERR_ABORTED' })
})

test('bad options are refused with the field named', () => {
  const client = new FakeRtmClient() as unknown as RtmClientLike
  assert.throws(() => keepRtmTokenFresh(client, { userId: '', tokenSource: async () => '' }), {
    name: 'TokenClientError',
    code: 'ERR_INVALID_ARGUMENT',
    field: 'userId',
  })
  assert.throws(() => keepRtmTokenFresh({} as RtmClientLike, { userId: 'a', tokenSource: async () => '' }), {
    code: 'ERR_INVALID_ARGUMENT',
    field: 'client',
  })
})
