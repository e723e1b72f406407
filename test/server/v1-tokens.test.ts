/** POST /v1/tokens and /v1/tokens/verify in process: every service and combination, summaries, problems. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createApiKey } from '../../src/server/auth/api-keys.js'
import { openApiDocument } from '../../src/server/openapi.js'
import { buildRtcToken, parseToken, verifyToken, type ParsedToken007 } from '../../src/token/index.js'
import {
  API_KEYS_SETTING,
  APP_ID,
  bearer,
  CERT,
  json,
  KEYS,
  makeApp,
  OTHER_APP_ID,
  OTHER_CERT,
  post,
  productionEnv,
  referenceVerify006,
  referenceVerify007,
  SECONDARY,
} from './helpers.js'

const NOW = 1_700_000_000
const deps = { now: () => NOW * 1000 }
const admin = bearer(KEYS.admin.key)

async function mint(body: unknown, status = 200): Promise<any> {
  const { app } = await makeApp(productionEnv(), {}, deps)
  return json(await post(app, '/v1/tokens', body, admin), status)
}

function parse007(token: string): ParsedToken007 {
  const parsed = parseToken(token)
  assert.equal(parsed.version, '007')
  return parsed
}

test('RTC by uid: the token, and a summary that matches what the token holds', async () => {
  const body = await mint({ rtc: { channelName: 'room-1', uid: 42, role: 'publisher' }, expire: 900 })
  assert.equal(body.version, '007')
  assert.equal(body.app, 'main')
  assert.equal(body.appId, APP_ID)
  assert.equal(body.issuedAt, NOW)
  assert.equal(body.expiresAt, NOW + 900)
  const parsed = parse007(body.token)
  assert.equal(parsed.issuedAt, NOW)
  assert.equal(parsed.expiresAt, body.expiresAt)
  const rtc = parsed.services[0]!
  assert.equal(rtc.type, 'rtc')
  const expected = Object.fromEntries(rtc.privileges.map((privilege) => [privilege.name, privilege.expiresAt]))
  assert.deepEqual(body.services.rtc, { channelName: 'room-1', role: 'publisher', uid: 42, privileges: expected })
  assert.deepEqual(expected, {
    joinChannel: NOW + 900,
    publishAudioStream: NOW + 900,
    publishVideoStream: NOW + 900,
    publishDataStream: NOW + 900,
  })
  verifyToken(body.token, { certificates: CERT, channelName: 'room-1', uid: 42, now: NOW })
  referenceVerify007(body.token, CERT)
})

test('RTC without a role is a publisher token, as in the library and the CLI', async () => {
  const body = await mint({ rtc: { channelName: 'room-1', uid: 42 }, expire: 900 })
  assert.equal(body.services.rtc.role, 'publisher')
  const rtc = parse007(body.token).services[0]!
  assert.deepEqual(
    rtc.privileges.map((privilege) => privilege.name),
    ['joinChannel', 'publishAudioStream', 'publishVideoStream', 'publishDataStream'],
  )
  const library = buildRtcToken({
    appId: APP_ID,
    appCertificate: CERT,
    channelName: 'room-1',
    uid: 42,
    expire: 900,
    issuedAt: NOW,
  })
  assert.deepEqual(rtc.privileges, parse007(library).services[0]!.privileges)
})

test('the policy sees the default role: a subscriber-only rule denies a request without one', async () => {
  const policy = [{ name: 'listeners', who: { apiKeys: ['web'] }, roles: ['subscriber'] }]
  const { app } = await makeApp(productionEnv({ AGATE_POLICY: JSON.stringify(policy) }), {}, deps)
  const web = bearer(KEYS.web.key)
  const denied = await json(await post(app, '/v1/tokens', { rtc: { channelName: 'room-1', uid: 1 } }, web), 403)
  assert.deepEqual([denied.code, denied.rule, denied.reason], ['forbidden', 'listeners', 'role'])
  const allowed = await json(
    await post(app, '/v1/tokens', { rtc: { channelName: 'room-1', uid: 1, role: 'subscriber' } }, web),
    200,
  )
  assert.equal(allowed.services.rtc.role, 'subscriber')
})

test('the OpenAPI document shows rtc.role as optional, defaulting to publisher', () => {
  const schemas = (openApiDocument().components as { schemas: Record<string, any> }).schemas
  const rtc = schemas.TokenRequest.properties.rtc
  assert.deepEqual(rtc.required, ['channelName'])
  assert.equal(rtc.properties.role.default, 'publisher')
  assert.deepEqual(rtc.properties.role.enum, ['publisher', 'subscriber'])
})

test('RTC by account with per-privilege lifetimes', async () => {
  const body = await mint({
    rtc: {
      channelName: 'room-1',
      account: 'alice',
      role: 'publisher',
      privilegeExpire: { joinChannel: 600, publishVideoStream: 60 },
    },
    expire: 600,
  })
  assert.deepEqual(body.services.rtc.privileges, {
    joinChannel: NOW + 600,
    publishAudioStream: NOW + 600,
    publishVideoStream: NOW + 60,
    publishDataStream: NOW + 600,
  })
  const reference = referenceVerify007(body.token, CERT)
  assert.equal(reference.services[0]!.uid, 'alice')
  assert.deepEqual(reference.services[0]!.privileges, { 1: 600, 2: 600, 3: 60, 4: 600 })
})

test('RTC+RTM is one token holding both services', async () => {
  const body = await mint({
    rtc: { channelName: 'room-1', uid: 7, role: 'subscriber' },
    rtm: { userId: 'bob', expire: 300 },
  })
  const reference = referenceVerify007(body.token, CERT)
  assert.deepEqual(
    reference.services.map((service) => service.type),
    [1, 2],
  )
  assert.equal(reference.services[1]!.userId, 'bob')
  assert.deepEqual(reference.services[1]!.privileges, { 1: 300 })
  assert.deepEqual(body.services.rtm, { userId: 'bob', privileges: { login: NOW + 300 } })
  verifyToken(body.token, { certificates: CERT, userId: 'bob', now: NOW })
})

test('RTM alone, and with RTM2 permissions', async () => {
  const plain = await mint({ rtm: { userId: 'bob' } })
  assert.deepEqual(
    referenceVerify007(plain.token, CERT).services.map((service) => service.type),
    [2],
  )
  assert.equal(plain.expiresAt, NOW + 3600)
  const withPermissions = await mint({ rtm: { userId: 'bob', permissions: { messageChannels: { read: ['lobby'] } } } })
  const parsed = parse007(withPermissions.token)
  assert.equal(parsed.services[0]!.type, 'rtm2')
  assert.deepEqual((parsed.services[0] as { permissions: unknown }).permissions, {
    messageChannels: { read: ['lobby'] },
  })
})

test('Chat user and app tokens, APaaS room-user, user and app tokens, FPA', async () => {
  const chatUser = await mint({ chat: { userId: 'carol' } })
  assert.equal(referenceVerify007(chatUser.token, CERT).services[0]!.userId, 'carol')
  assert.deepEqual(chatUser.services.chat, { userId: 'carol', privileges: { user: NOW + 3600 } })
  const chatApp = await mint({ chat: {} })
  assert.deepEqual(referenceVerify007(chatApp.token, CERT).services[0]!.privileges, { 2: 3600 })

  const roomUser = await mint({ apaas: { roomUuid: 'room-7', userUuid: 'u7', role: 'student' } })
  assert.deepEqual(
    parse007(roomUser.token).services.map((service) => service.type),
    ['rtm', 'chat', 'apaas'],
  )
  assert.deepEqual(roomUser.services.apaas, {
    roomUuid: 'room-7',
    userUuid: 'u7',
    role: 'student',
    privileges: { roomUser: NOW + 3600 },
  })
  assert.deepEqual(
    parse007((await mint({ apaas: { userUuid: 'u7' } })).token).services.map((service) => service.type),
    ['apaas'],
  )
  assert.equal(referenceVerify007((await mint({ apaas: {} })).token, CERT).services[0]!.type, 7)

  const fpa = await mint({ fpa: true })
  assert.equal(referenceVerify007(fpa.token, CERT).services[0]!.type, 4)
})

test('other combinations go into one AccessToken2', async () => {
  const body = await mint({
    rtc: { channelName: 'room-1', uid: 1, role: 'publisher' },
    chat: { userId: 'dave' },
    fpa: {},
    expire: 120,
  })
  const reference = referenceVerify007(body.token, CERT)
  assert.deepEqual(
    reference.services.map((service) => service.type),
    [1, 4, 5],
  )
  assert.equal(reference.expire, 120)
  assert.deepEqual(Object.keys(body.services), ['rtc', 'chat', 'fpa'])
})

test("version 006: RTC and RTM tokens Agora's 006 verifier accepts; nothing else", async () => {
  const rtc = await mint({ version: '006', rtc: { channelName: 'room-1', uid: 42, role: 'publisher' }, expire: 600 })
  assert.ok(rtc.token.startsWith('006'))
  const reference = referenceVerify006(rtc.token, CERT, 'room-1', '42')
  assert.equal(reference.appId, APP_ID)
  assert.equal(reference.messages[1], NOW + 600)
  verifyToken(rtc.token, { certificates: CERT, channelName: 'room-1', uid: 42, now: NOW })
  const rtm = await mint({ version: '006', rtm: { userId: 'bob' } })
  verifyToken(rtm.token, { certificates: CERT, userId: 'bob', now: NOW })

  const both = await mint(
    { version: '006', rtc: { channelName: 'room-1', uid: 42, role: 'publisher' }, rtm: { userId: 'bob' } },
    400,
  )
  assert.equal(both.code, 'invalid-request')
  assert.equal(both.field, 'version')
  // The app "second" mints 006 by default.
  const second = await mint({ app: 'second', rtc: { channelName: 'room-1', uid: 42, role: 'publisher' } })
  assert.equal(second.version, '006')
  referenceVerify006(second.token, OTHER_CERT, 'room-1', '42')
  assert.equal(
    (await mint({ app: OTHER_APP_ID, version: '007', rtc: { channelName: 'x', uid: 1, role: 'publisher' } })).app,
    'second',
  )
})

test('bad requests are RFC 9457 problems with a stable code and the field', async () => {
  const { app } = await makeApp(productionEnv(), {}, deps)
  const cases: [unknown, string, string | undefined, string][] = [
    [{}, 'invalid-argument', undefined, 'ask for at least one service: rtc, rtm, chat, apaas or fpa'],
    [
      { rtc: { channelName: 'a', uid: 1, account: 'x', role: 'publisher' } },
      'invalid-argument',
      'rtc.uid',
      'rtc.uid: give exactly one of uid and account',
    ],
    [
      { rtc: { channelName: 'a', role: 'publisher' } },
      'invalid-argument',
      'rtc.uid',
      'rtc.uid: give exactly one of uid and account',
    ],
    [
      { rtc: { channelName: 'a', uid: 1, role: 'admin' } },
      'invalid-argument',
      'rtc.role',
      'rtc.role: must be publisher or subscriber',
    ],
    [
      { rtc: { channelName: 'a', uid: 1, role: 'publisher', channel: 'typo' } },
      'invalid-argument',
      'rtc.channel',
      'rtc.channel: is not a known field',
    ],
    [
      { rtc: { channelName: 'a', uid: 1, role: 'subscriber', privilegeExpire: { publishAudioStream: 5 } } },
      'invalid-request',
      'rtc.privilegeExpire.publishAudioStream',
      'a subscriber cannot publish; drop privilegeExpire.publishAudioStream or use role publisher',
    ],
    [
      { rtm: { userId: 'u' }, expire: 86_401 },
      'invalid-argument',
      'expire',
      'expire: must be an integer number of seconds from 1 to 86400',
    ],
    [{ rtm: { userId: '' } }, 'invalid-argument', 'rtm.userId', 'rtm.userId: must not be empty'],
    [{ rtm: { userId: 'u' }, version: '008' }, 'invalid-argument', 'version', 'version: must be "006" or "007"'],
    [
      { apaas: { userUuid: 'u' }, rtm: { userId: 'u' } },
      'invalid-request',
      'apaas',
      'apaas tokens already hold their RTM and Chat services; request apaas alone',
    ],
    [
      { apaas: { roomUuid: 'r', userUuid: 'u' } },
      'invalid-argument',
      'role',
      'role: is needed for a room-user token (invisible, teacher, student, assistant, observer or a number)',
    ],
    [{ app: 'nope', rtm: { userId: 'u' } }, 'invalid-argument', 'app', 'app: no such app is configured'],
    [
      { chat: { userId: 'x'.repeat(256) } },
      'invalid-argument',
      'chat.userId',
      'chat.userId: must be at most 64 characters',
    ],
  ]
  for (const [body, code, field, detail] of cases) {
    const response = await post(app, '/v1/tokens', body, admin)
    assert.equal(response.headers.get('content-type'), 'application/problem+json', JSON.stringify(body))
    const problem = await json(response, code === 'invalid-request' || code === 'invalid-argument' ? 400 : 0)
    assert.equal(problem.code, code, JSON.stringify(body))
    assert.equal(problem.field, field, JSON.stringify(body))
    assert.equal(problem.detail, detail, JSON.stringify(body))
    assert.equal(problem.type, `urn:agate:problem:${code}`)
    assert.equal(problem.status, 400)
    assert.equal(typeof problem.requestId, 'string')
  }
})

test('lifetimes: an explicit one over the policy cap is denied; the default is cut to the cap', async () => {
  const { app } = await makeApp(productionEnv(), {}, deps)
  const web = bearer(KEYS.web.key)
  const denied = await json(
    await post(app, '/v1/tokens', { rtc: { channelName: 'room-1', uid: 1, role: 'publisher' }, expire: 7200 }, web),
    403,
  )
  assert.deepEqual([denied.code, denied.rule, denied.reason], ['forbidden', 'web', 'expire'])
  assert.equal(denied.detail, 'denied by rule "web": lifetimes over 3600 s are not allowed')
  const privilege = await json(
    await post(
      app,
      '/v1/tokens',
      { rtc: { channelName: 'room-1', uid: 1, role: 'publisher', privilegeExpire: 7200 } },
      web,
    ),
    403,
  )
  assert.equal(privilege.reason, 'expire')
  const outlives = await json(
    await post(
      app,
      '/v1/tokens',
      { rtc: { channelName: 'room-1', uid: 1, role: 'publisher', privilegeExpire: 900 }, expire: 600 },
      web,
    ),
    400,
  )
  assert.equal(outlives.detail, 'privileges may not outlive the token (600 s); raise expire or shorten them')
  // Without an explicit lifetime, the token lasts as long as its longest privilege.
  const longer = await json(
    await post(
      app,
      '/v1/tokens',
      { rtc: { channelName: 'room-1', uid: 1, role: 'publisher', privilegeExpire: { joinChannel: 3000 } } },
      web,
    ),
    200,
  )
  assert.equal(longer.expiresAt, NOW + 3600)
  const capped = await makeApp(productionEnv({ AGATE_TOKEN_EXPIRE: '7200', AGATE_MAX_EXPIRE: '86400' }), {}, deps)
  const body = await json(
    await post(capped.app, '/v1/tokens', { rtc: { channelName: 'room-1', uid: 1, role: 'publisher' } }, web),
    200,
  )
  assert.equal(body.expiresAt, NOW + 3600)
})

test('verify: primary and secondary certificates, and verdicts for bad tokens', async () => {
  const { app } = await makeApp(productionEnv(), {}, deps)
  const verify = async (body: unknown, status = 200): Promise<any> =>
    json(await post(app, '/v1/tokens/verify', body, admin), status)
  const issued = await json(
    await post(app, '/v1/tokens', { rtc: { channelName: 'room-1', uid: 42, role: 'publisher' } }, admin),
    200,
  )

  const good = await verify({ token: issued.token, channelName: 'room-1', uid: 42 })
  assert.deepEqual([good.valid, good.app, good.certificate], [true, 'main', 'primary'])
  assert.equal(good.claims.services[0].channelName, 'room-1')
  assert.equal(JSON.stringify(good).includes(issued.token), false)

  const bySecondary = buildRtcToken({
    appId: APP_ID,
    appCertificate: SECONDARY,
    channelName: 'room-1',
    uid: 42,
    issuedAt: NOW,
  })
  assert.equal((await verify({ token: bySecondary })).certificate, 'secondary')

  const forged = buildRtcToken({
    appId: APP_ID,
    appCertificate: 'ffffffffffffffffffffffffffffffff',
    channelName: 'room-1',
    uid: 42,
    issuedAt: NOW,
  })
  assert.deepEqual(pick(await verify({ token: forged })), { valid: false, code: 'ERR_TOKEN_SIGNATURE_MISMATCH' })
  assert.deepEqual(pick(await verify({ token: issued.token, channelName: 'room-2', uid: 42 })), {
    valid: false,
    code: 'ERR_TOKEN_CLAIM_MISMATCH',
  })
  const old = buildRtcToken({
    appId: APP_ID,
    appCertificate: CERT,
    channelName: 'room-1',
    uid: 42,
    issuedAt: NOW - 7200,
    expire: 60,
  })
  assert.deepEqual(pick(await verify({ token: old })), { valid: false, code: 'ERR_TOKEN_EXPIRED' })
  assert.deepEqual(pick(await verify({ token: '007garbage' })), { valid: false, code: 'ERR_TOKEN_MALFORMED' })
  assert.deepEqual(pick(await verify({ token: 'hello' })), { valid: false, code: 'ERR_TOKEN_UNSUPPORTED_VERSION' })
  const foreign = buildRtcToken({
    appId: 'ffffffffffffffffffffffffffffffff',
    appCertificate: CERT,
    channelName: 'a',
    uid: 1,
  })
  assert.deepEqual(pick(await verify({ token: foreign })), { valid: false, code: 'ERR_TOKEN_CLAIM_MISMATCH' })

  const token006 = (
    await json(
      await post(
        app,
        '/v1/tokens',
        { version: '006', rtc: { channelName: 'room-1', uid: 42, role: 'publisher' } },
        admin,
      ),
      200,
    )
  ).token
  const missing = await verify({ token: token006 }, 400)
  assert.equal(missing.code, 'invalid-argument')
  assert.equal((await verify({ token: token006, channelName: 'room-1', uid: 42 })).valid, true)

  const unauthenticated = await json(await post(app, '/v1/tokens/verify', { token: issued.token }), 401)
  assert.equal(unauthenticated.code, 'unauthenticated')
})

test('verify: a caller no rule is about gets no verdict, even for a token of an app not served here', async () => {
  const ruleless = createApiKey()
  const { app } = await makeApp(productionEnv({ AGATE_API_KEYS: `${API_KEYS_SETTING},ops=${ruleless.hash}` }), {}, deps)
  const foreign = buildRtcToken({
    appId: 'ffffffffffffffffffffffffffffffff',
    appCertificate: CERT,
    channelName: 'a',
    uid: 1,
  })
  const mine = buildRtcToken({ appId: APP_ID, appCertificate: CERT, channelName: 'a', uid: 1 })
  for (const token of [foreign, mine]) {
    const denied = await json(await post(app, '/v1/tokens/verify', { token }, bearer(ruleless.key)), 403)
    assert.deepEqual([denied.rule, denied.reason], ['default-deny', 'no-rule'])
  }
  const verdict = await json(await post(app, '/v1/tokens/verify', { token: foreign }, admin), 200)
  assert.deepEqual(pick(verdict), { valid: false, code: 'ERR_TOKEN_CLAIM_MISMATCH' })
})

function pick(body: { valid: boolean; code: string }): { valid: boolean; code: string } {
  return { valid: body.valid, code: body.code }
}
