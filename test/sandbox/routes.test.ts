import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Hono } from 'hono'
import { createSandbox, sandboxRoutes } from '../../src/sandbox/index.js'
import { buildRtcToken } from '../../src/token/index.js'
import { APP_ID, CERTIFICATE, OTHER_CERTIFICATE } from '../client/fixtures.js'
import { ManualClock } from './manual-clock.js'

function setup() {
  const clock = new ManualClock()
  const sandbox = createSandbox({
    apps: [{ appId: APP_ID, certificates: [CERTIFICATE] }],
    clock,
    timeScale: 2,
    coHostAuthentication: true,
  })
  const app = new Hono()
  app.route('/sandbox', sandboxRoutes(sandbox))
  const token = (extra: Record<string, unknown> = {}): string =>
    buildRtcToken({
      appId: APP_ID,
      appCertificate: CERTIFICATE,
      channelName: 'ChannelA',
      uid: 42,
      expire: 40,
      issuedAt: clock.seconds(),
      ...extra,
    })
  const post = async (path: string, body: unknown) => {
    const response = await app.request(`/sandbox${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    return { status: response.status, headers: response.headers, body: await response.json() }
  }
  const get = async (path: string) => {
    const response = await app.request(`/sandbox${path}`)
    return { status: response.status, body: await response.json() }
  }
  return { clock, sandbox, app, token, post, get }
}

test('GET /config describes the sandbox without any certificate', async () => {
  const { get } = setup()
  const { status, body } = await get('/config')
  assert.equal(status, 200)
  assert.deepEqual(
    { ...body, serverNow: typeof body.serverNow },
    {
      appIds: [APP_ID],
      timeScale: 2,
      maxTimeScale: 100,
      coHostAuthentication: true,
      willExpireSeconds: 30,
      serverNow: 'number',
    },
  )
  assert.ok(!JSON.stringify(body).includes(CERTIFICATE))
})

test('join, renew, publish, events and leave over HTTP', async () => {
  const { clock, token, post, get } = setup()
  const start = clock.now()
  const joined = await post('/rtc/join', { appId: APP_ID, channel: 'ChannelA', token: token(), uid: 42 })
  assert.equal(joined.status, 200)
  assert.equal(joined.headers.get('cache-control'), 'no-store')
  const { sessionId } = joined.body
  assert.deepEqual(joined.body.timing, { willExpireAt: start + 5_000, didExpireAt: start + 20_000, timeScale: 2 })
  assert.equal(joined.body.serverNow, start)

  assert.equal((await post(`/rtc/sessions/${sessionId}/publish`, { kinds: ['audio'] })).status, 200)
  assert.equal((await post(`/rtc/sessions/${sessionId}/unpublish`, {})).status, 200)
  const polling = get(`/rtc/sessions/${sessionId}/events?after=0&wait=10000`)
  clock.advance(5_000)
  const events = await polling
  assert.deepEqual(
    events.body.events.map((e: any) => e.type),
    ['token-privilege-will-expire'],
  )
  assert.equal(events.body.open, true)

  const renewed = await post(`/rtc/sessions/${sessionId}/renew`, { token: token() })
  assert.equal(renewed.status, 200)
  assert.equal(renewed.body.didExpireAt, clock.now() + 20_000)
  assert.equal((await post(`/rtc/sessions/${sessionId}/leave`, {})).status, 200)
  const gone = await get(`/rtc/sessions/${sessionId}/events?after=0`)
  assert.equal(gone.status, 404)
  assert.equal(gone.body.error.data.reason, 'ERR_NOT_IN_CHANNEL')
})

test('refusals answer with the status and an AgoraRTCError body, never the token', async () => {
  const { token, post } = setup()
  const bad = token({ appCertificate: OTHER_CERTIFICATE })
  const refused = await post('/rtc/join', { appId: APP_ID, channel: 'ChannelA', token: bad, uid: 42 })
  assert.equal(refused.status, 403)
  assert.deepEqual(refused.body.error, {
    name: 'AgoraRTCError',
    code: 'CAN_NOT_GET_GATEWAY_SERVER',
    message: 'invalid token, authorized failed (sandbox: the signature does not match the App Certificate)',
    data: {
      reason: 'ERR_INVALID_TOKEN',
      agoraCode: 110,
      desc: 'invalid token, authorized failed',
      detail: 'the signature does not match the App Certificate',
    },
  })
  assert.ok(!JSON.stringify(refused.body).includes(bad))
  assert.equal((await post('/rtc/join', { appId: APP_ID, channel: 'bad/name', token: token(), uid: 42 })).status, 400)
  const joined = await post('/rtc/join', {
    appId: APP_ID,
    channel: 'ChannelA',
    token: token({ role: 'subscriber' }),
    uid: 42,
  })
  const publish = await post(`/rtc/sessions/${joined.body.sessionId}/publish`, { kinds: ['video'] })
  assert.equal(publish.status, 403)
  assert.equal(publish.body.error.data.reason, 'ERR_NO_PERMISSION')
  assert.equal((await post('/rtc/sessions/nope/renew', { token: token() })).status, 404)
})

test('bodies that are not JSON objects, or too large, are 400s', async () => {
  const { post } = setup()
  for (const body of ['{bad', '[1]', '"text"', JSON.stringify({ token: 'x'.repeat(20_000) })]) {
    const answer = await post('/rtc/join', body)
    assert.equal(answer.status, 400, body.slice(0, 20))
    assert.equal(answer.body.error.code, 'INVALID_PARAMS')
  }
  assert.equal((await post('/inspect', {})).status, 400)
})

test('POST /inspect checks a signature against the sandbox certificates', async () => {
  const { token, post } = setup()
  const { serverNow: _serverNow, ...verdict } = (await post('/inspect', { token: token() })).body
  assert.deepEqual(verdict, { appKnown: true, signature: 'valid', certificate: 'primary' })
  assert.equal(
    (await post('/inspect', { token: token({ appCertificate: OTHER_CERTIFICATE }) })).body.signature,
    'invalid',
  )
})
