/**
 * The AccessToken ("006") signature: HMAC-SHA256 keyed with the certificate text (spec §2.4).
 * @module
 */
import { hmacSha256, prepareHmacKey, type PreparedHmacKey } from '../primitives/hmac.js'

// A server signs with one or two certificates: keep their prepared pads (a handful at most).
const preparedKeys = new Map<string, PreparedHmacKey>()

function keyFor(certificate: string): PreparedHmacKey {
  let key = preparedKeys.get(certificate)
  if (key === undefined) {
    if (preparedKeys.size >= 16) preparedKeys.clear()
    const bytes = new Uint8Array(certificate.length)
    for (let i = 0; i < certificate.length; i++) bytes[i] = certificate.charCodeAt(i)
    key = prepareHmacKey(bytes)
    preparedKeys.set(certificate, key)
  }
  return key
}

/**
 * Returns HMAC(key = certificate ASCII, appId ‖ channelName ‖ uid ‖ message), 32 bytes, into `out`.
 * @param signedBytes - the concatenation above, already assembled
 */
export function sign006(certificate: string, signedBytes: Uint8Array, out?: Uint8Array): Uint8Array {
  return hmacSha256(keyFor(certificate), signedBytes, out)
}
