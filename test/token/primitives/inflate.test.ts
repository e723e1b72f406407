import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as zlib from 'node:zlib'
import { deflate as pakoDeflate } from 'pako'
import fc from 'fast-check'
import { zlibInflate } from '../../../src/token/primitives/inflate.js'
import { TokenError } from '../../../src/token/errors.js'
import { loadVectors, type Vector } from '../../helpers/vectors.js'

const { constants } = zlib
const SYNC = constants.Z_SYNC_FLUSH
const FULL = constants.Z_FULL_FLUSH
const BIG = 1 << 24
const SEED = 0x007_2024

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const u8 = (bytes: ArrayLike<number>): Uint8Array => Uint8Array.from(bytes)
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Adler-32 straight from RFC 1950 §9, independent of the implementation under test. */
function naiveAdler32(data: Uint8Array): number {
  let a = 1
  let b = 0
  for (const byte of data) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  return (b * 65536 + a) >>> 0
}

/** Wraps raw DEFLATE data in a zlib header and the Adler-32 trailer of `content`. */
function zlibWrap(raw: Uint8Array, content: Uint8Array, header = [0x78, 0x9c]): Uint8Array {
  const sum = naiveAdler32(content)
  return u8([...header, ...raw, sum >>> 24, (sum >>> 16) & 255, (sum >>> 8) & 255, sum & 255])
}

/** node:zlib's verdict: the content, or undefined if it rejects the stream or leaves input over. */
function nodeInflate(stream: Uint8Array): Uint8Array | undefined {
  try {
    const { buffer, engine } = zlib.inflateSync(stream, { info: true }) as unknown as {
      buffer: Buffer
      engine: { bytesWritten: number }
    }
    return engine.bytesWritten === stream.length ? u8(buffer) : undefined
  } catch {
    return undefined
  }
}

/** Runs zlibInflate, turning a TokenError into its code; any other exception fails the test. */
function attempt(stream: Uint8Array, maxLength = BIG): Uint8Array | TokenError {
  try {
    return zlibInflate(stream, maxLength)
  } catch (error) {
    assert.ok(error instanceof TokenError, `threw a non-TokenError: ${String(error)}`)
    assert.ok(error.message.length <= 80, `message too long: ${error.message}`)
    return error
  }
}

function assertInflates(stream: Uint8Array, expected: Uint8Array, maxLength = BIG): void {
  const result = attempt(stream, maxLength)
  if (result instanceof TokenError) assert.fail(`rejected a valid stream: ${result.message}`)
  assert.equal(hex(result), hex(expected))
}

function assertRejects(
  stream: Uint8Array,
  code: TokenError['code'] = 'ERR_TOKEN_MALFORMED',
  maxLength = BIG,
): TokenError {
  const result = attempt(stream, maxLength)
  assert.ok(result instanceof TokenError, 'accepted an invalid stream')
  assert.equal(result.code, code, result.message)
  if (code === 'ERR_TOKEN_MALFORMED') assert.equal(result.field, 'content')
  return result
}

/** Differential check: zlibInflate accepts exactly what node:zlib accepts, with equal content. */
function assertAgreesWithZlib(stream: Uint8Array): 'accepted' | 'rejected' {
  const reference = nodeInflate(stream)
  const result = attempt(stream)
  if (reference === undefined) {
    assert.ok(result instanceof TokenError, `accepted what zlib rejects: ${hex(stream)}`)
    assert.equal(result.code, 'ERR_TOKEN_MALFORMED')
    return 'rejected'
  }
  if (result instanceof TokenError) assert.fail(`rejected what zlib accepts (${result.message})`)
  assert.equal(hex(result), hex(reference))
  return 'accepted'
}

/** Writes bits least significant first (RFC 1951 §3.1.1), Huffman codes most significant first. */
class BitWriter {
  readonly bytes: number[] = []
  private current = 0
  private used = 0

  bits(value: number, count: number): this {
    for (let i = 0; i < count; i++) {
      this.current |= ((value >>> i) & 1) << this.used
      if (++this.used === 8) this.flushByte()
    }
    return this
  }

  code(code: number, length: number): this {
    for (let i = length - 1; i >= 0; i--) this.bits((code >>> i) & 1, 1)
    return this
  }

  align(): this {
    if (this.used > 0) this.flushByte()
    return this
  }

  finish(): Uint8Array {
    return u8(this.align().bytes)
  }

  private flushByte(): void {
    this.bytes.push(this.current)
    this.current = 0
    this.used = 0
  }
}

/** Canonical codes for `lengths` (RFC 1951 §3.2.2), written out independently of the decoder. */
function canonicalCodes(lengths: readonly number[]): number[] {
  const blCount = new Array<number>(16).fill(0)
  for (const len of lengths) if (len > 0) blCount[len]!++
  const next = new Array<number>(16).fill(0)
  let code = 0
  for (let bits = 1; bits <= 15; bits++) {
    code = (code + blCount[bits - 1]!) << 1
    next[bits] = code
  }
  return lengths.map((len) => (len > 0 ? next[len]!++ : -1))
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
]
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
]
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

function lastIndexAtMost(bases: readonly number[], value: number): number {
  let index = 0
  while (index + 1 < bases.length && bases[index + 1]! <= value) index++
  return index
}

/** A block body item: a literal byte, a back reference, or a raw (possibly invalid) code. */
type Item =
  | number
  | { length: number; distance: number }
  | { litCode: number; extra?: [value: number, bits: number]; distCode?: number }

interface Codes {
  lit: { codes: number[]; lengths: readonly number[] }
  dist: { codes: number[]; lengths: readonly number[] }
}

function codesFor(litLengths: readonly number[], distLengths: readonly number[]): Codes {
  return {
    lit: { codes: canonicalCodes(litLengths), lengths: litLengths },
    dist: { codes: canonicalCodes(distLengths), lengths: distLengths },
  }
}

const FIXED = codesFor(
  Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8)),
  new Array<number>(32).fill(5),
)

function writeSymbol(w: BitWriter, table: Codes['lit'], symbol: number): void {
  const length = table.lengths[symbol] ?? 0
  assert.ok(length > 0, `symbol ${symbol} has no code`)
  w.code(table.codes[symbol]!, length)
}

/** Writes block items then end-of-block, unless the code lacks one (for the missing-EOB test). */
function writeItems(w: BitWriter, codes: Codes, items: readonly Item[]): void {
  for (const item of items) {
    if (typeof item === 'number') {
      writeSymbol(w, codes.lit, item)
    } else if ('length' in item) {
      const lc = lastIndexAtMost(LENGTH_BASE, item.length)
      writeSymbol(w, codes.lit, 257 + lc)
      w.bits(item.length - LENGTH_BASE[lc]!, LENGTH_EXTRA[lc]!)
      const dc = lastIndexAtMost(DIST_BASE, item.distance)
      writeSymbol(w, codes.dist, dc)
      w.bits(item.distance - DIST_BASE[dc]!, DIST_EXTRA[dc]!)
    } else {
      writeSymbol(w, codes.lit, item.litCode)
      if (item.extra) w.bits(item.extra[0], item.extra[1])
      if (item.distCode !== undefined) writeSymbol(w, codes.dist, item.distCode)
    }
  }
  if ((codes.lit.lengths[256] ?? 0) > 0) writeSymbol(w, codes.lit, 256)
}

function fixedBlock(w: BitWriter, items: readonly Item[], final = true): void {
  w.bits(final ? 1 : 0, 1).bits(1, 2)
  writeItems(w, FIXED, items)
}

interface DynamicOptions {
  litLengths: readonly number[]
  distLengths: readonly number[]
  items?: readonly Item[]
  final?: boolean
  /** Code-length code lengths by symbol 0..18; default: a complete code over all 19 symbols. */
  clenLengths?: readonly number[]
  /** Code-length symbols to send instead of one per length: [symbol, extra value]. */
  clenSymbols?: ReadonlyArray<readonly [number, number?]>
}

/** Writes a dynamic Huffman block (RFC 1951 §3.2.7). */
function dynamicBlock(w: BitWriter, options: DynamicOptions): void {
  const { litLengths, distLengths } = options
  // 13 codes of 4 bits and 6 of 5 bits: a complete code-length code covering all 19 symbols.
  const clenLengths = options.clenLengths ?? Array.from({ length: 19 }, (_, i) => (i < 13 ? 4 : 5))
  const clenCodes = canonicalCodes(clenLengths)
  w.bits(options.final === false ? 0 : 1, 1).bits(2, 2)
  w.bits(litLengths.length - 257, 5).bits(distLengths.length - 1, 5)
  w.bits(19 - 4, 4)
  for (const symbol of CLEN_ORDER) w.bits(clenLengths[symbol]!, 3)
  const sequence = options.clenSymbols ?? [...litLengths, ...distLengths].map((len) => [len] as const)
  for (const [symbol, extra] of sequence) {
    w.code(clenCodes[symbol]!, clenLengths[symbol]!)
    if (symbol === 16) w.bits(extra ?? 0, 2)
    if (symbol === 17) w.bits(extra ?? 0, 3)
    if (symbol === 18) w.bits(extra ?? 0, 7)
  }
  writeItems(w, codesFor(litLengths, distLengths), options.items ?? [])
}

/**
 * `count` literal/length code lengths: `length` for symbols 0..255, 256 and 257 (end of block and
 * match length 3), then `changes` applied, 0 elsewhere.
 */
function litLengths(length: number, changes: Record<number, number> = {}, count = 286): number[] {
  const lengths = new Array<number>(count).fill(0)
  for (let i = 0; i <= 257; i++) lengths[i] = length
  for (const [symbol, value] of Object.entries(changes)) lengths[Number(symbol)] = value
  return lengths
}

/** A complete literal/length code: 254 literals of 8 bits, 254, 255, 256 and 257 of 9 bits. */
const VALID_LIT = litLengths(8, { 254: 9, 255: 9, 256: 9, 257: 9 })

/** Node's deflate, as an exact-size Uint8Array. */
function deflate(data: Uint8Array, options: zlib.ZlibOptions = {}): Uint8Array {
  return u8(zlib.deflateSync(data, options))
}

function deflateRaw(data: Uint8Array, options: zlib.ZlibOptions = {}): Uint8Array {
  return u8(zlib.deflateRawSync(data, options))
}

const FINAL_BLOCKS = {
  stored: u8([0x01, 0x00, 0x00, 0xff, 0xff]), // Go's compress/flate Close()
  fixed: u8([0x03, 0x00]), // zlib's Z_FINISH after a flush
  dynamic: deflateRaw(pseudoRandom(300, 99, 5), { level: 9 }), // more content, final
}

/** A multi-block stream: each part ends in a sync or full flush marker, then a final block. */
function flushedStream(
  parts: readonly Uint8Array[],
  flush: number,
  tail: keyof typeof FINAL_BLOCKS,
): { stream: Uint8Array; content: Uint8Array } {
  const raws = parts.map((part) => deflateRaw(part, { finishFlush: flush }))
  const tailContent = tail === 'dynamic' ? pseudoRandom(300, 99, 5) : u8([])
  const content = u8([...parts.flatMap((part) => [...part]), ...tailContent])
  const raw = u8([...raws.flatMap((r) => [...r]), ...FINAL_BLOCKS[tail]])
  return { stream: zlibWrap(raw, content), content }
}

/** Deterministic pseudo-random bytes (xorshift32), for fixtures that must not change. */
function pseudoRandom(length: number, seed: number, alphabet = 256): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed | 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = (x >>> 0) % alphabet
  }
  return out
}

/** Arbitrary content: random, small-alphabet, repeated patterns and runs, mixed. */
const contentArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 1500 }),
  fc.array(fc.integer({ min: 97, max: 100 }), { maxLength: 3000 }).map(u8),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300 }))
    .map(([pattern, times]) => u8(Array.from({ length: times }, () => [...pattern]).flat())),
  fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 30 }),
        fc
          .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 600 }))
          .map(([byte, run]) => new Uint8Array(run).fill(byte)),
      ),
      { maxLength: 20 },
    )
    .map((chunks) => u8(chunks.flatMap((chunk) => [...chunk]))),
)

// ---------------------------------------------------------------------------------------------
// Valid streams
// ---------------------------------------------------------------------------------------------

describe('zlibInflate: valid streams', () => {
  const samples: Uint8Array[] = [
    u8([]),
    u8([0]),
    new TextEncoder().encode('hello hello hello hello'),
    pseudoRandom(5000, 1),
    pseudoRandom(20000, 2, 4),
    new Uint8Array(70000).fill(7),
    new TextEncoder().encode('The quick brown fox jumps over the lazy dog. '.repeat(400)),
  ]

  test('round trips node:zlib at every level, strategy and window size', () => {
    const headers = new Set<string>()
    let checked = 0
    for (const sample of samples) {
      for (let level = 0; level <= 9; level++) {
        for (const strategy of [
          constants.Z_DEFAULT_STRATEGY,
          constants.Z_FILTERED,
          constants.Z_HUFFMAN_ONLY,
          constants.Z_RLE,
          constants.Z_FIXED,
        ]) {
          for (const windowBits of [9, 12, 15]) {
            const memLevel = 1 + (level % 9)
            const stream = deflate(sample, { level, strategy, windowBits, memLevel })
            if (windowBits === 15) headers.add(hex(stream.subarray(0, 2)))
            assertInflates(stream, sample)
            checked++
          }
        }
      }
    }
    assert.equal(checked, samples.length * 10 * 5 * 3)
    for (const header of ['7801', '785e', '789c', '78da']) assert.ok(headers.has(header), header)
  })

  test('round trips node:zlib and pako.deflate on thousands of generated inputs', () => {
    fc.assert(
      fc.property(
        contentArb,
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(
          constants.Z_DEFAULT_STRATEGY,
          constants.Z_FILTERED,
          constants.Z_HUFFMAN_ONLY,
          constants.Z_RLE,
          constants.Z_FIXED,
        ),
        fc.integer({ min: 9, max: 15 }),
        (content, level, strategy, windowBits) => {
          assertInflates(deflate(content, { level, strategy, windowBits }), content)
          const pakoLevel = level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9
          assertInflates(pakoDeflate(content, { level: pakoLevel, strategy, windowBits }), content)
        },
      ),
      { seed: SEED, numRuns: 3000 },
    )
  })

  test('round trips sync-flush and full-flush multi-block streams (Go style)', () => {
    fc.assert(
      fc.property(
        fc.array(contentArb, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(constants.Z_SYNC_FLUSH, constants.Z_FULL_FLUSH),
        fc.constantFrom('stored' as const, 'fixed' as const, 'dynamic' as const),
        (parts, flush, tail) => {
          const { stream, content } = flushedStream(parts, flush, tail)
          assert.equal(hex(nodeInflate(stream) ?? u8([1])), hex(content)) // the fixture is valid
          assertInflates(stream, content)
        },
      ),
      { seed: SEED, numRuns: 1000 },
    )
  })

  test('accepts empty stored blocks and sync markers between blocks', () => {
    // 78 01 | 00 0000ffff (empty stored) | fixed "a" (non-final) | 00 0000ffff | 01 0000ffff final
    const w = new BitWriter()
    w.bits(0, 1).bits(0, 2).align().bits(0, 16).bits(0xffff, 16)
    fixedBlock(w, [0x61], false)
    w.bits(0, 1).bits(0, 2).align().bits(0, 16).bits(0xffff, 16)
    w.bits(1, 1).bits(0, 2).align().bits(0, 16).bits(0xffff, 16)
    const stream = zlibWrap(w.finish(), u8([0x61]), [0x78, 0x01])
    assert.equal(hex(nodeInflate(stream)!), '61')
    assertInflates(stream, u8([0x61]))
  })

  test('decodes large stored, long-distance and long-code streams', () => {
    const big = pseudoRandom(200_000, 3)
    assertInflates(deflate(big, { level: 0 }), big) // four stored blocks of at most 65535 bytes
    const far = u8([...pseudoRandom(32768, 4), ...pseudoRandom(32768, 4), ...pseudoRandom(300, 4)])
    assertInflates(deflate(far, { level: 9 }), far) // distances up to 32768
    // A geometric byte distribution makes zlib emit literal codes of 10..15 bits.
    const skewed = pseudoRandom(100_000, 5).map((byte, i) => {
      const uniform = (((i * 2654435761) >>> 0) + byte + 1) / 2 ** 32
      return Math.min(255, Math.floor(-Math.log2(uniform)))
    })
    assertInflates(deflate(skewed, { level: 9, strategy: constants.Z_HUFFMAN_ONLY }), skewed)
  })

  test('accepts inputs that are views into larger buffers', () => {
    const content = new TextEncoder().encode('view '.repeat(50))
    const stream = deflate(content)
    const padded = new Uint8Array(stream.length + 20)
    padded.set(stream, 7)
    assertInflates(padded.subarray(7, 7 + stream.length), content)
    assertInflates(Buffer.from(stream), content)
  })

  test('returns exact-size arrays that later calls do not overwrite', () => {
    const first = zlibInflate(deflate(new TextEncoder().encode('first content')), BIG)
    const second = zlibInflate(deflate(new TextEncoder().encode('SECOND CONTENT!!')), BIG)
    assert.equal(new TextDecoder().decode(first), 'first content')
    assert.equal(new TextDecoder().decode(second), 'SECOND CONTENT!!')
    for (const result of [first, second]) {
      assert.equal(result.byteOffset, 0)
      assert.equal(result.buffer.byteLength, result.length)
    }
    const large = zlibInflate(deflate(new Uint8Array(10_000).fill(1)), BIG)
    assert.equal(large.buffer.byteLength, 10_000)
  })

  test('matches hand-built fixed blocks with overlapping copies', () => {
    const w = new BitWriter()
    fixedBlock(w, [0x61, 0x62, { length: 258, distance: 2 }, { length: 3, distance: 1 }])
    const run = Array.from({ length: 258 }, (_, i) => (i % 2 ? 0x62 : 0x61))
    const content = u8([0x61, 0x62, ...run, 0x62, 0x62, 0x62])
    const stream = zlibWrap(w.finish(), content)
    assert.equal(hex(nodeInflate(stream)!), hex(content))
    assertInflates(stream, content)
  })
})

// ---------------------------------------------------------------------------------------------
// Reference token vectors
// ---------------------------------------------------------------------------------------------

describe('zlibInflate: Agora reference vectors', () => {
  const vectors: Vector[] = loadVectors()

  test('every 007 encoding of every payload inflates to payloadHex', () => {
    let checked = 0
    const headers = new Set<string>()
    for (const vector of vectors) {
      if (vector.payloadHex === undefined) continue
      const also = Object.values(vector.alsoEncodesAs ?? {})
      const tokens = [vector.expected, vector.inputs?.token, ...also]
      for (const token of tokens) {
        if (typeof token !== 'string' || !token.startsWith('007')) continue
        const stream = u8(Buffer.from(token.slice(3), 'base64'))
        headers.add(hex(stream.subarray(0, 3)))
        const result = attempt(stream)
        if (result instanceof TokenError) assert.fail(`${vector.id}: ${result.message}`)
        assert.equal(hex(result), vector.payloadHex, vector.id)
        checked++
      }
    }
    assert.ok(checked >= 100, `only ${checked} encodings checked`)
    // Fixed (zlib, Go), dynamic (SharpZipLib), stored (Rust) and the 78 01 header (Dart) all occur.
    for (const prefix of ['789c53', '789c52', '789c9d', '789c01', '780153']) {
      assert.ok(headers.has(prefix), `no vector starts with ${prefix}`)
    }
  })

  test('the malformed 007 vectors fail with ERR_TOKEN_MALFORMED', () => {
    for (const id of ['007-parse-malformed-zlib', '007-parse-not-zlib']) {
      const vector = vectors.find((v) => v.id === id)
      assert.ok(vector, `vector ${id} missing`)
      assert.equal(vector.kind, 'parse-invalid')
      const token = vector.inputs?.token
      assert.ok(typeof token === 'string' && token.startsWith('007'))
      assertRejects(u8(Buffer.from(token.slice(3), 'base64')))
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------

describe('zlibInflate: hostile input', () => {
  const fixtures: Array<[name: string, stream: Uint8Array]> = [
    ['fixed', deflate(new TextEncoder().encode('channel 7d72365eb983485397e3e3f9d460bdda 28823'))],
    ['dynamic', deflate(pseudoRandom(600, 5, 20), { level: 9 })],
    ['stored', deflate(pseudoRandom(100, 6), { level: 0 })],
    ['multi-block', flushedStream([pseudoRandom(50, 7, 8)], SYNC, 'stored').stream],
    ['multi-dynamic', flushedStream([pseudoRandom(80, 8)], FULL, 'dynamic').stream],
    ['pako rle', pakoDeflate(pseudoRandom(300, 9, 3), { strategy: constants.Z_RLE })],
  ]

  test('fixtures are valid', () => {
    for (const [name, stream] of fixtures) assert.ok(nodeInflate(stream), name)
  })

  test('every truncation is rejected as malformed', () => {
    for (const [, stream] of fixtures) {
      for (let length = 0; length < stream.length; length++) {
        assertRejects(stream.subarray(0, length))
      }
    }
  })

  test('every single-bit flip is rejected or yields content with a matching Adler-32', () => {
    let flips = 0
    let accepted = 0
    for (const [, stream] of fixtures) {
      for (let bit = 0; bit < stream.length * 8; bit++) {
        const flipped = u8(stream)
        flipped[bit >>> 3]! ^= 1 << (bit & 7)
        flips++
        if (assertAgreesWithZlib(flipped) === 'accepted') {
          accepted++
          const result = zlibInflate(flipped, BIG)
          const trailer = flipped.subarray(flipped.length - 4)
          const view = new DataView(trailer.buffer, trailer.byteOffset)
          assert.equal(naiveAdler32(result), view.getUint32(0))
        }
      }
    }
    assert.ok(accepted <= flips / 100, `${accepted} of ${flips} flips accepted`)
  })

  test('random garbage never throws anything but a TokenError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (garbage) => {
        assertAgreesWithZlib(garbage)
      }),
      { seed: SEED, numRuns: 5000 },
    )
  })

  test('garbage after a valid header agrees with node:zlib', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([0x78, 0x9c], [0x78, 0x01], [0x78, 0xda], [0x08, 0x1d]),
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        (header, body) => {
          assertAgreesWithZlib(u8([...header, ...body]))
        },
      ),
      { seed: SEED, numRuns: 20000 },
    )
  })

  test('mutated valid streams agree with node:zlib', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
      fc.record({ kind: fc.constant('add' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    )
    fc.assert(
      fc.property(
        contentArb,
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(constants.Z_DEFAULT_STRATEGY, constants.Z_FIXED, constants.Z_RLE),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (content, level, strategy, mutations) => {
          const bytes = [...deflate(content, { level, strategy })]
          for (const m of mutations) {
            const at = m.at % bytes.length
            if (m.kind === 'flip') bytes[at]! ^= 1 << m.bit
            else if (m.kind === 'set') bytes[at] = m.value
            else if (m.kind === 'add') bytes.splice(at, 0, m.value)
            else bytes.splice(at, 1)
          }
          assertAgreesWithZlib(u8(bytes))
        },
      ),
      { seed: SEED, numRuns: 5000 },
    )
  })

  test('a zlib bomb fails fast with ERR_TOKEN_TOO_LARGE, allocating about maxLength', () => {
    const bomb = deflate(new Uint8Array(10 * 1024 * 1024), { level: 9 })
    assert.ok(bomb.length < 20_000)
    const maxLength = 65536
    const allocations: number[] = []
    const RealUint8Array = globalThis.Uint8Array
    globalThis.Uint8Array = class extends RealUint8Array {
      constructor(...args: unknown[]) {
        super(...(args as [number]))
        if (typeof args[0] === 'number') allocations.push(args[0])
      }
    }
    const started = performance.now()
    try {
      assertRejects(bomb, 'ERR_TOKEN_TOO_LARGE', maxLength)
    } finally {
      globalThis.Uint8Array = RealUint8Array
    }
    const elapsed = performance.now() - started
    assert.ok(elapsed < 500, `took ${elapsed} ms`)
    assert.ok(allocations.length > 0, 'allocation tracking did not observe the output buffer')
    assert.ok(Math.max(...allocations) <= maxLength, `allocated ${Math.max(...allocations)}`)
    const total = allocations.reduce((sum, size) => sum + size, 0)
    assert.ok(total <= 2 * maxLength, `allocated ${total} bytes in all`)
    // Same with a cap below the reused buffer, and with stored and pako streams.
    assertRejects(bomb, 'ERR_TOKEN_TOO_LARGE', 1000)
    assertRejects(bomb, 'ERR_TOKEN_TOO_LARGE', 0)
    assertRejects(deflate(new Uint8Array(70_000), { level: 0 }), 'ERR_TOKEN_TOO_LARGE', maxLength)
    assertRejects(pakoDeflate(new Uint8Array(1_000_000)), 'ERR_TOKEN_TOO_LARGE', maxLength)
  })

  test('an allocation failure under a huge maxLength is reported as ERR_TOKEN_TOO_LARGE', () => {
    const stream = deflate(new Uint8Array(50_000))
    const RealUint8Array = globalThis.Uint8Array
    // Stand-in for an engine that cannot allocate the buffer a limitless caller allowed.
    globalThis.Uint8Array = class extends RealUint8Array {
      constructor(...args: unknown[]) {
        if (typeof args[0] === 'number' && args[0] > 20_000) throw new RangeError('out of memory')
        super(...(args as [number]))
      }
    }
    try {
      assertRejects(stream, 'ERR_TOKEN_TOO_LARGE', Number.POSITIVE_INFINITY)
    } finally {
      globalThis.Uint8Array = RealUint8Array
    }
    assertInflates(stream, new Uint8Array(50_000), Number.POSITIVE_INFINITY)
  })

  test('content of exactly maxLength is accepted and one byte more rejected', () => {
    for (const size of [0, 1, 100, 4095, 4096, 4097, 10_000, 65536]) {
      const contents = [pseudoRandom(size, size + 1), new Uint8Array(size).fill(0x41)]
      for (const content of contents) {
        for (const level of [0, 1, 6, 9]) {
          const stream = deflate(content, { level })
          assertInflates(stream, content, size)
          assertInflates(stream, content, size + 1)
          if (size > 0) assertRejects(stream, 'ERR_TOKEN_TOO_LARGE', size - 1)
        }
      }
    }
  })

  test('rejects a bad maxLength as an invalid argument', () => {
    const stream = deflate(u8([1, 2, 3]))
    for (const maxLength of [-1, Number.NaN]) {
      assertRejects(stream, 'ERR_INVALID_ARGUMENT', maxLength)
    }
    assertInflates(stream, u8([1, 2, 3]), Number.POSITIVE_INFINITY)
  })

  test('error messages are short and never echo the input', () => {
    const stream = u8([0x78, 0x9c, ...new TextEncoder().encode('SECRET-BYTES-0123456789')])
    const error = assertRejects(stream)
    assert.doesNotMatch(error.message, /SECRET|5345435245/)
  })
})

describe('zlibInflate: header and framing errors', () => {
  const valid = deflate(new TextEncoder().encode('header test'))

  test('rejects empty and header-only input', () => {
    assertRejects(u8([]))
    assertRejects(u8([0x78]))
    assertRejects(u8([0x78, 0x9c]))
  })

  test('rejects bad CM, CINFO and FCHECK', () => {
    const withFcheck = (cmf: number, level: number): number[] => {
      const flg = level << 6
      return [cmf, flg + ((31 - ((cmf * 256 + flg) % 31)) % 31)]
    }
    for (const [cmf, message] of [
      [0x77, /compression method/],
      [0x7f, /compression method/],
      [0x79, /compression method/],
      [0x88, /window size/],
      [0xf8, /window size/],
    ] as const) {
      const header = withFcheck(cmf, 2)
      assert.equal((header[0]! * 256 + header[1]!) % 31, 0)
      assert.match(assertRejects(u8([...header, ...valid.subarray(2)])).message, message)
    }
    for (const flg of [0x9d, 0x9b, 0x00, 0xff]) {
      assert.match(assertRejects(u8([0x78, flg, ...valid.subarray(2)])).message, /header check/)
    }
    // Every legal CINFO (window 256 B .. 32 KiB) is accepted.
    for (let cinfo = 0; cinfo <= 7; cinfo++) {
      const stream = u8([...withFcheck((cinfo << 4) | 8, 2), ...valid.subarray(2)])
      assertInflates(stream, new TextEncoder().encode('header test'))
    }
  })

  test('rejects a preset dictionary (FDICT)', () => {
    const dictionary = Buffer.from('abc')
    const withDictionary = deflate(new TextEncoder().encode('abcabc'), { dictionary })
    assert.equal(withDictionary[1]! & 0x20, 0x20)
    assert.match(assertRejects(withDictionary).message, /dictionary/)
    // 78 bb: FDICT with a valid FCHECK, then a dictionary id, or straight away valid data.
    assert.equal((0x78 * 256 + 0xbb) % 31, 0)
    const withId = u8([0x78, 0xbb, 0, 0, 0, 1, ...valid.subarray(2)])
    assert.match(assertRejects(withId).message, /dictionary/)
    assert.match(assertRejects(u8([0x78, 0xbb, ...valid.subarray(2)])).message, /dictionary/)
  })

  test('rejects trailing bytes and a wrong Adler-32', () => {
    assertRejects(u8([...valid, 0]))
    assertRejects(u8([...valid, ...valid]))
    for (let i = 1; i <= 4; i++) {
      const corrupt = u8(valid)
      corrupt[corrupt.length - i]! ^= 0x10
      assert.match(assertRejects(corrupt).message, /checksum/)
    }
  })

  test('rejects block type 3', () => {
    const w = new BitWriter().bits(1, 1).bits(3, 2)
    assert.match(assertRejects(zlibWrap(w.finish(), u8([]))).message, /block type/)
  })
})

describe('zlibInflate: stored blocks', () => {
  test('rejects a bad NLEN', () => {
    const stream = deflate(pseudoRandom(40, 11), { level: 0 })
    assert.equal(stream[2], 0x01) // final stored block
    for (const at of [5, 6]) {
      const corrupt = u8(stream)
      corrupt[at]! ^= 0x01
      assert.match(assertRejects(corrupt).message, /length/)
    }
  })

  test('rejects a LEN that runs past the input', () => {
    const w = new BitWriter()
      .bits(1, 1)
      .bits(0, 2)
      .align()
      .bits(100, 16)
      .bits(100 ^ 0xffff, 16)
    assertRejects(zlibWrap(u8([...w.finish(), ...new Uint8Array(50)]), new Uint8Array(50)))
  })
})

describe('zlibInflate: Huffman blocks', () => {
  test('rejects a distance past the start of the output', () => {
    for (const items of [
      [{ length: 3, distance: 1 }],
      [0x61, { length: 3, distance: 2 }],
      [0x61, 0x62, 0x63, { length: 10, distance: 4 }],
    ] satisfies Item[][]) {
      const w = new BitWriter()
      fixedBlock(w, items)
      const stream = zlibWrap(w.finish(), u8([]))
      assert.match(assertRejects(stream).message, /too far/)
      assert.equal(nodeInflate(stream), undefined)
    }
  })

  test('rejects literal/length codes 286, 287 and distance codes 30, 31 in fixed blocks', () => {
    for (const item of [
      { litCode: 286 },
      { litCode: 287 },
      { litCode: 257, distCode: 30 },
      { litCode: 257, distCode: 31 },
    ] satisfies Item[]) {
      const w = new BitWriter()
      fixedBlock(w, [0x61, 0x62, item])
      const stream = zlibWrap(w.finish(), u8([0x61, 0x62]))
      assert.match(assertRejects(stream).message, /invalid (literal|distance)/)
      assert.equal(nodeInflate(stream), undefined)
    }
  })

  test('rejects dynamic blocks declaring codes 286/287 or distances 30/31', () => {
    // Complete codes that give the invalid symbols code lengths, and blocks that use them.
    const cases: DynamicOptions[] = [
      {
        litLengths: litLengths(8, { 253: 0, 254: 0, 255: 0, 286: 8 }, 287),
        distLengths: [1, 1],
        items: [{ litCode: 286 }],
      },
      {
        litLengths: litLengths(8, { 250: 0, 251: 0, 252: 0, 253: 0, 286: 8, 287: 8 }, 288),
        distLengths: [1, 1],
        items: [{ litCode: 287 }],
      },
      {
        litLengths: VALID_LIT,
        distLengths: [1, ...new Array<number>(29).fill(0), 1],
        items: [0x61, { litCode: 257, distCode: 30 }],
      },
      {
        litLengths: VALID_LIT,
        distLengths: [1, ...new Array<number>(30).fill(0), 1],
        items: [0x61, { litCode: 257, distCode: 31 }],
      },
    ]
    for (const options of cases) {
      const w = new BitWriter()
      dynamicBlock(w, options)
      const stream = zlibWrap(w.finish(), u8([0x61]))
      assert.match(assertRejects(stream).message, /too many/)
      assert.equal(nodeInflate(stream), undefined)
    }
  })

  test('decodes hand-built dynamic blocks, including 15-bit codes', () => {
    // Literal lengths 1, 2, ..., 15, 15 for symbols 'a'.. plus EOB: a complete, very skewed code.
    const lit = new Array<number>(286).fill(0)
    const symbols = [...new TextEncoder().encode('abcdefghijklmno'), 256]
    symbols.forEach((symbol, i) => (lit[symbol] = Math.min(i + 1, 15)))
    lit[257] = 0
    const items = [0x6f, 0x61, 0x6e, 0x6f, 0x6f, 0x6a, 0x62]
    const w = new BitWriter()
    dynamicBlock(w, { litLengths: lit, distLengths: [0], items })
    const content = u8(items)
    const stream = zlibWrap(w.finish(), content)
    assert.equal(hex(nodeInflate(stream)!), hex(content))
    assertInflates(stream, content)
  })

  test('accepts the incomplete codes zlib accepts', () => {
    const cases: Array<[string, DynamicOptions, Uint8Array]> = [
      // RFC 1951 §3.2.7: one distance code of one bit.
      [
        'single distance code',
        { litLengths: VALID_LIT, distLengths: [1], items: [0x61, { length: 3, distance: 1 }] },
        u8([0x61, 0x61, 0x61, 0x61]),
      ],
      // No distance codes at all: a block of literals only.
      ['no distance codes', { litLengths: VALID_LIT, distLengths: [0], items: [0x61, 0x62] }, u8([0x61, 0x62])],
      // Only end-of-block, with a one-bit code.
      ['only end-of-block', { litLengths: [...new Array<number>(256).fill(0), 1], distLengths: [0] }, u8([])],
    ]
    for (const [name, options, content] of cases) {
      const w = new BitWriter()
      dynamicBlock(w, options)
      const stream = zlibWrap(w.finish(), content)
      assert.equal(hex(nodeInflate(stream) ?? u8([0xee])), hex(content), `${name}: zlib disagrees`)
      assertInflates(stream, content)
    }
  })

  test('rejects over-subscribed and incomplete code sets as zlib does', () => {
    const incompleteLit = litLengths(9) // 258 codes of 9 bits
    const cases: Array<[string, DynamicOptions]> = [
      [
        'over-subscribed code-length code',
        { litLengths: VALID_LIT, distLengths: [1], clenLengths: new Array<number>(19).fill(1) },
      ],
      [
        'incomplete code-length code',
        {
          litLengths: VALID_LIT,
          distLengths: [1],
          clenLengths: [...new Array<number>(13).fill(4), ...new Array<number>(6).fill(6)],
        },
      ],
      [
        'empty code-length code',
        { litLengths: VALID_LIT, distLengths: [1], clenLengths: new Array<number>(19).fill(0) },
      ],
      ['over-subscribed literal/length code', { litLengths: litLengths(8), distLengths: [1] }],
      ['incomplete literal/length code', { litLengths: incompleteLit, distLengths: [1] }],
      ['over-subscribed distance code', { litLengths: VALID_LIT, distLengths: [1, 1, 1] }],
      ['incomplete distance code', { litLengths: VALID_LIT, distLengths: [2, 2] }],
      ['single distance code of two bits', { litLengths: VALID_LIT, distLengths: [2] }],
    ]
    for (const [name, options] of cases) {
      const w = new BitWriter()
      dynamicBlock(w, options)
      const stream = zlibWrap(w.finish(), u8([]))
      assert.equal(nodeInflate(stream), undefined, `${name}: zlib accepts it`)
      assert.match(assertRejects(stream).message, /Huffman code|code-length code/, name)
    }
  })

  test('rejects bad code-length repeats and a missing end-of-block code', () => {
    const sent = [...VALID_LIT, 1].map((length) => [length] as const) // lengths, then distance [1]
    const cases: Array<[string, DynamicOptions, RegExp]> = [
      [
        'repeat with no previous length',
        { litLengths: VALID_LIT, distLengths: [1], clenSymbols: [[16, 0], ...sent.slice(3)] },
        /no previous/,
      ],
      [
        'zero run past the end',
        { litLengths: VALID_LIT, distLengths: [1], clenSymbols: [...sent.slice(0, 200), [18, 99]] },
        /too many code lengths/,
      ],
      [
        'repeat past the end',
        { litLengths: VALID_LIT, distLengths: [1], clenSymbols: [...sent.slice(0, -2), [16, 3]] },
        /too many code lengths/,
      ],
      [
        'missing end-of-block',
        { litLengths: litLengths(8, { 254: 9, 255: 9, 256: 0, 257: 8 }), distLengths: [1] },
        /end-of-block/,
      ],
    ]
    for (const [name, options, message] of cases) {
      const w = new BitWriter()
      dynamicBlock(w, options)
      const stream = zlibWrap(w.finish(), u8([]))
      assert.equal(nodeInflate(stream), undefined, `${name}: zlib accepts it`)
      assert.match(assertRejects(stream).message, message, name)
    }
  })

  test('code-length repeats may cross from literal/length into distance lengths', () => {
    // Literal/length lengths 0..257 one by one; then one 18 code sends 29 zeros (lengths of
    // symbols 258..285 and of distance code 0) across the boundary; then distance codes 1 and 2.
    const clenSymbols = [
      ...VALID_LIT.slice(0, 258).map((length) => [length] as const),
      [18, 29 - 11] as const,
      [1] as const,
      [1] as const,
    ]
    const items: Item[] = [0x61, 0x62, { length: 3, distance: 2 }]
    const w = new BitWriter()
    dynamicBlock(w, { litLengths: VALID_LIT, distLengths: [0, 1, 1], clenSymbols, items })
    const content = new TextEncoder().encode('ababa')
    const stream = zlibWrap(w.finish(), content)
    assert.equal(hex(nodeInflate(stream) ?? u8([])), hex(content))
    assertInflates(stream, content)
  })
})
