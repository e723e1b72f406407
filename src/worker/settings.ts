/**
 * The server's settings from a Worker's bindings (vars and secrets), and the Worker's own.
 * @module
 */

/**
 * The Worker's bindings. The settings are the server's (`AGORA_APP_ID`, `AGORA_APP_CERTIFICATE`,
 * `AGATE_API_KEYS`, `AGATE_POLICY` …): plain values as `[vars]` in `wrangler.toml`, secrets with
 * `wrangler secret put`. A JSON setting may also be given as a TOML table. The Durable Object
 * bindings `AGATE_RATE_LIMITS` and `AGATE_FLEET_COUNTS` make limits and counts global; other
 * bindings (KV, …) are ignored.
 */
export type WorkerEnv = Readonly<Record<string, unknown>>

/** String bindings as they are; JSON-shaped ones (TOML tables in `[vars]`) as JSON text. */
export function settingsOf(env: WorkerEnv): Record<string, string> {
  const settings: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') settings[name] = value
    else if (typeof value === 'number' || typeof value === 'boolean') settings[name] = String(value)
    else if (/^(AGATE|AGORA)_[A-Z0-9_]+$/.test(name) && isPlainJson(value)) settings[name] = JSON.stringify(value)
  }
  return settings
}

function isPlainJson(value: unknown): boolean {
  if (Array.isArray(value)) return true
  if (typeof value !== 'object' || value === null) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** The binding `name` when it is a Durable Object namespace, else undefined. */
export function durableObjectBinding<T>(env: WorkerEnv, name: string): T | undefined {
  const binding = env[name] as { idFromName?: unknown; get?: unknown } | undefined
  return typeof binding?.idFromName === 'function' && typeof binding.get === 'function' ? (binding as T) : undefined
}
