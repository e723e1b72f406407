/**
 * The two `util` functions prom-client calls (only to word its error messages), for the Cloudflare
 * Workers bundle.
 * @module
 */

export function inspect(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  } catch {
    return String(value)
  }
}

export function format(...values: unknown[]): string {
  return values.map((value) => (typeof value === 'string' ? value : inspect(value))).join(' ')
}

export default { inspect, format }
