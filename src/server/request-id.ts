/**
 * Request ids: the caller's `X-Request-Id` when it is safe to log and echo, else a fresh one.
 * @module
 */
import { API_KEY_PREFIX } from './auth/api-keys.js'
import type { ServerConfig } from './config.js'

/**
 * The request's id: the caller's `X-Request-Id` when it looks like an id (up to 64 characters of
 * `A-Z a-z 0-9 . _ : -`, which covers UUIDs and proxies' ids; nginx's are 32 hex digits) and is
 * none of the server's secrets, else a fresh one. The id is logged and sent back, so an API key or
 * a certificate pasted into the header by mistake must not become one.
 */
export function requestIdOf(given: string | undefined, config: ServerConfig): string {
  return given !== undefined && isRequestId(given, config) ? given : nextRequestId()
}

function isRequestId(text: string, config: ServerConfig): boolean {
  return (
    /^[A-Za-z0-9._:-]{1,64}$/.test(text) &&
    !text.startsWith(API_KEY_PREFIX) &&
    !secretsOf(config).has(text.toLowerCase())
  )
}

// Generated request ids: a random per-process prefix and a counter. They need to be unique, not
// secret, and this is cheaper than a UUID per request. The prefix is made on first use: Workers
// refuse random values in global scope (the isolate would not start).
let idPrefix: string | undefined
let idCounter = 0
function nextRequestId(): string {
  idPrefix ??= crypto
    .getRandomValues(new Uint32Array(2))
    .reduce((text, word) => text + word.toString(36).padStart(7, '0'), '')
  return `${idPrefix}-${(++idCounter).toString(36)}`
}

/** The server's own secrets that could pass for an id, lower-cased; built once per config. */
const secretsByConfig = new WeakMap<ServerConfig, ReadonlySet<string>>()

function secretsOf(config: ServerConfig): ReadonlySet<string> {
  let secrets = secretsByConfig.get(config)
  if (secrets === undefined) {
    const all = [config.metricsToken, config.auth.jwt?.secret]
    for (const app of config.apps) all.push(app.certificate, app.secondaryCertificate)
    secrets = new Set(all.filter((secret) => secret !== undefined).map((secret) => secret.toLowerCase()))
    secretsByConfig.set(config, secrets)
  }
  return secrets
}
