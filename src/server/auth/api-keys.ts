/**
 * API-key authentication: keys are random strings the server knows only by their SHA-256 hash.
 * @module
 */
import * as crypto from 'node:crypto'
import { HttpError } from '../errors.js'
import type { Identity } from '../identity.js'

/** Every key starts with this, so a leaked key is easy to recognise and to scan for. */
export const API_KEY_PREFIX = 'agate_'

/** The stored form of a key: `sha256:` and 64 lowercase hex digits. */
export const API_KEY_HASH = /^sha256:[0-9a-f]{64}$/

/** A configured key: its name (shown in logs and policies) and its hash. */
export interface ApiKeyEntry {
  name: string
  hash: string
}

/**
 * Creates a new API key and the hash to configure: `agate_` and 32 base64url characters (192
 * random bits). This is what `agate keys create` prints.
 *
 * @example
 * ```ts
 * const { key, hash } = createApiKey()
 * // give `key` to the client; put `web=${hash}` in AGATE_API_KEYS
 * ```
 */
export function createApiKey(): { key: string; hash: string } {
  const key = API_KEY_PREFIX + crypto.randomBytes(24).toString('base64url')
  return { key, hash: hashApiKey(key) }
}

/**
 * The hash the server stores for a key: `sha256:` and the hex SHA-256 of the whole key. A fast hash
 * is enough because keys carry 192 random bits: there is no dictionary to try.
 */
export function hashApiKey(key: string): string {
  return `sha256:${sha256Hex(key)}`
}

// The one-shot crypto.hash (Node 20.12+) is about a third cheaper than createHash per call.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash
function sha256Hex(text: string): string {
  return oneShot === undefined ? crypto.createHash('sha256').update(text, 'utf8').digest('hex') : oneShot('sha256', text, 'hex')
}

/**
 * Checks presented keys against the configured hashes.
 *
 * Lookup is by hash in a Map. That is not a constant-time comparison of the secret, and need not
 * be: what an attacker could time is a lookup of SHA-256(guess), which tells nothing about any
 * stored key's preimage.
 */
export class ApiKeyAuthenticator {
  readonly #byHash: ReadonlyMap<string, Identity>

  constructor(entries: readonly ApiKeyEntry[]) {
    this.#byHash = new Map(
      entries.map((entry) => [
        entry.hash.slice('sha256:'.length),
        Object.freeze({ kind: 'api-key', id: entry.name, claims: Object.freeze({ sub: entry.name, name: entry.name }) }),
      ]),
    )
  }

  /** Whether any key is configured. */
  get enabled(): boolean {
    return this.#byHash.size > 0
  }

  /**
   * Returns the identity of a key.
   * @throws {HttpError} `unauthenticated` for an unknown key (the message never repeats the key).
   */
  authenticate(key: string): Identity {
    // Keys are short; anything long is not one of ours and is not worth hashing.
    const identity = key.length <= 256 ? this.#byHash.get(sha256Hex(key)) : undefined
    if (identity === undefined) throw new HttpError('unauthenticated', 'unknown API key', { reason: 'invalid-api-key' })
    return identity
  }
}
