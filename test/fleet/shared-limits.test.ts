import assert from 'node:assert/strict'
import { after, afterEach, before, beforeEach, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { loadConfig, type ServerConfig } from '../../src/server/config.js'
import { startServer, type RunningServer } from '../../src/server/listen.js'
import { RedisRateLimitStore, type RedisFailureMode } from '../../src/server/redis-rate-limit-store.js'
import { APP_ID, CERTIFICATE } from './helpers/processes.js'
import { MISSING_REDIS, RedisServer, requireRedisServer, waitFor } from './helpers/redis.js'

const executable = requireRedisServer()
const skip = executable === undefined ? MISSING_REDIS : false

const LIMIT = 5
const V1_BODY = JSON.stringify({ rtc: { channelName: 'room-1', uid: 42, role: 'publisher' } })
const FETCH_BODY = JSON.stringify({ uid: 42, ChannelName: 'room-1', role: 1 })

/** Two servers ("instances" of a fleet) sharing one Redis for their limits. */
interface Fleet {
  servers: RunningServer[]
  stores: RedisRateLimitStore[]
}

async function config(): Promise<ServerConfig> {
  return loadConfig(
    { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE, AGATE_LOG_LEVEL: 'silent' },
    { port: 0, host: '127.0.0.1', overrides: { AGATE_RATE_LIMIT_PER_ADDRESS: LIMIT, AGATE_RATE_LIMIT_WINDOW: 60 } },
  )
}

async function startFleet(url: string, failureMode: RedisFailureMode, keyPrefix: string): Promise<Fleet> {
  const fleet: Fleet = { servers: [], stores: [] }
  for (let i = 0; i < 2; i++) {
    const store = new RedisRateLimitStore({
      url,
      failureMode,
      keyPrefix,
      commandTimeoutMs: 200,
      maxReconnectDelayMs: 200,
    })
    fleet.stores.push(store)
    const server = await startServer(await config(), { rateLimitStore: store, logger: pino({ level: 'silent' }) })
    store.registerMetrics(server.metrics.registry)
    fleet.servers.push(server)
  }
  await waitFor('the stores to connect', () => fleet.stores.every((store) => store.available))
  return fleet
}

async function stopFleet(fleet: Fleet | undefined): Promise<void> {
  if (fleet === undefined) return
  await Promise.all(fleet.servers.map((server) => server.close()))
  await Promise.all(fleet.stores.map((store) => store.close()))
}

function post(server: RunningServer, path: string, body: string): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
    signal: AbortSignal.timeout(5000),
  })
}

/** Sends `count` token requests alternating between the servers; returns the statuses. */
async function alternate(fleet: Fleet, count: number, path = '/v1/tokens', body = V1_BODY): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < count; i++) {
    const response = await post(fleet.servers[i % 2] as RunningServer, path, body)
    await response.arrayBuffer()
    statuses.push(response.status)
  }
  return statuses
}

describe('rate limits shared by two servers through Redis', { skip }, () => {
  let redis: RedisServer
  let fleet: Fleet | undefined

  before(async () => {
    redis = await RedisServer.launch(executable as string)
  })
  beforeEach(async () => {
    // A test that failed with Redis stopped must not take the next one down with it.
    if (!redis.running) await redis.start()
  })
  afterEach(async () => {
    await stopFleet(fleet)
    fleet = undefined
  })
  after(async () => {
    await redis?.dispose()
  })

  test(
    "two servers enforce one limit; with Redis stopped, 'allow' keeps serving and counts it; restarted, the limit holds again",
    { timeout: 60_000 },
    async () => {
      fleet = await startFleet(redis.url, 'allow', 'allow:')
      const [a] = fleet.servers as [RunningServer, RunningServer]
      assert.deepEqual(
        await alternate(fleet, LIMIT + 2),
        [200, 200, 200, 200, 200, 429, 429],
        'the 6th request is over the shared limit, whichever server gets it',
      )
      const limited = await post(a, '/v1/tokens', V1_BODY)
      assert.equal(limited.status, 429)
      assert.ok(Number(limited.headers.get('retry-after')) > 50)
      assert.equal(((await limited.json()) as { code: string }).code, 'rate-limited')

      await redis.stop()
      await waitFor('the stores to notice', () => fleet!.stores.every((store) => !store.available))
      assert.deepEqual(await alternate(fleet, 10), Array(10).fill(200), 'served, uncounted, while Redis is away')
      const metrics = await (await fetch(`${a.url}/metrics`)).text()
      assert.match(metrics, /^agate_rate_limit_store_errors_total\{outcome="allowed"\} 5$/m)
      assert.match(metrics, /^agate_rate_limit_store_up 0$/m)

      await redis.start()
      await waitFor('the stores to reconnect', () => fleet!.stores.every((store) => store.available))
      assert.deepEqual(
        await alternate(fleet, LIMIT + 1),
        [200, 200, 200, 200, 200, 429],
        'counted across both servers again',
      )
      assert.match(await (await fetch(`${a.url}/metrics`)).text(), /^agate_rate_limit_store_up 1$/m)
    },
  )

  test("'refuse' answers 503 with a problem body while Redis is away, and recovers", { timeout: 60_000 }, async () => {
    fleet = await startFleet(redis.url, 'refuse', 'refuse:')
    const [a, b] = fleet.servers as [RunningServer, RunningServer]
    assert.deepEqual(await alternate(fleet, 2), [200, 200])

    await redis.stop()
    await waitFor('the stores to notice', () => fleet!.stores.every((store) => !store.available))
    const problem = await post(a, '/v1/tokens', V1_BODY)
    assert.equal(problem.status, 503)
    assert.equal(problem.headers.get('content-type'), 'application/problem+json')
    assert.equal(problem.headers.get('retry-after'), '1')
    const body = (await problem.json()) as Record<string, unknown>
    assert.equal(body.code, 'unavailable')
    assert.equal(body.status, 503)
    assert.equal(body.reason, 'rate-limit-store')
    assert.match(String(body.detail), /rate-limit store is unreachable/)
    // The docs' route keeps its own error shape.
    const docs = await post(b, '/fetch_rtc_token', FETCH_BODY)
    assert.equal(docs.status, 503)
    assert.deepEqual(await docs.json(), {
      token: 'the rate-limit store is unreachable; try again shortly',
      code: '503',
    })
    // Health is not rate limited: the process is alive.
    assert.equal((await fetch(`${a.url}/healthz`)).status, 200)

    await redis.start()
    await waitFor('the stores to reconnect', () => fleet!.stores.every((store) => store.available))
    assert.deepEqual(await alternate(fleet, LIMIT + 1), [200, 200, 200, 200, 200, 429])
  })

  test(
    'from the settings alone: startServer counts in Redis, /readyz fails while Redis is away in refuse mode (not in allow mode), close() disconnects',
    { timeout: 60_000 },
    async () => {
      const settings = (mode: RedisFailureMode) =>
        loadConfig(
          {
            AGORA_APP_ID: APP_ID,
            AGORA_APP_CERTIFICATE: CERTIFICATE,
            AGATE_LOG_LEVEL: 'silent',
            REDIS_URL: redis.url,
            RATE_LIMIT_REDIS_FAILURE: mode,
          },
          {
            port: 0,
            host: '127.0.0.1',
            overrides: {
              AGATE_RATE_LIMIT_PER_ADDRESS: LIMIT,
              AGATE_REDIS_KEY_PREFIX: `settings-${mode}:`,
              AGATE_REDIS_TIMEOUT_MS: 200,
            },
          },
        )
      const refuse = await startServer(await settings('refuse'), { logger: pino({ level: 'silent' }) })
      const allow = await startServer(await settings('allow'), { logger: pino({ level: 'silent' }) })
      const readyz = async (server: RunningServer): Promise<[number, unknown]> => {
        const response = await fetch(`${server.url}/readyz`)
        return [response.status, await response.json()]
      }
      const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 })
      const connections = async (): Promise<number> => {
        const list = String(await admin.client('LIST'))
        return list.split('\n').filter((line) => line.includes('name=agate-rate-limit')).length
      }
      try {
        await waitFor(
          'both servers to reach Redis',
          async () => (await readyz(refuse))[0] === 200 && (await connections().catch(() => 0)) === 2,
        )
        assert.deepEqual(await readyz(refuse), [200, { status: 'ready' }])
        // Counted in Redis: the keys carry each server's prefix.
        const statuses: number[] = []
        for (let i = 0; i < LIMIT + 1; i++) statuses.push((await post(refuse, '/v1/tokens', V1_BODY)).status)
        assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429])
        assert.ok((await admin.keys('settings-refuse:*')).length > 0)
        assert.match(await (await fetch(`${refuse.url}/metrics`)).text(), /^agate_rate_limit_store_up 1$/m)

        admin.disconnect()
        await redis.stop()
        await waitFor('/readyz to report the store', async () => (await readyz(refuse))[0] === 503)
        assert.deepEqual(await readyz(refuse), [503, { status: 'unavailable', reason: 'rate-limit-store' }])
        assert.deepEqual(await readyz(allow), [200, { status: 'ready' }], 'allow mode still serves, so it stays ready')
        assert.equal((await fetch(`${refuse.url}/healthz`)).status, 200, 'alive all the same')

        await redis.start()
        await waitFor('/readyz to recover', async () => (await readyz(refuse))[0] === 200, 20_000)
        await admin.connect()
        await waitFor('both servers to reconnect', async () => (await connections()) === 2)
      } finally {
        await Promise.all([refuse.close(), allow.close()])
      }
      assert.equal(await connections(), 0, "close() released both servers' Redis connections")
      admin.disconnect()
    },
  )
})
