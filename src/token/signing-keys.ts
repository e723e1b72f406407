/**
 * The signing-key cache: what the 006 and 007 signers derive from an App Certificate, kept for the
 * next token signed with the same certificate. The one place the library keeps certificate material.
 * @module
 */
import { prepareHmacKey, type PreparedHmacKey } from './primitives/hmac.js'

/** The keys derived from one App Certificate. Internal: the signers fill it in as they need it. */
export class SigningKey {
  /** The certificate's 32 ASCII characters as eight big-endian words: the 007 chain's first message. */
  readonly certificateWords = new Int32Array(8)
  /** The issue second `k1` was derived for; -1 when there is none. */
  k1IssuedAt = -1
  /** The 007 chain's first key, HMAC(key = u32le(k1IssuedAt), certificate). */
  readonly k1 = new Int32Array(8)
  /** The 006 key (the certificate's bytes) with its HMAC pads absorbed, made on first 006 use. */
  key006: PreparedHmacKey | undefined = undefined

  /** False when the cache is disabled: the signer zeroes the key after its one use. */
  readonly cached: boolean

  constructor(certificate: string, cached: boolean) {
    this.cached = cached
    for (let i = 0, c = 0; i < 8; i++, c += 4) {
      this.certificateWords[i] =
        (certificate.charCodeAt(c) << 24) |
        (certificate.charCodeAt(c + 1) << 16) |
        (certificate.charCodeAt(c + 2) << 8) |
        certificate.charCodeAt(c + 3)
    }
  }

  /** The 006 HMAC key, prepared on first use. */
  prepared006(certificate: string): PreparedHmacKey {
    if (this.key006 === undefined) {
      const bytes = new Uint8Array(certificate.length)
      for (let i = 0; i < certificate.length; i++) bytes[i] = certificate.charCodeAt(i)
      this.key006 = prepareHmacKey(bytes)
      bytes.fill(0)
    }
    return this.key006
  }

  /** Zeroes everything derived from the certificate, so a dropped key leaves nothing to find. */
  wipe(): void {
    this.certificateWords.fill(0)
    this.k1.fill(0)
    this.k1IssuedAt = -1
    this.key006?.inner.fill(0)
    this.key006?.outer.fill(0)
    this.key006 = undefined
  }
}

/** The public face of the signing-key cache: its size, its bound, and a way to empty it. */
export interface SigningKeyCacheControl {
  /** How many certificates the cache holds now. */
  readonly size: number
  /**
   * The most certificates it holds (default 16; the least recently used is dropped first). 0
   * disables the cache: every token then derives its keys afresh and they are zeroed after use.
   * Lowering it drops the oldest entries at once.
   */
  maxEntries: number
  /** Drops (and zeroes) every cached key, and forgets the certificates. */
  clear(): void
}

/** The default bound: a server signs with one or two certificates per app, a handful of apps at most. */
const DEFAULT_MAX_ENTRIES = 16

class SigningKeyCache implements SigningKeyCacheControl {
  // Keyed by the certificate text (the derived keys depend on nothing else), in least-recently-used order.
  #entries = new Map<string, SigningKey>()
  #maxEntries = DEFAULT_MAX_ENTRIES
  // The most recent entry, checked before the map: a server signs run after run with one certificate.
  #newestCertificate: string | undefined = undefined
  #newest: SigningKey | undefined = undefined

  get size(): number {
    return this.#entries.size
  }

  get maxEntries(): number {
    return this.#maxEntries
  }

  set maxEntries(value: number) {
    if (!Number.isInteger(value) || value < 0 || value > 1024) {
      throw new RangeError('signingKeyCache.maxEntries must be an integer from 0 to 1024')
    }
    this.#maxEntries = value
    this.#evictDownTo(value)
  }

  clear(): void {
    this.#evictDownTo(0)
  }

  /** Whether `certificate` is the one signed with last: then it was validated when it was cached. */
  isNewest(certificate: unknown): boolean {
    return certificate === this.#newestCertificate && certificate !== undefined
  }

  /**
   * The keys of `certificate` (32 hex characters, already validated). When caching is disabled the
   * key is fresh and not `cached`: the signer wipes it after use.
   */
  keyFor(certificate: string): SigningKey {
    if (certificate === this.#newestCertificate) return this.#newest!
    if (this.#maxEntries === 0) return new SigningKey(certificate, false)
    let key = this.#entries.get(certificate)
    if (key === undefined) {
      key = new SigningKey(certificate, true)
      this.#entries.set(certificate, key)
      this.#evictDownTo(this.#maxEntries)
    } else {
      // Move it to the young end of the map's insertion order.
      this.#entries.delete(certificate)
      this.#entries.set(certificate, key)
    }
    this.#newestCertificate = certificate
    this.#newest = key
    return key
  }

  #evictDownTo(limit: number): void {
    for (const [certificate, key] of this.#entries) {
      if (this.#entries.size <= limit) break
      this.#entries.delete(certificate)
      key.wipe()
      if (certificate === this.#newestCertificate) {
        this.#newestCertificate = undefined
        this.#newest = undefined
      }
    }
  }
}

/**
 * The signing-key cache of the 006 and 007 signers (builders, compat builders and `verifyToken`
 * alike). Per App Certificate it keeps: the certificate text (as the lookup key), its 007 words,
 * the 007 chain's first key for the latest issue second (shared by every token signed in that
 * second) and the prepared 006 HMAC key. That saves two to four SHA-256 compressions per token.
 *
 * It holds at most {@link SigningKeyCacheControl.maxEntries} certificates (16 by default) and drops
 * the least recently used first; dropped and cleared keys are zeroed. Nothing else in the library
 * keeps a certificate or anything derived from it between calls.
 *
 * @example
 * ```ts
 * import { signingKeyCache } from 'agate-tokens'
 * signingKeyCache.clear() // e.g. after rotating a certificate out
 * signingKeyCache.maxEntries = 0 // or never keep one
 * ```
 */
export const signingKeyCache: SigningKeyCacheControl = new SigningKeyCache()

/**
 * Whether `certificate` is the certificate the cache signed with last. Only validated certificates
 * are ever signed with, so `assertCertificate` passes it without walking it again. Internal.
 */
export function isNewestSigningCertificate(certificate: unknown): certificate is string {
  return (signingKeyCache as SigningKeyCache).isNewest(certificate)
}

/** The signers' access to the cache. Internal. */
export function signingKeyFor(certificate: string): SigningKey {
  return (signingKeyCache as SigningKeyCache).keyFor(certificate)
}
