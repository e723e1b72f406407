/**
 * Property/fuzz test of the parsers: random strings, random base64 after "006"/"007", random zlib
 * streams of random or structured bytes, and mutations of valid tokens (byte flips, truncations,
 * insertions, corrupted length and count fields, re-signed corrupt content, zlib bombs) through
 * parseToken, verifyToken and the compat parsers. The only exception ever thrown is a TokenError with
 * a known code, each call returns quickly, and inflated content is capped. Seeds are fixed and in
 * each test's name (override with FUZZ_SEED, the run count with FUZZ_RUNS).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { constants, deflateRawSync, deflateSync, inflateSync } from 'node:zlib'
import fc from 'fast-check'
import { AccessToken } from '../../src/compat/access-token.js'
import {
  AccessToken2,
  RtcTokenBuilder,
  RtmTokenBuilder,
  Rtm2Permissions,
  ApaasTokenBuilder,
  ConvoAITokenBuilder,
} from '../../src/compat/agora-token.js'
import {
  RtcTokenBuilder as RtcTokenBuilder006,
  RtmTokenBuilder as RtmTokenBuilder006,
} from '../../src/compat/agora-access-token.js'
import {
  buildRtcToken,
  buildToken,
  parseToken,
  TokenError,
  verifyToken,
  type TokenErrorCode,
} from '../../src/token/index.js'
import { sign006 } from '../../src/token/v006/signing.js'
import { sign007 } from '../../src/token/v007/signing.js'
import { agoraToken, APP_ID, CERT } from '../compat/support.js'

const SEED = Number(process.env.FUZZ_SEED ?? 7_007_006)
const RUNS = Number(process.env.FUZZ_RUNS ?? 300)
/** Generous: real calls take microseconds; this only catches hangs and quadratic blow-ups. */
const MAX_CALL_MS = 500

const CODES = new Set<TokenErrorCode>([
  'ERR_INVALID_ARGUMENT',
  'ERR_TOKEN_UNSUPPORTED_VERSION',
  'ERR_TOKEN_MALFORMED',
  'ERR_TOKEN_TOO_LARGE',
  'ERR_TOKEN_SIGNATURE_MISMATCH',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_CLAIM_MISMATCH',
])

let properties = 0
function property<T>(name: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => void, runs = RUNS): void {
  const seed = SEED + properties++
  test(`${name} [seed ${seed}, ${runs} runs]`, () => {
    fc.assert(fc.property(arbitrary, check), { seed, numRuns: runs })
  })
}

/** Runs `call`; it may return or throw a TokenError with a known code, within MAX_CALL_MS. Returns the code. */
function onlyTokenErrors(call: () => unknown, what: string): TokenErrorCode | 'ok' {
  const start = performance.now()
  let outcome: TokenErrorCode | 'ok' = 'ok'
  try {
    call()
  } catch (error) {
    if (!(error instanceof TokenError)) {
      assert.fail(`${what} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
    }
    assert.ok(CODES.has(error.code), `${what}: unknown code ${error.code}`)
    assert.equal(error.name, 'TokenError')
    assert.ok(!error.message.includes(CERT), 'a certificate in an error message')
    outcome = error.code
  }
  seen.set(outcome, (seen.get(outcome) ?? 0) + 1)
  const elapsed = performance.now() - start
  assert.ok(elapsed < MAX_CALL_MS, `${what} took ${elapsed.toFixed(1)} ms`)
  return outcome
}

/** Outcomes seen over the whole file: the last test checks that the fuzzing reached every check. */
const seen = new Map<TokenErrorCode | 'ok', number>()

const OTHER_CERT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'

/** Every entry point that reads a token: the library's and the compat parsers (which must return booleans). */
function exercise(
  token: string,
  claims: { channelName?: string; uid?: number; account?: string; userId?: string } = {},
): TokenErrorCode | 'ok' {
  const parsed = onlyTokenErrors(() => parseToken(token), 'parseToken')
  onlyTokenErrors(() => verifyToken(token, { certificates: CERT }), 'verifyToken')
  onlyTokenErrors(
    () => verifyToken(token, { certificates: [OTHER_CERT, CERT], now: false, channelName: 'c', uid: 1 }),
    'verifyToken(channel, uid)',
  )
  onlyTokenErrors(
    () => verifyToken(token, { certificates: CERT, now: 0, userId: 'u', appId: APP_ID }),
    'verifyToken(userId)',
  )
  if (Object.keys(claims).length > 0)
    onlyTokenErrors(() => verifyToken(token, { certificates: CERT, now: false, ...claims }), 'verifyToken(claims)')
  onlyTokenErrors(() => {
    const compat = new AccessToken2()
    const ok = compat.from_string(token)
    assert.equal(typeof ok, 'boolean')
    assert.equal(typeof compat.verifySignature(CERT), 'boolean')
    if (ok) assert.equal(parsed, 'ok', 'the compat parser accepted what parseToken rejected')
  }, 'AccessToken2#from_string')
  onlyTokenErrors(
    () => assert.equal(typeof new AccessToken('', '', '', 0).fromString(token), 'boolean'),
    'AccessToken#fromString',
  )
  return parsed
}

// ---------------------------------------------------------------------------------------------
// Seeds: valid tokens of every kind, ours and the reference's (Node zlib bytes).

const permissions = new Rtm2Permissions()
permissions.add(Rtm2Permissions.kMessageChannels, Rtm2Permissions.kRead, ['a', 'b'])
permissions.add(Rtm2Permissions.kUsers, Rtm2Permissions.kWrite, ['u'])
const VALID_007 = [
  RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, 600, 600),
  RtcTokenBuilder.buildTokenWithRtm2(APP_ID, CERT, 'c', 'acc', 1, 600, 1, 2, 3, 4, 'u', 600),
  RtmTokenBuilder.buildTokenWithPermissions(APP_ID, CERT, 'u', permissions, 600),
  ApaasTokenBuilder.buildRoomUserToken(APP_ID, CERT, 'room', 'u', 1, 600),
  ConvoAITokenBuilder.buildToken(APP_ID, CERT, 'c', 'a', 1, 600, 600, 600, 600, 600, 'u', 600),
  buildToken({
    appId: APP_ID,
    appCertificate: CERT,
    expire: 600,
    services: [
      { type: 'streaming', channelName: 'c', uid: 7, privileges: { publishMixStream: 60 } },
      { type: 'fcdn', channelName: 'c', account: 'x', privileges: { play: 60 } },
      { type: 'chat', privileges: { app: 60 } },
      { type: 'fpa', privileges: { login: 0 } },
      { type: 'stt' },
    ],
  }),
  agoraToken.RtcTokenBuilder.buildTokenWithRtm(APP_ID, CERT, 'c', 'u', 1, 600, 600),
  agoraToken.ChatTokenBuilder.buildUserToken(APP_ID, CERT, 'u', 600),
]
const VALID_006 = [
  RtcTokenBuilder006.buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, 2_000_000_000),
  RtmTokenBuilder006.buildToken(APP_ID, CERT, 'u', 1, 2_000_000_000),
  buildRtcToken({ appId: APP_ID, appCertificate: CERT, channelName: 'c', account: 'acc', version: '006' }),
]

test('the seed tokens are valid', () => {
  for (const token of [...VALID_007, ...VALID_006]) assert.equal(exercise(token), 'ok')
})

const bytesToBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const content007 = (token: string) => new Uint8Array(inflateSync(Buffer.from(token.slice(3), 'base64')))

// ---------------------------------------------------------------------------------------------
// Random input

property(
  'random strings, with and without a version prefix',
  fc.tuple(
    fc.constantFrom('', '006', '007', '006' + APP_ID, '005', '007eJ'),
    fc.string({ unit: 'binary', maxLength: 300 }),
  ),
  ([prefix, rest]) => {
    exercise(prefix + rest)
  },
)

property(
  'random base64 after "006" + App ID and after "007"',
  fc.tuple(fc.constantFrom('006' + APP_ID, '007'), fc.uint8Array({ maxLength: 400 }), fc.nat({ max: 3 })),
  ([prefix, bytes, cut]) => {
    const base64 = bytesToBase64(bytes)
    exercise(prefix + base64.slice(0, base64.length - (cut === 3 ? 0 : cut)))
  },
)

/** A random zlib stream: random deflate parameters, sometimes a raw stream with a made-up header. */
const zlibOf = (data: Uint8Array, level: number, strategy: number, windowBits: number, mode: number): Uint8Array => {
  if (mode === 0) return deflateSync(data, { level, strategy, windowBits })
  if (mode === 1)
    return Buffer.concat([Buffer.from([0x78, 0x01]), deflateRawSync(data, { level }), Buffer.from([0, 0, 0, 0])]) // bad Adler-32
  return Buffer.concat([deflateSync(data, { level }), Buffer.from([0])]) // trailing byte
}
const zlibParameters = fc.tuple(
  fc.integer({ min: 0, max: 9 }),
  fc.constantFrom(
    constants.Z_DEFAULT_STRATEGY,
    constants.Z_FILTERED,
    constants.Z_HUFFMAN_ONLY,
    constants.Z_RLE,
    constants.Z_FIXED,
  ),
  fc.integer({ min: 9, max: 15 }),
  fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.constantFrom(1, 2)),
)

property(
  'random zlib streams of random bytes',
  fc.tuple(fc.uint8Array({ maxLength: 600 }), zlibParameters),
  ([data, [level, strategy, windowBits, mode]]) => {
    exercise('007' + bytesToBase64(zlibOf(data, level, strategy, windowBits, mode)))
  },
)

/** Structured content: the 007 layout with random values, random (often wrong) lengths and counts. */
const field = fc.oneof(
  fc.record({
    kind: fc.constant('u16'),
    value: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })),
  }),
  fc.record({ kind: fc.constant('u32'), value: fc.oneof(fc.nat({ max: 0xffff_ffff }), fc.constant(0)) }),
  fc.record({
    kind: fc.constant('string'),
    value: fc.string({ unit: 'binary', maxLength: 40 }),
    lie: fc.option(fc.integer({ min: 0, max: 0xffff })),
  }),
  fc.record({ kind: fc.constant('raw'), value: fc.uint8Array({ maxLength: 16 }) }),
)
type Field = typeof field extends fc.Arbitrary<infer F> ? F : never

function pack(fields: Field[]): Uint8Array {
  const chunks: Buffer[] = []
  for (const f of fields) {
    if (f.kind === 'u16') chunks.push(Buffer.from([f.value & 255, f.value >>> 8]))
    else if (f.kind === 'u32') {
      const b = Buffer.alloc(4)
      b.writeUInt32LE(f.value)
      chunks.push(b)
    } else if (f.kind === 'string') {
      const bytes = Buffer.from(f.value)
      const length = f.lie ?? bytes.length
      chunks.push(Buffer.from([length & 255, length >>> 8]), bytes)
    } else chunks.push(Buffer.from(f.value))
  }
  return Buffer.concat(chunks)
}

property(
  'random zlib streams of structured 007 content (signature, header, services with random lengths)',
  fc.record({
    signatureLength: fc.oneof({ weight: 5, arbitrary: fc.constant(32) }, fc.integer({ min: 0, max: 40 })),
    appId: fc.oneof(fc.constant(APP_ID), fc.string({ maxLength: 40 })),
    header: fc.tuple(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff })),
    count: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(0xffff)),
    body: fc.array(
      fc.oneof(fc.record({ kind: fc.constant('u16' as const), value: fc.integer({ min: 0, max: 11 }) }), field),
      { maxLength: 40 },
    ),
    sign: fc.boolean(),
    zlib: zlibParameters,
  }),
  ({
    signatureLength,
    appId,
    header: [issuedAt, expire, salt],
    count,
    body,
    sign,
    zlib: [level, strategy, windowBits, mode],
  }) => {
    const signingInfo = pack([
      { kind: 'string', value: appId, lie: null },
      { kind: 'u32', value: issuedAt },
      { kind: 'u32', value: expire },
      { kind: 'u32', value: salt },
      { kind: 'u16', value: count },
      ...body,
    ])
    const signature = new Uint8Array(signatureLength)
    if (sign && signatureLength === 32) sign007(CERT, issuedAt, salt, signingInfo, signature)
    const content = Buffer.concat([Buffer.from([signatureLength, 0]), signature, signingInfo])
    exercise('007' + bytesToBase64(zlibOf(content, level, strategy, windowBits, mode)), {
      channelName: 'c',
      account: 'x',
      userId: 'u',
    })
  },
)

// ---------------------------------------------------------------------------------------------
// Mutations of valid tokens

property(
  'mutated token text: character flips, deletions, insertions, truncations',
  fc.tuple(
    fc.constantFrom(...VALID_007, ...VALID_006),
    fc.array(
      fc.tuple(
        fc.constantFrom('flip', 'delete', 'insert', 'truncate'),
        fc.nat(),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  ),
  ([token, edits]) => {
    let mutated = token
    for (const [kind, at, insert] of edits) {
      const i = at % (mutated.length + 1)
      if (kind === 'flip')
        mutated =
          mutated.slice(0, i) +
          String.fromCharCode((mutated.charCodeAt(i) || 65) ^ (1 + (at % 31))) +
          mutated.slice(i + 1)
      else if (kind === 'delete') mutated = mutated.slice(0, i) + mutated.slice(i + 1 + (at % 5))
      else if (kind === 'insert') mutated = mutated.slice(0, i) + insert + mutated.slice(i)
      else mutated = mutated.slice(0, i)
    }
    exercise(mutated)
  },
)

property(
  'mutated compressed bytes: bit flips, truncations and insertions in the zlib stream',
  fc.tuple(
    fc.constantFrom(...VALID_007),
    fc.array(fc.tuple(fc.constantFrom('flip', 'truncate', 'insert'), fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 4,
    }),
  ),
  ([token, edits]) => {
    let bytes = Buffer.from(token.slice(3), 'base64')
    for (const [kind, at, value] of edits) {
      const i = at % (bytes.length + 1)
      if (kind === 'flip' && i < bytes.length) bytes[i]! ^= 1 << (value % 8)
      else if (kind === 'truncate') bytes = bytes.subarray(0, i)
      else bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([value]), bytes.subarray(i)])
    }
    exercise('007' + bytesToBase64(bytes))
  },
)

/**
 * Mutations of the inflated content, re-deflated (so the stream is valid) and, half of the time,
 * re-signed (so verifyToken gets past the signature into the claims and expiry checks).
 */
property(
  'mutated 007 content: byte flips, truncations, insertions, length fields and huge counts, re-signed or not',
  fc.tuple(
    fc.constantFrom(...VALID_007),
    fc.array(
      fc.tuple(
        fc.constantFrom('flip', 'truncate', 'insert', 'u16', 'u16-max', 'count'),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffff }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    fc.boolean(),
  ),
  ([token, edits, resign]) => {
    const content = content007(token)
    let info = Buffer.from(content.subarray(34))
    for (const [kind, at, value] of edits) {
      const i = at % Math.max(info.length, 1)
      if (kind === 'flip') info[i] = (info[i] ?? 0) ^ (1 + (value % 255))
      else if (kind === 'truncate') info = info.subarray(0, i)
      else if (kind === 'insert')
        info = Buffer.concat([info.subarray(0, i), Buffer.from([value & 255, value >>> 8]), info.subarray(i)])
      else if (info.length >= 2) {
        // A 2-byte length or count field: a random value, 0xffff, or the service count (after appId + 3 u32).
        const offset = kind === 'count' ? Math.min(2 + 32 + 12, info.length - 2) : Math.min(i, info.length - 2)
        info.writeUInt16LE(kind === 'u16' ? value : 0xffff, offset)
      }
    }
    const signature = content.slice(2, 34)
    if (resign && info.length >= 2 + 32 + 12)
      sign007(CERT, info.readUInt32LE(34), info.readUInt32LE(42), info, signature)
    const mutated = '007' + bytesToBase64(deflateSync(Buffer.concat([Buffer.from([32, 0]), signature, info])))
    exercise(mutated, { channelName: 'c', uid: 1 })
    exercise(mutated, { userId: 'u' })
  },
)

property(
  'mutated 006 content: byte flips, truncations, insertions and length fields, re-signed or not',
  fc.tuple(
    fc.constantFrom(...VALID_006),
    fc.array(
      fc.tuple(fc.constantFrom('flip', 'truncate', 'insert', 'u16'), fc.nat(), fc.integer({ min: 0, max: 0xffff })),
      { minLength: 1, maxLength: 4 },
    ),
    fc.boolean(),
  ),
  ([token, edits, resign]) => {
    let content = Buffer.from(token.slice(35), 'base64')
    for (const [kind, at, value] of edits) {
      const i = at % Math.max(content.length, 1)
      if (kind === 'flip') content[i] = (content[i] ?? 0) ^ (1 + (value % 255))
      else if (kind === 'truncate') content = content.subarray(0, i)
      else if (kind === 'insert')
        content = Buffer.concat([content.subarray(0, i), Buffer.from([value & 255]), content.subarray(i)])
      else if (content.length >= 2) content.writeUInt16LE(value, Math.min(i, content.length - 2))
    }
    // Re-sign the message for channel "c" and uid "1" when the layout still holds one.
    if (resign && content.length >= 44 && content.readUInt16LE(0) === 32) {
      const message = content.subarray(44, 44 + content.readUInt16LE(42))
      const signed = Buffer.concat([Buffer.from(APP_ID), Buffer.from('c'), Buffer.from('1'), message])
      content = Buffer.from(content)
      content.set(sign006(CERT, signed), 2)
    }
    exercise('006' + APP_ID + content.toString('base64'), { channelName: 'c', uid: 1 })
  },
)

// ---------------------------------------------------------------------------------------------
// Size caps

test('a 10 MB zlib bomb of zeros fails with ERR_TOKEN_TOO_LARGE, quickly and without inflating it', () => {
  const bomb = '007' + deflateSync(Buffer.alloc(10 * 1024 * 1024), { level: 9 }).toString('base64')
  assert.ok(bomb.length < 65_536, `the bomb token is ${bomb.length} characters`)
  for (let i = 0; i < 5; i++) assert.equal(exercise(bomb), 'ERR_TOKEN_TOO_LARGE')
  // One decode allocates about the 64 KiB cap, not the 10 MB the stream expands to.
  for (let i = 0; i < 5; i++) {
    const before = process.memoryUsage().arrayBuffers
    assert.equal(
      onlyTokenErrors(() => parseToken(bomb), 'parseToken(bomb)'),
      'ERR_TOKEN_TOO_LARGE',
    )
    const grown = process.memoryUsage().arrayBuffers - before
    assert.ok(grown < 2 * 1024 * 1024, `one decode of the bomb grew array buffers by ${grown} bytes`)
  }
})

test('a bomb behind a plausible header, and content just over the cap, fail with ERR_TOKEN_TOO_LARGE', () => {
  const header = content007(VALID_007[0])
  for (const extra of [65_536, 1024 * 1024]) {
    const token = '007' + deflateSync(Buffer.concat([header, Buffer.alloc(extra)])).toString('base64')
    assert.equal(exercise(token), 'ERR_TOKEN_TOO_LARGE')
  }
  // Exactly at the cap is decoded (and then found malformed), one byte over is refused.
  const atCap = Buffer.alloc(65_536)
  assert.equal(exercise('007' + deflateSync(atCap).toString('base64')), 'ERR_TOKEN_MALFORMED')
  assert.equal(exercise('007' + deflateSync(Buffer.alloc(65_537)).toString('base64')), 'ERR_TOKEN_TOO_LARGE')
})

test('over-long token strings are refused before decoding', () => {
  for (const token of [
    '007' + 'A'.repeat(1_000_000),
    '006' + APP_ID + 'A'.repeat(1_000_000),
    '007' + 'eJ'.repeat(40_000),
  ]) {
    assert.equal(exercise(token), 'ERR_TOKEN_TOO_LARGE')
  }
})

property(
  'non-string tokens and odd options only produce ERR_INVALID_ARGUMENT',
  fc.tuple(fc.anything(), fc.anything()),
  ([token, certificates]) => {
    onlyTokenErrors(() => parseToken(token as string), 'parseToken(anything)')
    onlyTokenErrors(
      () => verifyToken(token as string, { certificates: certificates as string }),
      'verifyToken(anything)',
    )
    onlyTokenErrors(() => verifyToken(VALID_007[0], certificates as never), 'verifyToken(options: anything)')
    assert.equal(new AccessToken2().from_string(token as string), false)
    assert.equal(new AccessToken('', '', '', 0).fromString(token as string), false)
  },
)

test('the fuzzing reached every stage: parse errors, signature, claims and expiry checks, and successes', () => {
  // The counts go into the failure message only: a passing run prints nothing.
  const counts = JSON.stringify(Object.fromEntries([...seen].sort((a, b) => b[1] - a[1])))
  for (const outcome of [...CODES, 'ok' as const]) {
    assert.ok((seen.get(outcome) ?? 0) > 0, `never saw ${outcome} (saw ${counts})`)
  }
})
