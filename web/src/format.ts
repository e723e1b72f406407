/**
 * Formatting of times and durations for the demo.
 * @module
 */

/** "27 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
}

/** "ends in 27 s" or "ended 3 s ago", relative to `nowSeconds`. */
export function formatCountdown(expiresAt: number, nowSeconds: number): string {
  const left = expiresAt - nowSeconds
  return left > 0 ? `ends in ${formatDuration(left)}` : `ended ${formatDuration(-left)} ago`
}

/** A wall-clock time with tenths: "14:03:27.4". */
export function formatClock(ms: number): string {
  const date = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${Math.floor(date.getMilliseconds() / 100)}`
}

/** A Unix time as a local date and time. */
export function formatUnix(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
}

/** A readable one-line account of an error (AgoraRTCError, TokenClientError, TokenError or other). */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown }
    const text = typeof message === 'string' ? message : (JSON.stringify(error) ?? 'unknown error')
    return typeof code === 'string' ? `${code}: ${text}` : text
  }
  return String(error)
}
