/** agate-tokens/compat/agora-token: the npm agora-token surface, the reference vectors through it, and each deliberate difference. */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { deflateSync, inflateSync } from 'node:zlib'
import { test } from 'node:test'
import * as compat from '../../src/compat/agora-token.js'
import {
  AccessToken2,
  ApaasTokenBuilder,
  ChatTokenBuilder,
  ConvoAITokenBuilder,
  EducationTokenBuilder,
  FpaTokenBuilder,
  RtcRole,
  RtcTokenBuilder,
  Rtm2Permissions,
  RtmTokenBuilder,
  Service,
  ServiceApaas,
  ServiceChat,
  ServiceFCdn,
  ServiceFpa,
  ServiceRtc,
  ServiceRtm,
  ServiceRtm2,
  ServiceStreaming,
  SttTokenBuilder,
} from '../../src/compat/agora-token.js'
import { TokenError, verifyToken } from '../../src/token/index.js'
import { loadVectors, zlibCEncoding, type Vector, type VectorService } from '../helpers/vectors.js'
import {
  agoraToken,
  agoraTokenAccessToken2,
  APP_ID,
  assertTokenError,
  CERT,
  parse007,
  payloadHex,
  pinCompat,
  pinnedLike,
  staticNames,
} from './support.js'

const NAMES: Record<number, string> = {
  1: 'RTC',
  2: 'RTM',
  3: 'STREAMING',
  4: 'FPA',
  5: 'CHAT',
  6: 'FCDN',
  7: 'APAAS',
  8: 'RTM2',
  9: 'CONVOAI',
  10: 'STT',
}

/** A parsed compat service in the vectors file's notation. */
function serviceAsVector(service: Service): Record<string, unknown> {
  const out: Record<string, unknown> = {
    serviceType: service.__type,
    service: NAMES[service.__type],
    privileges: Object.fromEntries(Object.entries(service.__privileges)),
  }
  if (service instanceof ServiceRtc) Object.assign(out, { channelName: service.__channel_name, account: service.__uid })
  if (service instanceof ServiceStreaming || service instanceof ServiceFCdn) {
    Object.assign(out, { channelName: service.__channel_name, account: service.__account })
  }
  if (service instanceof ServiceRtm || service instanceof ServiceChat || service instanceof ServiceRtm2)
    out.userId = service.__user_id
  if (service instanceof ServiceRtm2) out.permissions = service.__permissions.details
  if (service instanceof ServiceApaas) {
    Object.assign(out, { roomUuid: service.__room_uuid, userUuid: service.__user_uuid, role: service.__role })
  }
  return out
}

function tokenAsVector(token: AccessToken2): Record<string, unknown> {
  const { appId, issueTs, expire, salt } = token
  return { appId, issueTs, expire, salt, services: token.services.map(serviceAsVector) }
}

/** A vectors-file service as compat service objects; `numeric` passes canonical uids as numbers. */
function compatService(spec: VectorService, numeric: boolean): Service {
  const uid = (account: string): string | number =>
    numeric && /^([1-9]\d*)?$/.test(account) ? Number(account) : account
  let service: Service
  switch (spec.service) {
    case 'RTC':
      service = new ServiceRtc(spec.channelName as string, uid(spec.account as string))
      break
    case 'STREAMING':
      service = new ServiceStreaming(spec.channelName as string, uid(spec.account as string))
      break
    case 'FCDN':
      service = new ServiceFCdn(spec.channelName as string, uid(spec.account as string))
      break
    case 'RTM':
      service = new ServiceRtm(spec.userId as string)
      break
    case 'CHAT':
      service = new ServiceChat(spec.userId as string)
      break
    case 'FPA':
      service = new ServiceFpa()
      break
    case 'APAAS':
      service = new ServiceApaas(spec.roomUuid as string, spec.userUuid as string, spec.role as number)
      break
    case 'RTM2': {
      const permissions = new Rtm2Permissions()
      for (const [resource, byPermission] of Object.entries(
        spec.permissions as Record<string, Record<string, string[]>>,
      )) {
        for (const [permission, names] of Object.entries(byPermission))
          permissions.add(Number(resource), Number(permission), names)
      }
      service = new ServiceRtm2(spec.userId as string, permissions)
      break
    }
    default:
      throw new Error(`no compat service for ${spec.service}`)
  }
  for (const [id, expire] of Object.entries(spec.privileges)) service.add_privilege(Number(id), expire)
  return service
}

function permissionsFrom(spec: Record<string, Record<string, string[]>>): Rtm2Permissions {
  const permissions = new Rtm2Permissions()
  for (const [resource, byPermission] of Object.entries(spec)) {
    for (const [permission, names] of Object.entries(byPermission))
      permissions.add(Number(resource), Number(permission), names)
  }
  return permissions
}

function parseCompat(token: string): AccessToken2 {
  const parsed = new AccessToken2()
  assert.equal(parsed.from_string(token), true, 'from_string')
  return parsed
}

// ---------------------------------------------------------------------------------------------
// The surface

test('exports every name of agora-token, of its src/AccessToken2 module, and TokenError', () => {
  for (const name of Object.keys(agoraToken)) assert.ok(name in compat, `agora-token export ${name}`)
  for (const name of Object.keys(agoraTokenAccessToken2)) assert.ok(name in compat, `src/AccessToken2 export ${name}`)
  assert.equal(compat.TokenError, TokenError)
})

test('each builder class has every static method of the reference, with the same arity', () => {
  const builders = [
    'RtcTokenBuilder',
    'RtmTokenBuilder',
    'ChatTokenBuilder',
    'ApaasTokenBuilder',
    'EducationTokenBuilder',
  ]
  for (const name of [...builders, 'FpaTokenBuilder', 'ConvoAITokenBuilder', 'SttTokenBuilder']) {
    const ours = (compat as Record<string, any>)[name]
    const methods = staticNames(agoraToken[name])
    assert.ok(methods.length > 0, name)
    for (const method of methods) {
      assert.equal(typeof ours[method], 'function', `${name}.${method}`)
      assert.equal(ours[method].length, agoraToken[name][method].length, `${name}.${method}.length`)
    }
  }
  // The lowercase spelling of the capital-B method is an extra alias.
  assert.equal(typeof RtcTokenBuilder.buildTokenWithUserAccountAndPrivilege, 'function')
})

test('roles, service types and privilege constants equal the reference values', () => {
  assert.deepEqual({ ...RtcRole }, { ...agoraToken.RtcRole })
  for (const name of Object.keys(agoraTokenAccessToken2)) {
    const theirs = agoraTokenAccessToken2[name]
    const ours = (compat as Record<string, any>)[name]
    if (typeof theirs === 'number') assert.equal(ours, theirs, name)
    if (typeof theirs !== 'function') continue
    for (const member of staticNames(theirs)) {
      if (member === 'kServices') {
        assert.deepEqual(Object.keys(ours.kServices), Object.keys(theirs.kServices))
        continue
      }
      assert.equal(ours[member], theirs[member], `${name}.${member}`)
    }
  }
})

test('the AccessToken2 and service methods of the reference exist, plus camelCase aliases', () => {
  const token = new AccessToken2(APP_ID, CERT, 1111111, 600)
  for (const method of ['add_service', 'addService', 'getServices', 'build', 'from_string', 'verifySignature']) {
    assert.equal(typeof (token as unknown as Record<string, unknown>)[method], 'function', method)
  }
  const rtc = new ServiceRtc('c', 1)
  for (const method of ['service_type', 'add_privilege', 'addPrivilege']) {
    assert.equal(typeof (rtc as unknown as Record<string, unknown>)[method], 'function', method)
  }
  token.addService(rtc)
  rtc.addPrivilege(ServiceRtc.kPrivilegeJoinChannel, 600)
  assert.deepEqual(token.getServices(1), [rtc])
  assert.deepEqual(token.getServices(2), [])
})

// ---------------------------------------------------------------------------------------------
// Reference vectors

const vectors = loadVectors()
const byKind = (kind: Vector['kind'], version: Vector['version']) =>
  vectors.filter((v) => v.kind === kind && v.version === version)

for (const vector of byKind('build', '007')) {
  const exact = vector.compressor?.includes('zlib-c') === true
  test(`007 build ${vector.id}: AccessToken2 with pinned issueTs and salt gives the exact ${exact ? 'token' : 'payload'}`, () => {
    const { appId, appCertificate, issueTs, salt, expire, services } = vector.inputs
    for (const numeric of [false, true]) {
      const token = new AccessToken2(appId, appCertificate, issueTs, expire)
      token.salt = salt
      for (const service of services) token.add_service(compatService(service, numeric))
      const built = token.build()
      assert.equal(payloadHex(built), vector.payloadHex)
      if (exact) assert.equal(built, vector.expected)
      const zlibC = zlibCEncoding(vector)
      if (zlibC !== undefined) assert.equal(built, zlibC)
    }
  })

  test(`007 build ${vector.id}: from_string reads the reference's token and every re-encoding, and verifies`, () => {
    for (const encoding of [vector.expected as string, ...Object.values(vector.alsoEncodesAs ?? {})]) {
      const parsed = parseCompat(encoding)
      const { serviceCount: _count, signatureValidWithTestCertificate: _valid, ...expected } = vector.expectedDecoded!
      assert.deepEqual(tokenAsVector(parsed), expected)
      assert.equal(parsed.verifySignature(CERT), true)
      assert.equal(parsed.verifySignature('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), false)
    }
  })
}

for (const vector of byKind('parse', '007')) {
  test(`007 parse ${vector.id}: from_string gives the reference's fields`, () => {
    const parsed = parseCompat(vector.inputs.token)
    const { serviceCount: _count, signatureValidWithTestCertificate: valid, ...expected } = vector.expectedDecoded!
    assert.deepEqual(tokenAsVector(parsed), expected)
    if (valid === true) assert.equal(parsed.verifySignature(vector.inputs.appCertificate ?? CERT), true)
  })
}

for (const vector of byKind('parse-invalid', '007')) {
  test(`007 parse-invalid ${vector.id}: from_string returns false and resets every field`, () => {
    // Parse a good token first: the failed parse must clear its state.
    const token = parseCompat(byKind('build', '007')[0]!.expected)
    assert.equal(token.from_string(vector.inputs.token), false)
    assert.deepEqual(
      { appId: token.appId, expire: token.expire, issueTs: token.issueTs, salt: token.salt, services: token.services },
      { appId: '', expire: 0, issueTs: 0, salt: 0, services: [] },
    )
    assert.equal(token.verifySignature(CERT), false, 'a failed parse leaves nothing to verify')
  })
}

for (const vector of byKind('verify', '007')) {
  test(`007 verify ${vector.id}: verifySignature gives the reference's answer for each certificate`, () => {
    for (const [certificate, valid] of Object.entries(vector.expected as Record<string, boolean>)) {
      if (certificate === '(not parsed yet)') {
        assert.equal(new AccessToken2(APP_ID, CERT, 0, 600).verifySignature(CERT), valid)
        continue
      }
      assert.equal(parseCompat(vector.inputs.token).verifySignature(certificate), valid, certificate)
    }
  })
}

// The vectors' inputs, spread as the builders take them.
type Inputs = Record<string, any>
const who = (i: Inputs) => [i.appId, i.appCertificate] as [string, string]
const four = (i: Inputs) =>
  [
    i.joinChannelPrivilegeExpire,
    i.pubAudioPrivilegeExpire,
    i.pubVideoPrivilegeExpire,
    i.pubDataStreamPrivilegeExpire,
  ] as [number, number, number, number]
const roundtrips: Record<string, Array<(i: Inputs) => string>> = {
  'rt007-rtc-uid-publisher': [
    (i) => RtcTokenBuilder.buildTokenWithUid(...who(i), i.channelName, i.uid, i.role, i.tokenExpire, i.privilegeExpire),
  ],
  'rt007-rtc-account-publisher': [
    (i) =>
      RtcTokenBuilder.buildTokenWithUserAccount(
        ...who(i),
        i.channelName,
        i.account,
        i.role,
        i.tokenExpire,
        i.privilegeExpire,
      ),
  ],
  'rt007-rtc-uid-and-privilege': [
    (i) => RtcTokenBuilder.buildTokenWithUidAndPrivilege(...who(i), i.channelName, i.uid, i.tokenExpire, ...four(i)),
  ],
  'rt007-rtc-account-and-privilege': [
    (i) =>
      RtcTokenBuilder.BuildTokenWithUserAccountAndPrivilege(
        ...who(i),
        i.channelName,
        i.account,
        i.tokenExpire,
        ...four(i),
      ),
    (i) =>
      RtcTokenBuilder.buildTokenWithUserAccountAndPrivilege(
        ...who(i),
        i.channelName,
        i.account,
        i.tokenExpire,
        ...four(i),
      ),
  ],
  'rt007-rtc-with-rtm-publisher': [
    (i) =>
      RtcTokenBuilder.buildTokenWithRtm(...who(i), i.channelName, i.account, i.role, i.tokenExpire, i.privilegeExpire),
  ],
  'rt007-rtc-with-rtm2': [
    (i) =>
      RtcTokenBuilder.buildTokenWithRtm2(
        ...who(i),
        i.channelName,
        i.rtcAccount,
        i.rtcRole,
        i.rtcTokenExpire,
        ...four(i),
        i.rtmUserId,
        i.rtmTokenExpire,
      ),
  ],
  'rt007-rtm-login': [(i) => RtmTokenBuilder.buildToken(...who(i), i.userId, i.expire)],
  'rt007-rtm2-permissions': [
    (i) => RtmTokenBuilder.buildTokenWithPermissions(...who(i), i.userId, permissionsFrom(i.permissions), i.expire),
  ],
  'rt007-chat-user': [(i) => ChatTokenBuilder.buildUserToken(...who(i), i.userId, i.expire)],
  'rt007-chat-app': [(i) => ChatTokenBuilder.buildAppToken(...who(i), i.expire)],
  'rt007-apaas-room-user': [
    (i) => ApaasTokenBuilder.buildRoomUserToken(...who(i), i.roomUuid, i.userUuid, i.role, i.expire),
    (i) => EducationTokenBuilder.buildRoomUserToken(...who(i), i.roomUuid, i.userUuid, i.role, i.expire),
  ],
  'rt007-apaas-user': [
    (i) => ApaasTokenBuilder.buildUserToken(...who(i), i.userUuid, i.expire),
    (i) => EducationTokenBuilder.buildUserToken(...who(i), i.userUuid, i.expire),
  ],
  'rt007-apaas-app': [
    (i) => ApaasTokenBuilder.buildAppToken(...who(i), i.expire),
    (i) => EducationTokenBuilder.buildAppToken(...who(i), i.expire),
  ],
  'rt007-fpa': [(i) => FpaTokenBuilder.buildToken(...who(i))],
}
roundtrips['rt007-rtc-uid-publisher-java'] = roundtrips['rt007-rtc-uid-publisher']!
roundtrips['rt007-rtc-uid-publisher-cpp-absolute'] = roundtrips['rt007-rtc-uid-publisher']!
roundtrips['rt007-rtc-uid-subscriber'] = roundtrips['rt007-rtc-uid-publisher']!
roundtrips['rt007-rtc-account-subscriber'] = roundtrips['rt007-rtc-account-publisher']!
roundtrips['rt007-rtc-uid-and-privilege-distinct'] = roundtrips['rt007-rtc-uid-and-privilege']!

for (const vector of byKind('roundtrip', '007')) {
  test(`007 roundtrip ${vector.id}: the compat builder gives the reference's fields and verifies`, () => {
    const builds = roundtrips[vector.id]
    assert.ok(builds, `no compat builder mapped for ${vector.id}`)
    const {
      issueTs: _now,
      salt: _random,
      signatureValidWithTestCertificate: _valid,
      ...expected
    } = vector.expectedDecoded!
    for (const build of builds) {
      const before = Math.floor(Date.now() / 1000)
      const token = build(vector.inputs)
      const parsed = parseCompat(token)
      const { issueTs, salt, ...fields } = tokenAsVector(parsed)
      assert.deepEqual(fields, expected)
      assert.ok((issueTs as number) >= before && (issueTs as number) <= before + 2, 'issueTs is now')
      assert.ok((salt as number) >= 1 && (salt as number) <= 99_999_999, 'salt in the reference range')
      assert.equal(parsed.verifySignature(vector.inputs.appCertificate), true)
      assert.equal(verifyToken(token, { certificates: vector.inputs.appCertificate, now: false }).certificateIndex, 0)
    }
  })
}
// ---------------------------------------------------------------------------------------------
// Deliberate differences (docs/compat.md), each shown against the reference

test('difference: build throws a TokenError naming the field where agora-token returns ""', () => {
  const bad = '970CA35de60c44645bbae8a215061b3' // 31 characters
  assert.equal(agoraToken.RtcTokenBuilder.buildTokenWithUid(bad, CERT, 'c', 1, 1, 600, 600), '')
  assertTokenError(
    () => RtcTokenBuilder.buildTokenWithUid(bad, CERT, 'c', 1, 1, 600, 600),
    'ERR_INVALID_ARGUMENT',
    'appId',
  )
  assert.equal(agoraToken.RtmTokenBuilder.buildToken(APP_ID, 'not-a-certificate', 'u', 600), '')
  assertTokenError(
    () => RtmTokenBuilder.buildToken(APP_ID, 'not-a-certificate', 'u', 600),
    'ERR_INVALID_ARGUMENT',
    'appCertificate',
  )
  assert.equal(new agoraTokenAccessToken2.AccessToken2(APP_ID, CERT, 0, 600).build(), '')
  assertTokenError(() => new AccessToken2(APP_ID, CERT, 0, 600).build(), 'ERR_INVALID_ARGUMENT', 'services')
})

test('difference: the certificate never appears in an error message', () => {
  const certificate = 'ZZZZd2fd1755d40ecb72977518be15d3b'
  assert.throws(
    () => ChatTokenBuilder.buildAppToken(APP_ID, certificate, 600),
    (error: Error) => !error.message.includes(certificate),
  )
})

test('difference: numeric user ids are accepted (agora-token crashes on Buffer.from(number))', () => {
  assert.throws(() => agoraToken.RtmTokenBuilder.buildToken(APP_ID, CERT, 2882341273, 600), TypeError)
  assert.throws(() => agoraToken.ChatTokenBuilder.buildUserToken(APP_ID, CERT, 2882341273, 600), TypeError)
  assert.throws(
    () => agoraToken.RtcTokenBuilder.buildTokenWithRtm(APP_ID, CERT, 'c', 2882341273, 1, 600, 600),
    TypeError,
  )
  const cases: Array<[(id: string | number) => string, (p: ReturnType<typeof parse007>) => string]> = [
    [(id) => RtmTokenBuilder.buildToken(APP_ID, CERT, id, 600), (p) => (p.services[0] as { userId: string }).userId],
    [
      (id) => ChatTokenBuilder.buildUserToken(APP_ID, CERT, id, 600),
      (p) => (p.services[0] as { userId: string }).userId,
    ],
    [
      (id) => RtcTokenBuilder.buildTokenWithRtm(APP_ID, CERT, 'c', id, 1, 600, 600),
      (p) => (p.services[1] as { userId: string }).userId,
    ],
    [
      (id) => RtcTokenBuilder.buildTokenWithRtm2(APP_ID, CERT, 'c', 'a', 1, 600, 600, 600, 600, 600, id, 600),
      (p) => (p.services[1] as { userId: string }).userId,
    ],
    [
      (id) => ApaasTokenBuilder.buildUserToken(APP_ID, CERT, id, 600),
      (p) => (p.services[0] as { userUuid: string }).userUuid,
    ],
    [
      (id) => ApaasTokenBuilder.buildRoomUserToken(APP_ID, CERT, 'room', id, 1, 600),
      (p) => (p.services[0] as { userId: string }).userId,
    ],
  ]
  for (const [build, userId] of cases) {
    const numeric = pinCompat({ now: 1_700_000_000, salt007: 7 }, () => build(2882341273))
    const text = pinCompat({ now: 1_700_000_000, salt007: 7 }, () => build('2882341273'))
    assert.equal(userId(parse007(numeric)), '2882341273')
    assert.equal(numeric, text)
  }
  assertTokenError(() => RtmTokenBuilder.buildToken(APP_ID, CERT, -5, 600), 'ERR_INVALID_ARGUMENT', 'userId')
  assertTokenError(() => RtmTokenBuilder.buildToken(APP_ID, CERT, 1.5, 600), 'ERR_INVALID_ARGUMENT', 'userId')
})

test('difference: an APaaS room-user token carries the APaaS room privilege (agora-token leaves it out)', () => {
  const reference = agoraToken.ApaasTokenBuilder.buildRoomUserToken(APP_ID, CERT, 'room-1', 'alice', 2, 900)
  const referenceApaas = parse007(reference).services.find((s) => s.type === 'apaas')!
  assert.deepEqual(referenceApaas.privileges, [])
  for (const builder of [ApaasTokenBuilder, EducationTokenBuilder]) {
    const ours = pinnedLike(reference, () => builder.buildRoomUserToken(APP_ID, CERT, 'room-1', 'alice', 2, 900))
    const parsed = parse007(ours)
    assert.deepEqual(
      parsed.services.map((s) => [s.type, s.privileges.map((p) => [p.name, p.expire])]),
      [
        ['rtm', [['login', 900]]],
        ['chat', [['user', 900]]],
        ['apaas', [['roomUser', 900]]],
      ],
    )
    assert.equal((parsed.services[1] as { userId: string }).userId, createHash('md5').update('alice').digest('hex'))
    // Everything else is the reference's payload: the same token built by hand with the privilege.
    const documented = new agoraTokenAccessToken2.AccessToken2(APP_ID, CERT, parsed.issuedAt, 900)
    documented.salt = parsed.salt
    const apaas = new agoraTokenAccessToken2.ServiceApaas('room-1', 'alice', 2)
    apaas.add_privilege(1, 900)
    documented.add_service(apaas)
    const rtm = new agoraTokenAccessToken2.ServiceRtm('alice')
    rtm.add_privilege(1, 900)
    documented.add_service(rtm)
    const chat = new agoraTokenAccessToken2.ServiceChat(createHash('md5').update('alice').digest('hex'))
    chat.add_privilege(1, 900)
    documented.add_service(chat)
    assert.equal(payloadHex(ours), payloadHex(documented.build()))
  }
})

test('difference: ServiceApaas role 0 stays 0 (agora-token turns it into -1) and parses back signed', () => {
  const reference = new agoraTokenAccessToken2.AccessToken2(APP_ID, CERT, 1111111, 600)
  reference.add_service(new agoraTokenAccessToken2.ServiceApaas('room', 'user', 0))
  assert.equal((parse007(reference.build()).services[0] as { role: number }).role, -1)
  const ours = new AccessToken2(APP_ID, CERT, 1111111, 600)
  ours.add_service(new ServiceApaas('room', 'user', 0))
  assert.equal((parse007(ours.build()).services[0] as { role: number }).role, 0)
  // Role -1 reads back as -1; the reference's from_string reads it unsigned (65535).
  const user = ApaasTokenBuilder.buildUserToken(APP_ID, CERT, 'user', 600)
  const theirs = new agoraTokenAccessToken2.AccessToken2()
  assert.equal(theirs.from_string(user), true)
  assert.equal(theirs.services[0].__role, 65535)
  assert.equal((parseCompat(user).services[0] as ServiceApaas).__role, -1)
})

test('difference: salts are cryptographic, fresh per token, in 1..99999999', () => {
  const realRandom = Math.random
  Math.random = () => 0.5
  try {
    const theirs = [0, 1].map(() => new agoraTokenAccessToken2.AccessToken2(APP_ID, CERT, 0, 600).salt)
    assert.equal(theirs[0], theirs[1], 'the reference follows Math.random')
    const salts = new Set(Array.from({ length: 200 }, () => new AccessToken2(APP_ID, CERT, 0, 600).salt))
    assert.ok(salts.size >= 199, 'ours does not')
    for (const salt of salts) assert.ok(Number.isInteger(salt) && salt >= 1 && salt <= 99_999_999)
  } finally {
    Math.random = realRandom
  }
})

test('difference: a missing or out-of-range RTC uid throws (agora-token writes "undefined" or any text)', () => {
  const theirs = agoraToken.RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', undefined, 1, 600, 600)
  assert.equal((parse007(theirs).services[0] as { account: string }).account, 'undefined')
  const missing = undefined as unknown as number
  assertTokenError(
    () => RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', missing, 1, 600, 600),
    'ERR_INVALID_ARGUMENT',
    'services[0].uid',
  )
  for (const uid of [-1, 2 ** 32, 1.5, Number.NaN]) {
    assertTokenError(
      () => RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', uid, 1, 600, 600),
      'ERR_INVALID_ARGUMENT',
      'uid',
    )
  }
  // Numeric 0 is the wildcard, the string "0" is the account "0", as in the reference.
  const wildcard = parse007(RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 0, 1, 600))
  assert.equal((wildcard.services[0] as { account: string }).account, '')
  const zero = parse007(RtcTokenBuilder.buildTokenWithUserAccount(APP_ID, CERT, 'c', '0', 1, 600))
  assert.equal((zero.services[0] as { account: string }).account, '0')
})

test('lifetimes keep the reference permissiveness: any u32, numeric strings, fractions truncated', () => {
  const absolute = parse007(RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, 1446455471, 1446455471))
  assert.equal(absolute.expire, 1446455471)
  assert.equal(absolute.services[0]!.privileges[0]!.expire, 1446455471)
  const pins = { now: 1_700_000_000, salt007: 3 }
  const numeric = pinCompat(pins, () => RtmTokenBuilder.buildToken(APP_ID, CERT, 'u', 600))
  for (const loose of ['600', 600.9]) {
    assert.equal(
      pinCompat(pins, () => RtmTokenBuilder.buildToken(APP_ID, CERT, 'u', loose as number)),
      numeric,
    )
  }
  // The reference accepts the same loose values and writes the same bytes.
  const theirs = agoraToken.RtmTokenBuilder.buildToken(APP_ID, CERT, 'u', '600')
  assert.equal(parse007(theirs).expire, 600)
  assert.equal(
    parse007(pinnedLike(theirs, () => RtmTokenBuilder.buildToken(APP_ID, CERT, 'u', '600' as unknown as number)))
      .expire,
    600,
  )
  assert.equal(parse007(FpaTokenBuilder.buildToken(APP_ID, CERT)).expire, 86_400)
})

test('difference: undefined, NaN and negative lifetimes throw (agora-token writes 0 or throws a RangeError)', () => {
  assert.equal(parse007(agoraToken.RtmTokenBuilder.buildToken(APP_ID, CERT, 'u', undefined)).expire, 0)
  assert.throws(() => agoraToken.RtmTokenBuilder.buildToken(APP_ID, CERT, 'u', -1), RangeError)
  for (const expire of [undefined, Number.NaN, -1, 2 ** 32, 'soon']) {
    assertTokenError(
      () => RtmTokenBuilder.buildToken(APP_ID, CERT, 'u', expire as number),
      'ERR_INVALID_ARGUMENT',
      'expire',
    )
  }
  assertTokenError(
    () => RtcTokenBuilder.buildTokenWithUidAndPrivilege(APP_ID, CERT, 'c', 1, 600, 600, -1, 600, 600),
    'ERR_INVALID_ARGUMENT',
    'pubAudioPrivilegeExpire',
  )
  assertTokenError(
    () => RtcTokenBuilder.buildTokenWithRtm2(APP_ID, CERT, 'c', 'a', 1, 600, 1, 2, 3, 4, 'u', Number.NaN),
    'ERR_INVALID_ARGUMENT',
    'rtmTokenExpire',
  )
})

test('roles compare as in the reference: loosely in the RTC builders, strictly in ConvoAI/STT', () => {
  const privileges = (token: string) => parse007(token).services[0]!.privileges.map((p) => p.id)
  const looseRole = '1' as unknown as number
  assert.deepEqual(
    privileges(agoraToken.RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, looseRole, 600)),
    [1, 2, 3, 4],
  )
  assert.deepEqual(privileges(RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, looseRole, 600)), [1, 2, 3, 4])
  assert.deepEqual(privileges(RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'c', 1, RtcRole.SUBSCRIBER, 600)), [1])
  for (const builder of [ConvoAITokenBuilder, SttTokenBuilder]) {
    const theirs = (agoraToken as Record<string, any>)[builder.name].buildToken(
      APP_ID,
      CERT,
      'c',
      'a',
      looseRole,
      600,
      1,
      2,
      3,
      4,
      'a',
      600,
    )
    assert.deepEqual(privileges(theirs), [1])
    assert.deepEqual(privileges(builder.buildToken(APP_ID, CERT, 'c', 'a', looseRole, 600, 1, 2, 3, 4, 'a', 600)), [1])
    assert.deepEqual(
      privileges(builder.buildToken(APP_ID, CERT, 'c', 'a', RtcRole.PUBLISHER, 600, 1, 2, 3, 4, 'a', 600)),
      [1, 2, 3, 4],
    )
  }
})

test('ConvoAI and STT tokens hold RTC, RTM and an empty agent service', () => {
  for (const [builder, type] of [
    [ConvoAITokenBuilder, 'convoai'],
    [SttTokenBuilder, 'stt'],
  ] as const) {
    const parsed = parse007(
      builder.buildToken(APP_ID, CERT, 'c', 'agent', RtcRole.PUBLISHER, 900, 1, 2, 3, 4, 'agent-rtm', 300),
    )
    assert.equal(parsed.expire, 900)
    assert.deepEqual(
      parsed.services.map((s) => s.type),
      ['rtc', 'rtm', type],
    )
    assert.deepEqual(
      parsed.services[1]!.privileges.map((p) => p.expire),
      [300],
    )
    assert.deepEqual(parsed.services[2]!.privileges, [])
  }
})

test('difference: from_string rejects strings that are not UTF-8, which the reference reads as bytes', () => {
  const token = RtcTokenBuilder.buildTokenWithUserAccount(APP_ID, CERT, 'channel', 'account', 1, 600)
  const content = inflateSync(Buffer.from(token.slice(3), 'base64'))
  content[content.indexOf('channel')] = 0xff
  const notUtf8 = '007' + deflateSync(content).toString('base64')
  const theirs = new agoraTokenAccessToken2.AccessToken2()
  assert.equal(theirs.from_string(notUtf8), true)
  assert.equal(new AccessToken2().from_string(notUtf8), false)
  // Parsed strings are strings (the reference keeps Buffers).
  const parsed = parseCompat(token).services[0] as ServiceRtc
  assert.equal(parsed.__channel_name, 'channel')
  assert.equal(parsed.__uid, 'account')
})

test('AccessToken2: issueTs 0 means now in whole seconds; from_string of a token from agora-token verifies', () => {
  const token = new AccessToken2(APP_ID, CERT, 0, 600)
  assert.ok(Number.isInteger(token.issueTs) && Math.abs(token.issueTs - Date.now() / 1000) < 2)
  const theirs = agoraToken.RtcTokenBuilder.buildTokenWithRtm2(APP_ID, CERT, 'c', 'a', 1, 600, 1, 2, 3, 4, 'r', 500)
  const parsed = parseCompat(theirs)
  assert.equal(parsed.verifySignature(CERT), true)
  assert.equal(parsed.verifySignature(CERT.toLowerCase()), false, 'the certificate text is the key, case and all')
  assert.equal(parsed.verifySignature('short'), false)
  assert.deepEqual(
    parsed.services.map((s) => s.service_type()),
    [1, 2],
  )
})

test('services of one type keep their order; privileges overwrite by id', () => {
  const token = new AccessToken2(APP_ID, CERT, 1111111, 600)
  token.salt = 1
  const second = new ServiceRtc('b', 2)
  second.add_privilege(1, 100)
  second.add_privilege(1, 200)
  const first = new ServiceRtc('a', 1)
  first.add_privilege(1, 300)
  token.add_service(new ServiceRtm('u'))
  token.add_service(second)
  token.add_service(first)
  const parsed = parseCompat(token.build())
  assert.deepEqual(parsed.services.map(serviceAsVector), [
    { serviceType: 1, service: 'RTC', channelName: 'b', account: '2', privileges: { 1: 200 } },
    { serviceType: 1, service: 'RTC', channelName: 'a', account: '1', privileges: { 1: 300 } },
    { serviceType: 2, service: 'RTM', userId: 'u', privileges: {} },
  ])
})

test('bad service objects and privilege ids throw a TokenError', () => {
  const token = new AccessToken2(APP_ID, CERT, 0, 600)
  token.add_service({ __type: 1 } as unknown as Service)
  assertTokenError(() => token.build(), 'ERR_INVALID_ARGUMENT', 'services[0]')
  const unknown = new AccessToken2(APP_ID, CERT, 0, 600)
  unknown.add_service(new Service(99))
  assertTokenError(() => unknown.build(), 'ERR_INVALID_ARGUMENT', 'services[0].type')
  const badId = new AccessToken2(APP_ID, CERT, 0, 600)
  const rtm = new ServiceRtm('u')
  rtm.add_privilege(70000, 1)
  badId.add_service(rtm)
  assertTokenError(() => badId.build(), 'ERR_INVALID_ARGUMENT', 'services[0].privileges')
  assertTokenError(() => new ServiceApaas('r', 'u', 40000), 'ERR_INVALID_ARGUMENT', 'role')
  assertTokenError(() => new ServiceChat({} as unknown as string), 'ERR_INVALID_ARGUMENT', 'userId')
})

test('difference: static builder methods work detached from their class (the reference uses this)', () => {
  const { buildTokenWithUid: theirs } = agoraToken.RtcTokenBuilder
  assert.throws(() => theirs(APP_ID, CERT, 'c', 1, 1, 600, 600), TypeError)
  const { buildTokenWithUid, buildTokenWithUidAndPrivilege } = RtcTokenBuilder
  assert.equal(parse007(buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, 600, 600)).services.length, 1)
  assert.equal(parse007(buildTokenWithUidAndPrivilege(APP_ID, CERT, 'c', 1, 600, 1, 2, 3, 4)).services.length, 1)
  assertTokenError(
    () => buildTokenWithUid(APP_ID, CERT, 'c', 1, 1, undefined as unknown as number),
    'ERR_INVALID_ARGUMENT',
    'tokenExpire',
  )
})

test('AccessToken2 without a lifetime parses fine but does not build (the reference writes 0)', () => {
  const token = new AccessToken2(APP_ID, CERT)
  token.add_service(new ServiceFpa())
  assertTokenError(() => token.build(), 'ERR_INVALID_ARGUMENT', 'expire')
  assert.equal(new AccessToken2().from_string(FpaTokenBuilder.buildToken(APP_ID, CERT)), true)
})

test('a parsed AccessToken2 keeps its own bytes: parsing another token (the decoders reuse their buffers) changes nothing', () => {
  const build = (channel: string): string =>
    compat.RtcTokenBuilder.buildTokenWithUid(
      '970CA35de60c44645bbae8a215061b33',
      '5CFd2fd1755d40ecb72977518be15d3b',
      channel,
      7,
      compat.RtcRole.PUBLISHER,
      600,
      600,
    )
  const first = new compat.AccessToken2()
  assert.equal(first.from_string(build('first')), true)
  const second = new compat.AccessToken2()
  assert.equal(second.from_string(build('second-channel-with-a-longer-name')), true)
  assert.equal(first.verifySignature('5CFd2fd1755d40ecb72977518be15d3b'), true)
  assert.equal(second.verifySignature('5CFd2fd1755d40ecb72977518be15d3b'), true)
  assert.equal((first.services[0] as compat.ServiceRtc).__channel_name, 'first')
})
