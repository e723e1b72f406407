/**
 * Little-endian packing and bounds-checked unpacking of Agora's wire primitives
 * (u16, u32, i16, length-prefixed bytes and strings, u16→u32 maps).
 * @module
 */
import { invalidArgument, malformed } from '../errors.js'

const encoder = new TextEncoder()
// Strings come out of the runtime's decoder flat, where appending characters one at a time builds
// a tree every later reader must flatten (~0.3 µs for a 32-character App ID). A leading BOM is
// kept: it is part of the signed bytes.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Returns the UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Returns the UTF-8 length of `text` in bytes without allocating for ASCII text. */
export function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return encoder.encode(text).length
  return text.length
}

/**
 * A growable little-endian writer. One instance is reused per kind of token, so `reset()` before
 * use and copy out with `toBytes()`.
 */
export class ByteWriter {
  bytes: Uint8Array
  length = 0

  constructor(capacity = 512) {
    this.bytes = new Uint8Array(capacity)
  }

  reset(): this {
    this.length = 0
    return this
  }

  /** A copy of what was written. */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.length)
  }

  /** A view of what was written, valid until the next write. */
  view(start = 0): Uint8Array {
    return this.bytes.subarray(start, this.length)
  }

  private reserve(size: number): number {
    const at = this.length
    if (at + size > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, at + size))
      grown.set(this.bytes.subarray(0, at))
      this.bytes = grown
    }
    this.length = at + size
    return at
  }

  putUint16LE(value: number): this {
    const at = this.reserve(2)
    this.bytes[at] = value
    this.bytes[at + 1] = value >>> 8
    return this
  }

  putInt16LE(value: number): this {
    return this.putUint16LE(value & 0xffff)
  }

  putUint32LE(value: number): this {
    const at = this.reserve(4)
    this.bytes[at] = value
    this.bytes[at + 1] = value >>> 8
    this.bytes[at + 2] = value >>> 16
    this.bytes[at + 3] = value >>> 24
    return this
  }

  /** Writes a u16 length then the bytes; `field` names the value if it is over 65535 bytes. */
  putBytes(value: Uint8Array, field: string): this {
    if (value.length > 0xffff) throw invalidArgument(field, `is ${value.length} bytes; the format allows 65535`)
    this.putUint16LE(value.length)
    const at = this.reserve(value.length)
    this.bytes.set(value, at)
    return this
  }

  /** Writes a u16 length then the UTF-8 bytes of `value` (ASCII is copied without encoding). */
  putString(value: string, field: string): this {
    if (value.length > 0xffff) {
      throw invalidArgument(field, `is ${utf8Length(value)} bytes; the format allows 65535`)
    }
    const start = this.length
    this.putUint16LE(value.length)
    const at = this.reserve(value.length)
    // One pass: copy while the text is ASCII; on the first other character, start over encoded.
    const bytes = this.bytes
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i)
      if (code > 0x7f) {
        this.length = start
        return this.putBytes(encoder.encode(value), field)
      }
      bytes[at + i] = code
    }
    return this
  }

  /** Writes the UTF-8 bytes of `value` with no length prefix (ASCII is copied without encoding). */
  putRawString(value: string): this {
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) > 0x7f) return this.putRaw(encoder.encode(value))
    }
    const at = this.reserve(value.length)
    for (let i = 0; i < value.length; i++) this.bytes[at + i] = value.charCodeAt(i)
    return this
  }

  /** Writes bytes with no length prefix (006 signs a raw concatenation). */
  putRaw(value: Uint8Array): this {
    const at = this.reserve(value.length)
    this.bytes.set(value, at)
    return this
  }

  /** Writes a u16 count then (u16 key, u32 value) pairs, keys ascending as every reference does. */
  putUint32Map(entries: ReadonlyArray<readonly [number, number]>): this {
    this.putUint16LE(entries.length)
    for (const [key, value] of entries) this.putUint16LE(key).putUint32LE(value)
    return this
  }
}

/** A bounds-checked little-endian reader over hostile bytes; every failure names the field. */
export class ByteReader {
  readonly bytes: Uint8Array
  offset: number

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes
    this.offset = offset
  }

  get remaining(): number {
    return this.bytes.length - this.offset
  }

  private take(size: number, field: string): number {
    const at = this.offset
    if (at + size > this.bytes.length) throw malformed(field, 'truncated')
    this.offset = at + size
    return at
  }

  readUint16LE(field: string): number {
    const at = this.take(2, field)
    return this.bytes[at]! | (this.bytes[at + 1]! << 8)
  }

  readInt16LE(field: string): number {
    return (this.readUint16LE(field) << 16) >> 16
  }

  readUint32LE(field: string): number {
    const at = this.take(4, field)
    const b = this.bytes
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
  }

  /** Reads a u16 length and that many bytes (a view, not a copy). */
  readBytes(field: string): Uint8Array {
    const length = this.readUint16LE(field)
    const at = this.take(length, field)
    return this.bytes.subarray(at, at + length)
  }

  /** Reads a length-prefixed UTF-8 string; invalid UTF-8 is malformed. */
  readString(field: string): string {
    const bytes = this.readBytes(field)
    if (bytes.length === 0) return ''
    try {
      return decoder.decode(bytes)
    } catch (cause) {
      throw malformed(field, 'is not valid UTF-8', cause)
    }
  }

  /** Reads a u16→u32 map in wire order. */
  readUint32Map(field: string): Array<[number, number]> {
    const count = this.readUint16LE(field)
    // Each entry is 6 bytes: refuse counts the remaining bytes cannot hold before allocating.
    if (count * 6 > this.remaining) throw malformed(field, 'truncated')
    const entries: Array<[number, number]> = []
    for (let i = 0; i < count; i++) entries.push([this.readUint16LE(field), this.readUint32LE(field)])
    return entries
  }
}

const HEX_DIGITS = new Uint8Array(16)
for (let i = 0; i < 16; i++) HEX_DIGITS[i] = '0123456789abcdef'.charCodeAt(i)
let hexChars = new Uint8Array(64)

/** Lowercase hex of bytes (written as ASCII codes and decoded flat, as for strings above). */
export function bytesToHex(bytes: Uint8Array): string {
  if (hexChars.length < bytes.length * 2) hexChars = new Uint8Array(bytes.length * 2)
  const chars = hexChars
  for (let i = 0, o = 0; i < bytes.length; i++, o += 2) {
    chars[o] = HEX_DIGITS[bytes[i]! >> 4]!
    chars[o + 1] = HEX_DIGITS[bytes[i]! & 15]!
  }
  return decoder.decode(chars.subarray(0, bytes.length * 2))
}

/** Compares two byte arrays in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
