/**
 * How a shared rate-limit store (Redis on Node, Durable Objects on Workers) behaves while its
 * backend fails: what a request it cannot count gets, and an outage reported once when it starts
 * and once when it ends, in the logs and in the store's two metrics.
 * @module
 */
import type { Counter, Gauge } from 'prom-client'
import { HttpError } from './errors.js'
import type { RateLimitHit } from './rate-limit.js'

/**
 * What a request gets when the store cannot count it: `allow` serves it uncounted (availability
 * first; the failure is logged and counted), `refuse` answers 503 (the limit is never exceeded).
 */
export type StoreFailureMode = 'allow' | 'refuse'

/** The part of a pino logger a store uses. */
export interface StoreLogger {
  info(object: object, message: string): void
  warn(object: object, message: string): void
}

/** Options of {@link StoreOutage}. */
export interface StoreOutageOptions {
  /** The store's name in the log lines: `redis`, `durable-object`. */
  store: string
  failureMode: StoreFailureMode
  logger: StoreLogger | undefined
  /** `agate_rate_limit_store_errors_total{outcome}`: requests allowed or refused uncounted. */
  errors: Counter<'outcome'>
  /** `agate_rate_limit_store_up`: 1 while the store answers, 0 during an outage. */
  up: Gauge
  /** How the log says the backend fails and comes back, e.g. `unreachable` and `reachable again`. */
  wording: { down: string; back: string }
}

/**
 * A store's health: up until {@link down}, down until {@link back}. Only the flips are logged and
 * gauged, so an outage is one warning and one notice, not a line per request.
 *
 * @example
 * ```ts
 * const outage = new StoreOutage({ store: 'redis', failureMode: 'allow', logger, errors, up, wording })
 * try { … } catch (error) {
 *   outage.down(error.message)
 *   return outage.answer(limit, windowMs, now)
 * }
 * ```
 */
export class StoreOutage {
  readonly #options: StoreOutageOptions
  #healthy = true

  constructor(options: StoreOutageOptions) {
    this.#options = options
    options.up.set(1)
  }

  /** False from {@link down} until {@link back}. */
  get healthy(): boolean {
    return this.#healthy
  }

  /**
   * The answer to a request the store could not count, in the failure mode: "allowed" (counted in
   * the errors metric), or a 503 {@link HttpError} thrown.
   */
  answer(limit: number, windowMs: number, now: number): RateLimitHit {
    const { errors, failureMode } = this.#options
    if (failureMode === 'allow') {
      errors.labels('allowed').inc()
      return { allowed: true, remaining: limit, resetAt: now + windowMs }
    }
    errors.labels('refused').inc()
    throw new HttpError('unavailable', 'the rate-limit store is unreachable; try again shortly', {
      reason: 'rate-limit-store',
      retryAfter: 1,
    })
  }

  /**
   * The backend failed: the outage starts, unless it already has.
   * @param detail - what went wrong, for the log (never a key: keys can be addresses)
   */
  down(detail: string): void {
    if (!this.#healthy) return
    this.#healthy = false
    const { store, failureMode, logger, up, wording } = this.#options
    up.set(0)
    const effect =
      failureMode === 'allow' ? 'requests are served without counting them' : 'requests are refused with 503'
    logger?.warn(
      { event: 'rate-limit-store-down', store, mode: failureMode, error: detail },
      `rate-limit store ${wording.down}: ${effect}`,
    )
  }

  /** The backend answers again: the outage ends, if there was one. */
  back(): void {
    if (this.#healthy) return
    this.#healthy = true
    const { store, logger, up, wording } = this.#options
    up.set(1)
    logger?.info({ event: 'rate-limit-store-up', store }, `rate-limit store ${wording.back}: requests are counted`)
  }
}
