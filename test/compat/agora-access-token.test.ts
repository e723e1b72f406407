/** agate-tokens/compat/agora-access-token: the npm agora-access-token surface (006), the reference vectors through it, and each deliberate difference. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as compat from '../../src/compat/agora-access-token.js'
import {
  AccessToken,
  priviledges,
  RtcRole,
  RtcTokenBuilder,
  RtmRole,
  RtmTokenBuilder,
} from '../../src/compat/agora-access-token.js'
import { TokenError, verifyToken } from '../../src/token/index.js'
import { loadVectors, type Vector } from '../helpers/vectors.js'
import {
  agoraAccessToken,
  agoraAccessTokenAccessToken,
  agoraTokenAccessToken006,
  APP_ID,
  assertTokenError,
  CERT,
  parse006,
  pinCompat,
  pinnedLike,
  staticNames,
} from './support.js'

const CHANNEL = '7d72365eb983485397e3e3f9d460bdda'
const EXPIRES_AT = 1446455471

/** The fields both parsers expose after fromString, for comparison. */
interface Parsed006 {
  salt: number
  ts: number
  messages: Record<string, number>
  crc_channel_name?: number
  crc_uid?: number
  signature?: Uint8Array
  m?: Uint8Array
}

function parsedFields(token: Parsed006) {
  return {
    salt: token.salt,
    ts: token.ts,
    messages: { ...token.messages },
    crc_channel_name: token.crc_channel_name,
    crc_uid: token.crc_uid,
    signature: Buffer.from(token.signature!).toString('hex'),
    m: Buffer.from(token.m!).toString('hex'),
  }
}

// ---------------------------------------------------------------------------------------------
// The surface

test('exports every name of agora-access-token, its AccessToken and priviledges, and TokenError', () => {
  for (const name of Object.keys(agoraAccessToken)) assert.ok(name in compat, name)
  assert.equal(compat.TokenError, TokenError)
  assert.deepEqual({ ...RtcRole }, { ...agoraAccessToken.RtcRole })
  assert.deepEqual({ ...RtmRole }, { ...agoraAccessToken.RtmRole })
  assert.deepEqual({ ...priviledges }, { ...agoraAccessTokenAccessToken.priviledges })
  for (const name of ['RtcTokenBuilder', 'RtmTokenBuilder']) {
    for (const method of staticNames(agoraAccessToken[name])) {
      const ours = (compat as Record<string, any>)[name][method]
      assert.equal(typeof ours, 'function', `${name}.${method}`)
      assert.equal(ours.length, agoraAccessToken[name][method].length, `${name}.${method}.length`)
    }
  }
  const key = new AccessToken(APP_ID, CERT, 'c', 1)
  for (const method of ['build', 'addPriviledge', 'fromString']) {
    assert.equal(typeof (key as unknown as Record<string, unknown>)[method], 'function', method)
  }
})

// ---------------------------------------------------------------------------------------------
// Reference vectors

const vectors = loadVectors()
const byKind = (kind: Vector['kind']) => vectors.filter((v) => v.kind === kind && v.version === '006')

for (const vector of byKind('build')) {
  test(`006 build ${vector.id}: AccessToken with pinned salt and ts gives the exact token, as both npm classes do`, () => {
    const { appId, appCertificate, channelName, uid, salt, ts, privileges } = vector.inputs
    const uids: Array<string | number> = [uid]
    if (/^([1-9]\d*)?$/.test(uid)) uids.push(Number(uid))
    for (const Class of [AccessToken, agoraAccessTokenAccessToken.AccessToken, agoraTokenAccessToken006.AccessToken]) {
      for (const value of uids) {
        const key = new Class(appId, appCertificate, channelName, value)
        key.salt = salt
        key.ts = ts
        for (const [id, expiresAt] of Object.entries(privileges as Record<string, number>))
          key.addPriviledge(Number(id), expiresAt)
        assert.equal(
          key.build(),
          vector.expected,
          `${Class === AccessToken ? 'ours' : 'reference'} with uid ${JSON.stringify(value)}`,
        )
      }
    }
    const parsed = new AccessToken('', '', '', 0)
    assert.equal(parsed.fromString(vector.expected), true)
    const expected = vector.expectedDecoded!
    assert.deepEqual(
      { appID: parsed.appID, ...parsedFields(parsed) },
      {
        appID: expected.appId,
        salt: expected.salt,
        ts: expected.ts,
        messages: expected.privileges,
        crc_channel_name: expected.crcChannelName,
        crc_uid: expected.crcUid,
        signature: expected.signatureHex,
        m: expected.messageHex,
      },
    )
  })
}

for (const vector of byKind('parse-invalid')) {
  test(`006 parse-invalid ${vector.id}: fromString returns false`, () => {
    assert.equal(new AccessToken('', '', '', 0).fromString(vector.inputs.token), false)
  })
}

for (const vector of byKind('roundtrip')) {
  test(`006 roundtrip ${vector.id}: the compat builder gives the reference's fields and verifies`, () => {
    const i = vector.inputs
    const before = Math.floor(Date.now() / 1000)
    const token =
      i.userAccount !== undefined
        ? RtmTokenBuilder.buildToken(i.appId, i.appCertificate, i.userAccount, i.role, i.privilegeExpiredTs)
        : RtcTokenBuilder.buildTokenWithUid(
            i.appId,
            i.appCertificate,
            i.channelName,
            i.uid,
            i.role,
            i.privilegeExpiredTs,
          )
    const parsed = parse006(token)
    const expected = vector.expectedDecoded!
    assert.equal(parsed.appId, expected.appId)
    if (expected.crcChannelName !== undefined) assert.equal(parsed.crcChannelName, expected.crcChannelName)
    if (expected.crcUid !== undefined) assert.equal(parsed.crcUid, expected.crcUid)
    // PHP writes privileges in insertion order (1, 3, 2, 4); the Node reference and we sort them.
    const sorted = Object.fromEntries(
      Object.entries(expected.privileges as Record<string, number>).sort(([a], [b]) => Number(a) - Number(b)),
    )
    assert.deepEqual(
      parsed.privileges.map((p) => [String(p.id), p.expiresAt]),
      Object.entries(sorted),
    )
    assert.ok(parsed.ts >= before + 86_400 && parsed.ts <= before + 86_402, 'ts is now + 24 h')
    const claims = i.userAccount !== undefined ? { userId: i.userAccount } : { channelName: i.channelName, uid: i.uid }
    assert.equal(verifyToken(token, { certificates: i.appCertificate, now: false, ...claims }).certificateIndex, 0)
  })
}
// ---------------------------------------------------------------------------------------------
// Same bytes as the reference builders, and the deliberate differences

test("the builders give the reference builders' exact token for the same salt and time", () => {
  const cases: Array<[(m: any) => string]> = [
    [(m) => m.RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, CHANNEL, 2882341273, m.RtcRole.PUBLISHER, EXPIRES_AT)],
    [(m) => m.RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, CHANNEL, 0, m.RtcRole.SUBSCRIBER, EXPIRES_AT)],
    [(m) => m.RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, CHANNEL, 7, m.RtcRole.ATTENDEE, 0)],
    [
      (m) =>
        m.RtcTokenBuilder.buildTokenWithAccount(
          APP_ID,
          CERT,
          'room with spaces',
          'alice@example.com',
          m.RtcRole.ADMIN,
          EXPIRES_AT,
        ),
    ],
    [(m) => m.RtcTokenBuilder.buildTokenWithAccount(APP_ID, CERT, 'c', '0', '2', EXPIRES_AT)],
    [(m) => m.RtmTokenBuilder.buildToken(APP_ID, CERT, 'test_user', m.RtmRole.Rtm_User, EXPIRES_AT)],
    [(m) => m.RtmTokenBuilder.buildToken(APP_ID, CERT, 'ünïcødé 用户', m.RtmRole.Rtm_User, '1446455471')],
  ]
  for (const [build] of cases) {
    const theirs = build(agoraAccessToken)
    assert.equal(
      pinnedLike(theirs, () => build(compat)),
      theirs,
    )
  }
})

test('fromString reads our tokens exactly as the reference reads them', () => {
  const token = RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, CHANNEL, 2882341273, RtcRole.PUBLISHER, EXPIRES_AT)
  const theirs = new agoraTokenAccessToken006.AccessToken('', '', '', 0)
  assert.equal(theirs.fromString(token), true)
  const ours = new AccessToken('', '', '', 0)
  assert.equal(ours.fromString(token), true)
  assert.deepEqual({ appID: ours.appID, ...parsedFields(ours) }, { appID: theirs.appID, ...parsedFields(theirs) })
})

test('roles: ATTENDEE, PUBLISHER and ADMIN publish, SUBSCRIBER only joins (compared loosely, as the reference)', () => {
  const ids = (role: unknown) =>
    parse006(RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, role as number, EXPIRES_AT)).privileges.map(
      (p) => p.id,
    )
  for (const role of [RtcRole.ATTENDEE, RtcRole.PUBLISHER, RtcRole.ADMIN, '1', '101'])
    assert.deepEqual(ids(role), [1, 2, 3, 4], String(role))
  for (const role of [RtcRole.SUBSCRIBER, 3, undefined]) assert.deepEqual(ids(role), [1], String(role))
})

test('difference: a fresh random salt per token (the reference draws one per process)', () => {
  const theirs = [1, 2].map(
    (uid) => parse006(agoraAccessToken.RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', uid, 1, EXPIRES_AT)).salt,
  )
  assert.equal(theirs[0], theirs[1])
  const ours = new Set(
    Array.from(
      { length: 100 },
      (_, uid) => parse006(RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', uid, 1, EXPIRES_AT)).salt,
    ),
  )
  assert.ok(ours.size >= 99)
})

test('difference: a bad App ID or certificate throws a TokenError (the reference signs anything)', () => {
  const theirs = agoraAccessToken.RtcTokenBuilder.buildTokenWithUid('not-an-app-id', 'x', 'c', 1, 1, EXPIRES_AT)
  assert.ok(theirs.startsWith('006not-an-app-id'))
  assertTokenError(
    () => RtcTokenBuilder.buildTokenWithUid('not-an-app-id', CERT, 'c', 1, 1, EXPIRES_AT),
    'ERR_INVALID_ARGUMENT',
    'appId',
  )
  assertTokenError(
    () => RtmTokenBuilder.buildToken(APP_ID, 'x', 'u', 1, EXPIRES_AT),
    'ERR_INVALID_ARGUMENT',
    'appCertificate',
  )
})

test('difference: a numeric RTM account is accepted (the reference crashes), a missing uid or account throws', () => {
  assert.throws(() => agoraAccessToken.RtmTokenBuilder.buildToken(APP_ID, CERT, 2882341273, 1, EXPIRES_AT), TypeError)
  const pins = { now: 1_700_000_000, salt006: 5 }
  assert.equal(
    pinCompat(pins, () => RtmTokenBuilder.buildToken(APP_ID, CERT, 2882341273, 1, EXPIRES_AT)),
    pinCompat(pins, () => RtmTokenBuilder.buildToken(APP_ID, CERT, '2882341273', 1, EXPIRES_AT)),
  )
  assertTokenError(
    () => RtmTokenBuilder.buildToken(APP_ID, CERT, undefined as unknown as string, 1, EXPIRES_AT),
    'ERR_INVALID_ARGUMENT',
    'account',
  )
  const undefinedUid = new agoraAccessTokenAccessToken.AccessToken(APP_ID, CERT, 'c', undefined)
  assert.equal(undefinedUid.uid, 'undefined')
  assertTokenError(
    () => RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', undefined as unknown as number, 1, EXPIRES_AT),
    'ERR_INVALID_ARGUMENT',
    'uid',
  )
  assertTokenError(
    () => RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 2 ** 32, 1, EXPIRES_AT),
    'ERR_INVALID_ARGUMENT',
    'uid',
  )
})

test('timestamps: any u32 or numeric string is kept, negative and missing ones throw', () => {
  assert.equal(parse006(RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, 0)).privileges[0]!.expiresAt, 0)
  assert.equal(
    parse006(RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, 0xffff_ffff)).privileges[0]!.expiresAt,
    0xffff_ffff,
  )
  for (const bad of [-1, undefined, Number.NaN, 2 ** 32]) {
    assertTokenError(
      () => RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, bad as number),
      'ERR_INVALID_ARGUMENT',
      'privilegeExpiredTs',
    )
  }
})

test('difference: fromString is quiet and sets appID (agora-access-token logs the error and leaves appID alone)', () => {
  const log = console.log
  let logged = 0
  console.log = () => {
    logged++
  }
  try {
    assert.equal(new agoraAccessTokenAccessToken.AccessToken('', '', '', 0).fromString('006' + APP_ID + 'AAAA'), false)
    assert.equal(logged, 1)
    assert.equal(new AccessToken('', '', '', 0).fromString('006' + APP_ID + 'AAAA'), false)
    assert.equal(logged, 1)
  } finally {
    console.log = log
  }
  const token = RtmTokenBuilder.buildToken(APP_ID, CERT, 'u', 1, EXPIRES_AT)
  const theirs = new agoraAccessTokenAccessToken.AccessToken('', '', '', 0)
  assert.equal(theirs.fromString(token), true)
  assert.equal(theirs.appID, '')
  const ours = new AccessToken('', '', '', 0)
  assert.equal(ours.fromString(token), true)
  assert.equal(ours.appID, APP_ID)
})

test('difference: the builder keeps no AccessToken (with its certificate) on the class, and works detached', () => {
  agoraAccessToken.RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, EXPIRES_AT)
  assert.equal(agoraAccessToken.RtcTokenBuilder.key.appCertificate, CERT)
  const { buildTokenWithUid } = RtcTokenBuilder
  assert.equal(parse006(buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, EXPIRES_AT)).privileges.length, 4)
  assert.equal('key' in RtcTokenBuilder, false)
})

test('a parsed AccessToken keeps its own bytes: parsing another token (the decoder reuses its buffer) changes nothing', () => {
  const build = (channel: string): string =>
    RtcTokenBuilder.buildTokenWithUid(
      '970CA35de60c44645bbae8a215061b33',
      '5CFd2fd1755d40ecb72977518be15d3b',
      channel,
      7,
      RtcRole.PUBLISHER,
      Math.floor(Date.now() / 1000) + 600,
    )
  const first = new AccessToken('', '', '', '')
  assert.equal(first.fromString(build('first')), true)
  const signature = Buffer.from(first.signature!).toString('hex')
  const message = Buffer.from(first.m!).toString('hex')
  assert.equal(new AccessToken('', '', '', '').fromString(build('second')), true)
  assert.equal(Buffer.from(first.signature!).toString('hex'), signature)
  assert.equal(Buffer.from(first.m!).toString('hex'), message)
})
