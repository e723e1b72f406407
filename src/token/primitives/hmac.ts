/**
 * HMAC-SHA256 (RFC 2104), with keys that can be prepared once and reused.
 * @module
 */
import { SHA256_IV, sha256, sha256Absorb, sha256Finish } from './sha256.js'

/**
 * A key with its inner and outer pad blocks already absorbed. Preparing a key costs two SHA-256
 * compressions; every HMAC under a prepared key then saves them. The 006 signing key (the App
 * Certificate) and the 007 first-stage key (per issue time) are reused across many tokens.
 */
export interface PreparedHmacKey {
  readonly inner: Int32Array
  readonly outer: Int32Array
}

const pad = new Uint8Array(64)
const innerDigest = new Uint8Array(32)
const workState = new Int32Array(8)

/** Absorbs the RFC 2104 ipad and opad blocks of `key` into two SHA-256 states. */
export function prepareHmacKey(key: Uint8Array): PreparedHmacKey {
  const block = key.length > 64 ? sha256(key) : key
  const inner = SHA256_IV.slice()
  const outer = SHA256_IV.slice()
  pad.fill(0x36)
  for (let i = 0; i < block.length; i++) pad[i] = block[i]! ^ 0x36
  sha256Absorb(inner, pad)
  pad.fill(0x5c)
  for (let i = 0; i < block.length; i++) pad[i] = block[i]! ^ 0x5c
  sha256Absorb(outer, pad)
  return { inner, outer }
}

/**
 * Returns HMAC-SHA256(key, data) as 32 bytes, written into `out` when given.
 * @param key - raw key bytes, or a key from {@link prepareHmacKey}
 */
export function hmacSha256(
  key: Uint8Array | PreparedHmacKey,
  data: Uint8Array,
  out: Uint8Array = new Uint8Array(32),
): Uint8Array {
  const prepared = key instanceof Uint8Array ? prepareHmacKey(key) : key
  workState.set(prepared.inner)
  sha256Finish(workState, 64, data, innerDigest)
  workState.set(prepared.outer)
  sha256Finish(workState, 64, innerDigest, out)
  return out
}
