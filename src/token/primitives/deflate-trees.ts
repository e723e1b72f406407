/** Huffman trees and block emission for zlibDeflate, ported from C zlib 1.2.x `trees.c`. @module */

// Every block is emitted exactly as zlib's `_tr_flush_block` would: the same choice between
// stored, fixed-Huffman and dynamic-Huffman blocks, the same dynamic trees (zlib's heap and
// tie-breaking, its length-limiting repair) and the same tree encoding. The algorithms are zlib's;
// the data layout is reworked for speed (see `buildTree`), because this runs for every token.
//
// Typed-array reads are `number | undefined` under noUncheckedIndexedAccess. Every index below is
// in bounds by construction (the same invariants zlib relies on), so arithmetic reads use `!`.

const LITERALS = 256
const END_BLOCK = 256
const LENGTH_CODES = 29
/** Literal/length alphabet size, END_BLOCK included (zlib `L_CODES`). */
const L_CODES = LITERALS + 1 + LENGTH_CODES
const D_CODES = 30
const BL_CODES = 19
const MAX_BITS = 15
const MAX_BL_BITS = 7
/** zlib uses one heap size for all three trees: room for every leaf and internal node. */
const HEAP_SIZE = 2 * L_CODES + 1
const REP_3_6 = 16
const REPZ_3_10 = 17
const REPZ_11_138 = 18
const STORED_BLOCK = 0
const STATIC_TREES = 1
const DYN_TREES = 2

/**
 * Symbols buffered per block. zlib flushes a block when `sym_next == sym_end`, where
 * `sym_end = (lit_bufsize - 1) * 3` and `lit_bufsize = 1 << (memLevel + 6)` = 16384 at memLevel 8:
 * so a block ends after 16383 symbols. Block boundaries change the output, so this must match.
 */
export const SYMBOLS_PER_BLOCK = 16383

const EXTRA_LBITS = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0)
const EXTRA_DBITS = Uint8Array.of(
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
)
const EXTRA_BLBITS = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7)
/** Order in which the bit-length code lengths are sent (RFC 1951 §3.2.7). */
const BL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)

// The tables zlib's `tr_static_init` computes (or ships precomputed in trees.h).
/** Match length - 3 (0..255) to length code (0..28). */
const LENGTH_CODE = new Uint8Array(256)
const BASE_LENGTH = new Uint8Array(LENGTH_CODES)
/** Distance - 1 to distance code: [0, 256) direct, [256, 512) indexed by (distance - 1) >>> 7. */
const DIST_CODE = new Uint8Array(512)
const BASE_DIST = new Uint16Array(D_CODES)
// Codes 286 and 287 do not exist but take part in building the canonical static tree.
const STATIC_LTREE_CODE = new Uint16Array(L_CODES + 2)
const STATIC_LTREE_LEN = new Uint8Array(L_CODES + 2)
const STATIC_DTREE_LEN = new Uint8Array(D_CODES).fill(5)
const REVERSED_BYTE = new Uint8Array(256)
// The static trees packed for compressBlockStatic: `bits << 5 | bitCount`, where a length entry
// (indexed by length - 3) holds the length code followed by its extra bits, and a distance entry
// (indexed by distance code) holds the 5-bit code.
const STATIC_LITERAL = new Int32Array(256)
const STATIC_LENGTH = new Int32Array(256)
const STATIC_DIST = new Int32Array(D_CODES)

// The dynamic trees, as separate frequency, length and code arrays (zlib's ct_data overlays Freq
// with Code and Dad with Len). Lengths are also kept for the internal nodes while a tree is built.
// Invariant between blocks: every Freq and Len of a leaf is 0 (see initBlock).
const litFreq = new Uint16Array(L_CODES)
const litLen = new Uint16Array(HEAP_SIZE)
const litCode = new Uint16Array(L_CODES)
/** Which literal/length codes have a non-zero frequency: a bitmap, so nothing scans all 286. */
const litUsed = new Int32Array((L_CODES + 31) >>> 5)
/** The literal/length tree's leaves in increasing code order, kept to reset them in initBlock. */
const litLeaves = new Uint16Array(L_CODES)
let litLeafCount = 0
const distFreq = new Uint16Array(D_CODES)
const distLen = new Uint16Array(2 * D_CODES + 1)
const distCode = new Uint16Array(D_CODES)
/** Which distance codes have a non-zero frequency (bit n for code n). */
const distUsed = new Int32Array(1)
const distLeaves = new Uint16Array(D_CODES)
let distLeafCount = 0
const blFreq = new Uint16Array(BL_CODES)
const blLen = new Uint16Array(2 * BL_CODES + 1)
const blCode = new Uint16Array(BL_CODES)
const blLeaves = new Uint16Array(BL_CODES)

/** The block's symbols (zlib's sym_buf): a literal byte, or `distance << 8 | length - 3`. */
const symbols = new Int32Array(SYMBOLS_PER_BLOCK)

// zlib's heap[] and depth[]. The priority queue holds packed entries
// `freq << 16 | depth << 10 | node`, so zlib's `smaller(n, m)` (by frequency, ties broken by
// depth, equal counting as smaller) becomes `entryN <= (entryM | NODE_MASK)` with no indirection.
// This fits in 31 bits: a block holds at most 16383 symbols, so freq <= 16386 < 2^15; a Huffman
// tree of that weight is far less than 64 levels deep (Fibonacci bound: about 21); and there are
// fewer than 1024 nodes. zlib keeps the nodes sorted by frequency in the top of the same heap
// array (from heap_max up); here they get their own array with the same indexing.
const queue = new Int32Array(HEAP_SIZE + 1)
const sortedNodes = new Uint16Array(HEAP_SIZE)
const NODE_MASK = 0x3ff
/** Larger than any entry: stands for the missing right son past the end of the queue. */
const QUEUE_SENTINEL = 0x7fffffff
const blCount = new Uint16Array(MAX_BITS + 1)
// Uint16 like zlib's `ush next_code[]`, truncation included.
const nextCode = new Uint16Array(MAX_BITS + 1)
/** count * log2(count) for small counts, for the entropy bounds of fixedCodesWin and dynamicCannotWin. */
const COUNT_LOG_SIZE = 320
const COUNT_LOG = new Float64Array(COUNT_LOG_SIZE)
for (let c = 1; c < COUNT_LOG_SIZE; c++) COUNT_LOG[c] = c * Math.log2(c)
/** count * log2(count), from the table when it is small: the terms of an entropy bound. */
function countLog(count: number): number {
  return count < COUNT_LOG_SIZE ? COUNT_LOG[count]! : count * Math.log2(count)
}
/** Index in sortedNodes of the root (zlib heap_max). */
let heapMax = 0
/** Bit length of the block with dynamic trees, tree representation included (zlib opt_len). */
let optLen = 0
/** Bit length of the block with the static trees (zlib static_len). */
let staticLen = 0

// Output: bytes plus a bit accumulator. zlib keeps 16 bits in bi_buf and emits whole shorts, but
// deflate output is a plain LSB-first bit stream, so any accumulator width gives the same bytes.
let out = new Uint8Array(1024)
let outPos = 0
let bitBuf = 0
let bitCount = 0

initStaticTables()

/** Reverses the low `length` bits of `code` (zlib `bi_reverse`), 1 <= length <= 15. */
function reverseBits(code: number, length: number): number {
  return ((REVERSED_BYTE[code & 0xff]! << 8) | REVERSED_BYTE[code >>> 8]!) >>> (16 - length)
}

/** zlib `tr_static_init`, plus the packed tables. */
function initStaticTables(): void {
  for (let i = 0; i < 256; i++) {
    let r = 0
    for (let b = 0; b < 8; b++) r |= ((i >>> b) & 1) << (7 - b)
    REVERSED_BYTE[i] = r
  }
  let length = 0
  let code = 0
  for (; code < LENGTH_CODES - 1; code++) {
    BASE_LENGTH[code] = length
    for (let n = 0; n < 1 << EXTRA_LBITS[code]!; n++) LENGTH_CODE[length++] = code
  }
  // Length 258 (index 255) could be code 284 + 5 extra bits or code 285: zlib picks 285.
  LENGTH_CODE[length - 1] = code
  let dist = 0
  for (code = 0; code < 16; code++) {
    BASE_DIST[code] = dist
    for (let n = 0; n < 1 << EXTRA_DBITS[code]!; n++) DIST_CODE[dist++] = code
  }
  dist >>= 7
  for (; code < D_CODES; code++) {
    BASE_DIST[code] = dist << 7
    for (let n = 0; n < 1 << (EXTRA_DBITS[code]! - 7); n++) DIST_CODE[256 + dist++] = code
  }
  const allCodes = new Uint16Array(L_CODES + 2)
  for (let n = 0; n < L_CODES + 2; n++) {
    STATIC_LTREE_LEN[n] = n <= 143 ? 8 : n <= 255 ? 9 : n <= 279 ? 7 : 8
    allCodes[n] = n
  }
  genCodes(STATIC_LTREE_CODE, STATIC_LTREE_LEN, allCodes, L_CODES + 2)
  for (let n = 0; n < 256; n++) {
    STATIC_LITERAL[n] = (STATIC_LTREE_CODE[n]! << 5) | STATIC_LTREE_LEN[n]!
  }
  for (let lc = 0; lc < 256; lc++) {
    const c = LENGTH_CODE[lc]!
    const len = STATIC_LTREE_LEN[c + LITERALS + 1]!
    const extra = EXTRA_LBITS[c]!
    // Code 285 (length 258) has no extra bits, although lc - BASE_LENGTH[28] is not 0.
    const extraBits = extra === 0 ? 0 : (lc - BASE_LENGTH[c]!) << len
    STATIC_LENGTH[lc] = ((STATIC_LTREE_CODE[c + LITERALS + 1]! | extraBits) << 5) | (len + extra)
  }
  for (let n = 0; n < D_CODES; n++) STATIC_DIST[n] = (reverseBits(n, 5) << 5) | 5
}

/** Starts a new block: zlib `init_block`. Resets only what the previous block touched. */
export function initBlock(): void {
  for (let i = 0; i < litLeafCount; i++) {
    const n = litLeaves[i]!
    litFreq[n] = 0
    litLen[n] = 0
  }
  for (let i = 0; i < distLeafCount; i++) {
    const n = distLeaves[i]!
    distFreq[n] = 0
    distLen[n] = 0
  }
  litLeafCount = 0
  distLeafCount = 0
  for (let i = 0; i < litUsed.length; i++) litUsed[i] = 0
  distUsed[0] = 0
  litFreq[END_BLOCK] = 1
  litUsed[END_BLOCK >>> 5]! |= 1 << (END_BLOCK & 31)
  optLen = 0
  staticLen = 0
}

/**
 * Clears every per-block table completely. Only needed if a previous call was interrupted
 * (initBlock relies on the previous block having been flushed).
 */
export function resetTrees(): void {
  litFreq.fill(0)
  litLen.fill(0)
  distFreq.fill(0)
  distLen.fill(0)
  litLeafCount = 0
  distLeafCount = 0
  initBlock()
}

/** Records a literal as symbol number `sym` of the block (zlib `_tr_tally_lit`). */
export function tallyLiteral(sym: number, byte: number): void {
  symbols[sym] = byte
  litFreq[byte]!++
  litUsed[byte >>> 5]! |= 1 << (byte & 31)
}

/**
 * Records a match as symbol number `sym` of the block (zlib `_tr_tally_dist`).
 * @param dist - match distance, 1..32506
 * @param lc - match length - 3, 0..255
 */
export function tallyMatch(sym: number, dist: number, lc: number): void {
  symbols[sym] = (dist << 8) | lc
  const code = LENGTH_CODE[lc]! + LITERALS + 1
  litFreq[code]!++
  litUsed[code >>> 5]! |= 1 << (code & 31)
  dist--
  const dcode = dist < 256 ? DIST_CODE[dist]! : DIST_CODE[256 + (dist >>> 7)]!
  distFreq[dcode]!++
  distUsed[0]! |= 1 << dcode
}

/** Resets the output to empty, with room for at least `capacity` bytes. */
export function startOutput(capacity: number): void {
  if (out.length < capacity) out = new Uint8Array(Math.max(capacity, out.length * 2))
  outPos = 0
  bitBuf = 0
  bitCount = 0
}

/** Appends a byte; only valid on a byte boundary (after the final block's windup). */
export function putByte(byte: number): void {
  out[outPos++] = byte
}

/** A view of the output written since {@link startOutput}, valid until the next startOutput. */
export function outputView(): Uint8Array {
  return out.subarray(0, outPos)
}

/** zlib `send_bits`: appends the low `length` (<= 16) bits of `value`, LSB first. */
function sendBits(value: number, length: number): void {
  // bitCount < 16 and length <= 16, so the accumulator never exceeds 31 bits.
  bitBuf |= value << bitCount
  bitCount += length
  if (bitCount >= 16) {
    out[outPos++] = bitBuf
    out[outPos++] = bitBuf >>> 8
    bitBuf >>>= 16
    bitCount -= 16
  }
}

/** zlib `bi_windup`: pads the bit stream with zeros to a byte boundary. */
function windup(): void {
  if (bitCount > 8) {
    out[outPos++] = bitBuf
    out[outPos++] = bitBuf >>> 8
  } else if (bitCount > 0) {
    out[outPos++] = bitBuf
  }
  bitBuf = 0
  bitCount = 0
}

/**
 * zlib `pqdownheap`: sifts queue[k] down to restore the min-heap property, with zlib's exact
 * comparisons, so equal entries move exactly as in zlib (which decides which codes get which
 * lengths). queue[heapLen + 1] must hold QUEUE_SENTINEL.
 */
function pqDownHeap(q: Int32Array, k: number, heapLen: number): void {
  const v = q[k]!
  let j = k << 1
  while (j <= heapLen) {
    // Set j to the smaller of the two sons (zlib: `smaller(heap[j + 1], heap[j])`): the sign of
    // (left | NODE_MASK) - right, branchless since the outcome is a coin flip on real data. At the
    // end of the queue the sentinel stands in for a missing right son.
    j += 1 + (((q[j]! | NODE_MASK) - q[j + 1]!) >> 31)
    const son = q[j]!
    if (v <= (son | NODE_MASK)) break
    q[k] = son
    k = j
    j <<= 1
  }
  q[k] = v
}

/**
 * zlib `build_tree` and `gen_bitlen`: builds one Huffman tree with zlib's heap (same order, same
 * tie-breaking), sets the code lengths capped at `maxLength` (with zlib's overflow repair) and
 * adds the block's cost to optLen and staticLen. The codes themselves are left to genCodes.
 * @param leaves - the codes of non-zero frequency in increasing order; the codes zlib forces in
 *   (when fewer than two) are inserted, keeping the order
 * @param leafCount - how many
 * @returns the new leaf count
 */
function buildTree(
  freq: Uint16Array,
  lens: Uint16Array,
  leaves: Uint16Array,
  leafCount: number,
  elems: number,
  staticLens: Uint8Array | null,
  extra: Uint8Array,
  extraBase: number,
  maxLength: number,
): number {
  const q = queue
  // Queue the leaves (depth 0) in increasing code order, as zlib does. Their extra bits and their
  // cost with the static tree do not depend on the tree being built, so they are summed here;
  // zlib sums the same terms in gen_bitlen.
  let extraCost = 0
  let staticCost = 0
  for (let i = 0; i < leafCount; i++) {
    const n = leaves[i]!
    const f = freq[n]!
    q[i + 1] = (f << 16) | n
    if (n >= extraBase) extraCost += f * extra[n - extraBase]!
    if (staticLens !== null) staticCost += f * staticLens[n]!
  }
  if (staticLens !== null) staticLen += staticCost + extraCost
  // Deflate needs at least one distance code and at least one bit per code, so zlib forces two
  // codes of non-zero frequency, and discounts them from the block cost: each costs its length
  // minus one bit in the dynamic tree, nothing in the static one.
  let heapLen = leafCount
  let maxCode = leafCount === 0 ? -1 : leaves[leafCount - 1]!
  while (heapLen < 2) {
    const node = maxCode < 2 ? ++maxCode : 0
    q[++heapLen] = (1 << 16) | node
    freq[node] = 1
    optLen--
    if (node === 0) {
      for (let i = heapLen - 1; i > 0; i--) leaves[i] = leaves[i - 1]!
      leaves[0] = 0
    } else {
      leaves[heapLen - 1] = node
    }
  }
  leafCount = heapLen
  if (leafCount === 2) {
    // Two leaves: one merge, both codes one bit long, whatever the heap order.
    const a = leaves[0]!
    const b = leaves[1]!
    lens[a] = lens[b] = 1
    optLen += freq[a]! + freq[b]! + extraCost
    return 2
  }
  q[heapLen + 1] = QUEUE_SENTINEL
  for (let n = heapLen >> 1; n >= 1; n--) pqDownHeap(q, n, heapLen)
  // Repeatedly combine the two least frequent nodes. The sum of the internal nodes' frequencies
  // is the sum over the leaves of frequency times depth: the block's bits with these codes.
  let hm = HEAP_SIZE
  let node = elems
  let dataCost = 0
  do {
    const n = q[1]!
    q[1] = q[heapLen]!
    q[heapLen--] = QUEUE_SENTINEL
    pqDownHeap(q, 1, heapLen)
    const m = q[1]
    const nNode = n & NODE_MASK
    const mNode = m & NODE_MASK
    sortedNodes[--hm] = nNode // keep the nodes sorted by frequency
    sortedNodes[--hm] = mNode
    const nDepth = (n >> 10) & 0x3f
    const mDepth = (m >> 10) & 0x3f
    const depth = (nDepth >= mDepth ? nDepth : mDepth) + 1
    const f = (n >> 16) + (m >> 16)
    dataCost += f
    q[1] = (f << 16) | (depth << 10) | node
    node++
    pqDownHeap(q, 1, heapLen)
  } while (heapLen >= 2)
  sortedNodes[--hm] = q[1] & NODE_MASK
  heapMax = hm

  // gen_bitlen: each node's length is its parent's plus one, capped at maxLength (zlib counts the
  // capped nodes as overflow). zlib walks the nodes in heap order, reading each one's parent; here
  // each internal node, from the root down (creation order reversed), sets its two sons' lengths:
  // node elems + k was made from the pair stored at sortedNodes[HEAP_SIZE - 1 - 2k] and below.
  let overflow = 0
  lens[node - 1] = 0 // the root, made last
  for (let k = node - 1 - elems, h = HEAP_SIZE - 2 * k; k >= 0; k--, h += 2) {
    let bits = lens[elems + k]! + 1
    if (bits > maxLength) {
      bits = maxLength
      overflow += 2
    }
    lens[sortedNodes[h - 1]!] = bits
    lens[sortedNodes[h - 2]!] = bits
  }
  if (overflow !== 0) {
    repairLengths(lens, maxCode, maxLength, overflow)
    dataCost = 0
    for (let i = 0; i < leafCount; i++) dataCost += freq[leaves[i]!]! * lens[leaves[i]!]!
  }
  optLen += dataCost + extraCost
  return leafCount
}

/**
 * The overflow half of zlib `gen_bitlen`: some lengths were capped at maxLength, so the code is
 * over-subscribed. zlib moves leaves down until the Kraft sum fits, then reassigns the lengths
 * to the leaves by increasing frequency. optLen is settled by the caller from the final lengths.
 */
function repairLengths(lens: Uint16Array, maxCode: number, maxLength: number, overflow: number): void {
  blCount.fill(0)
  for (let h = heapMax + 1; h < HEAP_SIZE; h++) {
    const n = sortedNodes[h]!
    if (n <= maxCode) blCount[lens[n]!]!++
  }
  do {
    let bits = maxLength - 1
    while (blCount[bits] === 0) bits--
    blCount[bits]!-- // move one leaf down the tree
    blCount[bits + 1]! += 2 // move one overflow item as its brother
    blCount[maxLength]!--
    overflow -= 2
  } while (overflow > 0)
  let h = HEAP_SIZE
  for (let bits = maxLength; bits !== 0; bits--) {
    let n = blCount[bits]!
    while (n !== 0) {
      const m = sortedNodes[--h]!
      if (m > maxCode) continue
      lens[m] = bits
      n--
    }
  }
}

/**
 * zlib `gen_codes`: canonical codes (bit-reversed for LSB-first output) from the lengths of the
 * given codes, which must be in increasing order and include every code of non-zero length.
 * zlib takes the length counts from gen_bitlen; they are recounted here so that codes are only
 * generated for blocks that use them.
 */
function genCodes(codes: Uint16Array, lens: Uint16Array | Uint8Array, leaves: Uint16Array, leafCount: number): void {
  blCount.fill(0)
  for (let i = 0; i < leafCount; i++) blCount[lens[leaves[i]!]!]!++
  let code = 0
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    code = (code + blCount[bits - 1]!) << 1
    nextCode[bits] = code
  }
  for (let i = 0; i < leafCount; i++) {
    const n = leaves[i]!
    const len = lens[n]!
    codes[n] = reverseBits(nextCode[len]!++, len)
  }
}

/**
 * The bit-length tree's codes of non-zero frequency, in increasing order; zeroes the lengths of
 * the others as zlib's build_tree does.
 */
function collectBlLeaves(): number {
  let count = 0
  for (let n = 0; n < BL_CODES; n++) {
    blLen[n] = 0
    if (blFreq[n] !== 0) blLeaves[count++] = n
  }
  return count
}

/** The codes set in a bitmap, in increasing order (for the literal/length and distance trees). */
function collectLeaves(bitmap: Int32Array, leaves: Uint16Array): number {
  let count = 0
  for (let word = 0; word < bitmap.length; word++) {
    let bits = bitmap[word]!
    while (bits !== 0) {
      const low = bits & -bits
      leaves[count++] = (word << 5) | (31 - Math.clz32(low))
      bits ^= low
    }
  }
  return count
}

/**
 * zlib `scan_tree`: counts, in blFreq, the bit-length codes needed to send a tree's lengths.
 * zlib walks every code with a small state machine; the same counts follow from the maximal runs
 * of equal lengths, which are read here off the sorted leaves (the gaps between them are the
 * runs of zeros): a zero run is sent in pieces of at most 138; a run of a non-zero length as one
 * literal length then repeats, in a first piece of at most 7 and further pieces of at most 6,
 * a piece being a repeat code when it is long enough (4 for the first piece, 3 later).
 */
function scanTree(lens: Uint16Array, leaves: Uint16Array, leafCount: number): void {
  let prev = -1
  let runLen = 0
  let runValue = 0
  for (let i = 0; i < leafCount; i++) {
    const n = leaves[i]!
    const len = lens[n]!
    if (n === prev + 1 && len === runValue) {
      runLen++
    } else {
      if (runLen !== 0) countRun(runValue, runLen)
      if (n !== prev + 1) countZeros(n - prev - 1)
      runValue = len
      runLen = 1
    }
    prev = n
  }
  if (runLen !== 0) countRun(runValue, runLen)
}

/** scan_tree's counts for a run of `count` zero lengths. */
function countZeros(count: number): void {
  while (count >= 138) {
    blFreq[REPZ_11_138]!++
    count -= 138
  }
  if (count < 3) blFreq[0]! += count
  else if (count <= 10) blFreq[REPZ_3_10]!++
  else blFreq[REPZ_11_138]!++
}

/** scan_tree's counts for a maximal run of `count` equal non-zero lengths `len`. */
function countRun(len: number, count: number): void {
  if (count < 4) {
    blFreq[len]! += count
    return
  }
  blFreq[len]!++
  blFreq[REP_3_6]!++
  count -= count < 7 ? count : 7
  while (count > 0) {
    const piece = count < 6 ? count : 6
    if (piece < 3) blFreq[len]! += piece
    else blFreq[REP_3_6]!++
    count -= piece
  }
}

/** zlib `send_tree`: emits a tree's code lengths with the bit-length codes. */
function sendTree(lens: Uint16Array, maxCode: number): void {
  let prevLen = -1
  let nextLen = lens[0]!
  let count = 0
  let maxCount = 7
  let minCount = 4
  if (nextLen === 0) {
    maxCount = 138
    minCount = 3
  }
  const guard = lens[maxCode + 1]!
  lens[maxCode + 1] = 0xffff // zlib's guard, set by its scan_tree
  for (let n = 0; n <= maxCode; n++) {
    const curLen = nextLen
    nextLen = lens[n + 1]!
    if (++count < maxCount && curLen === nextLen) continue
    if (count < minCount) {
      do sendBits(blCode[curLen]!, blLen[curLen]!)
      while (--count !== 0)
    } else if (curLen !== 0) {
      if (curLen !== prevLen) {
        sendBits(blCode[curLen]!, blLen[curLen]!)
        count--
      }
      sendBits(blCode[REP_3_6]!, blLen[REP_3_6]!)
      sendBits(count - 3, 2)
    } else if (count <= 10) {
      sendBits(blCode[REPZ_3_10]!, blLen[REPZ_3_10]!)
      sendBits(count - 3, 3)
    } else {
      sendBits(blCode[REPZ_11_138]!, blLen[REPZ_11_138]!)
      sendBits(count - 11, 7)
    }
    count = 0
    prevLen = curLen
    if (nextLen === 0) {
      maxCount = 138
      minCount = 3
    } else if (curLen === nextLen) {
      maxCount = 6
      minCount = 3
    } else {
      maxCount = 7
      minCount = 4
    }
  }
  lens[maxCode + 1] = guard
}

/** zlib `send_all_trees`: the dynamic block header. */
function sendAllTrees(lcodes: number, dcodes: number, blcodes: number): void {
  sendBits(lcodes - 257, 5)
  sendBits(dcodes - 1, 5)
  sendBits(blcodes - 4, 4)
  for (let rank = 0; rank < blcodes; rank++) sendBits(blLen[BL_ORDER[rank]!]!, 3)
  sendTree(litLen, lcodes - 1)
  sendTree(distLen, dcodes - 1)
}

/** zlib `compress_block` with the static trees, from the packed tables. */
function compressBlockStatic(symCount: number): void {
  const o = out
  let pos = outPos
  let bits = bitBuf
  let count = bitCount
  for (let sx = 0; sx < symCount; sx++) {
    const sym = symbols[sx]!
    // Each step appends at most 16 bits to fewer than 16, then flushes two bytes if 16 are due.
    if (sym < 256) {
      const lit = STATIC_LITERAL[sym]!
      bits |= (lit >>> 5) << count
      count += lit & 31
    } else {
      const len = STATIC_LENGTH[sym & 0xff]!
      bits |= (len >>> 5) << count
      count += len & 31
      if (count >= 16) {
        o[pos++] = bits
        o[pos++] = bits >>> 8
        bits >>>= 16
        count -= 16
      }
      const dist = (sym >>> 8) - 1
      const code = dist < 256 ? DIST_CODE[dist]! : DIST_CODE[256 + (dist >>> 7)]!
      const d = STATIC_DIST[code]!
      bits |= (d >>> 5) << count
      count += 5
      const extra = EXTRA_DBITS[code]!
      if (extra !== 0) {
        if (count >= 16) {
          o[pos++] = bits
          o[pos++] = bits >>> 8
          bits >>>= 16
          count -= 16
        }
        bits |= (dist - BASE_DIST[code]!) << count
        count += extra
      }
    }
    if (count >= 16) {
      o[pos++] = bits
      o[pos++] = bits >>> 8
      bits >>>= 16
      count -= 16
    }
  }
  outPos = pos
  bitBuf = bits
  bitCount = count
  sendBits(STATIC_LTREE_CODE[END_BLOCK]!, STATIC_LTREE_LEN[END_BLOCK]!)
}

/** zlib `compress_block` with the dynamic trees. */
function compressBlockDynamic(symCount: number): void {
  for (let sx = 0; sx < symCount; sx++) {
    const sym = symbols[sx]!
    if (sym < 256) {
      sendBits(litCode[sym]!, litLen[sym]!)
      continue
    }
    let lc = sym & 0xff
    let code = LENGTH_CODE[lc]!
    sendBits(litCode[code + LITERALS + 1]!, litLen[code + LITERALS + 1]!)
    let extra = EXTRA_LBITS[code]!
    if (extra !== 0) {
      lc -= BASE_LENGTH[code]!
      sendBits(lc, extra)
    }
    let dist = (sym >>> 8) - 1
    code = dist < 256 ? DIST_CODE[dist]! : DIST_CODE[256 + (dist >>> 7)]!
    sendBits(distCode[code]!, distLen[code]!)
    extra = EXTRA_DBITS[code]!
    if (extra !== 0) {
      dist -= BASE_DIST[code]!
      sendBits(dist, extra)
    }
  }
  sendBits(litCode[END_BLOCK]!, litLen[END_BLOCK]!)
}

/**
 * Whether zlib would send this block with the fixed codes or stored, provably, before any tree is
 * built: the common case for token contents (short and random-looking, they gain less from
 * their own Huffman codes than describing the codes costs). Then the block's static length is
 * set and the literal, distance and bit-length trees are skipped; otherwise nothing is changed
 * and the trees are built as zlib builds them.
 *
 * It bounds zlib's opt_len (the dynamic block's bits) from below with what does not depend on
 * the trees, and succeeds when that bound, rounded to bytes as zlib rounds it, reaches
 * static_lenb, for then zlib's test `static_lenb <= opt_lenb` holds:
 * - the codes' data bits: no prefix code spends less on the symbols than their entropy,
 *   sum(count * log2(total / count)) (Gibbs' inequality), whatever zlib's lengths turn out to be;
 *   the extra bits of lengths and distances are the same in both blocks;
 * - the tree description: its 14-bit header; 3 bits for each bit-length code length sent, at
 *   least 4 of them and at least up to a code for some length <= floor(log2(n)) in BL_ORDER,
 *   since a complete code for n symbols has one that short; and the bit-length codes themselves.
 *   Which lengths are zero follows from which symbols occur, so the zero runs, and the repeat
 *   codes 17 and 18 and literal zeros that send them, are known exactly (scan_tree's rules); a
 *   run of k non-zero lengths needs at least k codes when k <= 3, else at least 1 + ceil((k-1)/6)
 *   (one length, then repeats of at most 6). Counting all those non-zero ones as one symbol can
 *   only lower the best prefix code's cost, so the optimal code for four counts is a lower bound.
 * On generated tokens it decides ~90 % of RTC tokens (~75 % with long accounts) and ~99 % of RTM
 * and Chat tokens; zlib picked the fixed codes or stored for every one of them.
 */
function fixedCodesWin(litCount: number, distCount: number): boolean {
  let staticBits = 0
  let extraBits = 0
  let litTotal = 0
  let litSumCountLog = 0
  for (let i = 0; i < litCount; i++) {
    const n = litLeaves[i]!
    const f = litFreq[n]!
    staticBits += f * STATIC_LTREE_LEN[n]!
    if (n > LITERALS) extraBits += f * EXTRA_LBITS[n - LITERALS - 1]!
    litTotal += f
    litSumCountLog += countLog(f)
  }
  let distTotal = 0
  let distSumCountLog = 0
  for (let i = 0; i < distCount; i++) {
    const n = distLeaves[i]!
    const f = distFreq[n]!
    staticBits += f * 5
    extraBits += f * EXTRA_DBITS[n]!
    distTotal += f
    distSumCountLog += countLog(f)
  }
  const dataBits =
    (litTotal === 0 ? 0 : litTotal * Math.log2(litTotal) - litSumCountLog) +
    (distTotal === 0 ? 0 : distTotal * Math.log2(distTotal) - distSumCountLog)

  runCounts.fill(0)
  const litCodes = withForcedCodes(litLeaves, litCount)
  countRuns(forcedLeaves, litCodes)
  // The shortest of a complete code for n symbols is at most floor(log2(n)) bits long.
  let minSentIndex = 18
  for (let length = Math.floor(Math.log2(litCodes)); length >= 1; length--) {
    const index = BL_ORDER_INDEX[length]!
    if (index < minSentIndex) minSentIndex = index
  }
  countRuns(forcedLeaves, withForcedCodes(distLeaves, distCount))
  const repeatZeros3 = runCounts[1]!
  const repeatZeros11 = runCounts[2]!
  const descriptionBits =
    14 + 3 * Math.max(4, minSentIndex + 1) + optimalRunCodeCost() + 3 * repeatZeros3 + 7 * repeatZeros11
  const staticLength = staticBits + extraBits
  const lowerBound = dataBits + extraBits + descriptionBits - 1e-6
  if (Math.floor((lowerBound + 3 + 7) / 8) < (staticLength + 3 + 7) >>> 3) return false
  staticLen = staticLength
  return true
}

/** BL_ORDER's inverse: where each code-length symbol stands in the order they are sent. */
const BL_ORDER_INDEX = new Uint8Array(BL_CODES)
for (let i = 0; i < BL_CODES; i++) BL_ORDER_INDEX[BL_ORDER[i]!] = i

/** fixedCodesWin's counts: literal zeros, 17s, 18s, and the least number of codes for non-zero lengths. */
const runCounts = new Float64Array(4)
/** A tree's codes after zlib's forcing of at least two (see withForcedCodes). */
const forcedLeaves = new Uint16Array(L_CODES + 2)

/**
 * The codes a tree will have, in order, into forcedLeaves: zlib's build_tree gives a tree with
 * fewer than two codes dummy ones, the next code after the largest (while below 2) or else 0.
 * Returns how many.
 */
function withForcedCodes(leaves: Uint16Array, count: number): number {
  for (let i = 0; i < count; i++) forcedLeaves[i] = leaves[i]!
  let n = count
  let maxCode = count === 0 ? -1 : leaves[count - 1]!
  while (n < 2) {
    const node = maxCode < 2 ? ++maxCode : 0
    if (node === 0) {
      // 0 is below every code there: it goes first.
      for (let i = n; i > 0; i--) forcedLeaves[i] = forcedLeaves[i - 1]!
      forcedLeaves[0] = 0
    } else {
      forcedLeaves[n] = node
    }
    n++
  }
  return n
}

/** Adds to runCounts the codes scan_tree needs for the zero runs and non-zero runs of a tree. */
function countRuns(codes: Uint16Array, count: number): void {
  let next = 0
  let run = 0
  for (let i = 0; i < count; i++) {
    const code = codes[i]!
    let gap = code - next
    if (gap > 0) {
      if (run > 0) runCounts[3]! += nonZeroRunCodes(run)
      run = 0
      // A zero run goes in pieces of at most 138: under 3 as literal zeros, else a 17 or an 18.
      while (gap > 0) {
        const piece = gap < 138 ? gap : 138
        if (piece < 3) runCounts[0]! += piece
        else if (piece <= 10) runCounts[1]!++
        else runCounts[2]!++
        gap -= piece
      }
    }
    run++
    next = code + 1
  }
  if (run > 0) runCounts[3]! += nonZeroRunCodes(run)
}

/** The fewest codes scan_tree can send a run of k non-zero lengths with (all of them equal). */
function nonZeroRunCodes(k: number): number {
  return k <= 3 ? k : 1 + Math.ceil((k - 1) / 6)
}

const costCounts = new Float64Array(4)

/** The cost in bits of an optimal prefix code for runCounts' four counts (zeros ignored): Huffman's. */
function optimalRunCodeCost(): number {
  // Insertion-sort the non-zero counts, then merge the two smallest until one is left.
  const counts = costCounts
  let n = 0
  for (let i = 0; i < 4; i++) {
    const count = runCounts[i]!
    if (count === 0) continue
    let at = n++
    while (at > 0 && counts[at - 1]! > count) {
      counts[at] = counts[at - 1]!
      at--
    }
    counts[at] = count
  }
  if (n < 2) return n === 1 ? counts[0]! : 0
  let cost = 0
  let first = 0
  while (n - first > 1) {
    const merged = counts[first]! + counts[first + 1]!
    cost += merged
    first++
    let at = first
    while (at + 1 < n && counts[at + 1]! < merged) {
      counts[at] = counts[at + 1]!
      at++
    }
    counts[at] = merged
  }
  return cost
}

/**
 * Whether the dynamic block is provably no shorter, in bytes, than the static one, from the
 * bit-length code counts alone; then zlib chooses between a static and a stored block whatever
 * the bit-length tree, which need not be built. optLen holds the exact cost of the literal and
 * distance codes. Any prefix code for the bit-length codes costs at least the entropy bound
 * sum(count * log2(total / count)) (Gibbs' inequality), to which the extra bits, the code
 * lengths of the used bit-length codes (3 bits each, at least 4 of them up to the last used one
 * in BL_ORDER) and the 14-bit header add exactly known amounts. A lower bound on zlib's opt_len,
 * rounded to bytes as zlib rounds it, that reaches static_lenb means zlib's test
 * `static_lenb <= opt_lenb` holds.
 */
function dynamicCannotWin(staticLenb: number): boolean {
  let total = 0
  let sumCountLog = 0
  let extraBits = 0
  let maxIndex = 3
  for (let i = 0; i < BL_CODES; i++) {
    const code = BL_ORDER[i]!
    const count = blFreq[code]!
    if (count === 0) continue
    total += count
    sumCountLog += countLog(count)
    extraBits += count * EXTRA_BLBITS[code]!
    if (i > maxIndex) maxIndex = i
  }
  const entropyBits = total * Math.log2(total) - sumCountLog
  // Less a margin far above the floating-point error, so the bound stays a bound.
  const lowerBound = optLen + entropyBits + extraBits + 3 * (maxIndex + 1) + 14 - 1e-6
  return Math.floor((lowerBound + 3 + 7) / 8) >= staticLenb
}

/**
 * zlib `_tr_flush_block`: emits the current block as stored, fixed-Huffman or dynamic-Huffman,
 * whichever zlib would pick, then starts a new block. Writes at most `storedLen + 7` bytes.
 * @param window - the input; the block's bytes are `window[blockStart, blockStart + storedLen)`
 * @param symCount - symbols tallied for this block
 * @param last - true for the final block (sets BFINAL and pads to a byte boundary)
 */
export function flushBlock(
  window: Uint8Array,
  blockStart: number,
  storedLen: number,
  symCount: number,
  last: boolean,
): void {
  const lastBit = last ? 1 : 0
  const litUsedCount = collectLeaves(litUsed, litLeaves)
  const distUsedCount = collectLeaves(distUsed, distLeaves)
  let staticLenb: number
  let optLenb: number
  let blLeafCount = 0
  let maxBlIndex = 0
  if (fixedCodesWin(litUsedCount, distUsedCount)) {
    // No trees are built: initBlock clears the leaves that were counted.
    litLeafCount = litUsedCount
    distLeafCount = distUsedCount
    staticLenb = (staticLen + 3 + 7) >>> 3
    optLenb = staticLenb
  } else {
    // build_tree for the literal/length and distance trees.
    litLeafCount = buildTree(
      litFreq,
      litLen,
      litLeaves,
      litUsedCount,
      L_CODES,
      STATIC_LTREE_LEN,
      EXTRA_LBITS,
      LITERALS + 1,
      MAX_BITS,
    )
    distLeafCount = buildTree(
      distFreq,
      distLen,
      distLeaves,
      distUsedCount,
      D_CODES,
      STATIC_DTREE_LEN,
      EXTRA_DBITS,
      0,
      MAX_BITS,
    )
    // build_bl_tree: count the bit-length codes, then build their tree, unless the counts already
    // prove that the dynamic block cannot beat the static one (see dynamicCannotWin).
    for (let n = 0; n < BL_CODES; n++) blFreq[n] = 0
    scanTree(litLen, litLeaves, litLeafCount)
    scanTree(distLen, distLeaves, distLeafCount)
    staticLenb = (staticLen + 3 + 7) >>> 3
    optLenb = staticLenb
    if (!dynamicCannotWin(staticLenb)) {
      blLeafCount = buildTree(blFreq, blLen, blLeaves, collectBlLeaves(), BL_CODES, null, EXTRA_BLBITS, 0, MAX_BL_BITS)
      // The number of bit-length codes to send (at least 4), and their cost.
      maxBlIndex = BL_CODES - 1
      for (; maxBlIndex >= 3; maxBlIndex--) if (blLen[BL_ORDER[maxBlIndex]!] !== 0) break
      optLen += 3 * (maxBlIndex + 1) + 5 + 5 + 4
      // Lengths in bytes, each including the 3-bit block header.
      optLenb = (optLen + 3 + 7) >>> 3
      if (staticLenb <= optLenb) optLenb = staticLenb
    }
  }
  if (storedLen + 4 <= optLenb) {
    // zlib `_tr_stored_block`; the 4 is LEN and NLEN.
    sendBits((STORED_BLOCK << 1) + lastBit, 3)
    windup()
    out[outPos++] = storedLen
    out[outPos++] = storedLen >>> 8
    out[outPos++] = ~storedLen
    out[outPos++] = ~storedLen >>> 8
    out.set(window.subarray(blockStart, blockStart + storedLen), outPos)
    outPos += storedLen
  } else if (staticLenb === optLenb) {
    sendBits((STATIC_TREES << 1) + lastBit, 3)
    compressBlockStatic(symCount)
  } else {
    const litMax = litLeaves[litLeafCount - 1]!
    const distMax = distLeaves[distLeafCount - 1]!
    genCodes(litCode, litLen, litLeaves, litLeafCount)
    genCodes(distCode, distLen, distLeaves, distLeafCount)
    genCodes(blCode, blLen, blLeaves, blLeafCount)
    sendBits((DYN_TREES << 1) + lastBit, 3)
    sendAllTrees(litMax + 1, distMax + 1, maxBlIndex + 1)
    compressBlockDynamic(symCount)
  }
  initBlock()
  if (last) windup()
}
