import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { deflateSync, inflateSync } from 'node:zlib'
import {
  buildApaasToken,
  buildChatToken,
  buildFpaToken,
  buildRtcToken,
  buildRtmToken,
  parseToken,
} from '../../../src/token/index.js'
import { APP_ID, assertUsage, CERTIFICATE, NOW, run } from '../helpers.js'

// Issued 2 s before NOW, so "expires in 9m 58s".
const common = { appId: APP_ID, appCertificate: CERTIFICATE, issuedAt: NOW - 2, salt: 7 }
const RTC_007 = buildRtcToken({
  ...common,
  channelName: 'ChannelA',
  uid: 42,
  expire: 600,
  rtm: { userId: 'bob', expire: 60 },
})
const RTC_006 = buildRtcToken({ ...common, channelName: 'ChannelA', uid: 42, expire: 600, version: '006' })

const VIEW_007 = `Version     007 (AccessToken2)
App ID      970CA35de60c44645bbae8a215061b33
Issued at   2023-11-14T22:13:18Z (2s ago)
Expires at  2023-11-14T22:23:18Z (expires in 9m 58s)
Lifetime    600 s (10m)
Salt        7
Signature   ${parseToken(RTC_007).signature}

Service 1: rtc (type 1)
  Channel  ChannelA
  Account  42 (uid)
  Privileges
    joinChannel         +600 s  2023-11-14T22:23:18Z  expires in 9m 58s
    publishAudioStream  +600 s  2023-11-14T22:23:18Z  expires in 9m 58s
    publishVideoStream  +600 s  2023-11-14T22:23:18Z  expires in 9m 58s
    publishDataStream   +600 s  2023-11-14T22:23:18Z  expires in 9m 58s

Service 2: rtm (type 2)
  User ID  bob
  Privileges
    login  +60 s  2023-11-14T22:14:18Z  expires in 58s
`

// The join privilege ends after 10 min, the message ts a day after the build: joining stops at the first.
const VIEW_006 = `Version        006 (AccessToken)
App ID         970CA35de60c44645bbae8a215061b33
Usable until   2023-11-14T22:23:18Z (expires in 9m 58s; the joinChannel privilege ends first)
Token expires  2023-11-15T22:13:18Z (expires in 23h 59m; the message ts)
Salt           7
Signature      ${parseToken(RTC_006).signature}
Channel CRC    0xc2b5d160
Uid CRC        0x3224b088

Privileges
  joinChannel         2023-11-14T22:23:18Z  expires in 9m 58s
  publishAudioStream  2023-11-14T22:23:18Z  expires in 9m 58s
  publishVideoStream  2023-11-14T22:23:18Z  expires in 9m 58s
  publishDataStream   2023-11-14T22:23:18Z  expires in 9m 58s
`

describe('agate inspect: human-readable view', () => {
  test('007: times with remaining time, salt, signature, services and privileges', async () => {
    const result = await run(['inspect', RTC_007])
    assert.equal(result.code, 0)
    assert.equal(result.stderr, '')
    assert.equal(result.stdout, VIEW_007)
  })

  test("007 whose join privilege ends first: when joining stops, and the token's own end", async () => {
    const token = buildRtcToken({ ...common, channelName: 'ChannelA', uid: 42, expire: 3600, privilegeExpire: 40 })
    const result = await run(['inspect', token])
    assert.equal(result.code, 0)
    const lines = result.stdout.split('\n')
    assert.equal(lines[3], 'Usable until   2023-11-14T22:13:58Z (expires in 38s; the joinChannel privilege ends first)')
    assert.equal(lines[4], 'Token expires  2023-11-14T23:13:18Z (expires in 59m 58s)')
    assert.equal(lines[5], 'Lifetime       3600 s (1h)')
  })

  test('006 whose join privilege ends with the message ts: one expiry', async () => {
    const token = buildRtcToken({ ...common, channelName: 'ChannelA', uid: 42, expire: 86_400, version: '006' })
    const result = await run(['inspect', token])
    assert.match(result.stdout, /^Expires at {3}2023-11-15T22:13:18Z \(expires in 23h 59m; the message ts\)$/m)
    assert.doesNotMatch(result.stdout, /Usable until|Token expires/)
  })

  test('006: expiry, CRCs and absolute privilege times', async () => {
    const result = await run(['inspect', RTC_006])
    assert.equal(result.code, 0)
    assert.equal(result.stdout, VIEW_006)
  })

  test('an expired token says how long ago', async () => {
    const result = await run(['inspect', RTC_007], { now: NOW + 3 * 3600 + 598 })
    assert.equal(result.code, 0)
    assert.match(result.stdout, /^Expires at {2}2023-11-14T22:23:18Z \(expired 3h ago\)$/m)
    assert.match(result.stdout, /login {2}\+60 s {2}2023-11-14T22:14:18Z {2}expired 3h 9m ago$/m)
  })

  test('wildcards, app tokens and every other service', async () => {
    const cases: Array<[string, RegExp[]]> = [
      [
        buildRtcToken({ ...common, channelName: '', uid: 0, privilegeExpire: 0 }),
        [/Channel {2}"" \(any channel\)/, /Account {2}"" \(uid 0: any user\)/, /\+0 \(as long as the token\)/],
      ],
      [buildRtcToken({ ...common, channelName: 'a', account: 'alice' }), [/Account {2}alice$/m]],
      [
        buildRtmToken({
          ...common,
          userId: 'alice',
          permissions: { messageChannels: { read: ['a', 'b'] }, users: { write: ['bob'] } },
        }),
        [/Service 1: rtm2 \(type 8\)/, /messageChannels read {2}a, b/, /users write {11}bob/],
      ],
      [buildChatToken(common), [/Service 1: chat \(type 5\)/, /User ID {2}"" \(app token\)/, /app {2}\+3600 s/]],
      [buildChatToken({ ...common, userId: 'carol' }), [/User ID {2}carol/, /user {2}\+3600 s/]],
      [
        buildApaasToken({ ...common, roomUuid: 'r1', userUuid: 'u1', role: 'student' }),
        [/Service 3: apaas \(type 7\)/, /Room {2}r1/, /Role {2}2 \(student\)/],
      ],
      [buildApaasToken(common), [/Role {2}-1 \(none\)/, /app {2}\+3600 s/]],
      [buildFpaToken(common), [/Service 1: fpa \(type 4\)/, /Lifetime {4}86400 s \(1d\)/]],
      [
        buildRtmToken({ ...common, userId: 'alice', version: '006' }),
        [/Uid CRC {6}0x00000000 \(uid "" or 0: any user\)/, /rtmLogin {2}2023/],
      ],
    ]
    for (const [token, patterns] of cases) {
      const result = await run(['inspect', token])
      assert.equal(result.code, 0, result.stderr)
      for (const pattern of patterns) assert.match(result.stdout, pattern)
    }
  })
})

describe('agate inspect: unknown services', () => {
  test('a service of an unknown type is reported where reading stopped', async () => {
    // Rewrite the service type of an FPA token (after signature, App ID, times, salt and count).
    const content = inflateSync(Buffer.from(buildFpaToken(common).slice(3), 'base64'))
    content.writeUInt16LE(99, 2 + 32 + 2 + 32 + 4 + 4 + 4 + 2)
    const result = await run(['inspect', `007${deflateSync(content).toString('base64')}`])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^Service 1: unknown type 99; reading stops there/m)
  })
})

describe('agate inspect: input', () => {
  test('"-" reads stdin and whitespace around the token is trimmed', async () => {
    const result = await run(['inspect', '-'], { stdin: `\n  ${RTC_007}\r\n` })
    assert.equal(result.code, 0)
    assert.equal(result.stdout, VIEW_007)
    assert.equal((await run(['inspect', ` ${RTC_007}\n`])).stdout, VIEW_007)
  })

  test('a missing token, empty stdin or no stdin is a usage error', async () => {
    assertUsage(await run(['inspect']), 'a token is required (or "-" to read it from stdin)')
    assertUsage(await run(['inspect', '-'], { stdin: ' \n' }), 'stdin holds no token')
    assertUsage(await run(['inspect', '-']), 'cannot read stdin here')
    assertUsage(await run(['inspect', RTC_007, 'extra']), "unexpected argument 'extra'")
    assertUsage(await run(['inspect', RTC_007, '--verbose']), 'unknown option --verbose')
  })

  test('a malformed token exits 1 with its error code', async () => {
    const cases: Array<[string, string]> = [
      ['007abc', 'ERR_TOKEN_MALFORMED'],
      ['007' + Buffer.from('not zlib').toString('base64'), 'ERR_TOKEN_MALFORMED'],
      [RTC_007.slice(0, 40), 'ERR_TOKEN_MALFORMED'],
      ['008' + RTC_007.slice(3), 'ERR_TOKEN_UNSUPPORTED_VERSION'],
      ['hello', 'ERR_TOKEN_UNSUPPORTED_VERSION'],
      ['007' + 'A'.repeat(70_000), 'ERR_TOKEN_TOO_LARGE'],
    ]
    for (const [token, code] of cases) {
      const result = await run(['inspect', token])
      assert.equal(result.code, 1, token.slice(0, 20))
      assert.equal(result.stdout, '')
      assert.ok(result.stderr.startsWith(`agate inspect: ${code}: `), result.stderr)
      assert.equal(result.stderr.trimEnd().split('\n').length, 1)
    }
  })
})

describe('agate inspect --json', () => {
  test('007: the parsed token plus expired and remainingSeconds', async () => {
    const result = await run(['inspect', RTC_007, '--json'])
    assert.equal(result.code, 0)
    const output = JSON.parse(result.stdout)
    const until = NOW - 2 + 600
    assert.deepEqual(output, {
      ...parseToken(RTC_007),
      usableUntil: { until, tokenExpiresAt: until, joinExpiresAt: until, limitedBy: 'token' },
      expired: false,
      remainingSeconds: 598,
    })
  })

  test('006: expired once the join privilege ends, though the message ts is hours ahead', async () => {
    const output = JSON.parse((await run(['inspect', '--json', RTC_006], { now: NOW + 600 })).stdout)
    assert.equal(output.version, '006')
    assert.equal(output.crcUid, 0x3224b088)
    assert.deepEqual(output.usableUntil, {
      until: NOW - 2 + 600,
      tokenExpiresAt: NOW - 2 + 86_400,
      joinExpiresAt: NOW - 2 + 600,
      limitedBy: 'join-privilege',
    })
    assert.equal(output.expired, true)
    assert.equal(output.remainingSeconds, -2)
  })

  test('--help', async () => {
    const result = await run(['inspect', '--help'])
    assert.equal(result.code, 0)
    assert.match(result.stdout, /^Usage: agate inspect <token\|->/)
  })
})
