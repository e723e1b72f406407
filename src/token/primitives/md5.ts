/** MD5 (RFC 1321), used only to derive Chat user ids in APaaS room tokens. @module */

/** RFC 1321 §3.4: T[i] = floor(2^32 * abs(sin(i + 1))), spelled out: sin() is not exact in JS. */
const T = new Int32Array([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8,
  0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
  0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87,
  0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
  0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039,
  0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
  0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
  0xeb86d391,
])

/** RFC 1321 §3.4: left-rotation amounts, four per round. */
const S = new Uint8Array([7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21])

/** The 16 little-endian words of the block being processed. */
const X = new Int32Array(16)

/** The four rounds of RFC 1321 §3.4 over the 64-byte block at `block[at..]`, updating `state`. */
function transform(state: Int32Array, block: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) {
    X[i] = block[at]! | (block[at + 1]! << 8) | (block[at + 2]! << 16) | (block[at + 3]! << 24)
  }
  let a = state[0]!
  let b = state[1]!
  let c = state[2]!
  let d = state[3]!
  for (let i = 0; i < 64; i++) {
    let f: number
    let g: number
    if (i < 16) {
      f = (b & c) | (~b & d) // F
      g = i
    } else if (i < 32) {
      f = (d & b) | (~d & c) // G
      g = (5 * i + 1) & 15
    } else if (i < 48) {
      f = b ^ c ^ d // H
      g = (3 * i + 5) & 15
    } else {
      f = c ^ (b | ~d) // I
      g = (7 * i) & 15
    }
    const s = S[((i >>> 4) << 2) | (i & 3)]!
    const x = (a + f + T[i]! + X[g]!) | 0
    a = d
    d = c
    c = b
    b = (b + ((x << s) | (x >>> (32 - s)))) | 0
  }
  state[0] = (state[0]! + a) | 0
  state[1] = (state[1]! + b) | 0
  state[2] = (state[2]! + c) | 0
  state[3] = (state[3]! + d) | 0
}

/** The MD5 digest of `data` as 32 lowercase hexadecimal digits. */
export function md5Hex(data: Uint8Array): string {
  // RFC 1321 §3.3: A, B, C, D as little-endian words.
  const state = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476])
  const n = data.length
  const whole = n - (n & 63)
  for (let at = 0; at < whole; at += 64) transform(state, data, at)

  // RFC 1321 §3.1-3.2: append 0x80, zeros up to 56 mod 64, then the bit length as a 64-bit
  // little-endian number. The tail takes one block, or two when fewer than 9 bytes are left free.
  const rest = n - whole
  const tail = new Uint8Array(rest < 56 ? 64 : 128)
  tail.set(data.subarray(whole))
  tail[rest] = 0x80
  const end = tail.length - 8
  const low = (n % 0x20000000) * 8 // bits 0..31 of n * 8, exact in double precision
  const high = Math.floor(n / 0x20000000) // bits 32..63 of n * 8
  for (let i = 0; i < 4; i++) {
    tail[end + i] = low >>> (8 * i)
    tail[end + 4 + i] = high >>> (8 * i)
  }
  transform(state, tail, 0)
  if (tail.length === 128) transform(state, tail, 64)

  let hex = ''
  for (let i = 0; i < 16; i++) {
    const byte = (state[i >>> 2]! >>> ((i & 3) * 8)) & 0xff
    hex += (byte < 16 ? '0' : '') + byte.toString(16)
  }
  return hex
}
