/**
 * Standard base64 (RFC 4648 §4, `+/` alphabet, `=` padding): the only form Agora tokens use.
 * @module
 */
import { malformed } from '../errors.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

const CODES = new Uint8Array(64)
for (let i = 0; i < 64; i++) CODES[i] = ALPHABET.charCodeAt(i)
const PAD = 61 // '='

const VALUES = new Int16Array(256).fill(-1)
for (let i = 0; i < 64; i++) VALUES[ALPHABET.charCodeAt(i)] = i

// The characters are written as ASCII codes into a reused buffer and made into one string by the
// runtime's UTF-8 decoder (ASCII is the same in UTF-8). Appending them to a string instead builds
// a tree of ~90 pieces that every later reader (JSON.stringify, a socket write) must flatten first:
// ~0.7 µs more per token, measured with the JSON answer included.
const ascii = new TextDecoder()
let encoded = new Uint8Array(256)

/** Encodes bytes as padded standard base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  const size = Math.ceil(bytes.length / 3) * 4
  if (encoded.length < size) encoded = new Uint8Array(Math.max(size, encoded.length * 2))
  const out = encoded
  const whole = bytes.length - (bytes.length % 3)
  let o = 0
  let i = 0
  for (; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[o++] = CODES[n >> 18]!
    out[o++] = CODES[(n >> 12) & 63]!
    out[o++] = CODES[(n >> 6) & 63]!
    out[o++] = CODES[n & 63]!
  }
  if (bytes.length - whole === 1) {
    const n = bytes[i]! << 16
    out[o++] = CODES[n >> 18]!
    out[o++] = CODES[(n >> 12) & 63]!
    out[o++] = PAD
    out[o++] = PAD
  } else if (bytes.length - whole === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out[o++] = CODES[n >> 18]!
    out[o++] = CODES[(n >> 12) & 63]!
    out[o++] = CODES[(n >> 6) & 63]!
    out[o++] = PAD
  }
  return ascii.decode(out.subarray(0, o))
}

/**
 * Decodes padded standard base64 strictly, from offset `start` of `text` (offsets in messages count
 * from the start of `text`): any other character, a bad length, misplaced padding
 * or non-zero padding bits throw `ERR_TOKEN_MALFORMED` naming `field`. Reference decoders that
 * skip junk accept tokens that were mangled in transit; we would rather say so.
 */
export function base64ToBytes(text: string, field: string, start = 0): Uint8Array {
  return base64ToBytesView(text, field, start).slice()
}

// Reused by base64ToBytesView, for the decoded bytes and for the text's characters as bytes: a
// typed array over 64 bytes gets its memory outside V8's heap, and allocating one (~0.5-1 µs
// here) costs as much as decoding a whole token.
let scratch = new Uint8Array(1024)
const encoder = new TextEncoder()
let characters = new Uint8Array(1024)

/**
 * {@link base64ToBytes} into a buffer of the module's: a view valid only until the next call. For
 * callers that consume the bytes at once (the token decoders, which copy out what they keep).
 */
export function base64ToBytesView(text: string, field: string, start = 0): Uint8Array {
  const length = text.length - start
  if (length % 4 !== 0) throw malformed(field, `base64 length ${length} is not a multiple of 4`)
  let padding = 0
  if (length >= 2 && text.endsWith('==')) padding = 2
  else if (length >= 1 && text.endsWith('=')) padding = 1
  const size = (length / 4) * 3 - padding
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2))
  const out = scratch.subarray(0, size)
  // The runtime copies the characters out as bytes far faster than charCodeAt reads them one by
  // one (~0.08 µs against ~0.4 µs for a token). Only ASCII copies one to one, and anything else is
  // no base64 anyway: then the slow path below finds the first bad character and names it.
  if (characters.length < text.length) characters = new Uint8Array(text.length)
  const input = characters
  const copied = encoder.encodeInto(text, input)
  if (copied.read !== text.length || copied.written !== text.length) {
    for (let k = start; k < text.length - padding; k++) value(text, k, field)
    // Nothing was thrown, so only characters before `start` were non-ASCII: copy the rest by hand.
    for (let k = start; k < text.length; k++) input[k] = text.charCodeAt(k)
  }
  const end = text.length - (padding === 0 ? 0 : 4)
  let o = 0
  let i = start
  for (; i < end; i += 4) {
    const a = VALUES[input[i]!]!
    const b = VALUES[input[i + 1]!]!
    const c = VALUES[input[i + 2]!]!
    const d = VALUES[input[i + 3]!]!
    // An invalid character takes the slow path, which finds and names it.
    if ((a | b | c | d) < 0) for (let k = i; k < i + 4; k++) value(text, k, field)
    const n = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = n >> 16
    out[o++] = (n >> 8) & 255
    out[o++] = n & 255
  }
  if (padding === 2) {
    const n = (value(text, i, field) << 18) | (value(text, i + 1, field) << 12)
    if (n & 0xffff) throw malformed(field, 'base64 padding bits are not zero')
    out[o] = n >> 16
  } else if (padding === 1) {
    const n = (value(text, i, field) << 18) | (value(text, i + 1, field) << 12) | (value(text, i + 2, field) << 6)
    if (n & 0xff) throw malformed(field, 'base64 padding bits are not zero')
    out[o++] = n >> 16
    out[o] = (n >> 8) & 255
  }
  return out
}

function value(text: string, index: number, field: string): number {
  const code = text.charCodeAt(index)
  const v = code < 256 ? VALUES[code]! : -1
  if (v >= 0) return v
  if (code === 32) {
    throw malformed(
      field,
      `space at offset ${index}: a "+" was probably turned into a space by URL decoding; escape tokens in URLs`,
    )
  }
  if (code === 45 || code === 95) {
    throw malformed(field, `"${text[index]}" at offset ${index}: tokens use standard base64, not base64url`)
  }
  throw malformed(field, `invalid base64 character at offset ${index}`)
}
