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

// A raw key is prepared into this scratch key, so a one-off HMAC allocates nothing.
const scratchKey: PreparedHmacKey = { inner: new Int32Array(8), outer: new Int32Array(8) }

/**
 * Absorbs the RFC 2104 ipad and opad blocks of `key` into two SHA-256 states, into `target`
 * when given.
 */
export function prepareHmacKey(
  key: Uint8Array,
  target: PreparedHmacKey = { inner: new Int32Array(8), outer: new Int32Array(8) },
): PreparedHmacKey {
  const block = key.length > 64 ? sha256(key) : key
  const { inner, outer } = target
  inner.set(SHA256_IV)
  outer.set(SHA256_IV)
  // Token keys are 4 or 32 bytes: fill the pad natively, then XOR in just the key bytes.
  pad.fill(0x36)
  for (let i = 0; i < block.length; i++) pad[i] = block[i]! ^ 0x36
  sha256Absorb(inner, pad)
  pad.fill(0x5c)
  for (let i = 0; i < block.length; i++) pad[i] = block[i]! ^ 0x5c
  sha256Absorb(outer, pad)
  return target
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
  const prepared = key instanceof Uint8Array ? prepareHmacKey(key, scratchKey) : key
  workState.set(prepared.inner)
  sha256Finish(workState, 64, data, innerDigest)
  workState.set(prepared.outer)
  sha256Finish(workState, 64, innerDigest, out)
  return out
}
