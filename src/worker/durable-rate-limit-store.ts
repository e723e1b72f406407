/**
 * A rate-limit store over Durable Objects, so that every isolate of a Worker, in every location,
 * counts against one limit.
 * @module
 */
import type { DurableObjectNamespace } from 'cloudflare:workers'
import { Counter, Gauge, type Registry } from 'prom-client'
import { HttpError } from '../server/errors.js'
import type { RateLimitHit, RateLimitStore } from '../server/rate-limit.js'
import type { RateLimitCounter } from './durable-rate-limit-counter.js'

/**
 * What a request gets when its object cannot count it (it threw, is overloaded, or did not answer in
 * time): `allow` serves it uncounted, `refuse` answers 503. The same choice as the Redis store's.
 */
export type StoreFailureMode = 'allow' | 'refuse'

/** The part of a pino logger the store uses. */
export interface StoreLogger {
  info(object: object, message: string): void
  warn(object: object, message: string): void
}

/** Options of {@link DurableObjectRateLimitStore}. */
export interface DurableObjectRateLimitStoreOptions {
  /** The binding of the {@link RateLimitCounter} class (`AGATE_RATE_LIMITS` in wrangler.toml). */
  namespace: DurableObjectNamespace<RateLimitCounter>
  failureMode: StoreFailureMode
  /** How long one call may take before the request goes on without it, ms. Default 1000. */
  timeoutMs?: number
  /**
   * How long calls must go without a failure before the store counts as answering again, ms.
   * Default 5000: one overloaded object among working ones keeps the store "failing" in the logs,
   * the `up` gauge and `/readyz`, rather than flipping them with every request.
   */
  recoveryMs?: number
  /** Failures are logged here, once per outage seen by this isolate (not once per request). */
  logger?: StoreLogger
  /** Where the store's metrics go: the app's registry. */
  registry?: Registry
}

const ERRORS_METRIC = 'agate_rate_limit_store_errors_total'
const UP_METRIC = 'agate_rate_limit_store_up'

/**
 * A fixed-window {@link RateLimitStore} whose counters are Durable Objects: one object per limit key
 * (`idFromName(key)`), which Cloudflare runs in exactly one place at a time, so the count is global
 * and strongly consistent. Each `hit` is one RPC call to that object.
 *
 * Failures follow the failure mode, as with Redis; the metrics have the same names
 * (`agate_rate_limit_store_errors_total{outcome}`, `agate_rate_limit_store_up`), per isolate.
 * A failed call is not retried: it may have been counted, and a retry would count it twice.
 * Objects fail one by one (an overloaded hot key's, say) while the others answer, so the store
 * counts as failing from its first failure until calls have gone `recoveryMs` without one, and
 * logs each such outage once, when it starts and when it ends.
 *
 * @example
 * ```ts
 * const store = new DurableObjectRateLimitStore({ namespace: env.AGATE_RATE_LIMITS, failureMode: 'allow' })
 * const hit = await store.hit('identity:api-key:web', 600, 60_000)
 * ```
 */
export class DurableObjectRateLimitStore implements RateLimitStore {
  readonly failureMode: StoreFailureMode
  readonly #namespace: DurableObjectNamespace<RateLimitCounter>
  readonly #timeoutMs: number
  readonly #recoveryMs: number
  readonly #logger: StoreLogger | undefined
  readonly #errors: Counter<'outcome'>
  readonly #up: Gauge
  /** False from a failure until calls have gone `#recoveryMs` without one; flips are logged. */
  #healthy = true
  #lastFailureAt = 0

  constructor(options: DurableObjectRateLimitStoreOptions) {
    this.failureMode = options.failureMode
    this.#namespace = options.namespace
    this.#timeoutMs = options.timeoutMs ?? 1000
    this.#recoveryMs = options.recoveryMs ?? 5000
    this.#logger = options.logger
    const registers = options.registry === undefined ? [] : [options.registry]
    this.#errors = new Counter({
      name: ERRORS_METRIC,
      help: 'Requests that could not be counted in the rate-limit store, by what happened to them (allowed or refused).',
      labelNames: ['outcome'] as const,
      registers,
    })
    this.#up = new Gauge({
      name: UP_METRIC,
      help: 'Whether the rate-limit store answered the last call (1) or not (0).',
      registers,
    })
    this.#up.set(1)
  }

  /** Whether calls work: false from a failure until they have gone `recoveryMs` without one. */
  get available(): boolean {
    return this.#healthy
  }

  /**
   * Counts one request for `key`. While its object fails, resolves with "allowed" (mode `allow`)
   * or rejects with a 503 {@link HttpError} (mode `refuse`), within about `timeoutMs` at worst.
   */
  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitHit> {
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const counter = this.#namespace.get(this.#namespace.idFromName(key))
      const hit = await Promise.race([
        counter.hit(key, limit, windowMs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs)
        }),
      ])
      if (!this.#healthy && Date.now() - this.#lastFailureAt >= this.#recoveryMs) this.#markUp()
      return { allowed: hit.allowed, remaining: hit.remaining, resetAt: Date.now() + hit.resetInMs }
    } catch (error) {
      return this.#failed(limit, windowMs, error)
    } finally {
      clearTimeout(timer)
    }
  }

  #failed(limit: number, windowMs: number, error: unknown): RateLimitHit {
    this.#markDown(error)
    if (this.failureMode === 'allow') {
      this.#errors.labels('allowed').inc()
      return { allowed: true, remaining: limit, resetAt: Date.now() + windowMs }
    }
    this.#errors.labels('refused').inc()
    throw new HttpError('unavailable', 'the rate-limit store is unreachable; try again shortly', {
      reason: 'rate-limit-store',
      retryAfter: 1,
    })
  }

  #markDown(error: unknown): void {
    this.#lastFailureAt = Date.now()
    if (!this.#healthy) return
    this.#healthy = false
    this.#up.set(0)
    // The runtime's message (e.g. "Durable Object is overloaded"); a key (an address) is not logged.
    const detail = error instanceof Error ? error.message : String(error)
    const effect =
      this.failureMode === 'allow' ? 'requests are served without counting them' : 'requests are refused with 503'
    this.#logger?.warn(
      { event: 'rate-limit-store-down', store: 'durable-object', mode: this.failureMode, error: detail },
      `rate-limit store failing: ${effect}`,
    )
  }

  #markUp(): void {
    this.#healthy = true
    this.#up.set(1)
    this.#logger?.info(
      { event: 'rate-limit-store-up', store: 'durable-object' },
      'rate-limit store answering again: requests are counted',
    )
  }
}
