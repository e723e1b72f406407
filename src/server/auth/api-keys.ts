/**
 * API-key authentication: keys are random strings the server knows only by their SHA-256 hash.
 * @module
 */
import { bytesToBase64 } from '../../token/primitives/base64.js'
import { bytesToHex, utf8Bytes } from '../../token/primitives/bytes.js'
import { sha256 } from '../../token/primitives/sha256.js'
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
  // 24 bytes make 32 base64 characters without padding; base64url swaps + and / for - and _.
  const random = bytesToBase64(crypto.getRandomValues(new Uint8Array(24)))
  const key = API_KEY_PREFIX + random.replace(/\+/g, '-').replace(/\//g, '_')
  return { key, hash: hashApiKey(key) }
}

/**
 * The hash the server stores for a key: `sha256:` and the hex SHA-256 of the whole key. A fast hash
 * is enough because keys carry 192 random bits: there is no dictionary to try.
 */
export function hashApiKey(key: string): string {
  return `sha256:${sha256Hex(key)}`
}

type OneShotHash = (algorithm: string, data: string, encoding: 'hex') => string

// The file imports no Node module, so the Workers bundle takes it as is. On Node, a key is hashed
// by Node's native one-shot `crypto.hash` (20.12+), reached through `process.getBuiltinModule`
// (20.16+): ~0.4 µs against ~1.8 µs for the library's SHA-256, on every authenticated request.
const nativeHash = (
  (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
    'node:crypto',
  ) as { hash?: OneShotHash } | undefined
)?.hash

/** Hex SHA-256 of the UTF-8 text: Node's native hash where there is one, the library's elsewhere. */
function sha256Hex(text: string): string {
  return nativeHash === undefined ? bytesToHex(sha256(utf8Bytes(text))) : nativeHash('sha256', text, 'hex')
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
        Object.freeze({
          kind: 'api-key',
          id: entry.name,
          claims: Object.freeze({ sub: entry.name, name: entry.name }),
        }),
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
