/** zlib (RFC 1950) compression, byte for byte like C zlib's default level, anywhere. @module */
import { deflate } from 'pako'
import {
  SYMBOLS_PER_BLOCK,
  flushBlock,
  initBlock,
  outputView,
  putByte,
  resetTrees,
  startOutput,
  tallyLiteral,
  tallyMatch,
} from './deflate-trees.js'

// A port of the LZ77 half of C zlib 1.2.x `deflate.c` (`deflate_slow`, `longest_match`) at level 6
// with windowBits 15, memLevel 8 and the default strategy: the settings of zlib's `compress()`,
// of pako.deflate() and of Agora's reference token builders. Huffman coding is in deflate-trees.
//
// Typed-array reads are `number | undefined` under noUncheckedIndexedAccess; every index below is
// in bounds by construction (the invariants zlib relies on), so arithmetic reads use `!`.

const WSIZE = 32768
const WMASK = WSIZE - 1
const MIN_MATCH = 3
const MAX_MATCH = 258
/** zlib MIN_LOOKAHEAD: room for a maximal match plus the next string to insert. */
const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1
/** zlib MAX_DIST: matches further back than this are never used. */
const MAX_DIST = WSIZE - MIN_LOOKAHEAD
const HASH_BITS = 15 // memLevel + 7
const HASH_SIZE = 1 << HASH_BITS
const HASH_MASK = HASH_SIZE - 1
const HASH_SHIFT = 5 // (HASH_BITS + MIN_MATCH - 1) / MIN_MATCH
// configuration_table[6]: good_length, max_lazy, nice_length, max_chain.
const GOOD_MATCH = 8
const MAX_LAZY_MATCH = 16
const NICE_MATCH = 128
const MAX_CHAIN = 128
/** A length-3 match further back than this costs more than three literals: zlib drops it. */
const TOO_FAR = 4096

/**
 * Largest input the fast path handles. zlib's window is 2 * WSIZE bytes and one call with all the
 * input reads up to 64 KiB into it at once; it slides the window (rebasing every hash-chain entry
 * and turning old ones into NIL) only when `strstart >= 2 * WSIZE - MIN_LOOKAHEAD`. Up to this
 * length that never happens while matches are still being searched, so keeping positions
 * unrebased in a flat buffer gives the same chains, hence the same output. Larger inputs go to
 * pako, which is zlib.
 */
const MAX_FAST_INPUT = 2 * WSIZE - MIN_LOOKAHEAD

/** Bytes past the input that longest_match may read (it scans up to strstart + MAX_MATCH). */
const WINDOW_SLACK = MAX_MATCH + 8
/** Adler-32 modulus, and the bytes summed between reductions so the sums stay int32. */
const ADLER_BASE = 65521
const ADLER_CHUNK = 3800

// Reused across calls and grown on demand: the input copy (zlib's window), the hash-chain links
// (zlib's prev, indexed by position & WMASK) and the hash heads (zlib's head).
let win = new Uint8Array(1024)
let prev = new Uint16Array(1024)
let head: Int32Array | null = null
// zlib clears head[] for every stream. Instead, head[] stores `epoch + position` and each call
// advances epoch past every position it may store, so entries left by earlier calls read as
// negative positions, which are treated as NIL (0) exactly like cleared entries. Every few MiB
// of input, epoch starts over from a cleared table (so a 128 KiB clear per 4 MiB compressed).
let epoch = 0
const EPOCH_LIMIT = 1 << 22
/** Set while a call runs: if one ever died midway, the next one resets the tables fully. */
let busy = false

/**
 * Compresses `data` into a zlib stream byte-identical to C zlib 1.2.x `compress()` at the default
 * level (6): the bytes Agora's C++, Python, Java, PHP and Ruby references produce, and those of
 * `pako.deflate(data)`. Returns a new array.
 */
export function zlibDeflate(data: Uint8Array): Uint8Array {
  return zlibDeflateView(data).slice()
}

/**
 * {@link zlibDeflate} without the final copy: a view of an internal buffer, valid only until the
 * next call. For callers that consume the bytes at once (the token encoder base64-encodes them).
 */
export function zlibDeflateView(data: Uint8Array): Uint8Array {
  const n = data.length
  if (n > MAX_FAST_INPUT) return deflate(data)
  if (win.length < n + WINDOW_SLACK) {
    win = new Uint8Array(Math.max(n + WINDOW_SLACK, win.length * 2))
  }
  if (prev.length < n && prev.length < WSIZE) {
    prev = new Uint16Array(Math.min(WSIZE, Math.max(n, prev.length * 2)))
  }
  if (head === null || epoch > EPOCH_LIMIT - n) {
    if (head === null) head = new Int32Array(HASH_SIZE)
    else head.fill(0)
    epoch = 0
  }
  const ep = epoch
  epoch += n // before compressing, so that even an interrupted call cannot leave live entries
  if (busy) resetTrees()
  busy = true
  // Copy the input into the window and take its Adler-32 in the same pass. The window past the
  // input keeps whatever earlier calls left there: longest_match may compare those bytes, but
  // zlib's output never depends on them (match lengths are capped at the lookahead, and
  // nice_match is capped there too, so a match running into them ends the search the same way).
  const w = win
  let a = 1
  let b = 0
  for (let i = 0; i < n;) {
    const end = Math.min(i + ADLER_CHUNK, n)
    for (; i < end; i++) {
      const byte = data[i]!
      w[i] = byte
      a += byte
      b += a
    }
    a %= ADLER_BASE
    b %= ADLER_BASE
  }

  // Worst case: the 6 bytes of header and trailer, and every block stored, each one adding at
  // most 7 bytes (bits pending from the previous block, block header, LEN and NLEN).
  startOutput(n + 6 + 7 * (Math.floor(n / SYMBOLS_PER_BLOCK) + 1))
  putByte(0x78) // CMF: deflate, 32 KiB window
  putByte(0x9c) // FLG: default level, check bits
  compress(w, n, head, ep)
  putByte(b >>> 8)
  putByte(b)
  putByte(a >>> 8)
  putByte(a)
  busy = false
  return outputView()
}

/** zlib `deflate_slow` (lazy matching) over `w[0, n)`, emitting every block, the last one final. */
function compress(w: Uint8Array, n: number, hd: Int32Array, ep: number): void {
  const pv = prev
  const lastInsert = n - MIN_MATCH // the last position with MIN_MATCH bytes of lookahead
  let strstart = 0
  let blockStart = 0
  // zlib's match_length at the previous position (prev_length), and match_start.
  let prevLength = MIN_MATCH - 1
  let matchStart = 0
  let matchAvailable = false
  let symCount = 0
  // zlib's running hash (ins_h). INSERT_STRING runs for every position 0 .. n - 3 in order, each
  // once, so the rolling UPDATE_HASH below sees exactly zlib's sequence.
  let insH = n >= 2 ? ((w[0]! << HASH_SHIFT) ^ w[1]!) & HASH_MASK : 0
  initBlock()
  // zlib refills the window here when lookahead < MIN_LOOKAHEAD; the whole input already is.
  while (strstart < n) {
    // INSERT_STRING(strstart): link it into its hash chain; hashHead = the previous head or 0
    // (NIL; an entry stored by an earlier call reads as negative).
    let hashHead = 0
    if (strstart <= lastInsert) {
      insH = ((insH << HASH_SHIFT) ^ w[strstart + 2]!) & HASH_MASK
      hashHead = hd[insH]! - ep
      if (hashHead < 0) hashHead = 0
      pv[strstart & WMASK] = hashHead
      hd[insH] = ep + strstart
    }
    // Find the longest match, discarding those <= prevLength.
    let matchLength = MIN_MATCH - 1
    const prevMatch = matchStart
    if (hashHead !== 0 && prevLength < MAX_LAZY_MATCH && strstart - hashHead <= MAX_DIST) {
      // Position 0 is never matched: it is indistinguishable from NIL, as in zlib.
      const found = longestMatch(w, pv, hashHead, strstart, n - strstart, prevLength, matchStart)
      matchLength = found >>> 16
      matchStart = found & 0xffff
      if (matchLength === MIN_MATCH && strstart - matchStart > TOO_FAR) {
        matchLength = MIN_MATCH - 1
      }
    }
    if (prevLength >= MIN_MATCH && matchLength <= prevLength) {
      // The previous match is at least as good as this one: emit it, and insert every string
      // inside it (strstart - 1 and strstart already are), except the last ones that lack
      // MIN_MATCH bytes of lookahead.
      tallyMatch(symCount++, strstart - 1 - prevMatch, prevLength - MIN_MATCH)
      const end = strstart + prevLength - 1
      while (++strstart < end) {
        if (strstart <= lastInsert) {
          insH = ((insH << HASH_SHIFT) ^ w[strstart + 2]!) & HASH_MASK
          const older = hd[insH]! - ep
          pv[strstart & WMASK] = older < 0 ? 0 : older
          hd[insH] = ep + strstart
        }
      }
      matchAvailable = false
      prevLength = MIN_MATCH - 1
      if (symCount === SYMBOLS_PER_BLOCK) {
        flushBlock(w, blockStart, strstart - blockStart, symCount, false)
        blockStart = strstart
        symCount = 0
      }
      continue
    }
    if (matchAvailable) {
      // No better match here than none at all, or a better one than at the previous position:
      // the previous byte goes out as a literal.
      tallyLiteral(symCount++, w[strstart - 1]!)
      if (symCount === SYMBOLS_PER_BLOCK) {
        flushBlock(w, blockStart, strstart - blockStart, symCount, false)
        blockStart = strstart
        symCount = 0
      }
    }
    // Otherwise wait for the next position to decide.
    matchAvailable = true
    prevLength = matchLength
    strstart++
  }
  // zlib ignores a full buffer here: this symbol joins the final block.
  if (matchAvailable) tallyLiteral(symCount++, w[strstart - 1]!)
  flushBlock(w, blockStart, strstart - blockStart, symCount, true)
}

/**
 * zlib `longest_match`: walks the hash chain from `curMatch` for the longest match at `strstart`
 * longer than `prevLength`, with zlib's chain limits and early exits, so that it picks the same
 * match. Returns `length << 16 | matchStart`; matchStart is unchanged when nothing better exists.
 */
function longestMatch(
  w: Uint8Array,
  pv: Uint16Array,
  curMatch: number,
  strstart: number,
  lookahead: number,
  prevLength: number,
  matchStart: number,
): number {
  let chainLength = MAX_CHAIN
  let bestLen = prevLength
  // Do not look for matches beyond the end of the input: this makes the result deterministic.
  const niceMatch = NICE_MATCH > lookahead ? lookahead : NICE_MATCH
  const limit = strstart > MAX_DIST ? strstart - MAX_DIST : 0
  const strend = strstart + MAX_MATCH
  const scanStart0 = w[strstart]
  const scanStart1 = w[strstart + 1]
  let scanEnd1 = w[strstart + bestLen - 1]
  let scanEnd = w[strstart + bestLen]
  // Do not waste too much time if we already have a good match.
  if (prevLength >= GOOD_MATCH) chainLength >>= 2
  do {
    // Skip candidates that cannot beat bestLen: check the bytes most likely to differ first.
    // match[2] needs no check: equal hashes and equal first two bytes imply it (HASH_BITS >= 8).
    if (
      w[curMatch + bestLen] !== scanEnd ||
      w[curMatch + bestLen - 1] !== scanEnd1 ||
      w[curMatch] !== scanStart0 ||
      w[curMatch + 1] !== scanStart1
    ) {
      continue
    }
    let scan = strstart + 2
    let match = curMatch + 2
    // zlib checks for the end of the scan only every 8th comparison; bytes past the input may be
    // compared, but the length is capped at the lookahead below.
    while (
      w[++scan] === w[++match] &&
      w[++scan] === w[++match] &&
      w[++scan] === w[++match] &&
      w[++scan] === w[++match] &&
      w[++scan] === w[++match] &&
      w[++scan] === w[++match] &&
      w[++scan] === w[++match] &&
      w[++scan] === w[++match] &&
      scan < strend
    ) {
      // All the work is in the condition.
    }
    const len = MAX_MATCH - (strend - scan)
    if (len > bestLen) {
      matchStart = curMatch
      bestLen = len
      if (len >= niceMatch) break
      scanEnd1 = w[strstart + bestLen - 1]
      scanEnd = w[strstart + bestLen]
    }
  } while ((curMatch = pv[curMatch & WMASK]!) > limit && --chainLength !== 0)
  return ((bestLen <= lookahead ? bestLen : lookahead) << 16) | matchStart
}
