/**
 * HMAC-SHA256 (RFC 2104), with keys that can be prepared once and reused, and a word-level
 * form for key chains whose keys and messages are themselves digests.
 * @module
 */
import { SHA256_IV, sha256, sha256Compress, sha256Digest, sha256Final, sha256FinalWords32 } from './sha256.js'

/**
 * A key with its inner and outer pad blocks already absorbed. Preparing a key costs two SHA-256
 * compressions; every HMAC under a prepared key then saves them. The 006 signing key (the App
 * Certificate) and the 007 first-stage key (per issue time) are reused across many tokens.
 */
export interface PreparedHmacKey {
  readonly inner: Int32Array
  readonly outer: Int32Array
}

// The key block (the key zero-padded to 64 bytes) as big-endian words, and the pad block.
const keyBlock = new Int32Array(16)
const padBlock = new Int32Array(16)
const innerState = new Int32Array(8)
const outerState = new Int32Array(8)

// A raw key is prepared into this scratch key, so a one-off HMAC allocates nothing.
const scratchKey: PreparedHmacKey = { inner: new Int32Array(8), outer: new Int32Array(8) }

const newKey = (): PreparedHmacKey => ({ inner: new Int32Array(8), outer: new Int32Array(8) })

// Eight-word copies as loops: a typed-array set() or fill() call costs more than the copy here.
function copyState(source: Int32Array, target: Int32Array): void {
  for (let i = 0; i < 8; i++) target[i] = source[i]!
}

/**
 * Absorbs the ipad and opad blocks of the key in `keyBlock` into `target`'s two states, then zeroes
 * both blocks: keys are certificates or derived from them, and must not linger in module scratch.
 */
function absorbPads(target: PreparedHmacKey): PreparedHmacKey {
  for (let i = 0; i < 16; i++) padBlock[i] = keyBlock[i]! ^ 0x36363636
  copyState(SHA256_IV, target.inner)
  sha256Compress(target.inner, padBlock)
  for (let i = 0; i < 16; i++) padBlock[i] = keyBlock[i]! ^ 0x5c5c5c5c
  copyState(SHA256_IV, target.outer)
  sha256Compress(target.outer, padBlock)
  for (let i = 0; i < 16; i++) keyBlock[i] = padBlock[i] = 0
  return target
}

/**
 * Absorbs the RFC 2104 ipad and opad blocks of `key` into two SHA-256 states, into `target`
 * when given.
 */
export function prepareHmacKey(key: Uint8Array, target: PreparedHmacKey = newKey()): PreparedHmacKey {
  const bytes = key.length > 64 ? sha256(key) : key
  for (let i = 0; i < 16; i++) keyBlock[i] = 0
  for (let i = 0; i < bytes.length; i++) keyBlock[i >> 2]! |= bytes[i]! << (24 - 8 * (i & 3))
  return absorbPads(target)
}

/** {@link prepareHmacKey} for a 32-byte key given as eight big-endian words (a digest). */
export function prepareHmacKeyWords(key: Int32Array, target: PreparedHmacKey = newKey()): PreparedHmacKey {
  for (let i = 0; i < 8; i++) keyBlock[i] = key[i]!
  for (let i = 8; i < 16; i++) keyBlock[i] = 0
  return absorbPads(target)
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
  copyState(prepared.inner, innerState)
  sha256Final(innerState, 64, data)
  sha256Digest(finishOuter(prepared), out)
  return out
}

/**
 * HMAC-SHA256 of a 32-byte message given as eight big-endian words, into `out` as eight words:
 * the links of a key chain, where each key is the previous digest, stay words throughout.
 */
export function hmacSha256Words32(key: PreparedHmacKey, message: Int32Array, out: Int32Array): Int32Array {
  copyState(key.inner, innerState)
  sha256FinalWords32(innerState, 64, message)
  copyState(finishOuter(key), out)
  return out
}

/** The outer hash over the inner digest now in `innerState`. */
function finishOuter(key: PreparedHmacKey): Int32Array {
  copyState(key.outer, outerState)
  sha256FinalWords32(outerState, 64, innerState)
  return outerState
}
