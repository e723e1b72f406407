/**
 * A rate-limit store over Durable Objects, so that every isolate of a Worker, in every location,
 * counts against one limit.
 * @module
 */
import type { DurableObjectNamespace } from 'cloudflare:workers'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { RateLimitHit, RateLimitStore } from '../server/rate-limit.js'
import { StoreOutage, type StoreFailureMode, type StoreLogger } from '../server/store-outage.js'
import type { RateLimitCounter } from './durable-rate-limit-counter.js'

export type { StoreFailureMode, StoreLogger }

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
  /** Down from a failure until calls have gone `#recoveryMs` without one; its flips are logged. */
  readonly #outage: StoreOutage
  #lastFailureAt = 0

  constructor(options: DurableObjectRateLimitStoreOptions) {
    this.failureMode = options.failureMode
    this.#namespace = options.namespace
    this.#timeoutMs = options.timeoutMs ?? 1000
    this.#recoveryMs = options.recoveryMs ?? 5000
    const registers = options.registry === undefined ? [] : [options.registry]
    this.#outage = new StoreOutage({
      store: 'durable-object',
      failureMode: options.failureMode,
      logger: options.logger,
      errors: new Counter({
        name: ERRORS_METRIC,
        help: 'Requests that could not be counted in the rate-limit store, by what happened to them (allowed or refused).',
        labelNames: ['outcome'] as const,
        registers,
      }),
      up: new Gauge({
        name: UP_METRIC,
        help: 'Whether the rate-limit store answered the last call (1) or not (0).',
        registers,
      }),
      wording: { down: 'failing', back: 'answering again' },
    })
  }

  /** Whether calls work: false from a failure until they have gone `recoveryMs` without one. */
  get available(): boolean {
    return this.#outage.healthy
  }

  /**
   * Counts one request for `key`. While its object fails, resolves with "allowed" (mode `allow`)
   * or rejects with a 503 `HttpError` (mode `refuse`), within about `timeoutMs` at worst.
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
      if (!this.#outage.healthy && Date.now() - this.#lastFailureAt >= this.#recoveryMs) this.#outage.back()
      return { allowed: hit.allowed, remaining: hit.remaining, resetAt: Date.now() + hit.resetInMs }
    } catch (error) {
      return this.#failed(limit, windowMs, error)
    } finally {
      clearTimeout(timer)
    }
  }

  /** A request its object could not count: the outage starts or goes on, and the failure mode answers. */
  #failed(limit: number, windowMs: number, error: unknown): RateLimitHit {
    const now = Date.now()
    this.#lastFailureAt = now
    // The runtime's message (e.g. "Durable Object is overloaded"); a key (an address) is not logged.
    this.#outage.down(error instanceof Error ? error.message : String(error))
    return this.#outage.answer(limit, windowMs, now)
  }
}
