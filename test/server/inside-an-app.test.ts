/**
 * The recipes of docs/server.md "Inside an app you already have": the app under a prefix of a
 * Fetch framework's routing, and as a node:http handler from @hono/node-server, on a real socket.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import { createApp } from '../../src/server/app.js'
import { createRateLimitStore } from '../../src/server/rate-limit-store.js'
import { verifyToken } from '../../src/token/index.js'
import { APP_ID, bearer, captureLogs, CERT, config, KEYS, productionEnv } from './helpers.js'

const PREFIX = '/api/agora'
const BODY = JSON.stringify({ uid: 42, ChannelName: 'room-1', role: 1 })
let agate: Hono
let server: Server
let base = ''

before(async () => {
  const settings = await config(productionEnv({ AGATE_RATE_LIMIT_PER_IDENTITY: '3' }), { production: true })
  agate = createApp(settings, {
    logger: captureLogs().logger,
    rateLimitStore: createRateLimitStore(settings.rateLimit.store).store,
  })
  const agoraTokens = getRequestListener(agate.fetch)
  server = createServer((request, response) => void agoraTokens(request, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** The docs' route handler: the prefix taken off, the rest handed over as is. */
function toAgate(request: Request): Response | Promise<Response> {
  const url = new URL(request.url)
  url.pathname = url.pathname.slice(PREFIX.length) || '/'
  return agate.fetch(new Request(url, request))
}

function tokenRequest(url: string, headers: Record<string, string> = {}): Request {
  return new Request(url, { method: 'POST', body: BODY, headers: { 'Content-Type': 'application/json', ...headers } })
}

test('under a prefix of a Fetch framework: tokens, authentication and the probes', async () => {
  const minted = await toAgate(tokenRequest(`https://app.example${PREFIX}/fetch_rtc_token`, bearer(KEYS.web.key)))
  assert.equal(minted.status, 200)
  const { token } = (await minted.json()) as { token: string }
  // Throws unless the signature, App ID, channel and uid all check out.
  assert.equal(
    verifyToken(token, { certificates: CERT, appId: APP_ID, channelName: 'room-1', uid: 42 }).certificateIndex,
    0,
  )
  assert.equal((await toAgate(tokenRequest(`https://app.example${PREFIX}/fetch_rtc_token`))).status, 401)
  assert.equal((await toAgate(new Request(`https://app.example${PREFIX}/healthz`))).status, 200)
  assert.equal(
    (await toAgate(new Request(`https://app.example${PREFIX}`))).status,
    200,
    'the prefix alone is the index',
  )
})

test('as a node:http handler: the same routes over a socket, and the rate limit counts (another caller than above)', async () => {
  const statuses = []
  for (let i = 0; i < 4; i++) {
    const response = await fetch(`${base}/v1/tokens`, {
      method: 'POST',
      body: JSON.stringify({ rtc: { channelName: 'room-1', uid: 42, role: 'publisher' } }),
      headers: { 'Content-Type': 'application/json', ...bearer(KEYS.admin.key) },
    })
    await response.arrayBuffer()
    statuses.push(response.status)
  }
  assert.deepEqual(statuses, [200, 200, 200, 429], 'AGATE_RATE_LIMIT_PER_IDENTITY=3 holds')
  assert.equal((await fetch(`${base}/readyz`)).status, 200)
})
