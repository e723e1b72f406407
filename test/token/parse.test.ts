/** parseToken: versions, readable times, unknown services and hostile structure. */
import assert from 'node:assert/strict'
import { deflateSync } from 'node:zlib'
import { test } from 'node:test'
import { buildToken, parseToken, TokenError, verifyToken } from '../../src/token/index.js'
import { ByteWriter } from '../../src/token/primitives/bytes.js'
import { hmacSha256 } from '../../src/token/primitives/hmac.js'
import { uidOf } from '../../src/token/v007/parse.js'

const appId = '970CA35de60c44645bbae8a215061b33'
const cert = '5CFd2fd1755d40ecb72977518be15d3b'
const issuedAt = 1_700_000_000

function fails(input: unknown, code: string, field?: string): void {
  assert.throws(
    () => parseToken(input as string),
    (error: unknown) => {
      assert.ok(error instanceof TokenError, String(error))
      assert.equal(error.code, code, error.message)
      if (field) assert.equal(error.field, field)
      return true
    },
  )
}

/** A signed 007 token from raw signing-info bytes, to reach what the builders never produce. */
function rawToken(build: (w: ByteWriter) => void, salt = 1): string {
  const info = new ByteWriter().putString(appId, 'a').putUint32LE(issuedAt).putUint32LE(600).putUint32LE(salt)
  build(info)
  const u32 = (n: number) => Uint8Array.of(n, n >>> 8, n >>> 16, n >>> 24)
  const k1 = hmacSha256(u32(issuedAt), new TextEncoder().encode(cert))
  const signature = hmacSha256(hmacSha256(u32(salt), k1), info.view())
  const content = new ByteWriter().putBytes(signature, 's').putRaw(info.view()).view()
  return '007' + deflateSync(content).toString('base64')
}

test('privilege times: relative as stored, absolute capped by the token, 0 = as long as the token', () => {
  const token = buildToken({
    appId,
    appCertificate: cert,
    issuedAt,
    salt: 1,
    expire: 600,
    services: [
      {
        type: 'rtc',
        channelName: 'c',
        uid: 5,
        privileges: { joinChannel: 300, publishAudioStream: 0, publishVideoStream: 86400 },
      },
    ],
  })
  const parsed = parseToken(token)
  assert.equal(parsed.version, '007')
  if (parsed.version !== '007') return
  assert.deepEqual([parsed.issuedAt, parsed.expire, parsed.expiresAt], [issuedAt, 600, issuedAt + 600])
  assert.deepEqual(parsed.services[0]!.privileges, [
    { id: 1, name: 'joinChannel', expire: 300, expiresAt: issuedAt + 300 },
    { id: 2, name: 'publishAudioStream', expire: 0, expiresAt: issuedAt + 600 },
    { id: 3, name: 'publishVideoStream', expire: 86400, expiresAt: issuedAt + 600 },
  ])
  assert.match(parsed.signature, /^[0-9a-f]{64}$/)
})

test('an unknown service type stops reading, keeps what came before, and still verifies', () => {
  const token = rawToken((w) => {
    w.putUint16LE(2)
      .putUint16LE(2)
      .putUint32Map([[1, 600]])
      .putString('alice', 'u')
    w.putUint16LE(999).putUint16LE(0)
  })
  const parsed = parseToken(token)
  assert.ok(parsed.version === '007')
  assert.deepEqual(
    parsed.services.map((s) => s.type),
    ['rtm'],
  )
  assert.equal(parsed.unknownServiceType, 999)
  assert.equal(verifyToken(token, { certificates: cert, now: false }).certificateIndex, 0)
})

test('unknown privilege ids and RTM2 types are shown by number', () => {
  const token = rawToken((w) => {
    w.putUint16LE(1)
      .putUint16LE(8)
      .putUint32Map([
        [1, 60],
        [77, 5],
      ])
      .putString('bob', 'u')
    w.putUint16LE(1).putUint16LE(9).putUint16LE(1).putUint16LE(3).putUint16LE(1).putString('r', 'n')
  })
  const parsed = parseToken(token)
  assert.ok(parsed.version === '007')
  const rtm2 = parsed.services[0]!
  assert.deepEqual(
    rtm2.privileges.map((p) => p.name),
    ['login', 'privilege77'],
  )
  assert.deepEqual(rtm2.type === 'rtm2' && rtm2.permissions, { '9': { '3': ['r'] } })
})

test('strings come back exactly as signed: a leading BOM is kept, non-ASCII decoded, bad UTF-8 named', () => {
  const user = (bytes: number[]) =>
    rawToken((w) =>
      w
        .putUint16LE(1)
        .putUint16LE(2)
        .putUint32Map([[1, 0]])
        .putUint16LE(bytes.length)
        .putRaw(Uint8Array.from(bytes)),
    )
  const userIdOf = (token: string) => {
    const parsed = parseToken(token)
    assert.ok(parsed.version === '007' && parsed.services[0]!.type === 'rtm')
    return parsed.services[0].userId
  }
  assert.equal(userIdOf(user([0xef, 0xbb, 0xbf, 0x61])), '\ufeffa')
  assert.equal(userIdOf(user([0xc3, 0xa9, 0x74, 0xc3, 0xa9])), 'été')
  assert.equal(userIdOf(user([])), '')
  fails(user([0x61, 0xc3]), 'ERR_TOKEN_MALFORMED', 'services[0].userId')
  fails(user([0xed, 0xa0, 0x80]), 'ERR_TOKEN_MALFORMED', 'services[0].userId')
})

test('an RTC account is read as a uid only when it is the canonical decimal text of 1..2^32-1', () => {
  const uids: Array<[string, number | undefined]> = [
    ['1', 1],
    ['2882341273', 2882341273],
    ['4294967295', 4294967295],
    ['4294967296', undefined],
    ['', undefined],
    ['0', undefined],
    ['01', undefined],
    ['12a', undefined],
    ['99999999999', undefined],
    [' 1', undefined],
    ['+1', undefined],
    ['1.0', undefined],
    ['1e3', undefined],
    ['\u0661', undefined],
    ['/', undefined],
    [':', undefined],
  ]
  for (const [account, uid] of uids) assert.equal(uidOf(account), uid, JSON.stringify(account))
})

test('structural damage is ERR_TOKEN_MALFORMED naming the field', () => {
  fails(
    rawToken((w) => w.putUint16LE(1).putUint16LE(1).putUint16LE(1).putUint16LE(1)),
    'ERR_TOKEN_MALFORMED',
    'services[0].privileges',
  )
  fails(
    rawToken((w) => w.putUint16LE(1).putUint16LE(2).putUint16LE(0).putUint16LE(10)),
    'ERR_TOKEN_MALFORMED',
    'services[0].userId',
  )
  fails(
    rawToken((w) => w.putUint16LE(3)),
    'ERR_TOKEN_MALFORMED',
    'services[0].type',
  )
  fails('007' + deflateSync(Buffer.from([20, 0, 1, 2])).toString('base64'), 'ERR_TOKEN_MALFORMED', 'signature')
  fails(
    '007' + deflateSync(Buffer.from([16, 0, ...new Array(16).fill(0)])).toString('base64'),
    'ERR_TOKEN_MALFORMED',
    'signature',
  )
})

test('versions: 006 and 007 parse, anything else is unsupported, non-strings are argument errors', () => {
  fails('', 'ERR_TOKEN_UNSUPPORTED_VERSION', 'version')
  fails('005abc', 'ERR_TOKEN_UNSUPPORTED_VERSION', 'version')
  fails(' 007eJx', 'ERR_TOKEN_UNSUPPORTED_VERSION')
  fails(undefined, 'ERR_INVALID_ARGUMENT', 'token')
  fails({}, 'ERR_INVALID_ARGUMENT', 'token')
  fails('006' + 'z'.repeat(32) + 'AAAA', 'ERR_TOKEN_MALFORMED', 'appId')
})

test('oversized input is refused before decoding', () => {
  fails('007' + 'A'.repeat(70_000), 'ERR_TOKEN_TOO_LARGE')
  fails('006' + appId + 'A'.repeat(9000), 'ERR_TOKEN_TOO_LARGE')
  const bomb = '007' + deflateSync(Buffer.alloc(1_000_000)).toString('base64')
  fails(bomb, 'ERR_TOKEN_TOO_LARGE')
})
