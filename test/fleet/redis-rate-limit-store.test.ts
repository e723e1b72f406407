import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Registry } from 'prom-client'
import { HttpError } from '../../src/server/errors.js'
import { createRateLimitStore } from '../../src/server/rate-limit-store.js'
import { checkRedisUrl } from '../../src/server/redis-url.js'
import {
  RedisRateLimitStore,
  type RedisFailureMode,
  type StoreLogger,
} from '../../src/server/redis-rate-limit-store.js'
import { freePort } from './helpers/ports.js'
import { MISSING_REDIS, RedisServer, requireRedisServer, sleep, waitFor } from './helpers/redis.js'

const executable = requireRedisServer()
const skip = executable === undefined ? MISSING_REDIS : false

/** A logger that keeps what it is given. */
function memoryLogger(): StoreLogger & { lines: { level: string; event: unknown; message: string }[] } {
  const lines: { level: string; event: unknown; message: string }[] = []
  return {
    lines,
    info: (object, message) => lines.push({ level: 'info', event: (object as { event?: unknown }).event, message }),
    warn: (object, message) => lines.push({ level: 'warn', event: (object as { event?: unknown }).event, message }),
  }
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name)
  if (metric === undefined) return 0
  const { values } = await metric.get()
  const found = values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  )
  return found?.value ?? 0
}

/** Times a promise; fails if it takes longer than `limitMs`. */
async function within<T>(limitMs: number, promise: Promise<T>): Promise<T> {
  const started = performance.now()
  const value = await promise
  const took = performance.now() - started
  assert.ok(took < limitMs, `took ${took.toFixed(0)} ms, more than ${limitMs} ms`)
  return value
}

describe('RedisRateLimitStore against a real redis-server', { skip }, () => {
  let redis: RedisServer
  const stores: RedisRateLimitStore[] = []
  let prefixCounter = 0

  function store(
    failureMode: RedisFailureMode = 'allow',
    extra: { registry?: Registry; logger?: StoreLogger; keyPrefix?: string } = {},
  ): RedisRateLimitStore {
    const created = new RedisRateLimitStore({
      url: redis.url,
      failureMode,
      commandTimeoutMs: 200,
      maxReconnectDelayMs: 200,
      ...extra,
    })
    stores.push(created)
    return created
  }

  /** Two stores (two "instances") on one Redis, with a key prefix of their own test. */
  async function pair(failureMode: RedisFailureMode = 'allow', registry = new Registry(), logger = memoryLogger()) {
    const keyPrefix = `test${++prefixCounter}:`
    const a = store(failureMode, { registry, logger, keyPrefix })
    const b = store(failureMode, { registry: new Registry(), keyPrefix })
    await waitFor('both stores to connect', () => a.available && b.available)
    return { a, b, registry, logger }
  }

  before(async () => {
    redis = await RedisServer.launch(executable as string)
  })

  after(async () => {
    await Promise.all(stores.map((each) => each.close()))
    await redis?.dispose()
  })

  test('two stores count against one limit', async () => {
    const { a, b } = await pair()
    const results = []
    for (let i = 0; i < 3; i++) results.push(await a.hit('id:web', 5, 60_000), await b.hit('id:web', 5, 60_000))
    assert.deepEqual(
      results.map((hit) => hit.allowed),
      [true, true, true, true, true, false],
    )
    assert.deepEqual(
      results.map((hit) => hit.remaining),
      [4, 3, 2, 1, 0, 0],
    )
    for (const hit of results) {
      assert.ok(
        hit.resetAt > Date.now() + 55_000 && hit.resetAt <= Date.now() + 60_000,
        'resetAt is the end of the shared window',
      )
    }
    // Other keys are counted apart.
    assert.equal((await b.hit('id:other', 5, 60_000)).remaining, 4)
  })

  test('counting is atomic under concurrency: exactly the limit is allowed', async () => {
    const { a, b } = await pair()
    const hits = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? a : b).hit('addr:10.0.0.1', 100, 60_000)),
    )
    assert.equal(hits.filter((hit) => hit.allowed).length, 100)
    assert.deepEqual(
      hits
        .map((hit) => hit.remaining)
        .filter((remaining) => remaining > 0)
        .sort((x, y) => y - x),
      Array.from({ length: 99 }, (_, i) => 99 - i),
      'every count from 1 to 100 was handed out once',
    )
  })

  test('the window expires in Redis and every key has an expiry', async () => {
    const { a, b } = await pair()
    assert.equal((await a.hit('id:short', 1, 300)).allowed, true)
    assert.equal((await b.hit('id:short', 1, 300)).allowed, false)
    const ttl = await a.client.pttl(`test${prefixCounter}:id:short`)
    assert.ok(ttl > 0 && ttl <= 300, `PTTL ${ttl}`)
    await sleep(350)
    assert.equal((await b.hit('id:short', 1, 300)).allowed, true, 'a new window after the old one expired')
  })

  test("'allow' mode: Redis stopped mid-run keeps serving, counts and logs the failure; restarted, limits count again", async () => {
    const { a, b, registry, logger } = await pair('allow')
    assert.equal((await a.hit('id:outage', 2, 60_000)).allowed, true)
    assert.equal((await b.hit('id:outage', 2, 60_000)).allowed, true)
    assert.equal((await a.hit('id:outage', 2, 60_000)).allowed, false)

    await redis.stop()
    await waitFor('the store to notice', () => !a.available)
    for (let i = 0; i < 20; i++) {
      const hit = await within(300, a.hit('id:outage', 2, 60_000))
      assert.equal(hit.allowed, true, 'allowed while Redis is away')
    }
    assert.equal(await metricValue(registry, 'agate_rate_limit_store_errors_total', { outcome: 'allowed' }), 20)
    assert.equal(await metricValue(registry, 'agate_rate_limit_store_up'), 0)
    assert.equal(
      logger.lines.filter((line) => line.event === 'rate-limit-store-down').length,
      1,
      'one log line per outage, not per request',
    )

    await redis.start()
    await waitFor('the store to reconnect', () => a.available && b.available)
    assert.equal(await metricValue(registry, 'agate_rate_limit_store_up'), 1)
    assert.ok(logger.lines.some((line) => line.event === 'rate-limit-store-up'))
    // Redis came back empty (nothing persisted): a fresh window, counted across both stores again.
    assert.equal((await a.hit('id:outage', 2, 60_000)).allowed, true)
    assert.equal((await b.hit('id:outage', 2, 60_000)).allowed, true)
    assert.equal((await a.hit('id:outage', 2, 60_000)).allowed, false)
  })

  test("'refuse' mode: Redis stopped answers 503 at once; restarted, service recovers", async () => {
    const { a, b, registry } = await pair('refuse')
    assert.equal((await a.hit('id:refuse', 5, 60_000)).allowed, true)
    await redis.stop()
    await waitFor('the store to notice', () => !a.available)
    for (let i = 0; i < 5; i++) {
      await within(
        300,
        assert.rejects(a.hit('id:refuse', 5, 60_000), (error: unknown) => {
          assert.ok(error instanceof HttpError)
          assert.equal(error.kind, 'unavailable')
          assert.equal(error.status, 503)
          assert.equal(error.retryAfter, 1)
          assert.match(error.message, /rate-limit store is unreachable/)
          return true
        }),
      )
    }
    assert.equal(await metricValue(registry, 'agate_rate_limit_store_errors_total', { outcome: 'refused' }), 5)
    await redis.start()
    await waitFor('the store to reconnect', () => a.available && b.available)
    assert.equal((await a.hit('id:refuse', 1, 60_000)).allowed, true)
    assert.equal((await b.hit('id:refuse', 1, 60_000)).allowed, false)
  })

  test('a hung Redis (SIGSTOP) costs one command timeout, then fails fast; it recovers on SIGCONT', async () => {
    const { a } = await pair('allow')
    redis.pause()
    try {
      // The first request waits for the 200 ms command timeout; then the circuit is open.
      const first = await within(1000, a.hit('id:hung', 5, 60_000))
      assert.equal(first.allowed, true)
      const started = performance.now()
      const burst = await Promise.all(Array.from({ length: 200 }, () => a.hit('id:hung', 5, 60_000)))
      assert.ok(performance.now() - started < 150, 'requests do not queue behind a hung Redis')
      assert.ok(burst.every((hit) => hit.allowed))
    } finally {
      redis.resume()
    }
    // Requests keep coming; one of them probes Redis once the circuit allows it, and it answers.
    await waitFor('the store to recover', async () => {
      await a.hit('id:hung-after', 1000, 60_000)
      return a.available
    })
    const [x, y] = [await a.hit('id:hung-check', 1, 60_000), await a.hit('id:hung-check', 1, 60_000)]
    assert.deepEqual([x.allowed, y.allowed], [true, false], 'counted again')
  })

  test('a store whose Redis never answered starts, serves per its mode and closes without hanging', async () => {
    const nothing = await freePort()
    const allow = new RedisRateLimitStore({
      url: `redis://127.0.0.1:${nothing}`,
      failureMode: 'allow',
      maxReconnectDelayMs: 100,
    })
    const refuse = new RedisRateLimitStore({
      url: `redis://127.0.0.1:${nothing}`,
      failureMode: 'refuse',
      maxReconnectDelayMs: 100,
    })
    try {
      assert.equal((await within(100, allow.hit('k', 1, 1000))).allowed, true)
      await within(100, assert.rejects(refuse.hit('k', 1, 1000), { name: 'HttpError', kind: 'unavailable' }))
      assert.equal(allow.available, false)
    } finally {
      await within(1500, Promise.all([allow.close(), refuse.close()]))
    }
    // Closed stores never reach Redis again, and still answer per their mode.
    assert.equal((await allow.hit('k', 1, 1000)).allowed, true)
  })

  test('createRateLimitStore picks Redis when a URL is set, and several stores share one registry', async () => {
    const registry = new Registry()
    const one = createRateLimitStore({ redisUrl: redis.url, redisFailure: 'refuse' }, { registry })
    const two = createRateLimitStore(
      { redisUrl: redis.url, redisFailure: 'refuse', redisKeyPrefix: 'other:' },
      { registry },
    )
    try {
      assert.equal(one.kind, 'redis')
      assert.equal(one.refusesWhenUnavailable, true)
      await waitFor('connect', () => one.available() && two.available())
      assert.equal((await one.store.hit('factory', 1, 60_000)).allowed, true)
      assert.equal(
        (await two.store.hit('factory', 1, 60_000)).allowed,
        true,
        'a different prefix is a different counter',
      )
      assert.equal(
        registry.getMetricsAsArray().filter((metric) => metric.name === 'agate_rate_limit_store_up').length,
        1,
      )
    } finally {
      await Promise.all([one.close(), two.close()])
    }
  })
})

describe('rate-limit store settings', () => {
  test('without a Redis URL the store is in memory and always available', async () => {
    const backend = createRateLimitStore({ redisUrl: undefined, redisFailure: 'allow' })
    assert.equal(backend.kind, 'memory')
    assert.equal(backend.available(), true)
    assert.equal(backend.refusesWhenUnavailable, false)
    assert.equal((await backend.store.hit('a', 1, 1000)).allowed, true)
    assert.equal((await backend.store.hit('a', 1, 1000)).allowed, false)
    await backend.close()
  })

  test('checkRedisUrl accepts redis and rediss URLs and never echoes the URL', () => {
    for (const good of [
      'redis://127.0.0.1:6379',
      'rediss://user:pa55@cache.internal:6380/2',
      'redis://redis',
      'redis://:secret@redis:6379/0',
    ]) {
      assert.equal(checkRedisUrl(good), undefined, good)
    }
    for (const bad of [
      '127.0.0.1:6379',
      'http://redis:6379',
      'redis://:hunter2@host/cache',
      'redis:///0',
      'not a url',
    ]) {
      const message = checkRedisUrl(bad)
      assert.ok(message !== undefined, bad)
      assert.ok(!message.includes('hunter2'), 'the password is not repeated')
    }
  })

  test('the constructor needs a URL or a client', () => {
    assert.throws(() => new RedisRateLimitStore({ failureMode: 'allow' }), { name: 'TypeError' })
  })
})
