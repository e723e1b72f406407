/** zlibDeflate: byte-identical to pako.deflate (C zlib, level 6) on every input. @module */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inflateSync } from 'node:zlib'
import { deflate as pakoDeflate } from 'pako'
import { zlibDeflate } from '../../../src/token/primitives/deflate.js'
import { loadVectors } from '../../helpers/vectors.js'

/** The input size up to which zlibDeflate runs its own code rather than pako (see deflate.ts). */
const FAST_PATH_LIMIT = 2 * 32768 - 262
/** zlib ends a block after this many symbols (lit_bufsize - 1 at memLevel 8). */
const SYMBOLS_PER_BLOCK = 16383

/** A small seeded PRNG (mulberry32), so that every generated input is reproducible. */
function makeRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}

function randomBytes(random: () => number, length: number, alphabet = 256): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * alphabet)
  return bytes
}

/** Asserts zlibDeflate(data) equals pako.deflate(data), reporting the input on failure. */
function assertLikePako(data: Uint8Array, label: string): Uint8Array {
  const actual = zlibDeflate(data)
  const expected = pakoDeflate(data)
  if (actual.length !== expected.length || hex(actual) !== hex(expected)) {
    const shown = data.length <= 512 ? hex(data) : `${hex(data.subarray(0, 256))}...`
    assert.fail(
      `${label}: ${data.length}-byte input compresses differently from pako\n` +
        `input:    ${shown}\nexpected: ${hex(expected)}\nactual:   ${hex(actual)}`,
    )
  }
  return actual
}

// Generators ------------------------------------------------------------------------------------

const WORDS = (
  'the of and to in is you that it he was for on are as with his they at be this have from or ' +
  'one had by word but not what all were we when your can said there use an each which she do ' +
  'how their if will up other about out many then them these so some her would make like him ' +
  'into time has look two more write go see number no way could people my than first water ' +
  'token channel uid expire privilege rtc rtm chat agora appId certificate'
).split(' ')

function textLike(random: () => number, length: number): Uint8Array {
  let text = ''
  while (text.length < length) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!
    text += random() < 0.1 ? word[0]!.toUpperCase() + word.slice(1) : word
    const r = random()
    text += r < 0.05 ? '.\n' : r < 0.12 ? ', ' : ' '
  }
  return new TextEncoder().encode(text.slice(0, length))
}

/** A realistic AccessToken2 (007) payload: packString(signature) || signingInfo. */
function tokenPayload(random: () => number): Uint8Array {
  const out: number[] = []
  const u16 = (v: number) => out.push(v & 0xff, (v >>> 8) & 0xff)
  const u32 = (v: number) => out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24)
  const str = (s: string) => {
    u16(s.length)
    for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i))
  }
  const pick = (chars: string, n: number) => {
    let s = ''
    for (let i = 0; i < n; i++) s += chars[Math.floor(random() * chars.length)]
    return s
  }
  const lifetimes = [0, 600, 3600, 86400]
  u16(32)
  for (let i = 0; i < 32; i++) out.push(Math.floor(random() * 256)) // HMAC-SHA256 signature
  str(random() < 0.7 ? pick('0123456789abcdef', 32) : pick('0123456789ABCDEF', 32)) // app id
  u32(1_700_000_000 + Math.floor(random() * 100_000_000)) // issue time
  u32(lifetimes[Math.floor(random() * 4)]!) // expire
  u32(Math.floor(random() * 2 ** 32)) // salt
  const channel =
    random() < 0.3
      ? pick('0123456789abcdef', 32)
      : pick('abcdefghijklmnopqrstuvwxyz0123456789_-', 1 + Math.floor(random() * 40))
  const uid = random() < 0.5 ? String(Math.floor(random() * 2 ** 32)) : random() < 0.5 ? '' : pick('abc', 8)
  const services = 1 + Math.floor(random() * (random() < 0.7 ? 1 : 6))
  u16(services)
  for (let k = 0; k < services; k++) {
    const type = [1, 2, 4, 5, 7, 8][k % 6]!
    u16(type)
    const privileges = 1 + Math.floor(random() * 4)
    u16(privileges)
    for (let p = 1; p <= privileges; p++) {
      u16(p)
      u32(lifetimes[Math.floor(random() * 4)]!)
    }
    if (type === 1 || type === 5) {
      str(channel)
      str(uid)
    } else if (type === 4) {
      str(channel)
    } else {
      str(uid)
    }
  }
  return Uint8Array.from(out)
}

/**
 * Matches whose distance codes have frequencies growing a little faster than Fibonacci numbers:
 * their Huffman tree is a chain 16 deep, past deflate's 15-bit limit, so gen_bitlen's overflow
 * repair runs. Each match copies bytes never copied before (so zlib finds it at the intended
 * distance) and is followed by a byte that cannot extend it. The 32800 random bytes first fill
 * two whole blocks, so that all the matches land in the third.
 */
function deepDistanceTree(random: () => number): Uint8Array {
  const base = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025]
  base.push(1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577, 32769)
  const weights = [1, 1]
  while (weights.length < 17) {
    const sum = weights.slice(0, -1).reduce((a, b) => a + b, 0)
    weights.push(sum + 1 + Math.floor(sum / 40))
  }
  const codes: number[] = []
  weights.forEach((w, i) => {
    for (let k = 0; k < w; k++) codes.push(13 + i)
  })
  for (let i = codes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[codes[i], codes[j]] = [codes[j]!, codes[i]!]
  }
  const out: number[] = []
  const used: boolean[] = []
  for (let i = 0; i < 32800; i++) {
    out.push(Math.floor(random() * 256))
    used.push(false)
  }
  for (const code of codes) {
    const low = base[code]!
    const high = Math.min(base[code + 1]! - 1, 32506)
    const p = out.length
    for (let attempt = 0; attempt < 200; attempt++) {
      const distance = low + Math.floor(random() * (high - low + 1))
      const source = p - distance
      let fresh = true
      for (let i = -1; i <= 4; i++) if (used[source + i]) fresh = false
      if (!fresh) continue
      for (let i = 0; i < 4; i++) {
        out.push(out[source + i]!)
        used[source + i] = true
        used.push(false)
      }
      let separator = Math.floor(random() * 256)
      if (separator === out[source + 4]) separator = (separator + 1) & 0xff
      out.push(separator)
      used.push(false)
      break
    }
  }
  return Uint8Array.from(out)
}

/** Bytes drawn from a geometric distribution: skewed enough to need the bit-length repair. */
function geometric(random: () => number, length: number, ratio: number): Uint8Array {
  const order = Array.from({ length: 256 }, (_, i) => i)
  for (let i = 255; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const cumulative: number[] = []
  let total = 0
  for (let i = 0; i < 256; i++) cumulative.push((total += ratio ** i))
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    const u = random() * total
    let k = 0
    while (cumulative[k]! < u) k++
    bytes[i] = order[k]!
  }
  return bytes
}

// Tests -----------------------------------------------------------------------------------------

describe('zlibDeflate', () => {
  it('compresses the empty input to the standard empty zlib stream', () => {
    const out = assertLikePako(new Uint8Array(0), 'empty')
    assert.equal(hex(out), '789c030000000001')
  })

  it('matches pako on every length 0..600 of random bytes (seed 1)', () => {
    const random = makeRandom(1)
    for (let n = 0; n <= 600; n++) assertLikePako(randomBytes(random, n), `random seed 1 n=${n}`)
  })

  it('matches pako on 1500 random inputs of 0..2000 bytes over varied alphabets (seed 2)', () => {
    const random = makeRandom(2)
    const alphabets = [1, 2, 3, 4, 8, 16, 26, 64, 256]
    for (let i = 0; i < 1500; i++) {
      const n = Math.floor(random() * 2001)
      const alphabet = alphabets[i % alphabets.length]!
      assertLikePako(randomBytes(random, n, alphabet), `seed 2 case ${i} alphabet ${alphabet}`)
    }
  })

  it('matches pako on runs of one byte, including matches longer than 258', () => {
    for (let n = 1; n <= 1100; n += n < 300 ? 1 : 7) {
      assertLikePako(new Uint8Array(n).fill(0x61), `run of ${n}`)
    }
    assertLikePako(new Uint8Array(40000), 'run of 40000 zeros')
  })

  it('matches pako on repeated short patterns of every period 1..64', () => {
    const random = makeRandom(3)
    for (let period = 1; period <= 64; period++) {
      const pattern = randomBytes(random, period)
      for (const n of [period * 3, 257, 259, 600, 2500]) {
        const data = new Uint8Array(n)
        for (let i = 0; i < n; i++) data[i] = pattern[i % period]!
        assertLikePako(data, `period ${period} n=${n}`)
      }
    }
  })

  it('matches pako on matches at and around the maximum distance and the TOO_FAR limit', () => {
    const random = makeRandom(4)
    // MAX_DIST = 32506: a repeated chunk at distances around it, with random bytes between.
    for (const distance of [32504, 32505, 32506, 32507, 32508, 32767]) {
      for (const chunk of [3, 4, 5, 300]) {
        const data = randomBytes(random, distance + chunk)
        data.set(data.subarray(0, chunk), distance)
        assertLikePako(data, `distance ${distance} chunk ${chunk}`)
      }
    }
    // Length-3 matches beyond 4096 are dropped (TOO_FAR); length 4 ones are kept.
    for (const distance of [4095, 4096, 4097, 4098]) {
      for (const chunk of [3, 4]) {
        const data = randomBytes(random, distance + chunk + 10)
        data.set(data.subarray(5, 5 + chunk), 5 + distance)
        assertLikePako(data, `too-far distance ${distance} chunk ${chunk}`)
      }
    }
  })

  it('matches pako on text-like inputs (seed 5)', () => {
    const random = makeRandom(5)
    for (let i = 0; i < 300; i++) {
      const n = Math.floor(random() * (i % 10 === 0 ? 20000 : 3000))
      assertLikePako(textLike(random, n), `text seed 5 case ${i} n=${n}`)
    }
  })

  it('matches pako on 2000 realistic AccessToken2 payloads (seed 6)', () => {
    const random = makeRandom(6)
    for (let i = 0; i < 2000; i++) assertLikePako(tokenPayload(random), `token seed 6 case ${i}`)
  })

  it('matches pako on inputs spanning several blocks (16383 symbols each)', () => {
    const random = makeRandom(7)
    for (const n of [16382, 16383, 16384, 16385, 32766, 32767, 32768, 49149, 49150]) {
      assertLikePako(randomBytes(random, n), `random n=${n}`) // all literals: n symbols
      assertLikePako(randomBytes(random, n, 3), `alphabet 3 n=${n}`)
      assertLikePako(textLike(random, n), `text n=${n}`)
    }
    assert.ok(49150 > 3 * SYMBOLS_PER_BLOCK)
  })

  it('matches pako on Huffman trees deeper than the length limits (overflow repair)', () => {
    // A distance tree that must be cut down to 15 bits.
    assertLikePako(deepDistanceTree(makeRandom(8)), 'deep distance tree')
    // Skewed byte distributions whose bit-length trees exceed 7 bits.
    const random = makeRandom(9)
    for (const [n, ratio] of [
      [40000, 0.95],
      [20000, 0.9],
      [60000, 0.97],
      [8000, 0.8],
    ] as const) {
      assertLikePako(geometric(random, n, ratio), `geometric n=${n} ratio=${ratio}`)
    }
  })

  it('matches pako at and around the fast-path size limit', () => {
    const random = makeRandom(10)
    for (let n = FAST_PATH_LIMIT - 3; n <= FAST_PATH_LIMIT + 3; n++) {
      assertLikePako(randomBytes(random, n), `random n=${n}`)
      assertLikePako(textLike(random, n), `text n=${n}`)
      assertLikePako(randomBytes(random, n, 2), `alphabet 2 n=${n}`)
    }
  })

  it('falls back to pako for large inputs, with the same output', () => {
    const random = makeRandom(11)
    for (const n of [70000, 131072, 300000]) {
      assertLikePako(randomBytes(random, n), `random n=${n}`)
      assertLikePako(textLike(random, n), `text n=${n}`)
    }
  })

  it('does not depend on earlier calls (reused buffers and hash tables)', () => {
    const random = makeRandom(12)
    const inputs: Uint8Array[] = []
    for (let i = 0; i < 60; i++) inputs.push(tokenPayload(random))
    for (let i = 0; i < 20; i++) inputs.push(textLike(random, Math.floor(random() * 5000)))
    // Prefixes of a long repetitive input: the window past each one still holds the next bytes,
    // which a match running to the end of the input would read.
    const long = textLike(random, 20000)
    for (const n of [10, 100, 1000, 5000]) inputs.push(long.slice(0, n))
    const fresh = inputs.map((input) => hex(pakoDeflate(input)))
    const check = (order: number[], label: string) => {
      for (const i of order) assert.equal(hex(zlibDeflate(inputs[i]!)), fresh[i], `${label} #${i}`)
    }
    const indices = inputs.map((_, i) => i)
    check(indices, 'in order')
    check([...indices].reverse(), 'reversed')
    zlibDeflate(long)
    check(
      indices.filter((i) => i % 3 === 0),
      'after a long input',
    )
    for (let round = 0; round < 3; round++) {
      const shuffled = [...indices].sort(() => random() - 0.5)
      check(shuffled, `shuffled ${round}`)
    }
  })

  it('stays correct across many calls (hash-table epochs wrap every few MiB)', () => {
    const random = makeRandom(13)
    const big = textLike(random, 60000)
    const expectedBig = hex(pakoDeflate(big))
    const small = tokenPayload(random)
    const expectedSmall = hex(pakoDeflate(small))
    for (let i = 0; i < 150; i++) {
      // 150 x 60000 bytes = 9 MB: at least two wraps of the 4 MiB epoch.
      assert.equal(hex(zlibDeflate(big)), expectedBig, `big #${i}`)
      assert.equal(hex(zlibDeflate(small)), expectedSmall, `small #${i}`)
    }
  })

  it('produces output that inflates back to the input', () => {
    const random = makeRandom(14)
    const cases = [new Uint8Array(0), new Uint8Array(1), randomBytes(random, 3)]
    for (let i = 0; i < 200; i++) cases.push(tokenPayload(random))
    for (let i = 0; i < 50; i++) cases.push(textLike(random, Math.floor(random() * 30000)))
    cases.push(randomBytes(random, 65000), randomBytes(random, 100000, 4))
    for (const input of cases) {
      const restored = new Uint8Array(inflateSync(zlibDeflate(input)))
      assert.equal(hex(restored), hex(input))
    }
  })

  it('returns a new, independent array every call and accepts any Uint8Array view', () => {
    const random = makeRandom(15)
    const input = tokenPayload(random)
    const first = zlibDeflate(input)
    const second = zlibDeflate(input)
    assert.notEqual(first, second)
    assert.equal(first.byteOffset, 0)
    assert.equal(first.buffer.byteLength, first.length) // not a view of an internal buffer
    const saved = hex(second)
    first.fill(0)
    zlibDeflate(textLike(random, 3000))
    assert.equal(hex(second), saved)
    // A subarray with a non-zero offset, and a Node Buffer, compress like a plain copy.
    const backing = new Uint8Array(input.length + 17)
    backing.set(input, 9)
    assert.equal(hex(zlibDeflate(backing.subarray(9, 9 + input.length))), saved)
    assert.equal(hex(zlibDeflate(Buffer.from(input))), saved)
    // The input is left untouched.
    const copy = input.slice()
    zlibDeflate(input)
    assert.equal(hex(input), hex(copy))
  })
})

describe('zlibDeflate against the Agora reference tokens', () => {
  const zlibVectors = loadVectors().filter((v) => v.compressor?.includes('zlib-c') && v.payloadHex && v.expected)

  it('has the zlib-c vectors', () => {
    assert.ok(zlibVectors.length >= 10, `only ${zlibVectors.length} zlib-c vectors`)
  })

  for (const vector of zlibVectors) {
    it(`reproduces ${vector.id}`, () => {
      const payload = Uint8Array.from(Buffer.from(vector.payloadHex!, 'hex'))
      const token = '007' + Buffer.from(zlibDeflate(payload)).toString('base64')
      assert.equal(token, vector.expected)
    })
  }
})
