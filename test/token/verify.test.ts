/** verifyToken: signature first, then App ID, channel and uid or user id, then expiry. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildRtcToken, buildRtmToken, buildToken, TokenError, verifyToken } from '../../src/token/index.js'

const appId = '970CA35de60c44645bbae8a215061b33'
const primary = '5CFd2fd1755d40ecb72977518be15d3b'
const secondary = '0123456789abcdef0123456789abcdef'
const other = 'ffffffffffffffffffffffffffffffff'
const issuedAt = 1_700_000_000
const fixed = { appId, appCertificate: primary, issuedAt, salt: 7 }

function fails(fn: () => unknown, code: string, field?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TokenError, String(error))
    assert.equal(error.code, code, error.message)
    if (field !== undefined) assert.equal(error.field, field)
    for (const secret of [primary, secondary, other]) assert.ok(!error.message.includes(secret))
    return true
  })
}

const rtc = buildRtcToken({
  ...fixed,
  channelName: 'ChannelA',
  uid: 42,
  expire: 600,
  privilegeExpire: { joinChannel: 300 },
})

test('a genuine token verifies and reports which certificate signed it', () => {
  assert.equal(verifyToken(rtc, { certificates: primary, now: issuedAt }).certificateIndex, 0)
  assert.equal(verifyToken(rtc, { certificates: [other, primary], now: issuedAt }).certificateIndex, 1)
  const bySecondary = buildRtcToken({ ...fixed, appCertificate: secondary, channelName: 'ChannelA', uid: 42 })
  assert.equal(verifyToken(bySecondary, { certificates: [primary, secondary], now: issuedAt }).certificateIndex, 1)
})

test('a wrong certificate is a signature mismatch, checked before any claim', () => {
  fails(() => verifyToken(rtc, { certificates: other, now: issuedAt }), 'ERR_TOKEN_SIGNATURE_MISMATCH', 'signature')
  // Wrong channel and expired too: the signature failure is what is reported.
  fails(
    () => verifyToken(rtc, { certificates: other, channelName: 'B', now: issuedAt + 10_000 }),
    'ERR_TOKEN_SIGNATURE_MISMATCH',
  )
})

test('a tampered token never verifies', () => {
  const tampered = buildRtcToken({ ...fixed, channelName: 'ChannelB', uid: 42, expire: 600, appCertificate: other })
  fails(() => verifyToken(tampered, { certificates: primary, now: issuedAt }), 'ERR_TOKEN_SIGNATURE_MISMATCH')
})

test('claims: App ID, channel and uid must match; the wildcard uid matches any uid', () => {
  const at = { certificates: primary, now: issuedAt }
  assert.equal(
    verifyToken(rtc, { ...at, appId: appId.toLowerCase(), channelName: 'ChannelA', uid: 42 }).certificateIndex,
    0,
  )
  fails(
    () => verifyToken(rtc, { ...at, appId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }),
    'ERR_TOKEN_CLAIM_MISMATCH',
    'appId',
  )
  fails(() => verifyToken(rtc, { ...at, channelName: 'ChannelB', uid: 42 }), 'ERR_TOKEN_CLAIM_MISMATCH', 'channelName')
  fails(() => verifyToken(rtc, { ...at, channelName: 'ChannelA', uid: 43 }), 'ERR_TOKEN_CLAIM_MISMATCH', 'uid')
  fails(
    () => verifyToken(rtc, { ...at, channelName: 'ChannelA', account: 'alice' }),
    'ERR_TOKEN_CLAIM_MISMATCH',
    'account',
  )
  fails(() => verifyToken(rtc, { ...at, userId: 'alice' }), 'ERR_TOKEN_CLAIM_MISMATCH', 'userId')
  const wildcard = buildRtcToken({ ...fixed, channelName: 'ChannelA', uid: 0 })
  assert.equal(verifyToken(wildcard, { ...at, channelName: 'ChannelA', uid: 99 }).certificateIndex, 0)
  assert.equal(verifyToken(wildcard, { ...at, channelName: 'ChannelA', account: 'bob' }).certificateIndex, 0)
})

test('expiry: the token, then the join privilege; now: false skips both', () => {
  fails(() => verifyToken(rtc, { certificates: primary, now: issuedAt + 600 }), 'ERR_TOKEN_EXPIRED', 'expire')
  assert.equal(verifyToken(rtc, { certificates: primary, now: issuedAt + 599 }).certificateIndex, 0)
  // Join ends at 300 s while the token lives 600 s.
  fails(
    () => verifyToken(rtc, { certificates: primary, channelName: 'ChannelA', uid: 42, now: issuedAt + 300 }),
    'ERR_TOKEN_EXPIRED',
    'privileges.joinChannel',
  )
  assert.equal(
    verifyToken(rtc, { certificates: primary, now: false, channelName: 'ChannelA', uid: 42 }).certificateIndex,
    0,
  )
  // Default: now. A token issued in 2023 for 10 minutes has expired.
  fails(() => verifyToken(rtc, { certificates: primary }), 'ERR_TOKEN_EXPIRED')
})

test('user ids are checked against RTM, RTM2 and Chat services', () => {
  const rtm = buildRtmToken({ ...fixed, userId: 'alice', expire: 60 })
  assert.equal(verifyToken(rtm, { certificates: primary, userId: 'alice', now: issuedAt }).certificateIndex, 0)
  fails(
    () => verifyToken(rtm, { certificates: primary, userId: 'bob', now: issuedAt }),
    'ERR_TOKEN_CLAIM_MISMATCH',
    'userId',
  )
  fails(
    () => verifyToken(rtm, { certificates: primary, channelName: 'c', now: issuedAt }),
    'ERR_TOKEN_CLAIM_MISMATCH',
    'channelName',
  )
  const noLogin = buildToken({ ...fixed, expire: 60, services: [{ type: 'rtm', userId: 'alice', privileges: {} }] })
  fails(
    () => verifyToken(noLogin, { certificates: primary, userId: 'alice', now: issuedAt }),
    'ERR_TOKEN_CLAIM_MISMATCH',
    'privileges.login',
  )
})

test('006: verified with the channel and uid it signs; mismatches are told apart by CRC', () => {
  const legacy = buildRtcToken({ ...fixed, channelName: 'ChannelA', uid: 42, expire: 600, version: '006' })
  const at = { certificates: [secondary, primary], now: issuedAt }
  assert.equal(verifyToken(legacy, { ...at, channelName: 'ChannelA', uid: 42 }).certificateIndex, 1)
  fails(() => verifyToken(legacy, { ...at }), 'ERR_INVALID_ARGUMENT', 'channelName')
  fails(
    () => verifyToken(legacy, { ...at, channelName: 'ChannelB', uid: 42 }),
    'ERR_TOKEN_CLAIM_MISMATCH',
    'channelName',
  )
  fails(() => verifyToken(legacy, { ...at, channelName: 'ChannelA', uid: 41 }), 'ERR_TOKEN_CLAIM_MISMATCH', 'uid')
  fails(
    () => verifyToken(legacy, { certificates: other, channelName: 'ChannelA', uid: 42, now: issuedAt }),
    'ERR_TOKEN_SIGNATURE_MISMATCH',
  )
  fails(
    () => verifyToken(legacy, { ...at, channelName: 'ChannelA', uid: 42, now: issuedAt + 600 }),
    'ERR_TOKEN_EXPIRED',
    'privileges.joinChannel',
  )
  const wildcard = buildRtcToken({ ...fixed, channelName: 'ChannelA', uid: 0, version: '006' })
  assert.equal(verifyToken(wildcard, { ...at, channelName: 'ChannelA', uid: 1234 }).certificateIndex, 1)
  const rtm = buildRtmToken({ ...fixed, userId: 'alice', version: '006' })
  assert.equal(verifyToken(rtm, { ...at, userId: 'alice' }).certificateIndex, 1)
  fails(() => verifyToken(rtm, { ...at, userId: 'bob' }), 'ERR_TOKEN_CLAIM_MISMATCH', 'userId')
})

test('bad options are argument errors that never echo a certificate', () => {
  fails(() => verifyToken(rtc, { certificates: [] }), 'ERR_INVALID_ARGUMENT', 'certificates')
  fails(
    () => verifyToken(rtc, { certificates: [primary, primary.slice(0, 31) + 'z'] }),
    'ERR_INVALID_ARGUMENT',
    'certificates[1]',
  )
  fails(() => verifyToken(rtc, { certificates: primary, uid: -1 }), 'ERR_INVALID_ARGUMENT', 'uid')
  fails(() => verifyToken(rtc, { certificates: primary, now: Number.NaN }), 'ERR_INVALID_ARGUMENT', 'now')
  fails(() => verifyToken(rtc, null as never), 'ERR_INVALID_ARGUMENT', 'options')
  fails(() => verifyToken(42 as never, { certificates: primary }), 'ERR_INVALID_ARGUMENT', 'token')
})
