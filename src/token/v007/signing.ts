/**
 * The AccessToken2 signature: a three-step HMAC-SHA256 key chain (spec §3.4).
 * @module
 */
import { hmacSha256, hmacSha256Words32, prepareHmacKeyWords, type PreparedHmacKey } from '../primitives/hmac.js'

// The chain's keys are digests, so they stay SHA-256 words from link to link.
const integerKey = new Int32Array(8)
const preparedKey: PreparedHmacKey = { inner: new Int32Array(8), outer: new Int32Array(8) }
const certificateWords = new Int32Array(8)
const k2 = new Int32Array(8)
const signature = new Uint8Array(32)

// k1 depends only on the certificate and the issue second, which a busy server shares across
// every token it mints in that second: remember the last one (and the certificate's words).
let cachedCertificate = ''
let cachedIssuedAt = -1
const cachedK1 = new Int32Array(8)

/**
 * Prepares the HMAC key made of `value`'s four little-endian bytes. HMAC zero-pads every key to
 * the block size, so it is the same key as those bytes followed by 28 zeros: one word, byte-swapped.
 */
function prepareIntegerKey(value: number): PreparedHmacKey {
  integerKey[0] = (value << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)
  return prepareHmacKeyWords(integerKey, preparedKey)
}

/**
 * Writes HMAC(k2, signingInfo) into `out` at `outOffset`, where
 * k1 = HMAC(key = u32le(issuedAt), certificate ASCII) and k2 = HMAC(key = u32le(salt), k1).
 * The integers are the HMAC *keys*, as in every reference.
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
  if (certificate !== cachedCertificate) {
    for (let i = 0, c = 0; i < 8; i++, c += 4) {
      certificateWords[i] =
        (certificate.charCodeAt(c) << 24) |
        (certificate.charCodeAt(c + 1) << 16) |
        (certificate.charCodeAt(c + 2) << 8) |
        certificate.charCodeAt(c + 3)
    }
    cachedCertificate = certificate
    cachedIssuedAt = -1
  }
  if (issuedAt !== cachedIssuedAt) {
    hmacSha256Words32(prepareIntegerKey(issuedAt), certificateWords, cachedK1)
    cachedIssuedAt = issuedAt
  }
  hmacSha256Words32(prepareIntegerKey(salt), cachedK1, k2)
  hmacSha256(prepareHmacKeyWords(k2, preparedKey), signingInfo, signature)
  out.set(signature, outOffset)
}
