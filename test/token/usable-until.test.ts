/** usableUntil: one rule for when a 006 or 007 token stops letting its holder join. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildRtcToken, buildRtmToken, buildToken, parseToken, usableUntil } from '../../src/token/index.js'
import { encodeToken006 } from '../../src/token/v006/build.js'

const appId = '970CA35de60c44645bbae8a215061b33'
const appCertificate = '5CFd2fd1755d40ecb72977518be15d3b'
const issuedAt = 1_700_000_000
const DAY = 86_400

/** A 006 token with its `ts` and privilege times given as is (the builders always set ts = now + 24 h). */
function token006(ts: number, privileges: ReadonlyArray<readonly [number, number]>): string {
  return encodeToken006({ appId, appCertificate, channelName: 'ChannelA', uid: '42', salt: 1, ts, privileges })
}

describe('usableUntil: 006', () => {
  test('a 1 h token from the builder joins for 1 h, though its ts is 24 h ahead', () => {
    const token = buildRtcToken({
      appId,
      appCertificate,
      issuedAt,
      channelName: 'ChannelA',
      uid: 42,
      expire: 3600,
      version: '006',
    })
    assert.equal(parseToken(token).expiresAt, issuedAt + DAY, 'the message ts is a day ahead')
    assert.deepEqual(usableUntil(parseToken(token)), {
      until: issuedAt + 3600,
      tokenExpiresAt: issuedAt + DAY,
      joinExpiresAt: issuedAt + 3600,
      limitedBy: 'join-privilege',
    })
  })

  test('a join privilege with no limit of its own (0) lasts as long as the token', () => {
    assert.deepEqual(usableUntil(parseToken(token006(issuedAt + DAY, [[1, 0]]))), {
      until: issuedAt + DAY,
      tokenExpiresAt: issuedAt + DAY,
      joinExpiresAt: issuedAt + DAY,
      limitedBy: 'token',
    })
  })

  test('a join privilege later than ts ends with the token', () => {
    const result = usableUntil(parseToken(token006(issuedAt + 600, [[1, issuedAt + DAY]])))
    assert.equal(result.until, issuedAt + 600)
    assert.equal(result.joinExpiresAt, issuedAt + 600)
    assert.equal(result.limitedBy, 'token')
  })

  test('a join privilege ending exactly with the token is limited by the token', () => {
    assert.equal(usableUntil(parseToken(token006(issuedAt + 600, [[1, issuedAt + 600]]))).limitedBy, 'token')
  })

  test('only the join privilege counts: a shorter publish privilege does not end the join', () => {
    const result = usableUntil(
      parseToken(
        token006(issuedAt + DAY, [
          [1, issuedAt + 3600],
          [2, issuedAt + 60],
        ]),
      ),
    )
    assert.equal(result.until, issuedAt + 3600)
  })

  test('a token without a join privilege (006 RTM) is usable until its ts', () => {
    const token = buildRtmToken({ appId, appCertificate, issuedAt, userId: 'alice', expire: 600, version: '006' })
    assert.deepEqual(usableUntil(parseToken(token)), {
      until: issuedAt + DAY,
      tokenExpiresAt: issuedAt + DAY,
      joinExpiresAt: undefined,
      limitedBy: 'token',
    })
  })
})

describe('usableUntil: 007', () => {
  test("the token's expiry and the join privilege's, when the join ends first", () => {
    const token = buildRtcToken({
      appId,
      appCertificate,
      issuedAt,
      channelName: 'ChannelA',
      uid: 42,
      expire: 3600,
      privilegeExpire: 40,
    })
    assert.deepEqual(usableUntil(parseToken(token)), {
      until: issuedAt + 40,
      tokenExpiresAt: issuedAt + 3600,
      joinExpiresAt: issuedAt + 40,
      limitedBy: 'join-privilege',
    })
  })

  test('a join privilege as long as the token', () => {
    const token = buildRtcToken({ appId, appCertificate, issuedAt, channelName: 'ChannelA', uid: 42, expire: 600 })
    assert.deepEqual(usableUntil(parseToken(token)), {
      until: issuedAt + 600,
      tokenExpiresAt: issuedAt + 600,
      joinExpiresAt: issuedAt + 600,
      limitedBy: 'token',
    })
  })

  test('a privilege of 0 or longer than the token ends with the token', () => {
    for (const joinChannel of [0, 7200]) {
      const token = buildToken({
        appId,
        appCertificate,
        issuedAt,
        expire: 600,
        services: [{ type: 'rtc', channelName: 'ChannelA', uid: 42, privileges: { joinChannel } }],
      })
      assert.equal(usableUntil(parseToken(token)).until, issuedAt + 600, `joinChannel ${joinChannel}`)
    }
  })

  test('an RTC token with RTM: the RTM login does not shorten the join', () => {
    const token = buildRtcToken({
      appId,
      appCertificate,
      issuedAt,
      channelName: 'ChannelA',
      uid: 42,
      expire: 600,
      rtm: { userId: 'bob', expire: 60 },
    })
    assert.equal(usableUntil(parseToken(token)).until, issuedAt + 600)
  })

  test('a token without RTC is usable until it expires', () => {
    const token = buildRtmToken({ appId, appCertificate, issuedAt, userId: 'alice', expire: 600 })
    const result = usableUntil(parseToken(token))
    assert.equal(result.until, issuedAt + 600)
    assert.equal(result.joinExpiresAt, undefined)
    assert.equal(result.limitedBy, 'token')
  })
})
