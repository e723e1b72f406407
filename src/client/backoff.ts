/**
 * Exponential backoff with jitter, and an abortable sleep.
 * @module
 */
import { aborted } from './errors.js'

/** How long to wait between attempts. */
export interface BackoffOptions {
  /** The wait before the first retry, ms; default 500. */
  initialMs?: number
  /** The longest wait, ms; default 8000. */
  maxMs?: number
  /** How much the wait grows per retry; default 2. */
  factor?: number
}

/**
 * The wait before retry number `retry` (1 = the first retry): half of the exponential step plus a
 * random half ("equal jitter"), so a crowd of clients that failed together does not retry together
 * but no client retries at once.
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 500
  const max = options.maxMs ?? 8000
  const factor = options.factor ?? 2
  const step = Math.min(max, initial * factor ** Math.max(0, retry - 1))
  return Math.round(step / 2 + (random() * step) / 2)
}

/** Resolves after `ms`, or rejects with `ERR_ABORTED` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal))
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(aborted(signal))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
