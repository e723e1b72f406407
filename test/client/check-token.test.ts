import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkToken, type TokenExpectation } from '../../src/client/check-token.js'
import { buildRtcToken } from '../../src/token/index.js'
import { APP_ID, CERTIFICATE, OTHER_APP_ID, nowSeconds, rtcToken, rtmToken, tokenWithoutJoin } from './fixtures.js'

const rtc = (extra: Partial<Extract<TokenExpectation, { service: 'rtc' }>> = {}): TokenExpectation => ({
  service: 'rtc',
  channelName: 'ChannelA',
  uid: 42,
  ...extra,
})
const at = (now = nowSeconds()) => ({ now, minValiditySeconds: 30 })

test('a 007 token for the channel and uid passes, and its end is the earlier of token and join privilege', () => {
  const issuedAt = nowSeconds()
  const facts = checkToken(
    rtcToken({ issuedAt, expire: 600, privilegeExpire: 300 }),
    rtc({ appId: APP_ID }),
    at(issuedAt),
  )
  assert.deepEqual(facts, {
    version: '007',
    appId: APP_ID,
    issuedAt,
    tokenExpiresAt: issuedAt + 600,
    expiresAt: issuedAt + 300,
  })
})

test('a 007 token passes by account, and wildcard channel and uid tokens pass for anyone', () => {
  checkToken(rtcToken({ account: 'alice' }), rtc({ uid: undefined, account: 'alice' }), at())
  checkToken(rtcToken({ channelName: '' }), rtc(), at())
  checkToken(rtcToken({ uid: 0 }), rtc({ uid: 7 }), at())
  checkToken(rtcToken({ uid: 0 }), rtc({ uid: 0 }), at())
})

test('a token for another App ID, channel, uid or account is refused as a mismatch', () => {
  const cases: [string, TokenExpectation, string][] = [
    [rtcToken(), rtc({ appId: OTHER_APP_ID }), 'appId'],
    [rtcToken({ channelName: 'ChannelB' }), rtc(), 'channelName'],
    [rtcToken({ uid: 43 }), rtc(), 'uid'],
    [rtcToken({ account: 'bob' }), rtc({ uid: undefined, account: 'alice' }), 'account'],
    // The SDK picks the uid when joining with 0, so only a wildcard token can work.
    [rtcToken({ uid: 42 }), rtc({ uid: 0 }), 'uid'],
    [rtmToken('alice'), rtc(), 'service'],
    [tokenWithoutJoin(), rtc(), 'privileges.joinChannel'],
  ]
  for (const [token, expectation, field] of cases) {
    assert.throws(
      () => checkToken(token, expectation, at()),
      (error: any) => {
        assert.equal(error.name, 'TokenClientError')
        assert.equal(error.code, 'ERR_TOKEN_MISMATCH')
        assert.equal(error.field, field)
        assert.ok(!error.message.includes(token), 'the message must not contain the token')
        return true
      },
    )
  }
})

test('a token with less life left than minValiditySeconds is refused as expiring, an expired one too', () => {
  const issuedAt = nowSeconds() - 15
  assert.throws(() => checkToken(rtcToken({ issuedAt }), rtc(), at(issuedAt + 15)), {
    name: 'TokenClientError',
    code: 'ERR_TOKEN_EXPIRING',
    message: /25 s left, less than the 30 s needed/,
  })
  assert.throws(() => checkToken(rtcToken({ issuedAt: issuedAt - 100 }), rtc(), at(issuedAt + 15)), {
    code: 'ERR_TOKEN_EXPIRING',
    message: /expired 75 s ago/,
  })
  // A short join privilege counts, even when the token itself lives long.
  assert.throws(() => checkToken(rtcToken({ expire: 600, privilegeExpire: 20 }), rtc(), at()), {
    code: 'ERR_TOKEN_EXPIRING',
  })
  // minValiditySeconds 0 only refuses what has expired.
  checkToken(rtcToken({ issuedAt }), rtc(), { now: issuedAt + 15, minValiditySeconds: 0 })
})

test('RTM: a 007 RTM token for the user passes; another user is a mismatch', () => {
  const issuedAt = nowSeconds()
  const facts = checkToken(rtmToken('alice', { issuedAt }), { service: 'rtm', userId: 'alice' }, at(issuedAt))
  assert.equal(facts.expiresAt, issuedAt + 40)
  assert.throws(() => checkToken(rtmToken('bob'), { service: 'rtm', userId: 'alice' }, at()), {
    code: 'ERR_TOKEN_MISMATCH',
    field: 'userId',
  })
})

test('006: the channel and uid are matched through their CRC-32s; uid 0 tokens are wildcards', () => {
  const token = buildRtcToken({
    appId: APP_ID,
    appCertificate: CERTIFICATE,
    channelName: 'ChannelA',
    uid: 42,
    expire: 600,
    version: '006',
  })
  const facts = checkToken(token, rtc(), at())
  assert.equal(facts.version, '006')
  assert.equal(facts.issuedAt, undefined)
  assert.throws(() => checkToken(token, rtc({ channelName: 'ChannelB' }), at()), {
    code: 'ERR_TOKEN_MISMATCH',
    field: 'channelName',
  })
  assert.throws(() => checkToken(token, rtc({ uid: 43 }), at()), { code: 'ERR_TOKEN_MISMATCH', field: 'uid' })
  const wildcard = buildRtcToken({
    appId: APP_ID,
    appCertificate: CERTIFICATE,
    channelName: 'ChannelA',
    uid: 0,
    expire: 600,
    version: '006',
  })
  checkToken(wildcard, rtc({ uid: 99 }), at())
  const rtm006 = rtmToken('alice', { version: '006', expire: 600 })
  checkToken(rtm006, { service: 'rtm', userId: 'alice' }, at())
  assert.throws(() => checkToken(rtm006, { service: 'rtm', userId: 'bob' }, at()), {
    code: 'ERR_TOKEN_MISMATCH',
    field: 'userId',
  })
})

test('text that is not a token is refused as unreadable, with the parser error code', () => {
  assert.throws(() => checkToken('hello', rtc(), at()), {
    name: 'TokenClientError',
    code: 'ERR_TOKEN_UNREADABLE',
    message: /ERR_TOKEN_UNSUPPORTED_VERSION/,
  })
  assert.throws(() => checkToken('007AAAA', rtc(), at()), {
    code: 'ERR_TOKEN_UNREADABLE',
    message: /ERR_TOKEN_MALFORMED/,
  })
})
