/**
 * What the RTC and RTM sessions share about their lifecycle: the states, the join timeout and the race
 * of an SDK call against that timeout and the session's cancellation.
 * @module
 */
import { aborted, invalidOption, TokenClientError } from './errors.js'

/**
 * Where a session is. `fetching` and `joining` are the first join (for RTM: the login), `renewing` a
 * renewal while joined, `rejoining` the fetch and join after the token expired. `left` and `failed`
 * are final: the session never joins nor renews again, and it holds no timer and no SDK listener.
 */
export type SessionState = 'idle' | 'fetching' | 'joining' | 'joined' | 'renewing' | 'rejoining' | 'left' | 'failed'

/** How long the SDK may take to connect before the helper gives up on a join or login, ms. */
export const DEFAULT_JOIN_TIMEOUT_MS = 30_000

/** The longest delay `setTimeout` keeps (2^31 - 1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647

/** Whether `state` is final. */
export function isFinal(state: SessionState): boolean {
  return state === 'left' || state === 'failed'
}

/** The join timeout option, checked. */
export function joinTimeoutOf(value: number | undefined, field: string): number {
  if (value === undefined) return DEFAULT_JOIN_TIMEOUT_MS
  // setTimeout runs a delay over 2^31 - 1 ms (about 24.8 days), Infinity included, at once.
  if (typeof value !== 'number' || !(value > 0) || !(value <= MAX_TIMER_MS)) {
    throw invalidOption(field, `must be a positive number of milliseconds, at most ${MAX_TIMER_MS}`)
  }
  return value
}

/** The error of a join or login that did not connect in time. */
export function joinTimeoutError(timeoutMs: number, field: string): TokenClientError {
  return new TokenClientError('ERR_JOIN_TIMEOUT', `the SDK did not connect within ${timeoutMs} ms`, { field })
}

/**
 * Waits for `call` (an SDK join or login), but no longer than `timeoutMs` and no longer than `signal`
 * stays unaborted. The timer and the abort listener are gone when this settles, whichever way.
 * A call that loses the race is left to settle on its own (its rejection is swallowed).
 */
export function raceCall<T>(
  call: Promise<T>,
  timeoutMs: number,
  signal: AbortSignal,
  onTimeout: () => TokenClientError,
): Promise<T> {
  call.catch(() => {})
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => {
      done()
      reject(aborted(signal))
    }
    const timer = setTimeout(() => {
      done()
      reject(onTimeout())
    }, timeoutMs)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    call.then(
      (value) => {
        done()
        resolve(value)
      },
      (error: unknown) => {
        done()
        reject(error)
      },
    )
  })
}

/** The error code an SDK error carries, if any (`AgoraRTCError.code`, RTM's numeric codes). */
export function sdkCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
}
