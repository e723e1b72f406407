/**
 * The AccessToken2 signature: a three-step HMAC-SHA256 key chain (spec §3.4).
 * @module
 */
import { hmacSha256 } from '../primitives/hmac.js'

const issueKey = new Uint8Array(4)
const saltKey = new Uint8Array(4)
const certificateBytes = new Uint8Array(32)
const k2 = new Uint8Array(32)
const signature = new Uint8Array(32)

// k1 depends only on the certificate and the issue second, which a busy server shares across
// every token it mints in that second: remember the last one.
let cachedCertificate = ''
let cachedIssuedAt = -1
const cachedK1 = new Uint8Array(32)

function putUint32LE(target: Uint8Array, value: number): void {
  target[0] = value
  target[1] = value >>> 8
  target[2] = value >>> 16
  target[3] = value >>> 24
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
  if (certificate !== cachedCertificate || issuedAt !== cachedIssuedAt) {
    for (let i = 0; i < 32; i++) certificateBytes[i] = certificate.charCodeAt(i)
    putUint32LE(issueKey, issuedAt)
    hmacSha256(issueKey, certificateBytes, cachedK1)
    cachedCertificate = certificate
    cachedIssuedAt = issuedAt
  }
  putUint32LE(saltKey, salt)
  hmacSha256(saltKey, cachedK1, k2)
  hmacSha256(k2, signingInfo, signature)
  out.set(signature, outOffset)
}
