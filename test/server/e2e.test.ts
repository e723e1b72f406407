/**
 * End to end over a real socket on 127.0.0.1: the docs' Go sample request and web client request,
 * each compat route, the auth and policy matrix, and the bad-input table (4xx naming the problem,
 * never 5xx).
 */
import assert from 'node:assert/strict'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { SignJWT } from 'jose'
import { createApiKey } from '../../src/server/auth/api-keys.js'
import { startServer, type RunningServer } from '../../src/server/listen.js'
import { verifyToken } from '../../src/token/index.js'
import {
  API_KEYS_SETTING,
  APP_ID,
  captureLogs,
  CERT,
  config,
  JWT_SECRET,
  KEYS,
  productionEnv,
  referenceVerify006,
  referenceVerify007,
} from './helpers.js'

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  text: string
}

/** One HTTP/1.1 request with exactly the given headers (no fetch defaults added). */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer | Buffer[],
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base)
    const request = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    if (Array.isArray(body)) {
      for (const chunk of body) request.write(chunk)
      request.end()
    } else {
      request.end(body)
    }
  })
}

/** Raw bytes on a socket: for requests Node's client would refuse to send. */
function raw(base: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(base)
    const socket = connect(Number(url.port), url.hostname, () => socket.end(bytes))
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
    socket.on('error', reject)
  })
}

const GO_SAMPLE_BODY = '{"uid":2882341273,"ChannelName":"ChannelA","role":1}'

describe("development server (the docs' own clients, unchanged)", () => {
  let server: RunningServer
  before(async () => {
    server = await startServer(await config({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT }, { port: 0 }), {
      logger: captureLogs().logger,
    })
  })
  after(() => server.close())

  test("the docs' Go sample request, byte for byte as Go's http.Post sends it", async () => {
    const reply = await send(
      server.url,
      'POST',
      '/fetch_rtc_token',
      {
        'User-Agent': 'Go-http-client/1.1',
        'Content-Length': String(GO_SAMPLE_BODY.length),
        'Content-Type': 'application/json',
        'Accept-Encoding': 'gzip',
      },
      GO_SAMPLE_BODY,
    )
    assert.equal(reply.status, 200)
    assert.match(reply.headers['content-type']!, /^application\/json/)
    const body = JSON.parse(reply.text)
    assert.equal(body.code, '200')
    verifyToken(body.token, { certificates: CERT, appId: APP_ID, channelName: 'ChannelA', uid: 2882341273 })
    referenceVerify007(body.token, CERT)
  })

  test("the docs' web client: axios preflight, then POST {uid, channelName, role} and read data.token", async () => {
    const origin = 'http://localhost:8080'
    const preflight = await send(server.url, 'OPTIONS', '/fetch_rtc_token', {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    })
    assert.equal(preflight.status, 200)
    assert.equal(preflight.headers['access-control-allow-origin'], '*')
    assert.match(String(preflight.headers['access-control-allow-headers']), /Content-Type/i)
    const body = JSON.stringify({ uid: 0, channelName: 'test', role: 1 })
    const reply = await send(
      server.url,
      'POST',
      '/fetch_rtc_token',
      {
        Accept: 'application/json, text/plain, */*',
        'Content-Type': 'application/json; charset=UTF-8',
        Origin: origin,
        'Content-Length': String(body.length),
      },
      body,
    )
    assert.equal(reply.status, 200)
    assert.equal(reply.headers['access-control-allow-origin'], '*')
    const { token } = JSON.parse(reply.text)
    // uid 0: the docs' client joins with a wildcard token; the development policy allows it.
    assert.equal(referenceVerify007(token, CERT).services[0]!.uid, '')
  })

  test('a chunked body (no Content-Length) is read too', async () => {
    const reply = await send(
      server.url,
      'POST',
      '/fetch_rtc_token',
      { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      [Buffer.from('{"uid":1,'), Buffer.from('"ChannelName":"a","role":2}')],
    )
    assert.equal(reply.status, 200, reply.text)
  })
})

const RULELESS_KEY = createApiKey()

describe('production server', () => {
  let server: RunningServer
  let member: string
  let hyphenated: string
  let subless: string
  let visitor: string
  let expired: string

  const jwt = (claims: Record<string, unknown>, exp: string | number = '5m'): Promise<string> =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://id.example')
      .setAudience('agate')
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(JWT_SECRET))

  before(async () => {
    server = await startServer(
      await config(
        productionEnv({
          AGATE_HOST: '127.0.0.1',
          AGATE_BODY_LIMIT: '4096',
          AGATE_MAX_HEADER_SIZE: '4096',
          // A key no policy rule names: its callers meet default-deny.
          AGATE_API_KEYS: `${API_KEYS_SETTING},ops=${RULELESS_KEY.hash}`,
        }),
        { port: 0 },
      ),
      {
        logger: captureLogs().logger,
      },
    )
    member = await jwt({ sub: 'alice', uid: 42, role: 'member' })
    hyphenated = await jwt({ sub: 'al-ice', uid: 43, role: 'member' })
    subless = await jwt({ uid: 44, role: 'member' })
    visitor = await jwt({ sub: 'vic', role: 'visitor' })
    expired = await jwt({ sub: 'alice', uid: 42, role: 'member' }, Math.floor(Date.now() / 1000) - 60)
  })
  after(() => server.close())

  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    return send(
      server.url,
      'POST',
      path,
      { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers },
      text,
    )
  }
  const auth = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` })

  test('the Go sample request with an API key', async () => {
    const reply = await postJson('/fetch_rtc_token', GO_SAMPLE_BODY, { 'X-API-Key': KEYS.web.key })
    assert.equal(reply.status, 200, reply.text)
    referenceVerify007(JSON.parse(reply.text).token, CERT)
  })

  test('each compat route over the socket', async () => {
    const admin = auth(KEYS.admin.key)
    const getToken = await postJson(
      '/getToken',
      { tokenType: 'rtc', channel: 'room-1', uid: '42', role: 'publisher' },
      admin,
    )
    assert.equal(getToken.status, 200, getToken.text)
    referenceVerify007(JSON.parse(getToken.text).token, CERT)
    const routes: [string, string[]][] = [
      ['/rtc/room-1/publisher/uid/42', ['rtcToken']],
      ['/rtc/room-1/audience/userAccount/alice/', ['rtcToken']],
      ['/rtm/bob', ['rtmToken']],
      ['/rte/room-1/publisher/uid/42/', ['rtcToken', 'rtmToken']],
      ['/rte/room-1/publisher/uid/42/bob', ['rtcToken', 'rtmToken']],
      ['/chat/app/', ['chatToken']],
      ['/chat/account/carol', ['chatToken']],
      ['/rtc/room-1/publisher/uid/42?app=second', ['rtcToken']],
    ]
    for (const [path, keys] of routes) {
      const reply = await send(server.url, 'GET', path, admin)
      assert.equal(reply.status, 200, `${path}: ${reply.text}`)
      const body = JSON.parse(reply.text)
      assert.deepEqual(Object.keys(body), keys, path)
      for (const key of keys) {
        if (body[key].startsWith('006'))
          referenceVerify006(body[key], '99998888777766665555444433332222', 'room-1', '42')
        else referenceVerify007(body[key], CERT)
      }
    }
    assert.equal((await send(server.url, 'GET', '/ping')).text, '{"message":"pong"}')
    // The same authentication and policy as every route, in each server's own error shape.
    const web = auth(KEYS.web.key)
    const denials: [string, string, Record<string, string>, number, string][] = [
      [
        'GET',
        '/rtc/lobby/publisher/uid/42',
        web,
        403,
        'denied by rule "web": channel "lobby" matches none of room-*, ChannelA',
      ],
      ['GET', '/chat/app/', web, 403, 'denied by rule "web": service chat is not allowed'],
      ['GET', '/rtm/bob', {}, 401, 'credentials required: send Authorization: Bearer <API key or JWT>, or X-API-Key'],
    ]
    for (const [method, path, headers, status, message] of denials) {
      const reply = await send(server.url, method, path, headers)
      assert.deepEqual([reply.status, JSON.parse(reply.text)], [status, { error: message, message, status }], path)
    }
    const getTokenDenied = await postJson('/getToken', { tokenType: 'rtc', channel: 'lobby', uid: '42' }, web)
    assert.deepEqual(
      [getTokenDenied.status, getTokenDenied.text],
      [403, 'denied by rule "web": channel "lobby" matches none of room-*, ChannelA'],
    )
  })

  test('the auth and policy matrix: every denial path', async () => {
    const rtc = (channelName: string, uid: number, role = 'subscriber', extra: Record<string, unknown> = {}) => ({
      rtc: { channelName, uid, role },
      ...extra,
    })
    const cases: {
      who: string
      headers: () => Record<string, string>
      body: unknown
      status: number
      code: string
      rule?: string
      reason?: string
    }[] = [
      {
        who: 'nobody',
        headers: () => ({}),
        body: rtc('room-1', 1),
        status: 401,
        code: 'unauthenticated',
        reason: 'missing-credentials',
      },
      {
        who: 'unknown key',
        headers: () => ({ 'X-API-Key': 'agate_unknownunknownunknownunknown00' }),
        body: rtc('room-1', 1),
        status: 401,
        code: 'unauthenticated',
        reason: 'invalid-api-key',
      },
      {
        who: 'expired JWT',
        headers: () => auth(expired),
        body: rtc('room-alice-1', 42),
        status: 401,
        code: 'unauthenticated',
        reason: 'invalid-jwt',
      },
      {
        who: 'ops (no rule names it)',
        headers: () => auth(RULELESS_KEY.key),
        body: rtc('room-1', 1),
        status: 403,
        code: 'forbidden',
        rule: 'default-deny',
        reason: 'no-rule',
      },
      { who: 'web', headers: () => auth(KEYS.web.key), body: rtc('room-1', 1, 'publisher'), status: 200, code: 'ok' },
      {
        who: 'web',
        headers: () => auth(KEYS.web.key),
        body: rtc('lobby', 1),
        status: 403,
        code: 'forbidden',
        rule: 'web',
        reason: 'channel',
      },
      {
        who: 'web',
        headers: () => auth(KEYS.web.key),
        body: rtc('room-1', 0),
        status: 403,
        code: 'forbidden',
        rule: 'web',
        reason: 'wildcard',
      },
      {
        who: 'web',
        headers: () => auth(KEYS.web.key),
        body: rtc('', 1),
        status: 403,
        code: 'forbidden',
        rule: 'web',
        reason: 'wildcard',
      },
      {
        who: 'web',
        headers: () => auth(KEYS.web.key),
        body: { app: 'second', ...rtc('room-1', 1) },
        status: 403,
        code: 'forbidden',
        rule: 'web',
        reason: 'app',
      },
      {
        who: 'web',
        headers: () => auth(KEYS.web.key),
        body: { chat: { userId: 'x' } },
        status: 403,
        code: 'forbidden',
        rule: 'web',
        reason: 'service',
      },
      {
        who: 'web',
        headers: () => auth(KEYS.web.key),
        body: rtc('room-1', 1, 'subscriber', { expire: 3601 }),
        status: 403,
        code: 'forbidden',
        rule: 'web',
        reason: 'expire',
      },
      {
        who: 'admin',
        headers: () => auth(KEYS.admin.key),
        body: rtc('', 0, 'publisher', { app: 'second' }),
        status: 200,
        code: 'ok',
      },
      { who: 'member', headers: () => auth(member), body: rtc('room-alice-1', 42), status: 200, code: 'ok' },
      {
        who: 'member',
        headers: () => auth(member),
        body: rtc('room-bob-1', 42),
        status: 403,
        code: 'forbidden',
        rule: 'members',
        reason: 'channel',
      },
      {
        who: 'member',
        headers: () => auth(member),
        body: rtc('room-alice-1', 43),
        status: 403,
        code: 'forbidden',
        rule: 'members',
        reason: 'user',
      },
      {
        who: 'member',
        headers: () => auth(member),
        body: rtc('room-alice-1', 42, 'publisher'),
        status: 403,
        code: 'forbidden',
        rule: 'members',
        reason: 'role',
      },
      {
        who: 'member',
        headers: () => auth(member),
        body: { rtm: { userId: 'alice', expire: 601 } },
        status: 403,
        code: 'forbidden',
        rule: 'members',
        reason: 'expire',
      },
      { who: 'member', headers: () => auth(member), body: { rtm: { userId: 'alice' } }, status: 200, code: 'ok' },
      {
        // room-{sub}-* for sub "al-ice" would reach the rooms of a caller "al".
        who: 'member whose sub holds the separator',
        headers: () => auth(hyphenated),
        body: rtc('room-al-ice-1', 43),
        status: 403,
        code: 'forbidden',
        rule: 'members',
        reason: 'claim',
      },
      {
        who: 'member without a sub',
        headers: () => auth(subless),
        body: rtc('room--1', 44),
        status: 403,
        code: 'forbidden',
        rule: 'members',
        reason: 'claim',
      },
      {
        who: 'visitor',
        headers: () => auth(visitor),
        body: rtc('room-vic-1', 1),
        status: 403,
        code: 'forbidden',
        rule: 'other-jwt',
        reason: 'channel',
      },
      { who: 'visitor', headers: () => auth(visitor), body: rtc('public-1', 1), status: 200, code: 'ok' },
    ]
    for (const entry of cases) {
      const reply = await postJson('/v1/tokens', entry.body, entry.headers())
      const label = `${entry.who} ${JSON.stringify(entry.body)}: ${reply.text}`
      assert.equal(reply.status, entry.status, label)
      const body = JSON.parse(reply.text)
      if (entry.status === 200) {
        assert.equal(typeof body.token, 'string')
        continue
      }
      assert.equal(reply.headers['content-type'], 'application/problem+json')
      assert.equal(body.code, entry.code, label)
      assert.equal(body.rule, entry.rule, label)
      assert.equal(body.reason, entry.reason, label)
      if (entry.rule !== undefined) assert.ok(body.detail.startsWith(`denied by rule "${entry.rule}": `), label)
      if (entry.status === 401) assert.equal(reply.headers['www-authenticate'], 'Bearer realm="agate"')
    }
  })

  test('the bad-input table: each gets a 4xx naming the problem, never a 5xx', async () => {
    const web = { 'X-API-Key': KEYS.web.key }
    const big = JSON.stringify({ uid: 1, ChannelName: 'room-1', role: 1, padding: 'x'.repeat(10_000) })
    const cases: { name: string; run: () => Promise<Reply>; status: number; says: RegExp }[] = [
      {
        name: 'uid as a string',
        run: () => postJson('/fetch_rtc_token', { uid: '42', ChannelName: 'room-1', role: 1 }, web),
        status: 400,
        says: /uid: must be an integer/,
      },
      {
        name: 'uid out of range',
        run: () => postJson('/fetch_rtc_token', { uid: 2 ** 32, ChannelName: 'room-1', role: 1 }, web),
        status: 400,
        says: /uid: must be an integer from 0 to 4294967295/,
      },
      {
        name: 'negative uid',
        run: () => postJson('/v1/tokens', { rtc: { channelName: 'room-1', uid: -1, role: 'publisher' } }, web),
        status: 400,
        says: /rtc\.uid: must be an integer/,
      },
      {
        name: 'missing channel',
        run: () => postJson('/fetch_rtc_token', { uid: 1, role: 1 }, web),
        status: 400,
        says: /ChannelName: is required/,
      },
      {
        name: 'missing body fields (v1)',
        run: () => postJson('/v1/tokens', {}, web),
        status: 400,
        says: /at least one service/,
      },
      {
        name: 'channel of the wrong type',
        run: () => postJson('/fetch_rtc_token', { uid: 1, ChannelName: ['a'], role: 1 }, web),
        status: 400,
        says: /ChannelName: must be a string/,
      },
      {
        name: 'channel with bad characters',
        run: () => postJson('/fetch_rtc_token', { uid: 1, ChannelName: 'room/1', role: 1 }, web),
        status: 400,
        says: /ChannelName: may contain only/,
      },
      {
        name: 'channel too long',
        run: () => postJson('/v1/tokens', { rtc: { channelName: 'r'.repeat(64), uid: 1, role: 'publisher' } }, web),
        status: 400,
        says: /rtc\.channelName: must be under 64/,
      },
      {
        name: 'unknown role (docs)',
        run: () => postJson('/fetch_rtc_token', { uid: 1, ChannelName: 'room-1', role: 0 }, web),
        status: 400,
        says: /role: must be 1 \(publisher\) or 2 \(subscriber\)/,
      },
      {
        name: 'unknown role (v1)',
        run: () => postJson('/v1/tokens', { rtc: { channelName: 'room-1', uid: 1, role: 'host' } }, web),
        status: 400,
        says: /rtc\.role: must be publisher or subscriber/,
      },
      {
        name: 'unknown role (path)',
        run: () => send(server.url, 'GET', '/rtc/room-1/host/uid/1', web),
        status: 400,
        says: /role is incorrect/,
      },
      {
        name: 'broken JSON',
        run: () => postJson('/v1/tokens', '{"rtc": {', web),
        status: 400,
        says: /the body is not valid JSON/,
      },
      { name: 'empty body', run: () => postJson('/fetch_rtc_token', '', web), status: 400, says: /the body is empty/ },
      {
        name: 'JSON that is not an object',
        run: () => postJson('/fetch_rtc_token', '"hello"', web),
        status: 400,
        says: /must be a JSON object/,
      },
      {
        name: 'huge body (Content-Length)',
        run: () => postJson('/fetch_rtc_token', big, web),
        status: 413,
        says: /larger than 4096 bytes/,
      },
      {
        name: 'huge body (chunked)',
        run: () =>
          send(
            server.url,
            'POST',
            '/v1/tokens',
            { ...web, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
            Array.from({ length: 10 }, () => Buffer.from('x'.repeat(1000))),
          ),
        status: 413,
        says: /larger than 4096 bytes/,
      },
      {
        name: 'bad Content-Length',
        run: () =>
          raw(server.url, `POST /fetch_rtc_token HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`).then(parseRaw),
        status: 400,
        says: /not valid HTTP/,
      },
      {
        name: 'oversized headers',
        run: () =>
          send(server.url, 'GET', '/healthz', { 'X-Padding': 'p'.repeat(5000) }).catch(() =>
            raw(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(5000)}\r\n\r\n`).then(
              parseRaw,
            ),
          ),
        status: 431,
        says: /headers are larger than 4096 bytes/,
      },
      {
        name: 'not HTTP at all',
        run: () => raw(server.url, 'HELLO\r\n\r\n').then(parseRaw),
        status: 400,
        says: /not valid HTTP/,
      },
      {
        name: 'expiry that is not a number',
        run: () => send(server.url, 'GET', '/rtm/bob?expiry=-1', web),
        status: 400,
        says: /expiry: must be a whole number/,
      },
      {
        name: 'unknown field',
        run: () => postJson('/v1/tokens', { rtc: { channelName: 'room-1', uid: 1, role: 'publisher' }, rtcc: {} }, web),
        status: 400,
        says: /rtcc: is not a known field/,
      },
      {
        name: 'a uid too big for 32 bits in a path',
        run: () => send(server.url, 'GET', '/rtc/room-1/publisher/uid/4294967296', web),
        status: 400,
        says: /uid: must be an integer/,
      },
      {
        name: 'unknown route',
        run: () => send(server.url, 'GET', '/v2/tokens', web),
        status: 404,
        says: /no such route/,
      },
    ]
    for (const entry of cases) {
      const reply = await entry.run()
      assert.ok(reply.status < 500, `${entry.name}: a 5xx (${reply.status}) ${reply.text}`)
      assert.equal(reply.status, entry.status, `${entry.name}: ${reply.text}`)
      assert.match(reply.text, entry.says, entry.name)
    }
  })

  test('readiness and metrics over the socket', async () => {
    assert.equal((await send(server.url, 'GET', '/readyz')).status, 200)
    const metrics = await send(server.url, 'GET', '/metrics')
    assert.match(metrics.text, /agate_tokens_issued_total/)
    // The listener adds the process metrics.
    assert.match(metrics.text, /process_cpu_user_seconds_total/)
  })
})

/** Parses a raw HTTP/1.1 answer. */
function parseRaw(text: string): Reply {
  const [head = '', body = ''] = text.split('\r\n\r\n')
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers: IncomingHttpHeaders = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers, text: body }
}
