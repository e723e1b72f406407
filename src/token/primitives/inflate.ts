/** Hardened zlib (RFC 1950) / DEFLATE (RFC 1951) decompressor for hostile token content. @module */
import { TokenError, invalidArgument, malformed } from '../errors.js'
import { adler32 } from './adler32.js'

/**
 * Largest width of a decoding table. Fixed codes (at most 9 bits, RFC 1951 §3.2.6) and almost every
 * dynamic code resolve in one lookup; rarer longer dynamic codes (10..15 bits) fall back to a
 * bit-by-bit canonical decode. Small tables keep per-block setup cheap: a token is one short block.
 */
const PRIMARY_BITS = 9
const PRIMARY_SIZE = 1 << PRIMARY_BITS
/** RFC 1951 §3.2.7: Huffman codes are at most 15 bits long. */
const MAX_BITS = 15
/** Longer inputs could overflow the 32-bit bit-position arithmetic below; no token comes close. */
const MAX_INPUT = 1 << 28

// RFC 1951 §3.2.5: base values and extra-bit counts of length codes 257..285 and distance codes
// 0..29.
const LENGTH_BASE = new Uint16Array([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
])
const LENGTH_EXTRA = new Uint8Array([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
])
const DIST_BASE = new Uint16Array([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
])
const DIST_EXTRA = new Uint8Array([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
])
/** RFC 1951 §3.2.7: the order in which a dynamic block sends its code-length code lengths. */
const CLEN_ORDER = new Uint8Array([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15])

/** Decoding tables of one canonical Huffman code (RFC 1951 §3.2.2). */
interface Huffman {
  /**
   * Indexed by the next `mask` input bits: `(symbol << 4) | codeLength` for codes that fit; 0 where
   * the code is longer or the bit pattern is unassigned (an incomplete code).
   */
  readonly table: Uint16Array
  /** `2^w - 1` for table width w: the longest code length, at most PRIMARY_BITS. */
  mask: number
  /** Number of codes of each length, index 1..15 (the `bl_count` of RFC 1951 §3.2.2). */
  readonly count: Uint16Array
  /** Symbols in canonical code order (by length, then by symbol value), for the slow path. */
  readonly symbol: Uint16Array
}

function newHuffman(): Huffman {
  return {
    table: new Uint16Array(PRIMARY_SIZE),
    mask: 0,
    count: new Uint16Array(MAX_BITS + 1),
    symbol: new Uint16Array(288),
  }
}

// Scratch state reused by every call: decoding is synchronous and never re-entered, and a 007 token
// usually holds a single block, so per-call allocation would dominate the cost.
const dynamicLitLen = newHuffman()
const dynamicDist = newHuffman()
const codeLengthCode = newHuffman()
/** Literal/length then distance code lengths of the current dynamic block (at most 286 + 30). */
const lengths = new Uint8Array(286 + 30)
const codeLengthLengths = new Uint8Array(19)
/** Next free slot per code length while sorting symbols into canonical order. */
const offsets = new Uint16Array(MAX_BITS + 2)

let fixedCodes: { readonly litLen: Huffman; readonly dist: Huffman } | undefined

/** The fixed codes of RFC 1951 §3.2.6, built on first use. */
function buildFixedCodes(): { readonly litLen: Huffman; readonly dist: Huffman } {
  const fixedLengths = new Uint8Array(288)
  fixedLengths.fill(8, 0, 144)
  fixedLengths.fill(9, 144, 256)
  fixedLengths.fill(7, 256, 280)
  fixedLengths.fill(8, 280, 288)
  const litLen = newHuffman()
  buildHuffman(litLen, fixedLengths, 0, 288, false)
  // All 32 distance codes are 5 bits long; 30 and 31 take part in the code but are invalid in data.
  fixedLengths.fill(5, 0, 32)
  const dist = newHuffman()
  buildHuffman(dist, fixedLengths, 0, 32, false)
  fixedCodes = { litLen, dist }
  return fixedCodes
}

function bad(message: string): TokenError {
  return malformed('content', message)
}

function truncated(): TokenError {
  return malformed('content', 'truncated stream')
}

function tooLarge(): TokenError {
  return new TokenError('ERR_TOKEN_TOO_LARGE', 'token content too large')
}

/**
 * At least 17 bits of `data` starting at bit `pos`, least significant bit first (RFC 1951 §3.1.1).
 * Bytes past the end read as zero (typed-array reads out of range give `undefined`, which `|`
 * turns into 0); callers compare the bit position with the end of the input to detect truncation.
 */
function peek(data: Uint8Array, pos: number): number {
  const i = pos >>> 3
  return (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16)) >>> (pos & 7)
}

/**
 * Builds `h` from the code lengths `source[start .. start + n)` (RFC 1951 §3.2.2), rejecting the
 * sets zlib's inflate_table() rejects: over-subscribed codes always, and incomplete codes except a
 * literal/length or distance code with a single 1-bit code (§3.2.7 allows one distance code), or a
 * distance code with no codes at all (a block of literals only). `strict` marks the code-length
 * code, which must be complete.
 */
function buildHuffman(h: Huffman, source: Uint8Array, start: number, n: number, strict: boolean): void {
  const { table, count, symbol } = h
  count.fill(0)
  for (let i = 0; i < n; i++) {
    const len = source[start + i]!
    count[len] = count[len]! + 1
  }
  count[0] = 0
  // `left` is the number of unused codes of the current length; negative means over-subscribed.
  let left = 1
  let max = 0
  for (let len = 1; len <= MAX_BITS; len++) {
    left = (left << 1) - count[len]!
    if (left < 0) throw bad('over-subscribed Huffman code')
    if (count[len] !== 0) max = len
  }
  const width = max < PRIMARY_BITS ? max : PRIMARY_BITS
  const size = 1 << width
  h.mask = size - 1
  table.fill(0, 0, size)
  if (max === 0) {
    if (strict) throw bad('empty code-length code')
    return
  }
  if (left > 0 && (strict || max !== 1)) throw bad('incomplete Huffman code')

  offsets[1] = 0
  for (let len = 1; len < MAX_BITS; len++) offsets[len + 1] = offsets[len]! + count[len]!
  for (let sym = 0; sym < n; sym++) {
    const len = source[start + sym]!
    if (len !== 0) {
      const at = offsets[len]!
      symbol[at] = sym
      offsets[len] = at + 1
    }
  }

  // Codes are assigned consecutively in canonical order, but the stream sends them most significant
  // bit first (§3.1.1) while we index by the next bits least significant first, so `code` is kept
  // bit-reversed and incremented in reverse (the technique of zlib's inflate_table()).
  let code = 0
  let index = 0
  for (let len = 1; len <= width; len++) {
    const step = 1 << len
    for (let k = count[len]!; k > 0; k--) {
      const entry = (symbol[index++]! << 4) | len
      for (let j = code; j < size; j += step) table[j] = entry
      let incr = 1 << (len - 1)
      while ((code & incr) !== 0) incr >>>= 1
      code = incr !== 0 ? (code & (incr - 1)) + incr : 0
    }
  }
}

/**
 * Decodes one symbol bit by bit (the canonical decoding of Mark Adler's puff.c) for codes longer
 * than the table. `bits` holds at least 15 valid bits. Returns `(symbol << 4) | length`, or 0 when
 * the bits match no code (possible only in an incomplete code).
 */
function decodeSlow(h: Huffman, bits: number): number {
  const { count, symbol } = h
  let code = 0
  let first = 0
  let index = 0
  for (let len = 1; len <= MAX_BITS; len++) {
    code |= bits & 1
    bits >>>= 1
    const c = count[len]!
    if (code - c < first) return (symbol[index + code - first]! << 4) | len
    index += c
    first = (first + c) << 1
    code <<= 1
  }
  return 0
}

/**
 * Reads the code definitions of a dynamic block (RFC 1951 §3.2.7) starting at bit `pos` into the
 * scratch codes and returns the bit position after them.
 */
function readDynamicCodes(data: Uint8Array, pos: number): number {
  const header = peek(data, pos)
  const nlen = (header & 31) + 257
  const ndist = ((header >>> 5) & 31) + 1
  const nclen = ((header >>> 10) & 15) + 4
  pos += 14
  // Literal/length codes 286-287 and distance codes 30-31 never occur in valid data, so zlib
  // rejects a header that declares them.
  if (nlen > 286 || ndist > 30) throw bad('too many length or distance codes')

  codeLengthLengths.fill(0)
  for (let i = 0; i < nclen; i++) {
    codeLengthLengths[CLEN_ORDER[i]!] = peek(data, pos) & 7
    pos += 3
  }
  buildHuffman(codeLengthCode, codeLengthLengths, 0, 19, true)

  // The code-length code is complete and at most 7 bits long, so every table entry is filled.
  const { table, mask } = codeLengthCode
  const total = nlen + ndist
  let i = 0
  while (i < total) {
    const entry = table[peek(data, pos) & mask]!
    pos += entry & 15
    const sym = entry >>> 4
    if (sym < 16) {
      lengths[i++] = sym
      continue
    }
    // 16: repeat the previous length 3-6 times; 17: 3-10 zeros; 18: 11-138 zeros. Repeats may cross
    // from the literal/length lengths into the distance lengths (one sequence, §3.2.7).
    const extra = peek(data, pos)
    let value = 0
    let repeat: number
    if (sym === 16) {
      if (i === 0) throw bad('length repeat with no previous length')
      value = lengths[i - 1]!
      repeat = 3 + (extra & 3)
      pos += 2
    } else if (sym === 17) {
      repeat = 3 + (extra & 7)
      pos += 3
    } else {
      repeat = 11 + (extra & 127)
      pos += 7
    }
    if (i + repeat > total) throw bad('too many code lengths')
    while (repeat-- > 0) lengths[i++] = value
  }

  // Without an end-of-block code the block could never end; zlib rejects it up front.
  if (lengths[256] === 0) throw bad('missing end-of-block code')
  buildHuffman(dynamicLitLen, lengths, 0, nlen, false)
  buildHuffman(dynamicDist, lengths, nlen, ndist, false)
  return pos
}

/**
 * Output buffer reused across calls; results leave it as copies ({@link zlibInflate}) or as views
 * valid until the next call ({@link zlibInflateView}). Token content is a few hundred bytes and
 * allocating an ArrayBuffer costs about as much as decoding them, so only larger content (which
 * then grows into fresh buffers that are not kept) pays for a second allocation.
 */
const scratch = new Uint8Array(4096)

/**
 * A buffer holding the first `used` bytes of `out` with room for at least `need` bytes, or a
 * TokenError past `limit`. Doubling keeps the total copying linear, and the cap keeps a zlib bomb
 * from allocating more than about twice `limit` in all.
 */
function grow(out: Uint8Array, used: number, need: number, limit: number): Uint8Array {
  if (need > limit) throw tooLarge()
  let next: Uint8Array
  try {
    next = new Uint8Array(Math.min(limit, Math.max(need, out.length * 2)))
  } catch {
    // A caller-chosen limit beyond what the engine can allocate: still only a TokenError.
    throw tooLarge()
  }
  next.set(out.subarray(0, used))
  return next
}

/**
 * Decompresses one complete zlib stream (RFC 1950) and returns its content.
 *
 * Throws a {@link TokenError}: `ERR_TOKEN_TOO_LARGE` as soon as the content would exceed
 * `maxLength` bytes, `ERR_TOKEN_MALFORMED` (field `content`) for anything that is not exactly one
 * valid stream: bad header, preset dictionary, corrupt or truncated data, wrong Adler-32, trailing
 * bytes. Work and memory are bounded by the input size and `maxLength`.
 */
export function zlibInflate(data: Uint8Array, maxLength: number): Uint8Array {
  return zlibInflateView(data, maxLength).slice()
}

/**
 * {@link zlibInflate} without the final copy: a view of an internal buffer, valid only until the
 * next call. For callers that consume the content at once (the token decoder copies out what it
 * keeps).
 */
export function zlibInflateView(data: Uint8Array, maxLength: number): Uint8Array {
  if (!(maxLength >= 0)) throw invalidArgument('maxLength', 'must be a non-negative number')
  const limit = Math.floor(maxLength)
  const n = data.length
  if (n > MAX_INPUT) throw new TokenError('ERR_TOKEN_TOO_LARGE', 'compressed content too large')
  if (n < 2) throw truncated()

  // RFC 1950 §2.2: CMF = CINFO (log2 window size - 8) | CM, then FLG whose FCHECK makes CMF*256+FLG
  // a multiple of 31, and FDICT, which announces a preset dictionary tokens never use.
  const cmf = data[0]!
  const flg = data[1]!
  if ((cmf & 15) !== 8) throw bad('unsupported compression method')
  if (cmf >>> 4 > 7) throw bad('invalid window size')
  if (((cmf << 8) | flg) % 31 !== 0) throw bad('header check failed')
  if ((flg & 0x20) !== 0) throw bad('preset dictionary not supported')

  // The compressed blocks may not run into the 4-byte Adler-32 trailer.
  const endBits = (n - 4) * 8
  let pos = 16
  let out: Uint8Array = scratch
  // Usable room in `out`: the scratch buffer may be larger than the caller's limit.
  let cap = Math.min(limit, out.length)
  let op = 0
  let final: number

  do {
    // RFC 1951 §3.2.3: BFINAL (1 bit), then BTYPE (2 bits).
    const header = peek(data, pos)
    pos += 3
    if (pos > endBits) throw truncated()
    final = header & 1
    const type = (header >>> 1) & 3

    if (type === 0) {
      // §3.2.4: stored block. Skip to a byte boundary, then LEN and its one's complement NLEN
      // (little-endian), then LEN literal bytes. An empty one is a sync-flush marker.
      let at = (pos + 7) >>> 3
      if (at + 4 > n - 4) throw truncated()
      const len = data[at]! | (data[at + 1]! << 8)
      if ((len ^ 0xffff) !== (data[at + 2]! | (data[at + 3]! << 8))) {
        throw bad('stored block length mismatch')
      }
      at += 4
      if (at + len > n - 4) throw truncated()
      if (len !== 0) {
        if (op + len > cap) cap = (out = grow(out, op, op + len, limit)).length
        out.set(data.subarray(at, at + len), op)
        op += len
      }
      pos = (at + len) * 8
      continue
    }

    let litLen: Huffman
    let dist: Huffman
    if (type === 1) {
      const fixed = fixedCodes ?? buildFixedCodes()
      litLen = fixed.litLen
      dist = fixed.dist
    } else if (type === 2) {
      pos = readDynamicCodes(data, pos)
      if (pos > endBits) throw truncated()
      litLen = dynamicLitLen
      dist = dynamicDist
    } else {
      throw bad('invalid block type')
    }

    // §3.2.5: literals 0..255, end of block 256, lengths 257..285 each followed by a distance.
    const litTable = litLen.table
    const litMask = litLen.mask
    const distTable = dist.table
    const distMask = dist.mask
    // The next `bits` input bits sit in `hold`, least significant first, and `index` is the next
    // byte to load: each symbol then waits on one table lookup instead of re-reading the input at
    // a bit position (a chain of loads the decoding of every symbol depended on). Refills keep at
    // most 30 bits, so `hold` stays a non-negative int32; bytes past the end read as zero, as in
    // peek().
    let index = pos >>> 3
    let hold = data[index++]! >> (pos & 7)
    let bits = 8 - (pos & 7)
    for (;;) {
      if (bits < 15) {
        // Checked at every refill: garbage past the end of the input (read as zeros) is caught
        // before it can cost more than the few symbols sixteen bits hold.
        if (index * 8 - bits > endBits) throw truncated()
        hold |= data[index++]! << bits
        hold |= data[index++]! << (bits + 8)
        bits += 16
      }
      let entry = litTable[hold & litMask]!
      if (entry === 0) {
        entry = decodeSlow(litLen, hold)
        if (entry === 0) throw bad('invalid literal/length code')
      }
      hold >>= entry & 15
      bits -= entry & 15
      const sym = entry >>> 4
      if (sym < 256) {
        if (op === cap) cap = (out = grow(out, op, op + 1, limit)).length
        out[op++] = sym
        continue
      }
      if (sym === 256) break
      const lengthCode = sym - 257
      // Codes 286 and 287 exist only in the fixed code (§3.2.6) and are invalid in data.
      if (lengthCode >= 29) throw bad('invalid literal/length code')
      let length = LENGTH_BASE[lengthCode]!
      const lengthExtra = LENGTH_EXTRA[lengthCode]!
      // Room for the length's extra bits (at most 5) and the distance code (at most 15).
      if (bits < 20) {
        hold |= data[index++]! << bits
        bits += 8
        if (bits < 20) {
          hold |= data[index++]! << bits
          bits += 8
        }
      }
      if (lengthExtra !== 0) {
        length += hold & ((1 << lengthExtra) - 1)
        hold >>= lengthExtra
        bits -= lengthExtra
      }

      entry = distTable[hold & distMask]!
      if (entry === 0) {
        entry = decodeSlow(dist, hold)
        if (entry === 0) throw bad('invalid distance code')
      }
      hold >>= entry & 15
      bits -= entry & 15
      const distCode = entry >>> 4
      // Distance codes 30 and 31 exist only in the fixed code (§3.2.6) and are invalid in data.
      if (distCode >= 30) throw bad('invalid distance code')
      let distance = DIST_BASE[distCode]!
      const distExtra = DIST_EXTRA[distCode]!
      if (distExtra !== 0) {
        // At most 13 extra bits.
        while (bits < distExtra) {
          hold |= data[index++]! << bits
          bits += 8
        }
        distance += hold & ((1 << distExtra) - 1)
        hold >>= distExtra
        bits -= distExtra
      }
      // There is no preset dictionary, so a match may only refer to content already produced.
      if (distance > op) throw bad('distance too far back')

      const stop = op + length
      if (stop > cap) cap = (out = grow(out, op, stop, limit)).length
      // Byte by byte on purpose: a match may overlap its own output (distance < length, §3.2.3).
      let from = op - distance
      while (op < stop) out[op++] = out[from++]!
    }
    pos = index * 8 - bits
  } while (final === 0)

  if (pos > endBits) throw truncated()
  // RFC 1950 §2.2: the Adler-32 of the content follows the last block, big-endian, byte-aligned.
  const at = (pos + 7) >>> 3
  if (at !== n - 4) throw bad('trailing bytes after stream')
  const expected = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0
  const content = out.subarray(0, op)
  if (adler32(content) !== expected) throw bad('checksum mismatch')
  return content
}
