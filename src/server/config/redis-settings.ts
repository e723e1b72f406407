/**
 * Where rate limits are counted: in memory, or in a Redis shared by a fleet.
 * @module
 */
import { z } from 'zod'
import type { RateLimitStoreSettings } from '../rate-limit-store.js'
import { checkRedisUrl } from '../redis-url.js'
import type { Sources } from './sources.js'

/** A `redis:` or `rediss:` URL; the message never repeats it (it may hold a password), nor does zod's. */
export const redisUrlSchema = z
  .string()
  .transform((text) => text.trim())
  .superRefine((text, context) => {
    const problem = checkRedisUrl(text)
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem })
  })

export const redisKeyPrefixSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,64}$/, { error: 'must be 1 to 64 printable ASCII characters without spaces' })

/** The store settings; the Redis ones without a Redis URL are warned about, as they do nothing. */
export function rateLimitStoreSettings(source: Sources): RateLimitStoreSettings {
  const redisUrl = source.get('AGATE_REDIS_URL')
  const settings: RateLimitStoreSettings = {
    redisUrl,
    redisFailure: source.get('AGATE_RATE_LIMIT_REDIS_FAILURE'),
    redisKeyPrefix: source.get('AGATE_REDIS_KEY_PREFIX'),
    redisTimeoutMs: source.get('AGATE_REDIS_TIMEOUT_MS'),
    durableObjectFailure: source.get('AGATE_RATE_LIMIT_STORE_FAILURE'),
  }
  if (redisUrl === undefined) {
    for (const name of [
      'AGATE_RATE_LIMIT_REDIS_FAILURE',
      'AGATE_REDIS_KEY_PREFIX',
      'AGATE_REDIS_TIMEOUT_MS',
    ] as const) {
      if (source.has(name)) {
        source.warn(
          `${source.nameOf(name)} has no effect without AGATE_REDIS_URL (REDIS_URL): rate limits are counted in memory`,
        )
      }
    }
  }
  return settings
}
