import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSandbox, SandboxError, type SandboxOptions } from '../../src/sandbox/index.js'
import { buildRtcToken, buildToken } from '../../src/token/index.js'
import { APP_ID, CERTIFICATE, OTHER_APP_ID, OTHER_CERTIFICATE, SECONDARY } from '../client/fixtures.js'
import { ManualClock } from './manual-clock.js'

function setup(options: Partial<SandboxOptions> = {}) {
  const clock = new ManualClock()
  const sandbox = createSandbox({
    apps: [{ appId: APP_ID, certificates: [CERTIFICATE, SECONDARY] }],
    clock,
    ...options,
  })
  /** A token for ChannelA / uid 42 issued now on the manual clock (40 s unless told). */
  const token = (extra: Record<string, unknown> = {}): string =>
    buildRtcToken({
      appId: APP_ID,
      appCertificate: CERTIFICATE,
      channelName: 'ChannelA',
      uid: 42,
      expire: 40,
      issuedAt: clock.seconds(),
      ...extra,
    })
  const join = (extra: Record<string, unknown> = {}) =>
    sandbox.join({ appId: APP_ID, channel: 'ChannelA', token: token(), uid: 42, ...extra })
  /** The types of a session's events and when they came, seconds after `from`. */
  const timeline = (sessionId: string, from: number) =>
    sandbox.events(sessionId, 0).events.map((e) => [e.type, (e.at - from) / 1000] as const)
  return { clock, sandbox, token, join, timeline }
}

/** Asserts a SandboxError with the SDK code, the reason and (optionally) the detail. */
function refused(fn: () => unknown, code: string, reason: string, detail?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SandboxError, String(error))
    assert.equal(error.name, 'AgoraRTCError')
    assert.equal(error.code, code)
    assert.equal(error.reason, reason)
    if (detail !== undefined) assert.match(error.detail, detail)
    return true
  })
}

test('join accepts a genuine token for the channel and uid, by uid, account, wildcard or secondary certificate', () => {
  const { sandbox, token, clock } = setup()
  const ok = (request: Record<string, unknown>) =>
    sandbox.join({ appId: APP_ID, channel: 'ChannelA', token: token(), uid: 42, ...request })
  assert.equal(ok({}).uid, 42)
  assert.equal(ok({ token: token({ uid: undefined, account: 'alice' }), uid: 'alice' }).uid, 'alice')
  assert.equal(ok({ token: token({ channelName: '' }) }).uid, 42)
  assert.equal(ok({ token: token({ uid: 0 }), uid: 7 }).uid, 7)
  // uid 0 (or none): the sandbox picks one, as Agora does, and a wildcard token allows it.
  const assigned = ok({ token: token({ uid: 0 }), uid: null }).uid
  assert.ok(typeof assigned === 'number' && assigned > 0)
  assert.equal(ok({ token: token({ appCertificate: SECONDARY }) }).uid, 42)
  assert.equal(ok({ token: token({ version: '006' }) }).uid, 42)
  assert.equal(ok({ appId: APP_ID.toUpperCase() }).uid, 42)
  assert.equal(sandbox.size, 8)
  sandbox.close()
  assert.equal(clock.pending, 0)
})

test('join refuses an unknown App ID, a bad channel name or uid, and a bad time scale, as the SDK does', () => {
  const { join, sandbox } = setup()
  refused(() => join({ appId: OTHER_APP_ID }), 'CAN_NOT_GET_GATEWAY_SERVER', 'ERR_INVALID_APP_ID')
  for (const channel of ['', 'bad/name', 'x'.repeat(64), 42])
    refused(() => join({ channel }), 'INVALID_PARAMS', 'ERR_INVALID_CHANNEL_NAME')
  for (const uid of [-1, 1.5, 2 ** 32, '', true]) refused(() => join({ uid }), 'INVALID_PARAMS', 'ERR_INVALID_USER_ID')
  for (const timeScale of [0, -1, 101, Number.NaN])
    refused(() => join({ timeScale }), 'INVALID_PARAMS', 'ERR_INVALID_ARGUMENT')
  assert.equal(sandbox.size, 0)
})

test('join refuses a token that is missing, unreadable, for another app, badly signed, or for another channel or user', () => {
  const { sandbox, token, clock } = setup()
  const attempt = (request: Record<string, unknown>) => () =>
    sandbox.join({ appId: APP_ID, channel: 'ChannelA', token: token(), uid: 42, ...request })
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ token: null }, /needs a token/],
    [{ token: '' }, /needs a token/],
    [{ token: 'hello' }, /cannot be decoded \(ERR_TOKEN_UNSUPPORTED_VERSION\)/],
    [{ token: '007AAAA' }, /cannot be decoded \(ERR_TOKEN_MALFORMED\)/],
    [
      {
        token: buildRtcToken({
          appId: OTHER_APP_ID,
          appCertificate: OTHER_CERTIFICATE,
          channelName: 'ChannelA',
          uid: 42,
          issuedAt: clock.seconds(),
        }),
      },
      /another App ID/,
    ],
    [{ token: token({ appCertificate: OTHER_CERTIFICATE }) }, /signature does not match/],
    [{ token: token({ channelName: 'ChannelB' }) }, /another channel/],
    [{ token: token({ uid: 43 }) }, /another uid/],
    [{ token: token({ uid: undefined, account: 'bob' }), uid: 'alice' }, /another user account/],
    // Joining with uid 0 lets the sandbox pick a uid; a token for uid 42 cannot cover it.
    [{ uid: 0 }, /another uid/],
    [{ token: token({ version: '006', channelName: 'ChannelB' }) }, /another channel/],
    [
      {
        token: buildToken({
          appId: APP_ID,
          appCertificate: CERTIFICATE,
          expire: 40,
          issuedAt: clock.seconds(),
          services: [{ type: 'rtc', channelName: 'ChannelA', uid: 42, privileges: { publishAudioStream: 40 } }],
        }),
      },
      /does not grant joinChannel/,
    ],
  ]
  for (const [request, detail] of cases)
    refused(attempt(request), 'CAN_NOT_GET_GATEWAY_SERVER', 'ERR_INVALID_TOKEN', detail)
  assert.equal(sandbox.size, 0)
})

test('join refuses an expired token, or a live token whose join privilege expired', () => {
  const { sandbox, token, clock } = setup()
  const stale = token()
  const shortJoin = token({ expire: 600, privilegeExpire: { joinChannel: 20 } })
  clock.advance(40_000)
  refused(
    () => sandbox.join({ appId: APP_ID, channel: 'ChannelA', token: stale, uid: 42 }),
    'CAN_NOT_GET_GATEWAY_SERVER',
    'ERR_TOKEN_EXPIRED',
    /the token has expired/,
  )
  refused(
    () => sandbox.join({ appId: APP_ID, channel: 'ChannelA', token: shortJoin, uid: 42 }),
    'CAN_NOT_GET_GATEWAY_SERVER',
    'ERR_TOKEN_EXPIRED',
    /joinChannel privilege has expired/,
  )
})

test('the time scale runs each token clock faster from its issue time', () => {
  const { sandbox, token, clock } = setup()
  const issued = token()
  clock.advance(6_000)
  // 6 real seconds are 48 sandbox seconds at 8x (expired), 24 at 4x (fine).
  refused(
    () => sandbox.join({ appId: APP_ID, channel: 'ChannelA', token: issued, uid: 42, timeScale: 8 }),
    'CAN_NOT_GET_GATEWAY_SERVER',
    'ERR_TOKEN_EXPIRED',
  )
  sandbox.join({ appId: APP_ID, channel: 'ChannelA', token: issued, uid: 42, timeScale: 4 })
})

test('a refusal names the check but never contains the token or a certificate', () => {
  const { sandbox, token } = setup()
  const bad = token({ appCertificate: OTHER_CERTIFICATE })
  try {
    sandbox.join({ appId: APP_ID, channel: 'ChannelA', token: bad, uid: 42 })
    assert.fail('accepted')
  } catch (error) {
    const text = JSON.stringify((error as SandboxError).toBody()) + (error as Error).message
    for (const secret of [bad, CERTIFICATE, SECONDARY, OTHER_CERTIFICATE]) assert.ok(!text.includes(secret))
    assert.deepEqual((error as SandboxError).toBody().data, {
      reason: 'ERR_INVALID_TOKEN',
      agoraCode: 110,
      desc: 'invalid token, authorized failed',
      detail: 'the signature does not match the App Certificate',
    })
  }
})

test("will-expire comes 30 s before the end and did-expire at it: Agora's rule at scale 1", () => {
  const { sandbox, join, clock, timeline } = setup()
  const start = clock.now()
  const { sessionId, timing } = join()
  assert.deepEqual(timing, { willExpireAt: start + 10_000, didExpireAt: start + 40_000, timeScale: 1 })
  clock.advance(9_999)
  assert.deepEqual(timeline(sessionId, start), [])
  clock.advance(1)
  assert.deepEqual(timeline(sessionId, start), [['token-privilege-will-expire', 10]])
  clock.advance(30_000)
  assert.deepEqual(timeline(sessionId, start), [
    ['token-privilege-will-expire', 10],
    ['token-privilege-did-expire', 40],
  ])
  assert.equal(sandbox.events(sessionId, 0).open, false)
  assert.equal(sandbox.size, 0)
  assert.equal(clock.pending, 0, 'a closed session keeps no timer')
})

test('at scale 4 a 40 s token warns after 2.5 s and ends after 10 s', () => {
  const { join, clock, timeline } = setup()
  const start = clock.now()
  const { sessionId } = join({ timeScale: 4 })
  clock.advance(20_000)
  assert.deepEqual(timeline(sessionId, start), [
    ['token-privilege-will-expire', 2.5],
    ['token-privilege-did-expire', 10],
  ])
})

test('the end is the earlier of the token and its join privilege; less than 30 s left warns at once', () => {
  const { join, token, clock, timeline } = setup()
  const start = clock.now()
  const long = join({ token: token({ expire: 600, privilegeExpire: { joinChannel: 35 } }) })
  const short = join({ token: token({ expire: 20 }) })
  assert.deepEqual(timeline(short.sessionId, start), [['token-privilege-will-expire', 0]])
  clock.advance(60_000)
  assert.deepEqual(timeline(long.sessionId, start), [
    ['token-privilege-will-expire', 5],
    ['token-privilege-did-expire', 35],
  ])
  assert.deepEqual(timeline(short.sessionId, start), [
    ['token-privilege-will-expire', 0],
    ['token-privilege-did-expire', 20],
  ])
})

test('renewToken with a fresh token moves both events; each token warns once', () => {
  const { sandbox, join, token, clock, timeline } = setup()
  const start = clock.now()
  const { sessionId } = join()
  clock.advance(10_000)
  const timing = sandbox.renewToken(sessionId, token())
  assert.deepEqual(timing, { willExpireAt: start + 20_000, didExpireAt: start + 50_000, timeScale: 1 })
  clock.advance(10_000)
  sandbox.renewToken(sessionId, token())
  clock.advance(45_000)
  assert.deepEqual(timeline(sessionId, start), [
    ['token-privilege-will-expire', 10],
    ['token-privilege-will-expire', 20],
    ['token-privilege-will-expire', 30],
    ['token-privilege-did-expire', 60],
  ])
})

test('renewToken refuses a token for another channel or uid, a badly signed or expired one; the session goes on', () => {
  const { sandbox, join, token, clock, timeline } = setup()
  const start = clock.now()
  const { sessionId } = join()
  const old = token()
  clock.advance(5_000)
  const renew = (value: string) => () => sandbox.renewToken(sessionId, value)
  refused(renew(token({ channelName: 'ChannelB' })), 'UNEXPECTED_RESPONSE', 'ERR_INVALID_TOKEN', /another channel/)
  refused(renew(token({ uid: 43 })), 'UNEXPECTED_RESPONSE', 'ERR_INVALID_TOKEN', /another uid/)
  refused(renew(token({ appCertificate: OTHER_CERTIFICATE })), 'UNEXPECTED_RESPONSE', 'ERR_INVALID_TOKEN', /signature/)
  refused(renew('nonsense'), 'UNEXPECTED_RESPONSE', 'ERR_INVALID_TOKEN')
  clock.advance(36_000)
  refused(
    () => sandbox.renewToken(sessionId, old),
    'INVALID_OPERATION',
    'ERR_NOT_IN_CHANNEL',
    /renewToken should not be called before user join/,
  )
  assert.deepEqual(timeline(sessionId, start), [
    ['token-privilege-will-expire', 10],
    ['token-privilege-did-expire', 40],
  ])
  const other = join()
  clock.advance(41_000)
  refused(() => sandbox.renewToken(other.sessionId, old), 'INVALID_OPERATION', 'ERR_NOT_IN_CHANNEL')
  refused(
    () => sandbox.renewToken('no-such-session', token()),
    'INVALID_OPERATION',
    'ERR_NOT_IN_CHANNEL',
    /no such session/,
  )
  const stale = token({ expire: 5 })
  clock.advance(10_000)
  const live = join()
  refused(() => sandbox.renewToken(live.sessionId, stale), 'UNEXPECTED_RESPONSE', 'ERR_TOKEN_EXPIRED')
})

test('without co-host authentication anyone may publish, as on Agora (the role is not enforced)', () => {
  const { sandbox, join, token, clock, timeline } = setup()
  const start = clock.now()
  const { sessionId } = join({ token: token({ role: 'subscriber', expire: 100 }) })
  sandbox.publish(sessionId, ['audio', 'video'])
  clock.advance(100_000)
  assert.deepEqual(timeline(sessionId, start), [
    ['token-privilege-will-expire', 70],
    ['token-privilege-did-expire', 100],
  ])
})

test('with co-host authentication, publishing needs the publish privileges, which then count for will-expire', () => {
  const { sandbox, join, token, clock, timeline } = setup({ coHostAuthentication: true })
  const start = clock.now()
  const subscriber = join({ token: token({ role: 'subscriber' }) })
  refused(
    () => sandbox.publish(subscriber.sessionId, ['audio']),
    'UNEXPECTED_RESPONSE',
    'ERR_NO_PERMISSION',
    /does not grant publishing audio/,
  )
  refused(() => sandbox.publish(subscriber.sessionId, ['screen' as never]), 'INVALID_PARAMS', 'ERR_INVALID_ARGUMENT')

  const { sessionId } = join({
    token: token({
      expire: 100,
      privilegeExpire: { joinChannel: 100, publishAudioStream: 50, publishVideoStream: 100 },
    }),
  })
  sandbox.publish(sessionId, ['audio', 'video'])
  clock.advance(100_000)
  assert.deepEqual(timeline(sessionId, start), [
    ['token-privilege-will-expire', 20],
    ['publish-privilege-did-expire', 50],
    ['token-privilege-did-expire', 100],
  ])
  assert.deepEqual(sandbox.events(sessionId, 0).events[1]!.kinds, ['audio'])
})

test('with co-host authentication, an expired publish privilege refuses publishing; a subscriber renewal ends publications', () => {
  const { sandbox, join, token, clock } = setup({ coHostAuthentication: true })
  const late = join({
    token: token({
      expire: 100,
      privilegeExpire: { joinChannel: 100, publishAudioStream: 10, publishVideoStream: 100 },
    }),
  })
  clock.advance(10_000)
  refused(() => sandbox.publish(late.sessionId, ['audio']), 'UNEXPECTED_RESPONSE', 'ERR_NO_PERMISSION', /expired/)

  const { sessionId } = join()
  sandbox.publish(sessionId, ['video'])
  sandbox.renewToken(sessionId, token({ role: 'subscriber' }))
  const [event] = sandbox.events(sessionId, 0).events
  assert.deepEqual([event!.type, event!.kinds], ['publish-privilege-did-expire', ['video']])
  refused(() => sandbox.publish('no-such-session', ['audio']), 'INVALID_OPERATION', 'ERR_NOT_IN_CHANNEL')
})

test('a token first seen within its issue second starts its clock then, not at the start of the second', () => {
  const { sandbox, token, clock } = setup()
  const issued = token()
  clock.advance(600)
  const start = clock.now()
  const { timing } = sandbox.join({ appId: APP_ID, channel: 'ChannelA', token: issued, uid: 42, timeScale: 10 })
  // Sandbox time equals real time at the origin (600 ms into the token's life), then runs 10x.
  assert.equal(timing.willExpireAt, start + (10_000 - 600) / 10)
  assert.equal(timing.didExpireAt, start + (40_000 - 600) / 10)
})

test('events are long-polled: a waiter wakes on the next event, or times out empty', async () => {
  const { sandbox, join, clock } = setup()
  const { sessionId } = join()
  const waiting = sandbox.waitForEvents(sessionId, 0, 60_000)
  clock.advance(10_000)
  const answer = await waiting
  assert.deepEqual(
    answer.events.map((e) => [e.seq, e.type]),
    [[1, 'token-privilege-will-expire']],
  )
  assert.equal(answer.open, true)
  const quiet = sandbox.waitForEvents(sessionId, 1, 5_000)
  clock.advance(5_000)
  assert.deepEqual(await quiet, { events: [], open: true })
  const aborted = new AbortController()
  const cancelled = sandbox.waitForEvents(sessionId, 1, 60_000, aborted.signal)
  aborted.abort()
  assert.deepEqual(await cancelled, { events: [], open: true })
  const ending = sandbox.waitForEvents(sessionId, 1, 60_000)
  sandbox.leave(sessionId)
  assert.deepEqual(await ending, { events: [], open: false })
  refused(() => sandbox.events(sessionId, 0), 'INVALID_OPERATION', 'ERR_NOT_IN_CHANNEL')
  assert.equal(clock.pending, 0)
})

test('sessions nobody polls are dropped after idleMs; closed ones after 30 s; the least recently seen beyond maxSessions', () => {
  const { sandbox, join, clock } = setup({ idleMs: 5_000, maxSessions: 2 })
  const idle = join()
  clock.advance(6_000)
  const b = join()
  refused(() => sandbox.events(idle.sessionId, 0), 'INVALID_OPERATION', 'ERR_NOT_IN_CHANNEL', /no such session/)
  clock.advance(1)
  const c = join()
  clock.advance(1)
  sandbox.events(b.sessionId, 0)
  const d = join()
  refused(() => sandbox.events(c.sessionId, 0), 'INVALID_OPERATION', 'ERR_NOT_IN_CHANNEL', /no such session/)
  sandbox.events(b.sessionId, 0)
  sandbox.events(d.sessionId, 0)
  // A session that ended stays readable for 30 s, so its client can still fetch did-expire.
  const later = setup()
  const ended = later.join()
  later.clock.advance(40_000 + 29_000)
  later.join()
  assert.equal(later.sandbox.events(ended.sessionId, 0).open, false)
  later.clock.advance(2_000)
  later.join()
  refused(() => later.sandbox.events(ended.sessionId, 0), 'INVALID_OPERATION', 'ERR_NOT_IN_CHANNEL')
})

test('inspect tells whether a signature matches the certificates, and never needs more than the token for 007', () => {
  const { sandbox, token } = setup()
  assert.deepEqual(sandbox.inspect({ token: token() }), { appKnown: true, signature: 'valid', certificate: 'primary' })
  assert.deepEqual(sandbox.inspect({ token: token({ appCertificate: SECONDARY }) }), {
    appKnown: true,
    signature: 'valid',
    certificate: 'secondary',
  })
  assert.equal(sandbox.inspect({ token: token({ appCertificate: OTHER_CERTIFICATE }) }).signature, 'invalid')
  assert.equal(
    sandbox.inspect({
      token: buildRtcToken({ appId: OTHER_APP_ID, appCertificate: OTHER_CERTIFICATE, channelName: 'A', uid: 1 }),
    }).signature,
    'unknown-app',
  )
  assert.equal(sandbox.inspect({ token: 'nonsense' }).signature, 'malformed')
  const old = token({ expire: 1 })
  assert.equal(sandbox.inspect({ token: old }).signature, 'valid', 'expiry does not matter to the signature')
  const t006 = token({ version: '006' })
  assert.equal(sandbox.inspect({ token: t006 }).signature, 'needs-claims')
  assert.deepEqual(sandbox.inspect({ token: t006, channelName: 'ChannelA', uid: 42 }), {
    appKnown: true,
    signature: 'valid',
    certificate: 'primary',
  })
  assert.equal(sandbox.inspect({ token: t006, channelName: 'ChannelB', uid: 42 }).signature, 'invalid')
  refused(
    () => sandbox.inspect({ token: t006, channelName: 'ChannelA', uid: -5 }),
    'INVALID_PARAMS',
    'ERR_INVALID_ARGUMENT',
  )
})

test('createSandbox refuses an empty app list and a bad default time scale', () => {
  assert.throws(() => createSandbox({ apps: [] }), { name: 'TypeError' })
  assert.throws(() => createSandbox({ apps: [{ appId: APP_ID, certificates: [CERTIFICATE] }], timeScale: 0 }), {
    name: 'RangeError',
  })
})
