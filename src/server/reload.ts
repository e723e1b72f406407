/**
 * Reloading a running server's settings (SIGHUP): what a reload applies at once, and what only a
 * restart can change. A reload reads the config file and the `_FILE` secrets again; the
 * environment of a running process cannot change.
 * @module
 */
import type { ServerConfig } from './config.js'
import type { LimitSettings } from './config/types.js'
import type { RateLimitStoreSettings } from './rate-limit-store.js'

/** What a reload did: applied (some settings may still wait for a restart), or refused, with why. */
export type ReloadOutcome =
  { readonly ok: true; readonly restartNeeded: readonly string[] } | { readonly ok: false; readonly error: string }

/** The listener's limits, fixed when it starts; the body limit is read per request and applies at once. */
const LISTENER_LIMITS: Readonly<Record<Exclude<keyof LimitSettings, 'bodyBytes'>, string>> = {
  headerBytes: 'AGATE_MAX_HEADER_SIZE',
  keepAliveTimeoutMs: 'AGATE_KEEP_ALIVE_TIMEOUT_MS',
  headersTimeoutMs: 'AGATE_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'AGATE_REQUEST_TIMEOUT_MS',
  drainDelayMs: 'AGATE_DRAIN_DELAY_MS',
  shutdownTimeoutMs: 'AGATE_SHUTDOWN_TIMEOUT_MS',
}

/** The rate-limit store, connected when the server starts. */
const STORE_SETTINGS: Readonly<Record<keyof RateLimitStoreSettings, string>> = {
  redisUrl: 'AGATE_REDIS_URL',
  redisFailure: 'AGATE_RATE_LIMIT_REDIS_FAILURE',
  redisKeyPrefix: 'AGATE_REDIS_KEY_PREFIX',
  redisTimeoutMs: 'AGATE_REDIS_TIMEOUT_MS',
  durableObjectFailure: 'AGATE_RATE_LIMIT_STORE_FAILURE',
}

/**
 * The names of the settings that differ between `before` and `after` but take effect only on a
 * restart: the listener's address and limits, the log destination, the worker count and the
 * rate-limit store. Names only: a value (a Redis URL with its password) is never reported.
 */
export function settingsFixedAtStart(before: ServerConfig, after: ServerConfig): string[] {
  const names: string[] = []
  if (before.host !== after.host) names.push('AGATE_HOST')
  if (before.port !== after.port) names.push('AGATE_PORT')
  if (before.workers !== after.workers) names.push('AGATE_WORKERS')
  if (before.log.destination !== after.log.destination) names.push('AGATE_LOG_DESTINATION')
  for (const [field, name] of Object.entries(LISTENER_LIMITS)) {
    if (before.limits[field as keyof LimitSettings] !== after.limits[field as keyof LimitSettings]) names.push(name)
  }
  for (const [field, name] of Object.entries(STORE_SETTINGS)) {
    const key = field as keyof RateLimitStoreSettings
    if (before.rateLimit.store[key] !== after.rateLimit.store[key]) names.push(name)
  }
  return names
}
