/**
 * The AccessToken2 signature: a three-step HMAC-SHA256 key chain (spec §3.4).
 * @module
 */
import { hmacSha256, hmacSha256Words32, prepareHmacKeyWords, type PreparedHmacKey } from '../primitives/hmac.js'
import { signingKeyFor } from '../signing-keys.js'

// Scratch space of one signature. The chain's keys are digests, so they stay SHA-256 words from
// link to link; k2 and its pads are zeroed before returning, so nothing derived from the
// certificate outlives the call here (the certificate's own keys live in the signing-key cache).
const integerKey = new Int32Array(8)
const preparedKey: PreparedHmacKey = { inner: new Int32Array(8), outer: new Int32Array(8) }
const k2 = new Int32Array(8)
const signature = new Uint8Array(32)

/**
 * Prepares the HMAC key made of `value`'s four little-endian bytes. HMAC zero-pads every key to
 * the block size, so it is the same key as those bytes followed by 28 zeros: one word, byte-swapped.
 */
function prepareIntegerKey(value: number): PreparedHmacKey {
  integerKey[0] = (value << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)
  return prepareHmacKeyWords(integerKey, preparedKey)
}

// Eight-word zeroing as a loop: a fill() call costs more than the writes here.
function zero(words: Int32Array): void {
  for (let i = 0; i < 8; i++) words[i] = 0
}

/**
 * Writes HMAC(k2, signingInfo) into `out` at `outOffset`, where
 * k1 = HMAC(key = u32le(issuedAt), certificate ASCII) and k2 = HMAC(key = u32le(salt), k1).
 * The integers are the HMAC *keys*, as in every reference. k1 depends only on the certificate and
 * the issue second, which a busy server shares across every token it mints in that second: the
 * signing-key cache keeps the latest one per certificate.
 * @param certificate - 32 hex characters, already validated
 */
export function sign007(
  certificate: string,
  issuedAt: number,
  salt: number,
  signingInfo: Uint8Array,
  out: Uint8Array,
  outOffset = 0,
): void {
  const key = signingKeyFor(certificate)
  if (issuedAt !== key.k1IssuedAt) {
    hmacSha256Words32(prepareIntegerKey(issuedAt), key.certificateWords, key.k1)
    key.k1IssuedAt = issuedAt
  }
  hmacSha256Words32(prepareIntegerKey(salt), key.k1, k2)
  hmacSha256(prepareHmacKeyWords(k2, preparedKey), signingInfo, signature)
  out.set(signature, outOffset)
  zero(k2)
  zero(preparedKey.inner)
  zero(preparedKey.outer)
  if (!key.cached) key.wipe()
}
