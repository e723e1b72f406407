/** The modern builders: semantics, defaults and input validation. */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { inflateSync } from 'node:zlib'
import {
  buildApaasToken,
  buildChatToken,
  buildFpaToken,
  buildRtcToken,
  buildRtmToken,
  buildToken,
  parseToken,
  signingKeyCache,
  TokenError,
  type ParsedToken007,
} from '../../src/token/index.js'

const appId = '970CA35de60c44645bbae8a215061b33'
const appCertificate = '5CFd2fd1755d40ecb72977518be15d3b'
const credentials = { appId, appCertificate }
const fixed = { ...credentials, issuedAt: 1_700_000_000, salt: 42 }

function parse007(token: string): ParsedToken007 {
  const parsed = parseToken(token)
  assert.equal(parsed.version, '007')
  return parsed
}

function privileges(token: string, index = 0): Record<string, number> {
  return Object.fromEntries(parse007(token).services[index]!.privileges.map((p) => [p.name, p.expire]))
}

function invalid(fn: () => unknown, field: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TokenError, `expected TokenError, got ${String(error)}`)
    assert.equal(error.code, 'ERR_INVALID_ARGUMENT')
    assert.equal(error.field, field)
    if (message) assert.match(error.message, message)
    assert.ok(!error.message.includes(appCertificate), 'the certificate must never appear in a message')
    return true
  })
}

test('buildRtcToken defaults: 007, publisher, one hour, privileges as long as the token', () => {
  const parsed = parse007(buildRtcToken({ ...fixed, channelName: 'ChannelA', uid: 42 }))
  assert.equal(parsed.expire, 3600)
  assert.equal(parsed.issuedAt, fixed.issuedAt)
  assert.equal(parsed.salt, 42)
  const rtc = parsed.services[0]!
  assert.equal(rtc.type, 'rtc')
  assert.deepEqual(
    rtc.privileges.map((p) => [p.name, p.expire]),
    [
      ['joinChannel', 3600],
      ['publishAudioStream', 3600],
      ['publishVideoStream', 3600],
      ['publishDataStream', 3600],
    ],
  )
})

test('buildRtcToken is reproducible with issuedAt and salt, and random otherwise', () => {
  const options = { ...fixed, channelName: 'ChannelA', uid: 42 }
  assert.equal(buildRtcToken(options), buildRtcToken(options))
  const a = parse007(buildRtcToken({ ...credentials, channelName: 'c', uid: 1 }))
  const b = parse007(buildRtcToken({ ...credentials, channelName: 'c', uid: 1 }))
  assert.notEqual(a.salt, b.salt)
  assert.ok(Math.abs(a.issuedAt - Date.now() / 1000) < 5)
})

test('uid 0 is the wildcard, the string "0" stays "0", uids are unsigned 32-bit', () => {
  const account = (token: string) => (parse007(token).services[0] as { account: string }).account
  assert.equal(account(buildRtcToken({ ...fixed, channelName: 'c', uid: 0 })), '')
  assert.equal(account(buildRtcToken({ ...fixed, channelName: 'c', account: '0' })), '0')
  assert.equal(account(buildRtcToken({ ...fixed, channelName: 'c', uid: 4294967295 })), '4294967295')
  const legacy = parseToken(buildRtcToken({ ...fixed, channelName: 'c', uid: 0, version: '006' }))
  assert.equal(legacy.version === '006' && legacy.crcUid, 0)
})

test('a subscriber gets only the join privilege; per-privilege lifetimes are honoured', () => {
  assert.deepEqual(privileges(buildRtcToken({ ...fixed, channelName: 'c', uid: 1, role: 'subscriber', expire: 600 })), {
    joinChannel: 600,
  })
  assert.deepEqual(
    privileges(
      buildRtcToken({
        ...fixed,
        channelName: 'c',
        uid: 1,
        expire: 600,
        privilegeExpire: { joinChannel: 300, publishAudioStream: 0 },
      }),
    ),
    { joinChannel: 300, publishAudioStream: 0, publishVideoStream: 600, publishDataStream: 600 },
  )
  invalid(
    () =>
      buildRtcToken({
        ...fixed,
        channelName: 'c',
        uid: 1,
        role: 'subscriber',
        privilegeExpire: { publishVideoStream: 5 },
      }),
    'privilegeExpire.publishVideoStream',
  )
  invalid(
    () => buildRtcToken({ ...fixed, channelName: 'c', uid: 1, privilegeExpire: { kick: 5 } as never }),
    'privilegeExpire.kick',
  )
})

test('RTC plus RTM: as the RTC account, or as another user with its own lifetime', () => {
  const same = parse007(buildRtcToken({ ...fixed, channelName: 'c', account: 'alice', expire: 600, rtm: true }))
  assert.deepEqual(
    same.services.map((s) => s.type),
    ['rtc', 'rtm'],
  )
  assert.equal((same.services[1] as { userId: string }).userId, 'alice')
  assert.equal(same.services[1]!.privileges[0]!.expire, 600)
  const other = parse007(buildRtcToken({ ...fixed, channelName: 'c', uid: 7, rtm: { userId: 'bob', expire: 120 } }))
  assert.equal((other.services[1] as { userId: string }).userId, 'bob')
  assert.equal(other.services[1]!.privileges[0]!.expire, 120)
  invalid(() => buildRtcToken({ ...fixed, channelName: 'c', uid: 7, rtm: true, version: '006' }), 'rtm')
})

test('006: attendee and admin publish like publisher; privileges are absolute; 007 refuses them', () => {
  for (const role of ['attendee', 'admin', 'publisher'] as const) {
    const parsed = parseToken(buildRtcToken({ ...fixed, channelName: 'c', uid: 1, role, expire: 600, version: '006' }))
    assert.equal(parsed.version, '006')
    if (parsed.version !== '006') continue
    assert.deepEqual(
      parsed.privileges.map((p) => [p.id, p.expiresAt]),
      [1, 2, 3, 4].map((id) => [id, fixed.issuedAt + 600]),
    )
    assert.equal(parsed.ts, fixed.issuedAt + 86400)
  }
  invalid(
    () => buildRtcToken({ ...fixed, channelName: 'c', uid: 1, role: 'attendee' }),
    'role',
    /removed in AccessToken2/,
  )
})

test('006 tokens get a fresh salt each (the reference shares one per process)', () => {
  const salts = new Set(
    Array.from(
      { length: 20 },
      () =>
        (parseToken(buildRtcToken({ ...credentials, channelName: 'c', uid: 1, version: '006' })) as { salt: number })
          .salt,
    ),
  )
  assert.equal(salts.size, 20)
})

test('the App ID and certificate are checked on every call, also right after valid ones', () => {
  // Builders skip re-checking the App ID and the certificate they minted with last: a different one
  // must still be checked, whether the signing-key cache is on or off.
  const base = { ...fixed, channelName: 'ChannelA', uid: 1 }
  for (const maxEntries of [16, 0]) {
    const before = signingKeyCache.maxEntries
    signingKeyCache.maxEntries = maxEntries
    try {
      for (const version of ['007', '006'] as const) {
        buildRtcToken({ ...base, version })
        invalid(() => buildRtcToken({ ...base, version, appId: appId.slice(1) + 'g' }), 'appId')
        invalid(
          () => buildRtcToken({ ...base, version, appCertificate: appCertificate.slice(1) + 'g' }),
          'appCertificate',
        )
        invalid(() => buildRtcToken({ ...base, version, appCertificate: undefined as never }), 'appCertificate')
        buildRtcToken({ ...base, version })
      }
    } finally {
      signingKeyCache.maxEntries = before
    }
  }
})

test('buildRtcToken validates every field and names it', () => {
  const base = { ...fixed, channelName: 'ChannelA', uid: 1 }
  invalid(() => buildRtcToken({ ...base, appId: 'xyz' }), 'appId', /32 hexadecimal/)
  invalid(() => buildRtcToken({ ...base, appCertificate: appCertificate.slice(1) + 'g' }), 'appCertificate')
  invalid(() => buildRtcToken({ ...base, channelName: 'x'.repeat(64) }), 'channelName', /under 64 bytes/)
  invalid(() => buildRtcToken({ ...base, channelName: 'room/1' }), 'channelName', /may contain only/)
  invalid(() => buildRtcToken({ ...base, channelName: 7 as never }), 'channelName', /must be a string/)
  for (const uid of [-1, 2 ** 32, 1.5, Number.NaN])
    invalid(() => buildRtcToken({ ...base, uid }), 'uid', /integer from 0 to 4294967295/)
  invalid(() => buildRtcToken({ ...base, uid: '5' as never }), 'uid')
  invalid(
    () => buildRtcToken({ ...base, uid: undefined, account: 'a'.repeat(256) }),
    'account',
    /at most 255 bytes, got 256/,
  )
  invalid(() => buildRtcToken({ ...base, uid: undefined, account: 'é' }), 'account', /may contain only/)
  invalid(() => buildRtcToken({ ...base, account: 'a' }), 'uid', /not both/)
  invalid(() => buildRtcToken({ ...base, uid: undefined }), 'uid', /give a uid/)
  for (const expire of [0, 86401, 2.5, -1]) invalid(() => buildRtcToken({ ...base, expire }), 'expire')
  invalid(() => buildRtcToken({ ...base, privilegeExpire: 86401 }), 'privilegeExpire')
  invalid(() => buildRtcToken({ ...base, role: 'host' as never }), 'role')
  invalid(() => buildRtcToken({ ...base, version: '008' as never }), 'version')
  invalid(() => buildRtcToken({ ...base, issuedAt: -5 }), 'issuedAt')
  invalid(() => buildRtcToken({ ...base, salt: 2 ** 32 }), 'salt')
  invalid(() => buildRtcToken({ ...base, salt: 0 }), 'salt')
  for (const build of [buildRtcToken, buildRtmToken, buildChatToken, buildApaasToken, buildFpaToken, buildToken]) {
    invalid(() => build(undefined as never), 'options')
  }
})

test("buildRtcToken accepts Agora's full channel-name alphabet and the empty wildcard", () => {
  const channelName = 'aZ09 !#$%&()+-:;<=.>?@[]^_{}|~,'
  assert.equal(
    (parse007(buildRtcToken({ ...fixed, channelName, uid: 1 })).services[0] as { channelName: string }).channelName,
    channelName,
  )
  assert.equal(
    (parse007(buildRtcToken({ ...fixed, channelName: '', uid: 1 })).services[0] as { channelName: string }).channelName,
    '',
  )
})

test('buildToken packs services by type, stably, whatever the order given', () => {
  const rtc = { type: 'rtc' as const, channelName: 'c', uid: 1, privileges: { joinChannel: 60 } }
  const rtm = { type: 'rtm' as const, userId: 'u', privileges: { login: 60 } }
  const a = buildToken({ ...fixed, expire: 60, services: [rtc, rtm] })
  const b = buildToken({ ...fixed, expire: 60, services: [rtm, rtc] })
  assert.equal(a, b)
  const twoRtc = parse007(
    buildToken({
      ...fixed,
      expire: 60,
      services: [rtm, { ...rtc, channelName: 'first' }, { ...rtc, channelName: 'second' }],
    }),
  )
  assert.deepEqual(
    twoRtc.services.map((s) => ('channelName' in s ? s.channelName : s.type)),
    ['first', 'second', 'rtm'],
  )
})

test('buildToken accepts numeric privilege ids and every service type', () => {
  const parsed = parse007(
    buildToken({
      ...fixed,
      expire: 600,
      services: [
        { type: 'stt' },
        { type: 'convoai' },
        { type: 'fcdn', channelName: 'c', account: 'a', privileges: { publish: 1, play: 2 } },
        { type: 'streaming', channelName: 'c', uid: 9, privileges: { publishMixStream: 3, 2: 4 } },
        { type: 'fpa', privileges: { login: 0 } },
        {
          type: 'rtm2',
          userId: 'u',
          permissions: { users: { write: ['x'] }, messageChannels: { read: ['a', 'b'] } },
          privileges: { login: 5 },
        },
        { type: 'apaas', roomUuid: 'r', userUuid: 'u', role: 0, privileges: { roomUser: 6 } },
      ],
    }),
  )
  assert.deepEqual(
    parsed.services.map((s) => s.serviceType),
    [3, 4, 6, 7, 8, 9, 10],
  )
  const streaming = parsed.services[0]!
  assert.deepEqual(
    streaming.privileges.map((p) => [p.name, p.expire]),
    [
      ['publishMixStream', 3],
      ['publishRawStream', 4],
    ],
  )
  assert.equal(streaming.type === 'streaming' && streaming.uid, 9)
  const rtm2 = parsed.services.find((s) => s.type === 'rtm2')
  assert.deepEqual(rtm2?.type === 'rtm2' && rtm2.permissions, {
    messageChannels: { read: ['a', 'b'] },
    users: { write: ['x'] },
  })
  const apaas = parsed.services.find((s) => s.type === 'apaas')
  assert.equal(apaas?.type === 'apaas' && apaas.role, 0)
})

test('buildToken names the bad service field', () => {
  const base = { ...fixed, expire: 60 }
  invalid(() => buildToken({ ...base, services: [] }), 'services')
  invalid(() => buildToken({ ...base, services: [{ type: 'video' } as never] }), 'services[0].type')
  invalid(
    () => buildToken({ ...base, services: [{ type: 'rtm', userId: 'u', privileges: { join: 1 } as never }] }),
    'services[0].privileges.join',
    /known: login/,
  )
  invalid(
    () => buildToken({ ...base, services: [{ type: 'rtm', userId: 'u', privileges: { login: 1, 1: 2 } }] }),
    'services[0].privileges.login',
    /twice/,
  )
  invalid(() => buildToken({ ...base, services: [{ type: 'rtm', userId: '', privileges: {} }] }), 'services[0].userId')
  invalid(
    () =>
      buildToken({
        ...base,
        services: [{ type: 'rtm2', userId: 'u', permissions: { rooms: {} } as never, privileges: {} }],
      }),
    'services[0].permissions.rooms',
  )
  invalid(() => buildToken({ ...base, services: [{ type: 'apaas', role: 40000, privileges: {} }] }), 'services[0].role')
  invalid(() => buildToken({ ...base, expire: 0, services: [{ type: 'fpa' }] }), 'expire')
})

test('buildRtmToken: RTM login, RTM2 with permissions, and 006 with the user in the channel slot', () => {
  const rtm = parse007(buildRtmToken({ ...fixed, userId: 'alice', expire: 900 }))
  assert.deepEqual(
    [rtm.services[0]!.type, rtm.expire, privileges(buildRtmToken({ ...fixed, userId: 'alice', expire: 900 }))],
    ['rtm', 900, { login: 900 }],
  )
  const rtm2 = parse007(buildRtmToken({ ...fixed, userId: 'alice', permissions: { streamChannels: { write: ['s'] } } }))
  assert.equal(rtm2.services[0]!.type, 'rtm2')
  const legacy = parseToken(buildRtmToken({ ...fixed, userId: 'alice', expire: 900, version: '006' }))
  assert.deepEqual(legacy.version === '006' && legacy.privileges.map((p) => [p.name, p.expiresAt]), [
    ['rtmLogin', fixed.issuedAt + 900],
  ])
  invalid(() => buildRtmToken({ ...fixed, userId: 'x'.repeat(65) }), 'userId', /64 bytes/)
  invalid(() => buildRtmToken({ ...fixed, userId: 'a', permissions: {}, version: '006' }), 'permissions')
})

test('buildChatToken: a user token with userId, an app token without', () => {
  assert.deepEqual(privileges(buildChatToken({ ...fixed, userId: 'alice', expire: 60 })), { user: 60 })
  const app = parse007(buildChatToken({ ...fixed, expire: 60 }))
  assert.deepEqual(
    [(app.services[0] as { userId: string }).userId, privileges(buildChatToken({ ...fixed, expire: 60 }))],
    ['', { app: 60 }],
  )
  invalid(() => buildChatToken({ ...fixed, userId: '' }), 'userId')
})

test('buildApaasToken: room-user carries RTM, Chat as md5(user) and the room privilege', () => {
  const parsed = parse007(
    buildApaasToken({ ...fixed, roomUuid: '123', userUuid: '2882341273', role: 'teacher', expire: 900 }),
  )
  assert.deepEqual(
    parsed.services.map((s) => [s.type, s.privileges.map((p) => [p.name, p.expire])]),
    [
      ['rtm', [['login', 900]]],
      ['chat', [['user', 900]]],
      ['apaas', [['roomUser', 900]]],
    ],
  )
  assert.equal((parsed.services[1] as { userId: string }).userId, '6063383428a36fba3fb6030becf8094e')
  assert.equal((parsed.services[2] as { role: number }).role, 1)
  assert.deepEqual(privileges(buildApaasToken({ ...fixed, userUuid: 'u' })), { user: 3600 })
  assert.deepEqual(privileges(buildApaasToken({ ...fixed })), { app: 3600 })
  invalid(() => buildApaasToken({ ...fixed, roomUuid: 'r' }), 'userUuid')
  invalid(() => buildApaasToken({ ...fixed, roomUuid: 'r', userUuid: 'u' }), 'role')
  invalid(() => buildApaasToken({ ...fixed, roomUuid: 'r', userUuid: 'u', role: 'principal' as never }), 'role')
  invalid(() => buildApaasToken({ ...fixed, userUuid: 'u', role: 1 }), 'role')
})

test('buildFpaToken lives 24 hours with login 0', () => {
  const parsed = parse007(buildFpaToken(fixed))
  assert.equal(parsed.expire, 86400)
  assert.deepEqual(
    parsed.services[0]!.privileges.map((p) => [p.name, p.expire, p.expiresAt]),
    [['login', 0, fixed.issuedAt + 86400]],
  )
})

test('signatures stay right when certificates and issue times alternate (the first key is cached)', () => {
  // The 007 signature computed here with node:crypto, independently of the library's SHA-256.
  const u32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer)
  const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest()
  const other = 'a'.repeat(32)
  const calls: Array<[string, number]> = [
    [appCertificate, 1_700_000_000],
    [other, 1_700_000_000],
    [appCertificate, 1_700_000_000],
    [appCertificate, 1_700_000_001],
    [other, 1_700_000_001],
    [other, 1_700_000_000],
  ]
  for (const [certificate, issuedAt] of calls) {
    const token = buildRtcToken({
      appId,
      appCertificate: certificate,
      channelName: 'c',
      uid: 7,
      expire: 600,
      issuedAt,
      salt: 99,
    })
    const content = inflateSync(Buffer.from(token.slice(3), 'base64'))
    const signature = content.subarray(2, 34)
    const k1 = hmac(u32(issuedAt), Buffer.from(certificate))
    assert.deepEqual(
      signature,
      hmac(hmac(u32(99), k1), content.subarray(34)),
      `${certificate.slice(0, 4)} at ${issuedAt}`,
    )
  }
})
