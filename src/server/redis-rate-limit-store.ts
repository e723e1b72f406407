/**
 * A rate-limit store in Redis, so that every instance of a fleet counts against one limit.
 * @module
 */
import { Redis, type RedisOptions } from 'ioredis'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { RateLimitHit, RateLimitStore } from './rate-limit.js'
import { StoreOutage, type StoreFailureMode, type StoreLogger } from './store-outage.js'

/** What happens to requests while Redis is unreachable (see {@link StoreFailureMode}). */
export type RedisFailureMode = StoreFailureMode

export type { StoreLogger }

/** Options of {@link RedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). Ignored when `client` is given. */
  url?: string
  /** A client of the caller's, used as is (its options are the caller's business); it is not closed by `close`. */
  client?: Redis
  /** What happens to requests while Redis is unreachable. */
  failureMode: RedisFailureMode
  /** Prefix of every key, so several deployments can share one Redis. Default `agate:rl:`. */
  keyPrefix?: string
  /** How long one Redis command may take before the request goes on without it, ms. Default 250. */
  commandTimeoutMs?: number
  /** How long connecting may take, ms. Default 2000. */
  connectTimeoutMs?: number
  /** Longest pause between reconnection attempts, ms. Default 2000. */
  maxReconnectDelayMs?: number
  /** Failures are logged here, once per outage (not once per request). */
  logger?: StoreLogger
  /** Where the store's metrics go: usually the app's registry (`metrics.registry`). */
  registry?: Registry
  /** The clock, Unix ms; tests replace it. */
  now?: () => number
}

/**
 * INCR and set the window's expiry in one atomic step. The expiry is set whenever the key has none,
 * not only when the count is 1, so a key can never be left without one (e.g. after a failover that
 * lost the PEXPIRE). The window length comes from the caller, the remaining time from Redis: every
 * instance sees the same window whatever its clock says.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`

type HitCommand = (key: string, windowMs: number) => Promise<[number, number]>

const ERRORS_METRIC = 'agate_rate_limit_store_errors_total'
const UP_METRIC = 'agate_rate_limit_store_up'

/**
 * A fixed-window {@link RateLimitStore} over Redis (one key per caller and window, INCR + PEXPIRE in
 * a Lua script).
 *
 * It never makes a request wait long or pile up work while Redis is away: commands are not queued
 * while disconnected (they fail at once), each one has a short timeout, and after a failure the
 * store stops asking Redis for a while (a circuit breaker, with one probe request at a time) while
 * the client reconnects in the background with capped exponential backoff.
 *
 * Metrics: `agate_rate_limit_store_errors_total{outcome="allowed"|"refused"}` counts requests
 * served or refused without Redis; `agate_rate_limit_store_up` is 1 while Redis answers.
 *
 * @example
 * ```ts
 * const store = new RedisRateLimitStore({ url: 'redis://127.0.0.1:6379', failureMode: 'allow', registry })
 * const hit = await store.hit('id:api-key:web', 600, 60_000)
 * await store.close()
 * ```
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly failureMode: RedisFailureMode
  readonly #client: Redis
  readonly #ownsClient: boolean
  readonly #hit: HitCommand
  readonly #prefix: string
  readonly #now: () => number
  readonly #errors: Counter<'outcome'>
  readonly #up: Gauge
  /** Whether the last exchange with Redis worked; its flips are logged. */
  readonly #outage: StoreOutage
  /** While the circuit is open (after a failure), requests do not go to Redis before this time. */
  #openUntil = 0
  #openFor = 0
  #probing = false
  #closed = false

  constructor(options: RedisRateLimitStoreOptions) {
    this.failureMode = options.failureMode
    this.#prefix = options.keyPrefix ?? 'agate:rl:'
    this.#now = options.now ?? Date.now
    if (options.client !== undefined) {
      this.#client = options.client
      this.#ownsClient = false
    } else {
      if (options.url === undefined) throw new TypeError('RedisRateLimitStore needs a url or a client')
      this.#client = new Redis(options.url, clientOptions(options))
      this.#ownsClient = true
    }
    this.#client.defineCommand('agateRateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT })
    this.#hit = (this.#client as unknown as { agateRateLimitHit: HitCommand }).agateRateLimitHit.bind(this.#client)

    const registers = options.registry === undefined ? [] : [options.registry]
    this.#errors =
      reuse(options.registry, ERRORS_METRIC) ??
      new Counter({
        name: ERRORS_METRIC,
        help: 'Requests that could not be counted in the Redis rate-limit store, by what happened to them (allowed or refused).',
        labelNames: ['outcome'] as const,
        registers,
      })
    this.#up =
      reuse(options.registry, UP_METRIC) ??
      new Gauge({
        name: UP_METRIC,
        help: 'Whether the Redis rate-limit store answers (1) or not (0); across a cluster, the lowest of the workers.',
        aggregator: 'min',
        registers,
      })
    this.#outage = new StoreOutage({
      store: 'redis',
      failureMode: options.failureMode,
      logger: options.logger,
      errors: this.#errors,
      up: this.#up,
      wording: { down: 'unreachable', back: 'reachable again' },
    })

    // An 'error' listener is required (ioredis prints unhandled ones); the outage itself is logged
    // once, from the first request that meets it or from here when none comes.
    this.#client.on('error', (error: Error) => this.#markDown(error))
    this.#client.on('ready', () => this.#markUp())
  }

  /**
   * Exposes the store's metrics on another registry too: for a store built before the server's
   * metrics (e.g. one passed to `startServer`, which creates its registry itself).
   */
  registerMetrics(registry: Registry): void {
    if (registry.getSingleMetric(ERRORS_METRIC) === undefined) registry.registerMetric(this.#errors)
    if (registry.getSingleMetric(UP_METRIC) === undefined) registry.registerMetric(this.#up)
  }

  /** Whether Redis is answering; `/readyz` can report it (and should in `refuse` mode). */
  get available(): boolean {
    return this.#outage.healthy && this.#client.status === 'ready'
  }

  /** The ioredis client, for diagnostics and tests. */
  get client(): Redis {
    return this.#client
  }

  /**
   * Counts one request for `key`. Resolves with the count's verdict; while Redis is unreachable,
   * resolves with "allowed" (mode `allow`) or rejects with a 503 {@link HttpError} (mode `refuse`),
   * within about `commandTimeoutMs` at worst.
   */
  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitHit> {
    const now = this.#now()
    if (this.#closed || this.#client.status !== 'ready' || !this.#mayTry(now))
      return this.#failed(limit, windowMs, now, undefined)
    const probe = this.#openFor > 0
    if (probe) this.#probing = true
    try {
      const [count, ttl] = await this.#hit(this.#prefix + key, windowMs)
      if (probe || !this.#outage.healthy) this.#markUp()
      return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetAt: now + Math.max(0, ttl) }
    } catch (error) {
      this.#open(now)
      return this.#failed(limit, windowMs, now, error)
    } finally {
      if (probe) this.#probing = false
    }
  }

  /** Closes the connection (if the store opened it). Never takes longer than about a second. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (!this.#ownsClient) return
    const client = this.#client
    if (client.status !== 'ready') {
      client.disconnect()
      return
    }
    // QUIT lets pending replies arrive; a Redis that does not answer is simply dropped.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      client.quit().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 1000)
        timer.unref()
      }),
    ])
    clearTimeout(timer)
    client.disconnect()
  }

  /** Closed circuit: always. Open: no, until `#openUntil`; then one request at a time probes. */
  #mayTry(now: number): boolean {
    if (this.#openFor === 0) return true
    return now >= this.#openUntil && !this.#probing
  }

  #open(now: number): void {
    // 250 ms, doubling to 4 s: a dead Redis costs one slow request per interval, not one per request.
    this.#openFor = this.#openFor === 0 ? 250 : Math.min(this.#openFor * 2, 4000)
    this.#openUntil = now + this.#openFor
  }

  /** A request Redis could not count: the outage starts if need be, and the failure mode answers. */
  #failed(limit: number, windowMs: number, now: number, error: unknown): RateLimitHit {
    this.#markDown(error)
    return this.#outage.answer(limit, windowMs, now)
  }

  #markDown(error: unknown): void {
    if (this.#closed) return
    // The error's message, or the client's state when the outage was seen without a call.
    this.#outage.down(error instanceof Error ? error.message : this.#client.status)
  }

  #markUp(): void {
    this.#openFor = 0
    this.#openUntil = 0
    this.#outage.back()
  }
}

/**
 * Client options that keep requests from waiting on Redis: no offline queue (a command sent while
 * disconnected fails at once), no retries of a command, a short command timeout, and reconnection
 * forever with capped, jittered exponential backoff.
 */
function clientOptions(options: RedisRateLimitStoreOptions): RedisOptions {
  const maxDelay = options.maxReconnectDelayMs ?? 2000
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay) + Math.floor(Math.random() * 100),
    connectionName: 'agate-rate-limit',
    disableClientInfo: true,
  }
}

/** The metric already on `registry` (several stores, or one per app, may share a registry). */
function reuse<T>(registry: Registry | undefined, name: string): T | undefined {
  return registry?.getSingleMetric(name) as T | undefined
}
