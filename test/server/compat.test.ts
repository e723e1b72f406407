/** The community servers' routes in process: agora-token-service's POST /getToken and GET routes, the Node token server's. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseToken, verifyToken } from '../../src/token/index.js'
import {
  APP_ID,
  bearer,
  CERT,
  json,
  KEYS,
  makeApp,
  post,
  productionEnv,
  referenceVerify006,
  referenceVerify007,
} from './helpers.js'

const NOW = 1_700_000_000
const deps = { now: () => NOW * 1000 }
const admin = bearer(KEYS.admin.key)

async function prodApp(extra: Record<string, string> = {}) {
  return (await makeApp(productionEnv(extra), {}, deps)).app
}

test('POST /getToken rtc: a numeric uid or an account, {"token"} back', async () => {
  const app = await prodApp()
  const byUid = await json(
    await post(
      app,
      '/getToken',
      { tokenType: 'rtc', channel: 'room-1', role: 'publisher', uid: '42', expire: 600 },
      admin,
    ),
    200,
  )
  assert.deepEqual(Object.keys(byUid), ['token'])
  const reference = referenceVerify007(byUid.token, CERT)
  assert.deepEqual(
    [reference.services[0]!.channel, reference.services[0]!.uid, reference.expire],
    ['room-1', '42', 600],
  )
  assert.equal(Object.keys(reference.services[0]!.privileges).length, 4)

  const byAccount = await json(
    await post(app, '/getToken', { TokenType: 'rtc', Channel: 'room-1', uid: 'alice' }, admin),
    200,
  )
  const account = referenceVerify007(byAccount.token, CERT).services[0]!
  assert.equal(account.uid, 'alice')
  // No role, or any subscriber spelling, is a subscriber: join only.
  assert.deepEqual(Object.keys(account.privileges), ['1'])
  for (const role of ['subscriber', 'audience', '']) {
    const { token } = await json(
      await post(app, '/getToken', { tokenType: 'rtc', channel: 'room-1', uid: '1', role }, admin),
      200,
    )
    assert.deepEqual(Object.keys(referenceVerify007(token, CERT).services[0]!.privileges), ['1'])
  }
})

test('POST /getToken rtm (with and without a channel) and chat (user and app)', async () => {
  const app = await prodApp()
  const rtm = await json(await post(app, '/getToken', { tokenType: 'rtm', uid: 'bob' }, admin), 200)
  assert.deepEqual(
    referenceVerify007(rtm.token, CERT).services.map((service) => [service.type, service.userId]),
    [[2, 'bob']],
  )
  const stream = await json(
    await post(app, '/getToken', { tokenType: 'rtm', uid: 'bob', channel: 'room-1' }, admin),
    200,
  )
  const services = referenceVerify007(stream.token, CERT).services
  assert.deepEqual(
    services.map((service) => service.type),
    [1, 2],
  )
  assert.deepEqual([services[0]!.channel, services[0]!.uid], ['room-1', 'bob'])
  const any = await json(await post(app, '/getToken', { tokenType: 'rtm', uid: 'bob', channel: '*' }, admin), 200)
  assert.equal(referenceVerify007(any.token, CERT).services[0]!.channel, '')

  const chatUser = await json(await post(app, '/getToken', { tokenType: 'chat', uid: 'carol' }, admin), 200)
  assert.equal(referenceVerify007(chatUser.token, CERT).services[0]!.userId, 'carol')
  const chatApp = await json(await post(app, '/getToken', { tokenType: 'chat' }, admin), 200)
  assert.deepEqual(referenceVerify007(chatApp.token, CERT).services[0]!.privileges, { 2: 3600 })
})

test('POST /getToken errors are text/plain messages, as agora-token-service sends them', async () => {
  const app = await prodApp()
  const cases: [unknown, string][] = [
    [{ tokenType: 'video', uid: '1' }, 'tokenType: Unsupported tokenType'],
    [{ tokenType: 'rtc', uid: '1' }, 'invalid: missing channel name'],
    [{ tokenType: 'rtc', channel: 'room-1' }, 'invalid: missing user ID or account'],
    [{ tokenType: 'rtm' }, 'invalid: missing user ID or account'],
    [{ tokenType: 'rtc', channel: 'room-1', uid: 42 }, 'uid: must be a string'],
    [{ tokenType: 'rtc', channel: 'room-1', uid: '4294967296' }, 'uid: must be an integer from 0 to 4294967295'],
    [{ tokenType: 'rtc', channel: 'room-1', uid: '1', role: 'host' }, 'role: must be publisher or subscriber'],
    [{ tokenType: 'rtc', channel: 'room/1', uid: '1' }, 'channel: has characters Agora does not allow'],
    [{ tokenType: 'rtc', channel: 'room-1', uid: '1', expire: -5 }, 'expire: must not be negative'],
    [{ tokenType: 'rtc', channel: 'room-1', uid: '1', expire: 'soon' }, 'expire: must be a number'],
    // Past the 24 h cap is a bad request (400), not a policy denial (403), as on /v1/tokens.
    [{ tokenType: 'rtc', channel: 'room-1', uid: '1', expire: 86_401 }, 'expire: must be at most 86400 (24 h)'],
    ['not json', 'the body is not valid JSON'],
  ]
  for (const [body, message] of cases) {
    const response = await post(app, '/getToken', body, admin)
    assert.equal(response.status, 400, JSON.stringify(body))
    assert.match(response.headers.get('content-type')!, /^text\/plain/)
    assert.equal(await response.text(), message, JSON.stringify(body))
  }
  const denied = await post(app, '/getToken', { tokenType: 'chat' }, bearer(KEYS.web.key))
  assert.equal(denied.status, 403)
  assert.equal(await denied.text(), 'denied by rule "web": service chat is not allowed')
})

test('GET /rtc, /rtm, /rte and /chat, with and without the trailing slash', async () => {
  const app = await prodApp()
  const get = async (path: string, status = 200): Promise<any> =>
    json(await app.request(path, { headers: admin }), status)
  for (const path of ['/rtc/room-1/publisher/uid/42', '/rtc/room-1/publisher/uid/42/']) {
    const { rtcToken } = await get(path)
    verifyToken(rtcToken, { certificates: CERT, channelName: 'room-1', uid: 42, now: NOW })
  }
  const account = await get('/rtc/room-1/audience/userAccount/alice/?expiry=120')
  const service = referenceVerify007(account.rtcToken, CERT)
  assert.deepEqual(
    [service.services[0]!.uid, service.expire, Object.keys(service.services[0]!.privileges)],
    ['alice', 120, ['1']],
  )
  // agora-token-service's empty uid segment is uid 0 (a wildcard, which this caller may have).
  const wildcard = await get('/rtc/room-1/publisher/uid/')
  assert.equal(referenceVerify007(wildcard.rtcToken, CERT).services[0]!.uid, '')

  const { rtmToken } = await get('/rtm/bob/')
  verifyToken(rtmToken, { certificates: CERT, userId: 'bob', now: NOW })
  const rte = await get('/rte/room-1/publisher/uid/42')
  verifyToken(rte.rtcToken, { certificates: CERT, channelName: 'room-1', uid: 42, now: NOW })
  verifyToken(rte.rtmToken, { certificates: CERT, userId: '42', now: NOW })
  const rte2 = await get('/rte/room-1/subscriber/uid/42/bob/')
  verifyToken(rte2.rtmToken, { certificates: CERT, userId: 'bob', now: NOW })

  assert.equal(referenceVerify007((await get('/chat/app/')).chatToken, CERT).services[0]!.type, 5)
  assert.equal(referenceVerify007((await get('/chat/account/carol')).chatToken, CERT).services[0]!.userId, 'carol')
})

test('GET route errors carry both servers\' keys: {"error", "message", "status"}', async () => {
  const app = await prodApp()
  const cases: [string, string][] = [
    ['/rtc/room-1/host/uid/42', 'role is incorrect: use publisher, subscriber or audience'],
    ['/rtc/room-1/publisher/number/42', 'token type is invalid: use uid or userAccount'],
    ['/rtc/room-1/publisher/uid/abc', 'uid: must be digits for tokentype uid (or use userAccount)'],
    ['/rtc/room-1/publisher/uid/99999999999', 'uid: must be an integer from 0 to 4294967295'],
    ['/rtc/room-1/publisher/uid/42?expiry=soon', 'expiry: must be a whole number of seconds'],
    ['/rtc/room-1/publisher/uid/42?expiry=86401', 'expiry: must be at most 86400 (24 h)'],
    ['/rtc/room%2F1/publisher/uid/42', 'channel: has characters Agora does not allow'],
    ['/rtm/0', 'invalid RTM user id: must not be empty or "0"'],
    ['/rte/room-1/publisher/uid/0', 'rtcuid: a wildcard uid has no RTM user; add the RTM user id to the path'],
  ]
  for (const [path, message] of cases) {
    const body = await json(await app.request(path, { headers: admin }), 400)
    assert.deepEqual(body, { error: message, message, status: 400 }, path)
  }
  const unauthenticated = await json(await app.request('/rtm/bob'), 401)
  assert.equal(unauthenticated.status, 401)
})

test("the Node token server's 006 tokens with AGATE_COMPAT_TOKEN_VERSION=006 (chat and RTM with a channel stay 007)", async () => {
  const app = await prodApp({ AGATE_COMPAT_TOKEN_VERSION: '006' })
  const get = async (path: string): Promise<any> => json(await app.request(path, { headers: admin }), 200)
  const { rtcToken } = await get('/rtc/room-1/publisher/uid/42?expiry=600')
  assert.ok(rtcToken.startsWith('006'))
  const reference = referenceVerify006(rtcToken, CERT, 'room-1', '42')
  assert.equal(reference.appId, APP_ID)
  assert.equal(reference.messages[1], NOW + 600)
  const { rtmToken } = await get('/rtm/bob')
  assert.ok(rtmToken.startsWith('006'))
  verifyToken(rtmToken, { certificates: CERT, userId: 'bob', now: NOW })
  const { token } = await json(await post(app, '/getToken', { tokenType: 'chat', uid: 'c' }, admin), 200)
  assert.equal(parseToken(token).version, '007')
  // RTM with a stream channel needs RTC and RTM in one token, which only AccessToken2 holds.
  const stream = await json(
    await post(app, '/getToken', { tokenType: 'rtm', uid: 'bob', channel: 'room-1' }, admin),
    200,
  )
  assert.deepEqual(
    referenceVerify007(stream.token, CERT).services.map((service) => service.type),
    [1, 2],
  )
  const plainRtm = await json(await post(app, '/getToken', { tokenType: 'rtm', uid: 'bob' }, admin), 200)
  assert.ok(plainRtm.token.startsWith('006'))
  // fetch_rtc_token keeps its own version.
  assert.ok(
    (
      await json(await post(app, '/fetch_rtc_token', { uid: 1, ChannelName: 'a', role: 1 }, admin), 200)
    ).token.startsWith('007'),
  )
})

test('/ping answers pong, as both community servers do', async () => {
  const app = await prodApp()
  assert.deepEqual(await json(await app.request('/ping'), 200), { message: 'pong' })
})
