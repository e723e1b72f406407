/** Rate limits: the memory store, limits per identity and per client address, Retry-After, metrics, a custom store. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryRateLimitStore, type RateLimitStore } from '../../src/server/rate-limit.js'
import { bearer, json, KEYS, makeApp, post, productionEnv } from './helpers.js'

const request = { uid: 42, ChannelName: 'room-1', role: 1 }

test('the memory store counts a fixed window per key and starts a new one when it ends', () => {
  let now = 1000
  const store = new MemoryRateLimitStore({ now: () => now })
  assert.deepEqual(store.hit('a', 2, 100), { allowed: true, remaining: 1, resetAt: 1100 })
  assert.deepEqual(store.hit('a', 2, 100), { allowed: true, remaining: 0, resetAt: 1100 })
  assert.deepEqual(store.hit('a', 2, 100), { allowed: false, remaining: 0, resetAt: 1100 })
  assert.equal(store.hit('b', 2, 100).allowed, true)
  now = 1100
  assert.deepEqual(store.hit('a', 2, 100), { allowed: true, remaining: 1, resetAt: 1200 })
})

test('the memory store stays bounded: expired windows go first, then the oldest half', () => {
  let now = 0
  const store = new MemoryRateLimitStore({ maxKeys: 10, now: () => now })
  for (let index = 0; index < 10; index++) store.hit(`k${index}`, 1, 50)
  now = 100
  store.hit('fresh', 1, 50)
  assert.equal(store.size, 1)
  for (let index = 0; index < 9; index++) store.hit(`n${index}`, 1, 1000)
  store.hit('one-more', 1, 1000)
  assert.ok(store.size <= 10, String(store.size))
})

test('per identity: the limit, then 429 with Retry-After, counted in metrics; other identities unaffected', async () => {
  const now = 1_700_000_000_000
  const { app, metrics } = await makeApp(
    productionEnv({ AGATE_RATE_LIMIT_PER_IDENTITY: '2', AGATE_RATE_LIMIT_WINDOW: '60' }),
    {},
    { now: () => now },
  )
  const web = bearer(KEYS.web.key)
  assert.equal((await post(app, '/fetch_rtc_token', request, web)).status, 200)
  assert.equal((await post(app, '/fetch_rtc_token', request, web)).status, 200)
  const limited = await post(app, '/fetch_rtc_token', request, web)
  assert.deepEqual(await json(limited, 429), {
    token: 'too many requests from this caller; retry in 60 s',
    code: '429',
  })
  assert.equal(limited.headers.get('retry-after'), '60')
  // The limit spans routes: the caller is limited, not the route.
  const problem = await json(await post(app, '/v1/tokens', { rtm: { userId: 'u' } }, web), 429)
  assert.deepEqual([problem.code, problem.retryAfter], ['rate-limited', 60])
  assert.equal((await post(app, '/fetch_rtc_token', request, bearer(KEYS.admin.key))).status, 200)
  assert.match(await metrics.registry.metrics(), /agate_rate_limited_total\{scope="identity"\} 2/)
})

test('per client address: from the socket, or X-Forwarded-For only behind trusted proxies', async () => {
  const env = (address: string) => ({ incoming: { socket: { remoteAddress: address } } })
  const direct = await makeApp(productionEnv({ AGATE_RATE_LIMIT_PER_ADDRESS: '1' }))
  const call = (app: typeof direct.app, address: string, headers: Record<string, string> = {}) =>
    app.request(
      '/fetch_rtc_token',
      { method: 'POST', headers: { ...bearer(KEYS.web.key), ...headers }, body: JSON.stringify(request) },
      env(address),
    ) as Promise<Response>
  assert.equal((await call(direct.app, '10.0.0.1')).status, 200)
  assert.equal((await call(direct.app, '10.0.0.1', { 'x-forwarded-for': '1.1.1.1' })).status, 429)
  assert.equal((await call(direct.app, '10.0.0.2')).status, 200)

  const proxied = await makeApp(productionEnv({ AGATE_RATE_LIMIT_PER_ADDRESS: '1', AGATE_TRUST_PROXY: '1' }))
  assert.equal((await call(proxied.app, '10.0.0.9', { 'x-forwarded-for': 'spoofed, 203.0.113.5' })).status, 200)
  assert.equal((await call(proxied.app, '10.0.0.9', { 'x-forwarded-for': 'other, 203.0.113.5' })).status, 429)
  assert.equal((await call(proxied.app, '10.0.0.9', { 'x-forwarded-for': '203.0.113.6' })).status, 200)
})

test('anonymous callers are limited by address only; limits of 0 are off', async () => {
  const { app } = await makeApp({ AGATE_RATE_LIMIT_PER_IDENTITY: '1', AGATE_RATE_LIMIT_PER_ADDRESS: '0' })
  for (let index = 0; index < 5; index++) assert.equal((await post(app, '/fetch_rtc_token', request)).status, 200)
})

test('a custom (e.g. Redis) store plugs in through createApp, sync or async', async () => {
  const seen: string[] = []
  const store: RateLimitStore = {
    async hit(key, limit, windowMs) {
      seen.push(`${key}/${limit}/${windowMs}`)
      return { allowed: !key.startsWith('identity:'), remaining: 0, resetAt: Date.now() + 5000 }
    },
  }
  const { app } = await makeApp(
    productionEnv({ AGATE_RATE_LIMIT_PER_IDENTITY: '7', AGATE_RATE_LIMIT_PER_ADDRESS: '9' }),
    {},
    { rateLimitStore: store },
  )
  const response = await post(app, '/fetch_rtc_token', request, bearer(KEYS.web.key))
  assert.equal(response.status, 429)
  assert.equal(response.headers.get('retry-after'), '5')
  assert.deepEqual(seen, ['address:unknown/9/60000', 'identity:api-key:web/7/60000'])
})
