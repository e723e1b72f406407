/**
 * SHA-256 (FIPS 180-4) over typed arrays, synchronous and portable.
 * @module
 */

// Written by hand because every runtime we target lacks a synchronous SHA-256 except Node
// (WebCrypto is async), and the token hot path needs ~13 compressions per token.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

/** The initial hash value H(0). */
export const SHA256_IV: Int32Array = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
])

const w = new Int32Array(64)
const tail = new Uint8Array(128)

/** Runs the compression function over the 64-byte block at `offset`, updating `state` in place. */
function compressBlock(state: Int32Array, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++, offset += 4) {
    w[i] =
      (bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!
  }
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15]!
    const w2 = w[i - 2]!
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0
  }
  let a = state[0]!
  let b = state[1]!
  let c = state[2]!
  let d = state[3]!
  let e = state[4]!
  let f = state[5]!
  let g = state[6]!
  let h = state[7]!
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  state[0] = (state[0]! + a) | 0
  state[1] = (state[1]! + b) | 0
  state[2] = (state[2]! + c) | 0
  state[3] = (state[3]! + d) | 0
  state[4] = (state[4]! + e) | 0
  state[5] = (state[5]! + f) | 0
  state[6] = (state[6]! + g) | 0
  state[7] = (state[7]! + h) | 0
}

/** Absorbs whole 64-byte blocks of `bytes` (its length must be a multiple of 64) into `state`. */
export function sha256Absorb(state: Int32Array, bytes: Uint8Array): void {
  for (let offset = 0; offset + 64 <= bytes.length; offset += 64) compressBlock(state, bytes, offset)
}

/**
 * Finishes a hash: `state` has already absorbed `prefixLength` bytes (a multiple of 64); this
 * absorbs `data`, pads, and writes the 32-byte digest to `out` at `outOffset`. `state` is modified.
 */
export function sha256Finish(
  state: Int32Array,
  prefixLength: number,
  data: Uint8Array,
  out: Uint8Array,
  outOffset = 0,
): void {
  const whole = data.length & ~63
  for (let offset = 0; offset < whole; offset += 64) compressBlock(state, data, offset)
  const rest = data.length - whole
  tail.fill(0)
  tail.set(data.subarray(whole), 0)
  tail[rest] = 0x80
  const blocks = rest < 56 ? 1 : 2
  const bitLength = (prefixLength + data.length) * 8
  const end = blocks * 64
  // The 64-bit length; token inputs are far below 2^32 bytes, but split it correctly anyway.
  const high = Math.floor(bitLength / 0x100000000)
  tail[end - 8] = high >>> 24
  tail[end - 7] = high >>> 16
  tail[end - 6] = high >>> 8
  tail[end - 5] = high
  tail[end - 4] = bitLength >>> 24
  tail[end - 3] = bitLength >>> 16
  tail[end - 2] = bitLength >>> 8
  tail[end - 1] = bitLength
  compressBlock(state, tail, 0)
  if (blocks === 2) compressBlock(state, tail, 64)
  for (let i = 0; i < 8; i++) {
    const word = state[i]!
    out[outOffset++] = word >>> 24
    out[outOffset++] = word >>> 16
    out[outOffset++] = word >>> 8
    out[outOffset++] = word
  }
}

/** Returns the SHA-256 digest of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  sha256Finish(SHA256_IV.slice(), 0, data, out)
  return out
}
