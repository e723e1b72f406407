/**
 * CRC-32 (IEEE 802.3, the zlib `crc32`), used by AccessToken 006 for the channel and uid.
 * @module
 */

const TABLE = new Int32Array(256)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  TABLE[n] = c
}

/** Returns the CRC-32 of `bytes[start..end)` as an unsigned 32-bit integer (`crc32("")` is 0). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = -1
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}
