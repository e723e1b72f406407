/**
 * Every reference vector (test/fixtures) as a table test: exact tokens, payloads,
 * signatures, parses, must-fail cases and builder round trips.
 */
import assert from 'node:assert/strict'
import { inflateSync } from 'node:zlib'
import { test } from 'node:test'
import {
  buildApaasToken,
  buildChatToken,
  buildFpaToken,
  buildRtcToken,
  buildRtmToken,
  parseToken,
  RTM2_PERMISSIONS,
  RTM2_RESOURCES,
  TokenError,
  verifyToken,
  type ParsedService,
  type ParsedToken,
} from '../../src/token/index.js'
import { encodeToken006 } from '../../src/token/v006/build.js'
import { encodeToken007 } from '../../src/token/v007/build.js'
import { loadVectors, toServiceSpec, zlibCEncoding, type Vector } from '../helpers/vectors.js'

const vectors = loadVectors()
const CERT = '5CFd2fd1755d40ecb72977518be15d3b'

/** Our parsed service in the vectors file's notation, for deep comparison. */
function asVectorService(service: ParsedService): Record<string, unknown> {
  const out: Record<string, unknown> = {
    serviceType: service.serviceType,
    service: service.type.toUpperCase(),
    privileges: Object.fromEntries(service.privileges.map((p) => [String(p.id), p.expire])),
  }
  if ('channelName' in service) Object.assign(out, { channelName: service.channelName, account: service.account })
  if ('userId' in service) out.userId = service.userId
  if (service.type === 'rtm2') {
    out.permissions = Object.fromEntries(
      Object.entries(service.permissions).map(([resource, byPermission]) => [
        String(RTM2_RESOURCES[resource as keyof typeof RTM2_RESOURCES]),
        Object.fromEntries(
          Object.entries(byPermission).map(([p, names]) => [
            String(RTM2_PERMISSIONS[p as keyof typeof RTM2_PERMISSIONS]),
            names,
          ]),
        ),
      ]),
    )
  }
  if (service.type === 'apaas')
    Object.assign(out, { roomUuid: service.roomUuid, userUuid: service.userUuid, role: service.role })
  return out
}

function assertDecoded007(parsed: ParsedToken, expected: Record<string, any>, fixedTimes: boolean): void {
  assert.equal(parsed.version, '007')
  if (parsed.version !== '007') return
  assert.equal(parsed.appId, expected.appId)
  assert.equal(parsed.expire, expected.expire)
  if (fixedTimes) {
    assert.equal(parsed.issuedAt, expected.issueTs)
    assert.equal(parsed.salt, expected.salt)
    assert.equal(parsed.expiresAt, expected.issueTs + expected.expire)
  }
  assert.deepEqual(parsed.services.map(asVectorService), expected.services)
}

function payloadHex(token: string): string {
  return inflateSync(Buffer.from(token.slice(3), 'base64')).toString('hex')
}

function rejects(fn: () => unknown, codes: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TokenError, `expected a TokenError, got ${String(error)}`)
    assert.ok(codes.includes(error.code), `unexpected code ${error.code}`)
    return true
  })
}

const byKind = (kind: Vector['kind'], version: Vector['version']) =>
  vectors.filter((v) => v.kind === kind && v.version === version)

for (const vector of byKind('build', '007')) {
  test(`007 build ${vector.id}: payload, signature and C-zlib token are exact`, () => {
    const { appId, appCertificate, issueTs, salt, expire, services } = vector.inputs
    const token = encodeToken007(
      { appId, appCertificate, issuedAt: issueTs, salt, expire, services: services.map(toServiceSpec) },
      { strict: false },
    )
    assert.equal(payloadHex(token), vector.payloadHex)
    assert.equal(payloadHex(token).slice(4, 68), vector.signatureHex)
    assert.equal(token, zlibCEncoding(vector))
    if (vector.compressor?.includes('zlib-c')) assert.equal(token, vector.expected)
  })

  test(`007 build ${vector.id}: the reference's own token parses and verifies`, () => {
    const parsed = parseToken(vector.expected)
    assertDecoded007(parsed, vector.expectedDecoded!, true)
    assert.equal(parsed.signature, vector.signatureHex)
    assert.equal(verifyToken(vector.expected, { certificates: CERT, now: false }).certificateIndex, 0)
    for (const encoding of Object.values(vector.alsoEncodesAs ?? {})) {
      assert.deepEqual(parseToken(encoding), parsed)
    }
  })
}

for (const vector of byKind('build', '006')) {
  test(`006 build ${vector.id}: token is exact, parses and verifies`, () => {
    const { appId, appCertificate, channelName, uid, salt, ts, privileges } = vector.inputs
    const token = encodeToken006({
      appId,
      appCertificate,
      channelName,
      uid,
      salt,
      ts,
      privileges: Object.entries(privileges as Record<string, number>).map(([id, at]) => [Number(id), at]),
    })
    assert.equal(token, vector.expected)
    const parsed = parseToken(vector.expected)
    assert.equal(parsed.version, '006')
    if (parsed.version !== '006') return
    const expected = vector.expectedDecoded!
    assert.equal(parsed.appId, expected.appId)
    assert.equal(parsed.signature, expected.signatureHex)
    assert.equal(parsed.crcChannelName, expected.crcChannelName)
    assert.equal(parsed.crcUid, expected.crcUid)
    assert.equal(parsed.salt, expected.salt)
    assert.equal(parsed.ts, expected.ts)
    assert.deepEqual(Object.fromEntries(parsed.privileges.map((p) => [String(p.id), p.expiresAt])), expected.privileges)
    const rtm = parsed.privileges.some((p) => p.name === 'rtmLogin')
    const claims = rtm ? { userId: channelName } : { channelName, account: uid }
    assert.equal(verifyToken(token, { certificates: CERT, now: false, ...claims }).certificateIndex, 0)
  })
}

for (const vector of byKind('parse', '007')) {
  test(`007 parse ${vector.id}: fields decode as the reference reads them`, () => {
    assertDecoded007(parseToken(vector.inputs.token), vector.expectedDecoded!, true)
    if (vector.inputs.appCertificate) {
      assert.equal(
        verifyToken(vector.inputs.token, { certificates: vector.inputs.appCertificate, now: false }).certificateIndex,
        0,
      )
    }
  })
}

for (const vector of [...byKind('parse-invalid', '007'), ...byKind('parse-invalid', '006')]) {
  test(`${vector.version} parse-invalid ${vector.id}: rejected with a TokenError`, () => {
    rejects(() => parseToken(vector.inputs.token), ['ERR_TOKEN_MALFORMED', 'ERR_TOKEN_UNSUPPORTED_VERSION'])
  })
}

for (const vector of byKind('verify', '007')) {
  test(`007 verify ${vector.id}: each certificate variant gives the reference's answer`, () => {
    for (const [certificate, valid] of Object.entries(vector.expected as Record<string, boolean>)) {
      if (certificate === '(not parsed yet)') continue
      if (valid)
        assert.equal(verifyToken(vector.inputs.token, { certificates: certificate, now: false }).certificateIndex, 0)
      else
        rejects(
          () => verifyToken(vector.inputs.token, { certificates: certificate, now: false }),
          ['ERR_TOKEN_SIGNATURE_MISMATCH', 'ERR_INVALID_ARGUMENT'],
        )
    }
    // Primary wrong, secondary right: reported as the secondary.
    const index = verifyToken(vector.inputs.token, {
      certificates: ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', CERT],
      now: false,
    })
    assert.equal(index.certificateIndex, 1)
  })
}

// Round trips through the modern builders: the same calls as the references' tests, with
// relative lifetimes. Builders whose inputs the modern API rejects by design (absolute times
// in relative fields) are covered by the compat tests instead.
const credentials = { appId: '970CA35de60c44645bbae8a215061b33', appCertificate: CERT }
const channelName = '7d72365eb983485397e3e3f9d460bdda'
const modern: Record<string, (i: Record<string, any>) => string> = {
  'rt007-rtc-uid-publisher': (i) =>
    buildRtcToken({
      ...credentials,
      channelName,
      uid: i.uid,
      role: 'publisher',
      expire: i.tokenExpire,
      privilegeExpire: i.privilegeExpire,
    }),
  'rt007-rtc-uid-publisher-java': (i) =>
    buildRtcToken({
      ...credentials,
      channelName,
      uid: i.uid,
      expire: i.tokenExpire,
      privilegeExpire: i.privilegeExpire,
    }),
  'rt007-rtc-uid-subscriber': (i) =>
    buildRtcToken({
      ...credentials,
      channelName,
      uid: i.uid,
      role: 'subscriber',
      expire: i.tokenExpire,
      privilegeExpire: i.privilegeExpire,
    }),
  'rt007-rtc-account-publisher': (i) =>
    buildRtcToken({
      ...credentials,
      channelName,
      account: i.account,
      expire: i.tokenExpire,
      privilegeExpire: i.privilegeExpire,
    }),
  'rt007-rtc-account-subscriber': (i) =>
    buildRtcToken({
      ...credentials,
      channelName,
      account: i.account,
      role: 'subscriber',
      expire: i.tokenExpire,
      privilegeExpire: i.privilegeExpire,
    }),
  'rt007-rtc-uid-and-privilege': (i) =>
    buildRtcToken({ ...credentials, channelName, uid: i.uid, expire: i.tokenExpire, privilegeExpire: perPrivilege(i) }),
  'rt007-rtc-uid-and-privilege-distinct': (i) =>
    buildRtcToken({ ...credentials, channelName, uid: i.uid, expire: i.tokenExpire, privilegeExpire: perPrivilege(i) }),
  'rt007-rtc-account-and-privilege': (i) =>
    buildRtcToken({
      ...credentials,
      channelName,
      account: i.account,
      expire: i.tokenExpire,
      privilegeExpire: perPrivilege(i),
    }),
  'rt007-rtc-with-rtm-publisher': (i) =>
    buildRtcToken({
      ...credentials,
      channelName,
      account: i.account,
      expire: i.tokenExpire,
      privilegeExpire: i.privilegeExpire,
      rtm: true,
    }),
  'rt007-rtc-with-rtm2': (i) =>
    buildRtcToken({
      ...credentials,
      channelName,
      account: i.rtcAccount,
      expire: i.rtcTokenExpire,
      privilegeExpire: perPrivilege(i),
      rtm: { userId: i.rtmUserId, expire: i.rtmTokenExpire },
    }),
  'rt007-rtm-login': (i) => buildRtmToken({ ...credentials, userId: i.userId, expire: i.expire }),
  'rt007-rtm2-permissions': (i) =>
    buildRtmToken({ ...credentials, userId: i.userId, expire: i.expire, permissions: i.permissions }),
  'rt007-chat-user': (i) => buildChatToken({ ...credentials, userId: i.userId, expire: i.expire }),
  'rt007-chat-app': (i) => buildChatToken({ ...credentials, expire: i.expire }),
  'rt007-apaas-room-user': (i) =>
    buildApaasToken({ ...credentials, roomUuid: i.roomUuid, userUuid: i.userUuid, role: i.role, expire: i.expire }),
  'rt007-apaas-user': (i) => buildApaasToken({ ...credentials, userUuid: i.userUuid, expire: i.expire }),
  'rt007-apaas-app': (i) => buildApaasToken({ ...credentials, expire: i.expire }),
  'rt007-fpa': () => buildFpaToken(credentials),
}
for (const vector of byKind('roundtrip', '007')) {
  const build = modern[vector.id]
  if (build === undefined) continue
  test(`007 roundtrip ${vector.id}: the modern builder gives the reference's fields and verifies`, () => {
    const token = build(vector.inputs)
    assertDecoded007(parseToken(token), vector.expectedDecoded!, false)
    assert.equal(verifyToken(token, { certificates: CERT }).certificateIndex, 0)
  })
}

for (const vector of byKind('roundtrip', '006')) {
  test(`006 roundtrip ${vector.id}: the modern builder with version 006 gives the reference's privileges`, () => {
    const i = vector.inputs
    // Pin the issue time so that issue time + lifetime lands on the reference's absolute expiry.
    const issuedAt = i.privilegeExpiredTs - 600
    const common = { ...credentials, version: '006' as const, issuedAt, expire: 600 }
    const token =
      i.userAccount !== undefined
        ? buildRtmToken({ ...common, userId: i.userAccount })
        : buildRtcToken({
            ...common,
            channelName,
            uid: i.uid,
            role: (['attendee', 'publisher', 'subscriber'] as const)[i.role],
          })
    const parsed = parseToken(token)
    assert.equal(parsed.version, '006')
    if (parsed.version !== '006') return
    // PHP writes privileges in insertion order (1, 3, 2, 4); we write them sorted, like the rest.
    const expected = Object.fromEntries(
      Object.entries(vector.expectedDecoded!.privileges as Record<string, number>).sort(),
    )
    assert.deepEqual(Object.fromEntries(parsed.privileges.map((p) => [String(p.id), p.expiresAt])), expected)
    if (vector.expectedDecoded!.crcUid !== undefined) assert.equal(parsed.crcUid, vector.expectedDecoded!.crcUid)
    assert.equal(parsed.ts, issuedAt + 86_400)
    const claims = i.userAccount !== undefined ? { userId: i.userAccount } : { channelName, uid: i.uid }
    assert.equal(verifyToken(token, { certificates: CERT, now: issuedAt, ...claims }).certificateIndex, 0)
  })
}
function perPrivilege(i: Record<string, number>) {
  return {
    joinChannel: i.joinChannelPrivilegeExpire!,
    publishAudioStream: i.pubAudioPrivilegeExpire!,
    publishVideoStream: i.pubVideoPrivilegeExpire!,
    publishDataStream: i.pubDataStreamPrivilegeExpire!,
  }
}
