/** Adler-32 checksum (RFC 1950 §2.2 and §9), the trailer of every zlib stream. @module */

/** The largest prime below 2^16 (RFC 1950 §9). */
const BASE = 65521

/**
 * Bytes summed between two reductions. zlib's NMAX (5552) keeps `b` below 2^32; this smaller
 * chunk keeps it below 2^31 (65535 + 3800 * 65535 + 255 * 3800 * 3801 / 2 < 2^31), so V8 can stay
 * in int32 arithmetic instead of falling back to doubles.
 */
const CHUNK = 3800

/**
 * The Adler-32 checksum of `data`. Pass a previous result as `start` to continue a running checksum
 * over a further chunk; the default `1` is the initial value RFC 1950 prescribes.
 */
export function adler32(data: Uint8Array, start = 1): number {
  let a = start & 0xffff
  let b = (start >>> 16) & 0xffff
  const n = data.length
  let i = 0
  while (i < n) {
    const end = Math.min(i + CHUNK, n)
    // Four bytes a step: b takes the four running values of a in one sum, so its additions do not
    // wait on each other (~25 % faster on token contents). All terms are non-negative, so b never
    // passes the value the byte-by-byte loop reaches at the end of the chunk.
    const end4 = end - ((end - i) & 3)
    for (; i < end4; i += 4) {
      const a1 = a + data[i]!
      const a2 = a1 + data[i + 1]!
      const a3 = a2 + data[i + 2]!
      a = a3 + data[i + 3]!
      b += a1 + a2 + a3 + a
    }
    for (; i < end; i++) {
      a += data[i]!
      b += a
    }
    a %= BASE
    b %= BASE
  }
  return ((b << 16) | a) >>> 0
}
