/**
 * Rate limiting: fixed-window counters behind a small store interface, so a shared store (Redis)
 * can replace the in-memory one without touching the routes.
 * @module
 */

/** The outcome of counting one request. */
export interface RateLimitHit {
  /** Whether the request is within the limit. */
  allowed: boolean
  /** Requests left in the current window. */
  remaining: number
  /** When the current window ends, Unix milliseconds. */
  resetAt: number
}

/**
 * Counts requests per key. `hit` counts one request against `limit` requests per `windowMs` and
 * says whether it is allowed. It may be synchronous (memory) or asynchronous (a network store).
 */
export interface RateLimitStore {
  hit(key: string, limit: number, windowMs: number): RateLimitHit | Promise<RateLimitHit>
}

interface Window {
  count: number
  resetAt: number
}

/**
 * The in-memory store: one fixed window per key. Memory is bounded: when the map grows past
 * `maxKeys`, expired windows are dropped, and if that is not enough the oldest half goes (those
 * callers simply start a fresh window).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #windows = new Map<string, Window>()
  readonly #maxKeys: number
  readonly #now: () => number

  constructor(options: { maxKeys?: number; now?: () => number } = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
    this.#now = options.now ?? Date.now
  }

  hit(key: string, limit: number, windowMs: number): RateLimitHit {
    const now = this.#now()
    let window = this.#windows.get(key)
    if (window === undefined || window.resetAt <= now) {
      if (window === undefined && this.#windows.size >= this.#maxKeys) this.#sweep(now)
      window = { count: 0, resetAt: now + windowMs }
      this.#windows.set(key, window)
    }
    window.count++
    return { allowed: window.count <= limit, remaining: Math.max(0, limit - window.count), resetAt: window.resetAt }
  }

  /** How many keys are tracked (for tests). */
  get size(): number {
    return this.#windows.size
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key)
    if (this.#windows.size < this.#maxKeys) return
    let drop = this.#windows.size >> 1
    for (const key of this.#windows.keys()) {
      if (drop-- <= 0) break
      this.#windows.delete(key)
    }
  }
}

/** The limits a server applies: requests per window per caller identity and per client address. */
export interface RateLimitSettings {
  windowMs: number
  /** 0 turns the per-identity limit off. */
  perIdentity: number
  /** 0 turns the per-address limit off. */
  perAddress: number
}
