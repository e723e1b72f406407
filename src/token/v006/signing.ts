/**
 * The AccessToken ("006") signature: HMAC-SHA256 keyed with the certificate text (spec §2.4).
 * @module
 */
import { hmacSha256 } from '../primitives/hmac.js'
import { signingKeyFor } from '../signing-keys.js'

/**
 * Returns HMAC(key = certificate ASCII, appId ‖ channelName ‖ uid ‖ message), 32 bytes, into `out`.
 * The key's prepared pads come from the signing-key cache.
 * @param certificate - 32 hex characters, already validated
 * @param signedBytes - the concatenation above, already assembled
 */
export function sign006(certificate: string, signedBytes: Uint8Array, out?: Uint8Array): Uint8Array {
  const key = signingKeyFor(certificate)
  const signature = hmacSha256(key.prepared006(certificate), signedBytes, out)
  if (!key.cached) key.wipe()
  return signature
}
