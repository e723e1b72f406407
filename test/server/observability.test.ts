/** Logs (one line per request, audit fields, request ids), metrics, and no secret anywhere but a token's own answer. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SignJWT } from 'jose'
import { AggregatorRegistry } from 'prom-client'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { startServer } from '../../src/server/listen.js'
import { createLogger, requestLineWriter } from '../../src/server/logging.js'
import { createMetrics } from '../../src/server/metrics.js'
import {
  bearer,
  captureLogs,
  CERT,
  config,
  json,
  JWT_SECRET,
  KEYS,
  makeApp,
  OTHER_CERT,
  post,
  productionEnv,
  SECONDARY,
  tempDir,
} from './helpers.js'

test('an issued token is one log line: the audit event with caller, app, channel, uid, role, services, expiry', async () => {
  const { app, logs } = await makeApp(productionEnv(), {}, { now: () => 1_700_000_000_000 })
  const response = await post(
    app,
    '/fetch_rtc_token',
    { uid: 42, ChannelName: 'room-1', role: 1 },
    { ...bearer(KEYS.web.key), 'x-request-id': 'req-123' },
  )
  assert.equal(response.status, 200)
  assert.equal(response.headers.get('x-request-id'), 'req-123')
  const lines = logs.lines()
  assert.equal(lines.length, 1)
  const line = lines[0]!
  assert.equal(line.msg, 'token issued')
  assert.equal(line.level, 'info')
  for (const [key, value] of Object.entries({
    event: 'token.issued',
    reqId: 'req-123',
    route: '/fetch_rtc_token',
    method: 'POST',
    status: 200,
    caller: 'api-key:web',
    app: 'main',
    services: 'rtc',
    version: '007',
    channel: 'room-1',
    uid: 42,
    role: 'publisher',
    rule: 'web',
    expiresAt: 1_700_003_600,
  })) {
    assert.deepEqual(line[key], value, key)
  }
  assert.equal(typeof line.ms, 'number')
  assert.equal(typeof line.time, 'number')
  assert.equal(typeof line.pid, 'number')
})

test('denials are logged with the rule and reason; bad requests with the problem; request ids are generated or kept', async () => {
  const { app, logs } = await makeApp(productionEnv())
  await post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'lobby', role: 1 }, bearer(KEYS.web.key))
  await post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'lobby', role: 1 })
  await post(app, '/fetch_rtc_token', '{oops', { ...bearer(KEYS.web.key), 'x-request-id': 'bad id with spaces' })
  const [denied, unauthenticated, rejected] = logs.lines()
  assert.deepEqual(
    [denied!.event, denied!.rule, denied!.reason, denied!.channel, denied!.status, denied!.caller],
    ['token.denied', 'web', 'channel', 'lobby', 403, 'api-key:web'],
  )
  assert.deepEqual(
    [unauthenticated!.event, unauthenticated!.error, unauthenticated!.status, unauthenticated!.caller],
    ['token.denied', 'unauthenticated', 401, 'anonymous'],
  )
  assert.deepEqual(
    [rejected!.event, rejected!.error, rejected!.message],
    ['request.rejected', 'invalid-json', 'the body is not valid JSON'],
  )
  assert.match(rejected!.reqId, /^[0-9a-z]{14}-[0-9a-z]+$/)
  assert.notEqual(denied!.reqId, unauthenticated!.reqId)
})

test("no certificate, API key, JWT or token appears in logs, errors or responses other than the token's own", async () => {
  const { app, logs } = await makeApp(productionEnv({ AGATE_METRICS_TOKEN: 'metrics-token-0123456789' }))
  const jwt = await new SignJWT({ sub: 'alice', uid: 42, role: 'member' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://id.example')
    .setAudience('agate')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET))
  const tokens: string[] = []
  const bodies: string[] = []
  const record = async (response: Response | Promise<Response>, tokenKeys: string[] = []): Promise<void> => {
    const text = await (await response).text()
    let body: Record<string, unknown> | undefined
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      body = undefined
    }
    const issued = tokenKeys.map((key) => body?.[key]).filter((value): value is string => typeof value === 'string')
    tokens.push(...issued)
    // What may legitimately appear: the token(s) this very response issued, and nothing else secret.
    let rest = text
    for (const token of issued) rest = rest.replaceAll(token, '<token>')
    bodies.push(rest)
  }
  const web = bearer(KEYS.web.key)
  await record(post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'room-1', role: 1 }, web), ['token'])
  await record(
    post(app, '/v1/tokens', { rtc: { channelName: 'room-alice-1', uid: 42, role: 'subscriber' } }, bearer(jwt)),
    ['token'],
  )
  await record(post(app, '/getToken', { tokenType: 'rtc', channel: 'room-1', uid: '42' }, web), ['token'])
  await record(app.request('/rte/room-1/publisher/uid/42', { headers: web }), ['rtcToken', 'rtmToken'])
  // Secrets and tokens pushed into every field a caller controls, including where they do not belong.
  const secrets = [
    CERT,
    SECONDARY,
    OTHER_CERT,
    KEYS.web.key,
    KEYS.admin.key,
    JWT_SECRET,
    jwt,
    'metrics-token-0123456789',
  ]
  for (const secret of [...secrets, tokens[0]!]) {
    await record(post(app, '/fetch_rtc_token', { uid: secret, ChannelName: secret, role: secret }, web))
    await record(post(app, '/fetch_rtc_token', secret, web))
    await record(
      post(app, '/v1/tokens', { app: secret, rtc: { channelName: secret, account: secret, role: secret } }, web),
    )
    await record(post(app, '/v1/tokens', { [secret]: 1 }, web))
    await record(post(app, '/v1/tokens/verify', { token: secret, app: secret }, web))
    await record(post(app, '/getToken', { tokenType: secret, uid: secret, channel: secret }, web))
    await record(app.request(`/rtc/${secret}/${secret}/uid/${secret}`, { headers: web }))
    await record(post(app, '/fetch_rtc_token', { uid: 1, ChannelName: 'a', role: 1 }, { 'x-api-key': secret }))
    await record(post(app, '/fetch_rtc_token', { uid: 1, ChannelName: 'a', role: 1 }, bearer(secret)))
  }
  // Nor is a secret or a token sent as a request id, though 32 hex digits are kept otherwise (nginx
  // makes ids that way): a certificate there, in either case, gets a fresh id.
  for (const held of [...secrets, CERT.toUpperCase(), tokens[0]!]) {
    await record(post(app, '/fetch_rtc_token', { uid: 1, ChannelName: 'a', role: 1 }, { ...web, 'x-request-id': held }))
  }
  const nginxId = 'f'.repeat(32)
  const kept = await post(
    app,
    '/fetch_rtc_token',
    { uid: 1, ChannelName: 'a', role: 1 },
    { ...web, 'x-request-id': nginxId },
  )
  assert.equal(kept.headers.get('x-request-id'), nginxId)
  await record(post(app, '/v1/tokens/verify', { token: tokens[0] }, web))
  await record(app.request('/metrics', { headers: bearer('metrics-token-0123456789') }))
  await record(app.request('/openapi.json'))

  const logText = logs.text()
  assert.ok(logs.lines().length > 80)
  for (const secret of [...secrets, CERT.toUpperCase(), ...tokens]) {
    assert.ok(!logText.includes(secret), `a secret or token reached the logs: ${secret.slice(0, 12)}…`)
    for (const body of bodies)
      assert.ok(
        !body.includes(secret),
        `a secret or token reached a response: ${secret.slice(0, 12)}… in ${body.slice(0, 200)}`,
      )
  }
})

test('/metrics counts tokens by kind and version, denials by reason, and latency by route', async () => {
  const { app } = await makeApp(productionEnv({ AGATE_METRICS_TOKEN: 'metrics-token-0123456789' }))
  const web = bearer(KEYS.web.key)
  await post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'room-1', role: 1 }, web)
  await post(
    app,
    '/v1/tokens',
    { rtc: { channelName: 'room-1', uid: 1, role: 'publisher' }, rtm: { userId: 'u' } },
    web,
  )
  await post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'lobby', role: 1 }, web)
  await post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'room-1', role: 1 })
  assert.equal((await app.request('/metrics')).status, 401)
  const response = await app.request('/metrics', { headers: bearer('metrics-token-0123456789') })
  assert.match(response.headers.get('content-type')!, /^text\/plain/)
  const text = await response.text()
  assert.match(text, /agate_tokens_issued_total\{app="main",kind="rtc",version="007"\} 1/)
  assert.match(text, /agate_tokens_issued_total\{app="main",kind="rtc\+rtm",version="007"\} 1/)
  assert.match(text, /agate_denials_total\{reason="channel"\} 1/)
  assert.match(text, /agate_denials_total\{reason="missing-credentials"\} 1/)
  assert.match(text, /agate_http_request_duration_seconds_count\{route="\/fetch_rtc_token",status="200"\} 1/)
  assert.match(text, /agate_http_request_duration_seconds_count\{route="\/fetch_rtc_token",status="403"\} 1/)
})

test('health, readiness, the OpenAPI document, the index and unknown routes', async () => {
  const state = { draining: false }
  const { app } = await makeApp({}, {}, { state })
  assert.deepEqual(await json(await app.request('/healthz'), 200), { status: 'ok' })
  assert.deepEqual(await json(await app.request('/readyz'), 200), { status: 'ready' })
  state.draining = true
  assert.deepEqual(await json(await app.request('/readyz'), 503), { status: 'draining' })
  const doc = await json(await app.request('/openapi.json'), 200)
  assert.equal(doc.openapi, '3.1.0')
  for (const path of [
    '/v1/tokens',
    '/v1/tokens/verify',
    '/fetch_rtc_token',
    '/getToken',
    '/rtc/{channel}/{role}/{tokentype}/{uid}',
    '/metrics',
  ]) {
    assert.ok(doc.paths[path], path)
  }
  // Generated from the request schemas themselves.
  assert.deepEqual(doc.components.schemas.FetchRtcTokenRequest.required, ['uid', 'ChannelName', 'role'])
  assert.equal(doc.components.schemas.TokenRequest.properties.rtc.properties.uid.maximum, 4_294_967_295)
  assert.equal((await json(await app.request('/'), 200)).name, 'agate token server')
  const missing = await app.request('/nope')
  assert.equal(missing.headers.get('content-type'), 'application/problem+json')
  assert.equal((await json(missing, 404)).code, 'not-found')
})

test('extraRoutes mounts more routes; the built-in index steps aside for a GET / of its own', async () => {
  const { app } = await makeApp(
    {},
    {},
    {
      extraRoutes: (hono) => {
        hono.get('/', (c) => c.text('demo'))
        hono.get('/sandbox/*', (c) => c.text('sandbox'))
      },
    },
  )
  assert.equal(await (await app.request('/')).text(), 'demo')
  assert.equal(await (await app.request('/sandbox/x')).text(), 'sandbox')
  assert.equal((await post(app, '/fetch_rtc_token', { uid: 1, ChannelName: 'a', role: 1 })).status, 200)
})

test('CORS: the allow-list decides the headers, preflights allow Authorization, other origins get none', async () => {
  const { app } = await makeApp(productionEnv())
  const allowed = await post(
    app,
    '/fetch_rtc_token',
    { uid: 42, ChannelName: 'room-1', role: 1 },
    { ...bearer(KEYS.web.key), origin: 'https://app.example' },
  )
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example')
  assert.equal(allowed.headers.get('vary'), 'Origin')
  assert.deepEqual(
    allowed.headers
      .get('access-control-expose-headers')!
      .split(',')
      .map((name) => name.trim()),
    ['X-Request-Id', 'Retry-After', 'Date'],
    "the client's token source reads Date for the server's clock",
  )
  const other = await post(
    app,
    '/fetch_rtc_token',
    { uid: 42, ChannelName: 'room-1', role: 1 },
    { ...bearer(KEYS.web.key), origin: 'https://evil.example' },
  )
  // Served (CORS is not access control), but without CORS headers, so a browser will not expose it.
  assert.equal(other.status, 200)
  assert.equal(other.headers.get('access-control-allow-origin'), null)
  // Either answer depends on Origin, and neither may be cached at all: it holds a token.
  for (const answer of [allowed, other]) {
    assert.equal(answer.headers.get('vary'), 'Origin')
    assert.equal(answer.headers.get('cache-control'), 'no-store')
  }
  assert.equal(
    (await app.request('/ping', { headers: { origin: 'https://evil.example' } })).headers.get('vary'),
    'Origin',
  )
  const preflight = await app.request('/v1/tokens', {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
  })
  assert.equal(preflight.status, 204)
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example')
  assert.match(preflight.headers.get('access-control-allow-headers')!, /Authorization/)
  assert.match(preflight.headers.get('access-control-allow-headers')!, /X-Requested-With/)
  const refused = await app.request('/v1/tokens', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } })
  assert.equal(refused.status, 403)
})

test("request lines on a file destination are batched per turn, kept in order, in pino's own format", async () => {
  const file = join(tempDir(), 'agate.log')
  const { logger, close } = createLogger({ level: 'info', destination: file })
  const write = requestLineWriter(logger)
  for (let index = 0; index < 50; index++)
    write({ event: 'token.issued', index, channel: `room "${index}"`, skipped: undefined }, 'token issued')
  logger.info({ event: 'other' }, 'after')
  await close()
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
  assert.equal(lines.length, 51)
  // Request lines keep their order; a line logged directly in the same turn may come before them.
  const requestLines = lines.filter((line) => line.event === 'token.issued')
  assert.deepEqual(
    requestLines.map((line) => line.index),
    Array.from({ length: 50 }, (_, index) => index),
  )
  assert.equal(lines.filter((line) => line.event === 'other').length, 1)
  const pinoLine = captureLogs()
  pinoLine.logger.info({ event: 'token.issued', index: 0, channel: 'room "0"' }, 'token issued')
  const [expected] = pinoLine.lines()
  assert.deepEqual(Object.keys(requestLines[0]), Object.keys(expected!))
  assert.equal(requestLines[0]!.channel, 'room "0"')
  assert.equal(requestLines[0]!.level, 'info')
  assert.equal('skipped' in requestLines[0]!, false)
})

test("a request line is pino's own line for every kind of string: plain, escaped, control, non-ASCII", () => {
  const values = [
    'ChannelA',
    '',
    ' !#$%&()+-:;<=.>?@[]^_{}|~,',
    'room "1"',
    'back\\slash',
    'tab\there',
    'line\nbreak',
    '\u0000\u001f\u007f',
    'é',
    '日本',
    '😀',
    '</script>',
  ]
  const withoutTime = (text: string) => text.replace(/"time":\d+,/, '')
  for (const value of values) {
    const fast = captureLogs()
    const reference = captureLogs()
    requestLineWriter(fast.logger)({ event: 'token.issued', channel: value, uid: 7 }, 'token issued')
    reference.logger.info({ event: 'token.issued', channel: value, uid: 7 }, 'token issued')
    assert.equal(withoutTime(fast.text()), withoutTime(reference.text()), JSON.stringify(value))
    assert.equal(JSON.parse(fast.text()).channel, value)
  }
  // Lone surrogates are where the line differs from pino's, for the better: pino writes them raw,
  // and UTF-8 turns them into U+FFFD; the request line escapes them, so the log keeps the value.
  for (const [value, written] of [
    ['\ud800', '"channel":"\\ud800"'],
    ['a\udc00b', '"channel":"a\\udc00b"'],
  ] as const) {
    const fast = captureLogs()
    requestLineWriter(fast.logger)({ channel: value }, 'token issued')
    assert.ok(fast.text().includes(written), fast.text())
    assert.equal(JSON.parse(fast.text()).channel, value)
  }
})

test('a log level above info writes no request lines', async () => {
  const logs = captureLogs('warn')
  const write = requestLineWriter(logs.logger)
  write({ event: 'token.issued' }, 'token issued')
  assert.equal(logs.text(), '')
})

// The log lines' shape is a contract with whoever reads the logs: a dependency upgrade that changes
// a key, its order or pino's base bindings must fail here, not in someone's log pipeline.
test("a request line has exactly these keys, in this order, with pino's level, time, pid and hostname", async () => {
  const { app, logs } = await makeApp(productionEnv(), {}, { now: () => 1_700_000_000_000 })
  await post(
    app,
    '/fetch_rtc_token',
    { uid: 42, ChannelName: 'room-1', role: 1 },
    { ...bearer(KEYS.web.key), 'x-request-id': 'req-1' },
  )
  const text = logs.text()
  assert.match(
    text,
    /^\{"level":"info","time":\d+,"pid":\d+,"hostname":"[^"]*","event":"token\.issued","reqId":"req-1",/,
  )
  const [line] = logs.lines()
  assert.deepEqual(Object.keys(line!), [
    'level',
    'time',
    'pid',
    'hostname',
    'event',
    'reqId',
    'route',
    'method',
    'status',
    'ms',
    'caller',
    'app',
    'services',
    'version',
    'channel',
    'uid',
    'role',
    'rule',
    'expiresAt',
    'msg',
  ])
  assert.deepEqual([line!.pid, line!.hostname, line!.msg], [process.pid, hostname(), 'token issued'])
  assert.ok(Math.abs(line!.time - Date.now()) < 60_000)
})

test('a verification line has its keys in the same order as every request line', async () => {
  const { app, logs } = await makeApp(productionEnv())
  const minted = await json(
    await post(app, '/v1/tokens', { rtc: { channelName: 'room-1', uid: 42 } }, bearer(KEYS.web.key)),
    200,
  )
  await post(app, '/v1/tokens/verify', { token: minted.token }, { ...bearer(KEYS.web.key), 'x-request-id': 'req-2' })
  const line = logs.lines().find((entry) => entry.reqId === 'req-2')!
  assert.equal(line.outcome, 'valid')
  assert.deepEqual(Object.keys(line).slice(Object.keys(line).indexOf('caller')), [
    'caller',
    'app',
    'services',
    'version',
    'rule',
    'outcome',
    'msg',
  ])
})

test('a startup line has exactly these keys, in this order', async () => {
  const logs = captureLogs()
  const server = await startServer(await config(productionEnv(), { port: 0, host: '127.0.0.1' }), {
    logger: logs.logger,
  })
  await server.close()
  const started = logs.lines().find((line) => line.event === 'server.started')!
  assert.deepEqual(Object.keys(started), [
    'level',
    'time',
    'pid',
    'hostname',
    'event',
    'url',
    'mode',
    'apps',
    'auth',
    'policy',
    'cors',
    'rateLimitStore',
    'demo',
    'msg',
  ])
  assert.deepEqual(
    [started.level, started.pid, started.hostname, started.mode],
    ['info', process.pid, hostname(), 'production'],
  )
  assert.deepEqual(Object.keys(started.apps[0]), ['name', 'appId', 'versions', 'development', 'secondaryCertificate'])
  assert.equal(started.msg, `agate token server listening on ${server.url}`)
})

// The exposition is a contract with Prometheus and its dashboards: exact text, so that a
// prom-client upgrade (or a change here) that alters it fails.
test('/metrics renders the counters in exactly this text after known requests', async () => {
  const { app } = await makeApp(productionEnv({ AGATE_METRICS_TOKEN: 'metrics-token-0123456789' }))
  const web = bearer(KEYS.web.key)
  await post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'room-1', role: 1 }, web)
  await post(
    app,
    '/v1/tokens',
    { rtc: { channelName: 'room-1', uid: 1, role: 'publisher' }, rtm: { userId: 'u' } },
    web,
  )
  await post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'room-2', role: 1 }, web)
  await post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'lobby', role: 1 }, web)
  await post(app, '/fetch_rtc_token', { uid: 42, ChannelName: 'room-1', role: 1 })
  const response = await app.request('/metrics', { headers: bearer('metrics-token-0123456789') })
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  const text = await response.text()
  assert.equal(
    text.slice(0, text.indexOf('# HELP agate_http_request_duration_seconds')),
    [
      '# HELP agate_tokens_issued_total Tokens issued, by app, kind (services) and version.',
      '# TYPE agate_tokens_issued_total counter',
      'agate_tokens_issued_total{app="main",kind="rtc",version="007"} 2',
      'agate_tokens_issued_total{app="main",kind="rtc+rtm",version="007"} 1',
      '',
      '# HELP agate_denials_total Token requests refused by authentication or policy, by reason.',
      '# TYPE agate_denials_total counter',
      'agate_denials_total{reason="channel"} 1',
      'agate_denials_total{reason="missing-credentials"} 1',
      '',
      '# HELP agate_rate_limited_total Requests refused by a rate limit, by scope.',
      '# TYPE agate_rate_limited_total counter',
      '',
      '',
    ].join('\n'),
  )
  assert.match(text, /^agate_http_request_duration_seconds_count\{route="\/fetch_rtc_token",status="200"\} 2$/m)
  assert.match(
    text,
    /^agate_http_request_duration_seconds_bucket\{route="\/fetch_rtc_token",status="403",le="\+Inf"\} 1$/m,
  )
})

test('the histogram and escaped label values in exactly this text; process metrics after them', async () => {
  const metrics = createMetrics()
  metrics.requestDone('/v1/tokens', 200, 0.003)
  metrics.requestDone('/v1/tokens', 200, 0.0004)
  metrics.requestDone('/v1/tokens', 200, 2)
  metrics.rateLimited('address')
  metrics.denied('quote " backslash \\ line\nfeed')
  const text = await metrics.registry.metrics()
  const buckets = (counts: number[]) =>
    ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '1', '+Inf'].map(
      (le, index) =>
        `agate_http_request_duration_seconds_bucket{route="/v1/tokens",status="200",le="${le}"} ${counts[index]}`,
    )
  assert.equal(
    text,
    [
      '# HELP agate_tokens_issued_total Tokens issued, by app, kind (services) and version.',
      '# TYPE agate_tokens_issued_total counter',
      '',
      '# HELP agate_denials_total Token requests refused by authentication or policy, by reason.',
      '# TYPE agate_denials_total counter',
      'agate_denials_total{reason="quote \\" backslash \\\\ line\\nfeed"} 1',
      '',
      '# HELP agate_rate_limited_total Requests refused by a rate limit, by scope.',
      '# TYPE agate_rate_limited_total counter',
      'agate_rate_limited_total{scope="address"} 1',
      '',
      '# HELP agate_http_request_duration_seconds Request latency inside the server, by route pattern and status.',
      '# TYPE agate_http_request_duration_seconds histogram',
      ...buckets([1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3]),
      'agate_http_request_duration_seconds_sum{route="/v1/tokens",status="200"} 2.0034',
      'agate_http_request_duration_seconds_count{route="/v1/tokens",status="200"} 3',
      '',
    ].join('\n'),
  )
  // With prom-client's own metrics in the registry, they follow, one blank line between metrics.
  const withProcess = await createMetrics({ defaultMetrics: true }).registry.metrics()
  assert.match(
    withProcess,
    /# TYPE agate_http_request_duration_seconds histogram\n\n# HELP process_cpu_user_seconds_total /,
  )
  assert.ok(withProcess.endsWith('\n') && !withProcess.endsWith('\n\n') && !withProcess.includes('\n\n\n'))
})

test("the cluster's aggregation (prom-client's public getMetricsAsJSON and aggregate) adds up two workers' metrics", async () => {
  const workers = [createMetrics(), createMetrics()]
  for (const worker of workers) {
    worker.tokenIssued('main', 'rtc', '007')
    worker.requestDone('/fetch_rtc_token', 200, 0.002)
  }
  const reports = await Promise.all(workers.map((worker) => worker.registry.getMetricsAsJSON()))
  const text = await AggregatorRegistry.aggregate(reports).metrics()
  assert.match(
    text,
    /^# TYPE agate_tokens_issued_total counter\nagate_tokens_issued_total\{app="main",kind="rtc",version="007"\} 2$/m,
  )
  assert.match(text, /^# TYPE agate_http_request_duration_seconds histogram$/m)
  assert.match(
    text,
    /^agate_http_request_duration_seconds_bucket\{route="\/fetch_rtc_token",status="200",le="0.0025"\} 2$/m,
  )
  assert.match(text, /^agate_http_request_duration_seconds_count\{route="\/fetch_rtc_token",status="200"\} 2$/m)
  // Resetting the registry resets the server's own metrics too.
  workers[0]!.registry.resetMetrics()
  assert.doesNotMatch(await workers[0]!.registry.metrics(), /agate_tokens_issued_total\{/)
})
