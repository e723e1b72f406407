/** POST /fetch_rtc_token in process: the docs' contract exactly, through auth and policy. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseToken, verifyToken } from '../../src/token/index.js'
import { APP_ID, bearer, CERT, json, KEYS, makeApp, post, productionEnv, referenceVerify007 } from './helpers.js'

const GO_SAMPLE = { uid: 2882341273, ChannelName: 'ChannelA', role: 1 }

test('the docs request gets {"token", "code": "200"} with a token both verifiers accept', async () => {
  const { app } = await makeApp(productionEnv())
  const body = await json(await post(app, '/fetch_rtc_token', GO_SAMPLE, bearer(KEYS.web.key)), 200)
  assert.deepEqual(Object.keys(body), ['token', 'code'])
  assert.equal(body.code, '200')
  verifyToken(body.token, { certificates: CERT, appId: APP_ID, channelName: 'ChannelA', uid: 2882341273 })
  const reference = referenceVerify007(body.token, CERT)
  assert.equal(reference.appId, APP_ID)
  assert.equal(reference.services[0]!.channel, 'ChannelA')
  assert.equal(reference.services[0]!.uid, '2882341273')
  // Publisher: join plus the three publish privileges, all for the default hour.
  assert.deepEqual(Object.keys(reference.services[0]!.privileges), ['1', '2', '3', '4'])
  assert.equal(reference.expire, 3600)
})

test("lifetime: 40 s in development, as the docs' sample server; the app's own in production; AGATE_FETCH_RTC_TOKEN_EXPIRE sets it", async () => {
  const lifetimeFrom = async (env: Record<string, string>, headers: Record<string, string> = {}) => {
    const { app } = await makeApp(env)
    const body = await json(await post(app, '/fetch_rtc_token', GO_SAMPLE, headers), 200)
    return referenceVerify007(body.token, CERT).expire
  }
  const development = { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT }
  assert.equal(await lifetimeFrom(development), 40)
  assert.equal(await lifetimeFrom({ ...development, AGATE_FETCH_RTC_TOKEN_EXPIRE: '90' }), 90)
  // Above the app's cap it is cut to the cap, instead of every request being refused.
  assert.equal(
    await lifetimeFrom({ ...development, AGATE_FETCH_RTC_TOKEN_EXPIRE: '900', AGATE_MAX_EXPIRE: '600' }),
    600,
  )
  assert.equal(await lifetimeFrom(productionEnv({ AGATE_TOKEN_EXPIRE: '1800' }), bearer(KEYS.web.key)), 1800)
  assert.equal(await lifetimeFrom(productionEnv({ AGATE_FETCH_RTC_TOKEN_EXPIRE: '600' }), bearer(KEYS.web.key)), 600)
})

test('keys match case-insensitively, as Go decodes them (the docs web client sends channelName)', async () => {
  const { app } = await makeApp()
  for (const body of [
    { uid: 1, channelName: 'ChannelA', role: 2 },
    { UID: 1, channelname: 'ChannelA', ROLE: 2 },
    { Uid: 1, CHANNELNAME: 'ChannelA', Role: 2, extra: 'ignored' },
  ]) {
    const { token } = await json(await post(app, '/fetch_rtc_token', body), 200)
    const parsed = parseToken(token)
    assert.equal(parsed.version, '007')
    if (parsed.version !== '007') return
    // role 2 = subscriber: join only.
    assert.deepEqual(
      parsed.services[0]!.privileges.map((privilege) => privilege.name),
      ['joinChannel'],
    )
  }
})

test('a key given twice in different cases is refused as ambiguous', async () => {
  const { app } = await makeApp()
  const body = await json(
    await post(app, '/fetch_rtc_token', '{"uid":1,"ChannelName":"a","channelName":"b","role":1}'),
    400,
  )
  assert.deepEqual(body, { token: 'ChannelName: is given twice (keys match case-insensitively)', code: '400' })
})

test('errors use the docs shape, {"token": "<message>", "code": "<status>"}, naming the problem', async () => {
  const { app } = await makeApp()
  const cases: [unknown, string][] = [
    [{ uid: '5', ChannelName: 'a', role: 1 }, 'uid: must be an integer from 0 to 4294967295'],
    [{ uid: -1, ChannelName: 'a', role: 1 }, 'uid: must be an integer from 0 to 4294967295'],
    [{ uid: 4294967296, ChannelName: 'a', role: 1 }, 'uid: must be an integer from 0 to 4294967295'],
    [{ uid: 1.5, ChannelName: 'a', role: 1 }, 'uid: must be an integer from 0 to 4294967295'],
    [{ ChannelName: 'a', role: 1 }, 'uid: is required'],
    [{ uid: 1, role: 1 }, 'ChannelName: is required'],
    [{ uid: 1, ChannelName: 7, role: 1 }, 'ChannelName: must be a string'],
    [{ uid: 1, ChannelName: 'a'.repeat(64), role: 1 }, 'ChannelName: must be under 64 characters'],
    [
      { uid: 1, ChannelName: 'bad/name', role: 1 },
      'ChannelName: may contain only a-z, A-Z, 0-9, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,',
    ],
    [{ uid: 1, ChannelName: 'a', role: 3 }, 'role: must be 1 (publisher) or 2 (subscriber)'],
    [{ uid: 1, ChannelName: 'a' }, 'role: is required'],
    [[1, 2], 'the body must be a JSON object'],
    [null, 'the body must be a JSON object'],
    ['{"uid":', 'the body is not valid JSON'],
    ['', 'the body is empty: send a JSON object'],
  ]
  for (const [body, message] of cases) {
    const response = await post(app, '/fetch_rtc_token', body === null ? 'null' : body)
    assert.deepEqual(await json(response, 400), { token: message, code: '400' }, JSON.stringify(body))
  }
})

test('OPTIONS is the docs preflight (200 with CORS headers); other methods get 405 in the docs shape', async () => {
  const { app } = await makeApp()
  const preflight = await app.request('/fetch_rtc_token', {
    method: 'OPTIONS',
    headers: {
      origin: 'http://localhost:5173',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  })
  assert.equal(preflight.status, 200)
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*')
  assert.match(preflight.headers.get('access-control-allow-methods')!, /POST/)
  assert.match(preflight.headers.get('access-control-allow-headers')!, /Content-Type/)
  assert.match(preflight.headers.get('access-control-allow-headers')!, /Authorization/)
  const get = await app.request('/fetch_rtc_token')
  assert.deepEqual(await json(get, 405), { token: 'Unsupported method. Please check.', code: '405' })
  assert.equal(get.headers.get('allow'), 'POST, OPTIONS')
})

test('auth and policy errors keep the docs shape with their own status', async () => {
  const { app } = await makeApp(productionEnv())
  assert.equal((await json(await post(app, '/fetch_rtc_token', GO_SAMPLE), 401)).code, '401')
  const denied = await json(
    await post(app, '/fetch_rtc_token', { ...GO_SAMPLE, ChannelName: 'elsewhere' }, bearer(KEYS.web.key)),
    403,
  )
  assert.deepEqual(denied, {
    token: 'denied by rule "web": channel "elsewhere" matches none of room-*, ChannelA',
    code: '403',
  })
})

test('?app= picks another app, whose version setting applies', async () => {
  const { app } = await makeApp(productionEnv())
  const { token } = await json(await post(app, '/fetch_rtc_token?app=second', GO_SAMPLE, bearer(KEYS.admin.key)), 200)
  assert.ok(token.startsWith('006'))
  const unknown = await json(await post(app, '/fetch_rtc_token?app=nope', GO_SAMPLE, bearer(KEYS.admin.key)), 400)
  assert.equal(unknown.token, 'app: no such app is configured')
})
