/**
 * Human-readable times for `inspect` and `verify`: ISO instants and "expires in 9m 58s".
 * @module
 */

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
]

/**
 * A duration in its two largest units, dropping a zero second unit: 598 → "9m 58s",
 * 10800 → "3h", 90061 → "1d 1h", 0 → "0s".
 */
export function formatDuration(seconds: number): string {
  let rest = Math.abs(Math.trunc(seconds))
  const parts: string[] = []
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size)
    rest -= count * size
    if (parts.length > 0) {
      if (count > 0) parts.push(`${count}${unit}`)
      break
    }
    if (count > 0) parts.push(`${count}${unit}`)
  }
  return parts.length === 0 ? '0s' : parts.join(' ')
}

/** Unix seconds as an ISO 8601 instant without milliseconds: "2023-11-14T22:13:20Z". */
export function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z')
}

/** "expires in 9m 58s" or "expired 3h ago"; an expiry equal to `now` has expired. */
export function expiryText(expiresAt: number, now: number): string {
  return expiresAt > now
    ? `expires in ${formatDuration(expiresAt - now)}`
    : `expired ${formatDuration(now - expiresAt)} ago`
}

/** "2m 3s ago", or "in 5s" for a time ahead of `now` (clock skew). */
export function agoText(time: number, now: number): string {
  return time <= now ? `${formatDuration(now - time)} ago` : `in ${formatDuration(time - now)}`
}
