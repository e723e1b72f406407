/**
 * The two ways a token route is served give the same answers: on Node, POSTs to the token routes
 * go straight from node:http (node-exchange.ts); everywhere else, and for the in-process tests,
 * through Hono (hono-exchange.ts). The same requests go to one running server both ways, over its
 * socket and through `app.request`, and must get the same status, headers and body (tokens and
 * generated request ids aside).
 */
import assert from 'node:assert/strict'
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http'
import { after, before, test } from 'node:test'
import { startServer, type RunningServer } from '../../src/server/listen.js'
import { buildRtcToken } from '../../src/token/index.js'
import { APP_ID, captureLogs, CERT, config, KEYS, productionEnv } from './helpers.js'

interface Case {
  name: string
  path: string
  headers?: [string, string][]
  /** A string is sent with Content-Length; an array of chunks is sent chunked. */
  body: string | string[]
}

interface Seen {
  status: number
  headers: Record<string, string | undefined>
  body: string
}

/** The headers the pipeline decides; Date, Connection and the like are the transport's. */
const COMPARED = [
  'content-type',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'vary',
  'www-authenticate',
  'retry-after',
  'x-request-id',
]
const GO_SAMPLE = '{"uid":2882341273,"ChannelName":"ChannelA","role":1}'
const web: [string, string] = ['X-API-Key', KEYS.web.key]
const json: [string, string] = ['Content-Type', 'application/json']

const CASES: Case[] = [
  { name: 'the docs request', path: '/fetch_rtc_token', headers: [json, web], body: GO_SAMPLE },
  {
    name: 'chunked body',
    path: '/fetch_rtc_token',
    headers: [json, web],
    body: ['{"uid":2882341273,', '"channelName":"ChannelA","role":2}'],
  },
  {
    name: 'a byte-order mark before the JSON',
    path: '/fetch_rtc_token',
    headers: [json, web],
    body: `\uFEFF${GO_SAMPLE}`,
  },
  { name: 'no credentials', path: '/fetch_rtc_token', headers: [json], body: GO_SAMPLE },
  { name: 'an unknown API key', path: '/v1/tokens', headers: [json, ['X-API-Key', 'agate_nope']], body: '{}' },
  {
    name: 'two Authorization headers',
    path: '/fetch_rtc_token',
    headers: [json, ['Authorization', `Bearer ${KEYS.web.key}`], ['Authorization', `Bearer ${KEYS.admin.key}`]],
    body: GO_SAMPLE,
  },
  {
    name: 'a policy denial',
    path: '/fetch_rtc_token',
    headers: [json, web],
    body: '{"uid":5,"ChannelName":"secret","role":1}',
  },
  { name: 'broken JSON', path: '/v1/tokens', headers: [json, web], body: '{"rtc":' },
  { name: 'an empty body', path: '/getToken', headers: [json, web], body: '' },
  {
    name: 'a uid out of range',
    path: '/fetch_rtc_token',
    headers: [json, web],
    body: '{"uid":4294967296,"ChannelName":"ChannelA","role":1}',
  },
  {
    name: 'a declared body over the limit',
    path: '/v1/tokens',
    headers: [json, web],
    body: `{"pad":"${'x'.repeat(5000)}"}`,
  },
  {
    name: 'a chunked body over the limit',
    path: '/v1/tokens',
    headers: [json, web],
    body: ['{"pad":"', 'x'.repeat(3000), 'x'.repeat(3000), '"}'],
  },
  {
    name: 'an app by name',
    path: '/getToken?app=main',
    headers: [json, web],
    body: '{"tokenType":"rtc","channel":"room-1","uid":"7"}',
  },
  { name: 'an unknown app', path: '/fetch_rtc_token?app=nope', headers: [json, web], body: GO_SAMPLE },
  {
    name: "the caller's request id",
    path: '/v1/tokens',
    headers: [json, web, ['X-Request-Id', 'abc-123']],
    body: '{"rtc":{}}',
  },
  {
    name: 'an allowed origin',
    path: '/v1/tokens',
    headers: [json, web, ['Origin', 'https://app.example']],
    body: '{"rtc":{"channelName":"room-1","uid":3}}',
  },
  {
    name: 'another origin',
    path: '/fetch_rtc_token',
    headers: [json, web, ['Origin', 'https://evil.example']],
    body: GO_SAMPLE,
  },
  {
    name: 'verify',
    path: '/v1/tokens/verify',
    headers: [json, web],
    body: JSON.stringify({
      token: buildRtcToken({ appId: APP_ID, appCertificate: CERT, channelName: 'ChannelA', uid: 9, expire: 600 }),
      channelName: 'ChannelA',
      uid: 9,
    }),
  },
]

/** Tokens, times and generated ids vary from one request to the next; everything else must not. */
function normalise(seen: Seen, callerGaveId: boolean): Seen {
  const body = seen.body
    .replace(/"(00[67][A-Za-z0-9+/=]{20,})"/g, '"<token>"')
    .replace(
      /"(issuedAt|expiresAt|joinChannel|publishAudioStream|publishVideoStream|publishDataStream)":\d+/g,
      '"$1":0',
    )
    .replace(callerGaveId ? /^$/ : /"requestId":"[^"]*"/, '"requestId":"<id>"')
  const headers = { ...seen.headers }
  if (!callerGaveId) headers['x-request-id'] = headers['x-request-id'] === undefined ? undefined : '<id>'
  return { status: seen.status, headers, body }
}

function pick(get: (name: string) => string | undefined): Record<string, string | undefined> {
  return Object.fromEntries(COMPARED.map((name) => [name, get(name)]))
}

function overSocket(base: string, entry: Case): Promise<Seen> {
  const headers: OutgoingHttpHeaders = {}
  for (const [name, value] of entry.headers ?? []) {
    const previous = headers[name]
    headers[name] = previous === undefined ? value : [String(previous), value]
  }
  if (typeof entry.body === 'string') headers['Content-Length'] = String(Buffer.byteLength(entry.body))
  const url = new URL(entry.path, base)
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers, agent: false },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            headers: pick((name) => response.headers[name] as string | undefined),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    )
    request.on('error', reject)
    if (typeof entry.body === 'string') request.end(entry.body)
    else {
      for (const chunk of entry.body) request.write(chunk)
      request.end()
    }
  })
}

async function throughHono(server: RunningServer, entry: Case): Promise<Seen> {
  const headers = new Headers()
  for (const [name, value] of entry.headers ?? []) headers.append(name, value)
  const body = typeof entry.body === 'string' ? entry.body : entry.body.join('')
  if (typeof entry.body === 'string') headers.set('content-length', String(Buffer.byteLength(body)))
  const response = await server.app.request(entry.path, { method: 'POST', headers, body })
  return {
    status: response.status,
    headers: pick((name) => response.headers.get(name) ?? undefined),
    body: await response.text(),
  }
}

let server: RunningServer
before(async () => {
  const env = productionEnv({ AGATE_HOST: '127.0.0.1', AGATE_BODY_LIMIT: '4096' })
  server = await startServer(await config(env, { port: 0 }), { logger: captureLogs().logger })
})
after(() => server.close())

test('every token-route request gets the same answer from the node:http fast path and from Hono', async () => {
  const statuses = new Set<number>()
  for (const entry of CASES) {
    const gaveId = (entry.headers ?? []).some(([name]) => name === 'X-Request-Id')
    const fast = normalise(await overSocket(server.url, entry), gaveId)
    const hono = normalise(await throughHono(server, entry), gaveId)
    assert.deepEqual(fast, hono, entry.name)
    assert.ok(fast.status < 500, `${entry.name}: ${fast.status}`)
    statuses.add(fast.status)
  }
  // The table reaches every kind of answer the pipeline gives.
  assert.deepEqual([...statuses].sort(), [200, 400, 401, 403, 413])
})

test('the fast path answers on a kept-alive connection after a body over the limit', async () => {
  const { Agent } = await import('node:http')
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const send = (body: string | string[]): Promise<number> =>
      new Promise((resolve, reject) => {
        const url = new URL('/fetch_rtc_token', server.url)
        const request = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            agent,
            headers: { 'x-api-key': KEYS.web.key },
          },
          (response) => {
            response.resume()
            response.on('end', () => resolve(response.statusCode!))
          },
        )
        request.on('error', reject)
        for (const chunk of typeof body === 'string' ? [body] : body) request.write(chunk)
        request.end()
      })
    assert.equal(await send(['{"pad":"', 'x'.repeat(5000), '"}']), 413)
    assert.equal(await send(GO_SAMPLE), 200)
  } finally {
    agent.destroy()
  }
})
