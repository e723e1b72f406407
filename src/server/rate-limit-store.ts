/**
 * Choosing the rate-limit store from the config: in memory for one instance, Redis for a fleet.
 * @module
 */
import type { Registry } from 'prom-client'
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit.js'
import { RedisRateLimitStore, type RedisFailureMode, type StoreLogger } from './redis-rate-limit-store.js'

/** Where rate limits are counted, as resolved from the settings (defaults in `config/settings.ts`). */
export interface RateLimitStoreSettings {
  /** When set, limits are counted in this Redis (`AGATE_REDIS_URL`); otherwise in the process's memory. */
  readonly redisUrl: string | undefined
  /** What requests get while Redis is unreachable (`AGATE_RATE_LIMIT_REDIS_FAILURE`). */
  readonly redisFailure: RedisFailureMode
  /** Prefix of the Redis keys (`AGATE_REDIS_KEY_PREFIX`); the store's own default when omitted. */
  readonly redisKeyPrefix?: string | undefined
  /** Timeout of one Redis command, ms (`AGATE_REDIS_TIMEOUT_MS`); the store's own default when omitted. */
  readonly redisTimeoutMs?: number | undefined
  /**
   * What requests get while a rate-limit Durable Object fails (`AGATE_RATE_LIMIT_STORE_FAILURE`; Cloudflare
   * Workers only); the same meaning as `redisFailure`. Omitted: `allow`.
   */
  readonly durableObjectFailure?: RedisFailureMode | undefined
}

/** A rate-limit store with what the server needs around it: readiness and shutdown. */
export interface RateLimitBackend {
  readonly kind: 'memory' | 'redis'
  readonly store: RateLimitStore
  /**
   * Whether the store can count right now. Memory: always. Redis: while it answers. `/readyz`
   * should fail when this is false and the failure mode is `refuse` (the instance would only answer
   * 503s); in `allow` mode the instance still serves, so it stays ready.
   */
  available(): boolean
  /** Whether requests are refused while the store is unavailable. */
  readonly refusesWhenUnavailable: boolean
  /** Releases the connection; call it on shutdown after the listener has drained. */
  close(): Promise<void>
}

/**
 * Creates the store the settings ask for.
 *
 * @example
 * ```ts
 * const backend = createRateLimitStore(config.rateLimit.store, { logger, registry: metrics.registry })
 * const app = createApp(config, { rateLimitStore: backend.store })
 * // on shutdown, after the server has closed:
 * await backend.close()
 * ```
 */
export function createRateLimitStore(
  settings: RateLimitStoreSettings,
  deps: { logger?: StoreLogger; registry?: Registry; now?: () => number } = {},
): RateLimitBackend {
  if (settings.redisUrl === undefined) {
    const store = new MemoryRateLimitStore(deps.now === undefined ? {} : { now: deps.now })
    return { kind: 'memory', store, available: () => true, refusesWhenUnavailable: false, close: async () => undefined }
  }
  const store = new RedisRateLimitStore({
    url: settings.redisUrl,
    failureMode: settings.redisFailure,
    keyPrefix: settings.redisKeyPrefix,
    commandTimeoutMs: settings.redisTimeoutMs,
    logger: deps.logger,
    registry: deps.registry,
    now: deps.now,
  })
  return {
    kind: 'redis',
    store,
    available: () => store.available,
    refusesWhenUnavailable: settings.redisFailure === 'refuse',
    close: () => store.close(),
  }
}
