/**
 * Differential tests against npm agora-token 2.0.6 and agora-access-token 2.0.4 on random inputs,
 * both ways: (a) the same 007 payload (inflated content) or the same 006 token for the same salt and
 * time, from our encoder, our modern builders and our compat builders; (b) each side's tokens parse
 * and verify on the other. The references draw their own time and salt; we read both back from
 * their token and pin ours to them. Seeds are fixed and in each test's name (override with
 * DIFF_SEED, and the run count with DIFF_RUNS).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { AccessToken } from '../../src/compat/access-token.js'
import * as compat from '../../src/compat/agora-token.js'
import * as compat006 from '../../src/compat/agora-access-token.js'
import {
  buildApaasToken,
  buildChatToken,
  buildFpaToken,
  buildRtcToken,
  buildRtmToken,
  buildToken,
  parseToken,
  RTM2_PERMISSIONS,
  RTM2_RESOURCES,
  verifyToken,
  type Rtm2Permissions,
  type ServiceSpec,
} from '../../src/token/index.js'
import { encodeToken006 } from '../../src/token/v006/build.js'
import { encodeToken007 } from '../../src/token/v007/build.js'
import {
  agoraAccessToken,
  agoraAccessTokenAccessToken,
  agoraToken,
  agoraTokenAccessToken006,
  agoraTokenAccessToken2 as R,
  parse006,
  parse007,
  payloadHex,
  pinCompat,
} from '../compat/support.js'

const SEED = Number(process.env.DIFF_SEED ?? 20_260_728)
const RUNS = Number(process.env.DIFF_RUNS ?? 200)

let properties = 0
/** One fast-check property as one test, with its own fixed seed in the title. */
function property<T>(name: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => void, runs = RUNS): void {
  const seed = SEED + properties++
  test(`${name} [seed ${seed}, ${runs} runs]`, () => {
    fc.assert(fc.property(arbitrary, check), { seed, numRuns: runs })
  })
}

// ---------------------------------------------------------------------------------------------
// Arbitraries. "wide" inputs are what the compat layer and the references accept (any text, any
// u32); "modern" inputs also satisfy the modern API's documented limits.

const u32 = fc.integer({ min: 0, max: 0xffff_ffff })
const u16 = fc.integer({ min: 0, max: 0xffff })
const hex32 = fc.stringMatching(/^[0-9a-fA-F]{32}$/)
const credentials = fc.record({ appId: hex32, appCertificate: hex32 })
/** Well-formed Unicode: the 006 reference's CRC and the APaaS MD5 only agree with UTF-8 on it. */
const text = fc.string({ unit: 'grapheme', maxLength: 24 })
/** Any UTF-16, lone surrogates included: Buffer.from and TextEncoder both write U+FFFD for them. */
const rawText = fc.oneof(text, fc.string({ unit: 'binary', maxLength: 24 }))
const uid = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffff_ffff }))
const wideLifetime = fc.oneof(u32, fc.integer({ min: 0, max: 100_000 }))
const wideRole = fc.oneof(fc.constantFrom(1, 2), fc.integer({ min: -3, max: 200 }))

const channel = fc.stringMatching(/^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{0,63}$/)
// Agora's documented identifiers: user accounts and RTM user ids use the channel-name alphabet (RTM
// ids do not start with a space), Chat user ids a-z 0-9 _ - . only, APaaS rooms are channel names.
const account = fc.stringMatching(/^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{0,80}$/)
const rtmUserId = fc.stringMatching(
  /^[a-zA-Z0-9!#$%&()+\-:;<=.>?@[\]^_{}|~,][a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{0,40}$/,
)
const chatUserId = fc.stringMatching(/^[a-z0-9_.-]{1,64}$/)
const roomUuid = fc.stringMatching(/^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{1,63}$/)
const expire = fc.integer({ min: 1, max: 86_400 })
const privilegeLifetime = fc.integer({ min: 0, max: 86_400 })
const role = fc.constantFrom(1, 2)
const i16 = fc.integer({ min: -32768, max: 32767 })

const rtcRoleName = (r: number) => (r === 1 ? 'publisher' : 'subscriber')

/** RTM2 permission additions, applied in order on both sides (a repeated pair replaces its list). */
const permissionAdds = (resourceMax: number, permissionMax: number) =>
  fc.array(
    fc.tuple(
      fc.integer({ min: 0, max: resourceMax }),
      fc.integer({ min: 0, max: permissionMax }),
      fc.array(rawText, { maxLength: 3 }),
    ),
    { maxLength: 6 },
  )
type PermissionAdds = Array<[number, number, string[]]>

function referencePermissions(adds: PermissionAdds): any {
  const permissions = new agoraToken.Rtm2Permissions()
  for (const [r, p, names] of adds) permissions.add(r, p, names)
  return permissions
}

function compatPermissions(adds: PermissionAdds): compat.Rtm2Permissions {
  const permissions = new compat.Rtm2Permissions()
  for (const [r, p, names] of adds) permissions.add(r, p, names)
  return permissions
}

const RESOURCE_NAMES = Object.keys(RTM2_RESOURCES) as Array<keyof typeof RTM2_RESOURCES>
const PERMISSION_NAMES = Object.keys(RTM2_PERMISSIONS) as Array<keyof typeof RTM2_PERMISSIONS>

/** The same permissions in the modern API's named shape (numeric keys where a type has no name). */
function namedPermissions(adds: PermissionAdds): Rtm2Permissions {
  const out: Record<string, Record<string, string[]>> = {}
  for (const [r, p, names] of adds) {
    const resource = RESOURCE_NAMES[r] ?? String(r)
    ;(out[resource] ??= {})[PERMISSION_NAMES[p] ?? String(p)] = names
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Cross-checks used by every property

/** Our tokens on the reference: from_string succeeds and the signature verifies. */
function verifiesOnReference(token: string, certificate: string): void {
  if (token.startsWith('007')) {
    const theirs = new R.AccessToken2()
    assert.equal(theirs.from_string(token), true, 'agora-token from_string')
    assert.equal(theirs.verifySignature(certificate), true, 'agora-token verifySignature')
    assert.equal(theirs.services.length, parse007(token).services.length)
    return
  }
  const ours = parse006(token)
  for (const Class of [agoraAccessTokenAccessToken.AccessToken, agoraTokenAccessToken006.AccessToken]) {
    const theirs = new Class('', '', '', 0)
    assert.equal(theirs.fromString(token), true, 'fromString')
    assert.deepEqual(
      [
        theirs.salt,
        theirs.ts,
        theirs.crc_channel_name,
        theirs.crc_uid,
        theirs.signature.toString('hex'),
        { ...theirs.messages },
      ],
      [
        ours.salt,
        ours.ts,
        ours.crcChannelName,
        ours.crcUid,
        ours.signature,
        Object.fromEntries(ours.privileges.map((p) => [p.id, p.expiresAt])),
      ],
    )
  }
}

/** Reference tokens on ours: parseToken, verifyToken (with the RTC claims when given) and compat from_string. */
function verifiesOnOurs(
  token: string,
  certificate: string,
  claims: { channelName?: string; account?: string; userId?: string } = {},
): void {
  assert.equal(verifyToken(token, { certificates: certificate, now: false, ...claims }).certificateIndex, 0)
  if (token.startsWith('007')) {
    const ours = new compat.AccessToken2()
    assert.equal(ours.from_string(token), true)
    assert.equal(ours.verifySignature(certificate), true)
    const theirs = new R.AccessToken2()
    theirs.from_string(token)
    assert.deepEqual(
      ours.services.map((s) => s.service_type()),
      theirs.services.map((s: any) => s.service_type()),
    )
  }
}

/**
 * The core check for a 007 builder: build with the reference, pin ours to its issue time and salt,
 * compare inflated payloads, and cross-verify.
 */
function sameAsReference007(
  certificate: string,
  reference: () => string,
  ours: Array<((pins: { issuedAt: number; salt: number }) => string) | undefined>,
  claims: { channelName?: string; account?: string } = {},
): void {
  const theirs = reference()
  const { issuedAt, salt } = parse007(theirs)
  verifiesOnOurs(theirs, certificate, claims)
  for (const build of ours) {
    if (build === undefined) continue
    const token = build({ issuedAt, salt })
    assert.equal(payloadHex(token), payloadHex(theirs))
    verifiesOnReference(token, certificate)
  }
}

/** A compat build pinned to the given issue time and salt. */
const pinned = (fn: () => string) => (pins: { issuedAt: number; salt: number }) =>
  pinCompat({ now: pins.issuedAt, salt007: pins.salt }, fn)

// ---------------------------------------------------------------------------------------------
// (a)+(b) 007, low level: random service lists through agora-token's AccessToken2, our compat
// AccessToken2 and the encoder itself, with the issue time and salt set on both.

const privilegeEntries = fc.uniqueArray(fc.tuple(u16, u32), { maxLength: 5, selector: ([id]) => id })
const serviceArbitrary = fc.oneof(
  fc.record({
    kind: fc.constantFrom('rtc', 'streaming', 'fcdn'),
    channelName: rawText,
    account: fc.oneof(uid, rawText),
    privileges: privilegeEntries,
  }),
  fc.record({ kind: fc.constantFrom('rtm', 'chat'), userId: rawText, privileges: privilegeEntries }),
  fc.record({
    kind: fc.constant('apaas'),
    roomUuid: rawText,
    userUuid: rawText,
    role: fc.integer({ min: -32768, max: 32767 }),
    privileges: privilegeEntries,
  }),
  fc.record({ kind: fc.constant('rtm2'), userId: rawText, adds: permissionAdds(9, 3), privileges: privilegeEntries }),
  fc.record({ kind: fc.constantFrom('fpa', 'convoai', 'stt'), privileges: privilegeEntries }),
)
type ServiceInput = typeof serviceArbitrary extends fc.Arbitrary<infer S> ? S : never

function referenceService(input: ServiceInput): any {
  let service: any
  switch (input.kind) {
    case 'rtc':
      service = new R.ServiceRtc(input.channelName, input.account)
      break
    case 'streaming':
      service = new R.ServiceStreaming(input.channelName, input.account)
      break
    case 'fcdn':
      service = new R.ServiceFCdn(input.channelName, input.account)
      break
    case 'rtm':
      service = new R.ServiceRtm(input.userId)
      break
    case 'chat':
      service = new R.ServiceChat(input.userId)
      break
    case 'apaas':
      service = new R.ServiceApaas(input.roomUuid, input.userUuid, input.role)
      service.__role = input.role // the reference's `role || -1` turns 0 into -1: set it as given
      break
    case 'rtm2':
      service = new R.ServiceRtm2(input.userId, referencePermissions(input.adds))
      break
    case 'fpa':
      service = new R.ServiceFpa()
      break
    case 'convoai':
      service = new R.ServiceConvoAI()
      break
    case 'stt':
      service = new R.ServiceStt()
      break
  }
  for (const [id, value] of input.privileges) service.add_privilege(id, value)
  return service
}

function compatService(input: ServiceInput): compat.Service {
  let service: compat.Service
  switch (input.kind) {
    case 'rtc':
      service = new compat.ServiceRtc(input.channelName, input.account)
      break
    case 'streaming':
      service = new compat.ServiceStreaming(input.channelName, input.account)
      break
    case 'fcdn':
      service = new compat.ServiceFCdn(input.channelName, input.account)
      break
    case 'rtm':
      service = new compat.ServiceRtm(input.userId)
      break
    case 'chat':
      service = new compat.ServiceChat(input.userId)
      break
    case 'apaas':
      service = new compat.ServiceApaas(input.roomUuid, input.userUuid, input.role)
      break
    case 'rtm2':
      service = new compat.ServiceRtm2(input.userId, compatPermissions(input.adds))
      break
    case 'fpa':
      service = new compat.ServiceFpa()
      break
    case 'convoai':
      service = new compat.ServiceConvoAI()
      break
    case 'stt':
      service = new compat.ServiceStt()
      break
  }
  for (const [id, value] of input.privileges) service.add_privilege(id, value)
  return service
}

/** The same service in the encoder's data shape: numeric uids, numeric privilege ids, named permissions. */
function serviceSpec(input: ServiceInput): ServiceSpec {
  const privileges = Object.fromEntries(input.privileges)
  switch (input.kind) {
    case 'rtc':
    case 'streaming':
    case 'fcdn':
      return typeof input.account === 'number'
        ? { type: input.kind, channelName: input.channelName, uid: input.account, privileges }
        : { type: input.kind, channelName: input.channelName, account: input.account, privileges }
    case 'rtm':
    case 'chat':
      return { type: input.kind, userId: input.userId, privileges }
    case 'apaas':
      return { type: 'apaas', roomUuid: input.roomUuid, userUuid: input.userUuid, role: input.role, privileges }
    case 'rtm2':
      return { type: 'rtm2', userId: input.userId, permissions: namedPermissions(input.adds), privileges }
    default:
      return { type: input.kind, privileges }
  }
}

property(
  '007 AccessToken2: agora-token, our compat class and our encoder write the same payload for any services',
  fc.record({
    credentials,
    issueTs: fc.integer({ min: 1, max: 0xffff_ffff }),
    salt: u32,
    expire: u32,
    services: fc.array(serviceArbitrary, { minLength: 1, maxLength: 5 }),
  }),
  ({ credentials: { appId, appCertificate }, issueTs, salt, expire, services }) => {
    const theirs = new R.AccessToken2(appId, appCertificate, issueTs, expire)
    theirs.salt = salt
    const ours = new compat.AccessToken2(appId, appCertificate, issueTs, expire)
    ours.salt = salt
    for (const service of services) {
      theirs.add_service(referenceService(service))
      ours.add_service(compatService(service))
    }
    const reference = theirs.build()
    const built = ours.build()
    const encoded = encodeToken007(
      { appId, appCertificate, issuedAt: issueTs, salt, expire, services: services.map(serviceSpec) },
      { strict: false },
    )
    assert.equal(payloadHex(built), payloadHex(reference))
    assert.equal(encoded, built)
    verifiesOnReference(built, appCertificate)
    verifiesOnOurs(reference, appCertificate)
  },
)

// ---------------------------------------------------------------------------------------------
// (a)+(b) 007 builders: the reference builder vs our compat builder (wide inputs) and our modern
// builder (inputs within its limits).

property(
  '007 RtcTokenBuilder.buildTokenWithUid / buildTokenWithUserAccount: compat (any input) and buildRtcToken',
  fc.oneof(
    fc.record({
      modern: fc.constant(false),
      credentials,
      channel: rawText,
      user: fc.oneof(uid, rawText),
      role: wideRole,
      expire: wideLifetime,
      privilege: wideLifetime,
    }),
    fc.record({
      modern: fc.constant(true),
      credentials,
      channel,
      user: fc.oneof(uid, account),
      role,
      expire,
      privilege: privilegeLifetime,
    }),
  ),
  ({ modern, credentials: { appId, appCertificate: cert }, channel, user, role, expire, privilege }) => {
    const method = typeof user === 'number' ? 'buildTokenWithUid' : 'buildTokenWithUserAccount'
    const who = typeof user === 'number' ? { uid: user } : { account: user }
    sameAsReference007(
      cert,
      () => agoraToken.RtcTokenBuilder[method](appId, cert, channel, user, role, expire, privilege),
      [
        pinned(() => compat.RtcTokenBuilder[method](appId, cert, channel, user, role, expire, privilege)),
        modern
          ? (pins) =>
              buildRtcToken({
                appId,
                appCertificate: cert,
                ...pins,
                channelName: channel,
                ...who,
                role: rtcRoleName(role),
                expire,
                privilegeExpire: privilege,
              })
          : undefined,
      ],
      { channelName: channel, account: user === 0 ? '' : String(user) },
    )
  },
)

property(
  '007 RtcTokenBuilder.buildTokenWithUidAndPrivilege / BuildTokenWithUserAccountAndPrivilege: compat (both spellings) and buildRtcToken',
  fc.oneof(
    fc.record({
      modern: fc.constant(false),
      credentials,
      channel: rawText,
      user: fc.oneof(uid, rawText),
      expire: wideLifetime,
      privileges: fc.tuple(wideLifetime, wideLifetime, wideLifetime, wideLifetime),
    }),
    fc.record({
      modern: fc.constant(true),
      credentials,
      channel,
      user: fc.oneof(uid, account),
      expire,
      privileges: fc.tuple(privilegeLifetime, privilegeLifetime, privilegeLifetime, privilegeLifetime),
    }),
  ),
  ({
    modern,
    credentials: { appId, appCertificate: cert },
    channel,
    user,
    expire,
    privileges: [join, audio, video, data],
  }) => {
    const numeric = typeof user === 'number'
    const who = numeric ? { uid: user } : { account: user }
    sameAsReference007(
      cert,
      () =>
        numeric
          ? agoraToken.RtcTokenBuilder.buildTokenWithUidAndPrivilege(
              appId,
              cert,
              channel,
              user,
              expire,
              join,
              audio,
              video,
              data,
            )
          : agoraToken.RtcTokenBuilder.BuildTokenWithUserAccountAndPrivilege(
              appId,
              cert,
              channel,
              user,
              expire,
              join,
              audio,
              video,
              data,
            ),
      [
        pinned(() =>
          compat.RtcTokenBuilder.buildTokenWithUidAndPrivilege(
            appId,
            cert,
            channel,
            user,
            expire,
            join,
            audio,
            video,
            data,
          ),
        ),
        pinned(() =>
          compat.RtcTokenBuilder.BuildTokenWithUserAccountAndPrivilege(
            appId,
            cert,
            channel,
            user,
            expire,
            join,
            audio,
            video,
            data,
          ),
        ),
        pinned(() =>
          compat.RtcTokenBuilder.buildTokenWithUserAccountAndPrivilege(
            appId,
            cert,
            channel,
            user,
            expire,
            join,
            audio,
            video,
            data,
          ),
        ),
        modern
          ? (pins) =>
              buildRtcToken({
                appId,
                appCertificate: cert,
                ...pins,
                channelName: channel,
                ...who,
                expire,
                privilegeExpire: {
                  joinChannel: join,
                  publishAudioStream: audio,
                  publishVideoStream: video,
                  publishDataStream: data,
                },
              })
          : undefined,
      ],
    )
  },
)

property(
  '007 RtcTokenBuilder.buildTokenWithRtm: compat and buildRtcToken({ rtm: true })',
  fc.oneof(
    fc.record({
      modern: fc.constant(false),
      credentials,
      channel: rawText,
      user: rawText,
      role: wideRole,
      expire: wideLifetime,
      privilege: wideLifetime,
    }),
    fc.record({
      modern: fc.constant(true),
      credentials,
      channel,
      user: rtmUserId,
      role,
      expire,
      privilege: privilegeLifetime,
    }),
  ),
  ({ modern, credentials: { appId, appCertificate: cert }, channel, user, role, expire, privilege }) => {
    sameAsReference007(
      cert,
      () => agoraToken.RtcTokenBuilder.buildTokenWithRtm(appId, cert, channel, user, role, expire, privilege),
      [
        pinned(() => compat.RtcTokenBuilder.buildTokenWithRtm(appId, cert, channel, user, role, expire, privilege)),
        modern
          ? (pins) =>
              buildRtcToken({
                appId,
                appCertificate: cert,
                ...pins,
                channelName: channel,
                account: user,
                role: rtcRoleName(role),
                expire,
                privilegeExpire: privilege,
                rtm: true,
              })
          : undefined,
      ],
    )
  },
)

const twelve = (modern: boolean) =>
  fc.record({
    modern: fc.constant(modern),
    credentials,
    channel: modern ? channel : rawText,
    rtcAccount: modern ? fc.oneof(account, uid) : fc.oneof(rawText, uid),
    role: modern ? role : wideRole,
    expire: modern ? expire : wideLifetime,
    privileges: fc.tuple(
      ...Array.from({ length: 4 }, () => (modern ? privilegeLifetime : wideLifetime)),
    ) as fc.Arbitrary<[number, number, number, number]>,
    rtmUserId: modern ? rtmUserId : rawText,
    rtmExpire: modern ? expire : wideLifetime,
  })

property(
  '007 RtcTokenBuilder.buildTokenWithRtm2: compat and buildRtcToken({ rtm: { userId, expire } })',
  fc.oneof(twelve(false), twelve(true)),
  ({
    modern,
    credentials: { appId, appCertificate: cert },
    channel,
    rtcAccount,
    role,
    expire,
    privileges: [j, a, v, d],
    rtmUserId,
    rtmExpire,
  }) => {
    const who = typeof rtcAccount === 'number' ? { uid: rtcAccount } : { account: rtcAccount }
    sameAsReference007(
      cert,
      () =>
        agoraToken.RtcTokenBuilder.buildTokenWithRtm2(
          appId,
          cert,
          channel,
          rtcAccount,
          role,
          expire,
          j,
          a,
          v,
          d,
          rtmUserId,
          rtmExpire,
        ),
      [
        pinned(() =>
          compat.RtcTokenBuilder.buildTokenWithRtm2(
            appId,
            cert,
            channel,
            rtcAccount,
            role,
            expire,
            j,
            a,
            v,
            d,
            rtmUserId,
            rtmExpire,
          ),
        ),
        modern
          ? (pins) =>
              buildRtcToken({
                appId,
                appCertificate: cert,
                ...pins,
                channelName: channel,
                ...who,
                role: rtcRoleName(role),
                expire,
                privilegeExpire:
                  role === 1
                    ? { joinChannel: j, publishAudioStream: a, publishVideoStream: v, publishDataStream: d }
                    : { joinChannel: j },
                rtm: { userId: rtmUserId, expire: rtmExpire },
              })
          : undefined,
      ],
    )
  },
)

for (const [name, type] of [
  ['ConvoAITokenBuilder', 'convoai'],
  ['SttTokenBuilder', 'stt'],
] as const) {
  property(
    `007 ${name}.buildToken: compat and buildToken with RTC, RTM and ${type}`,
    fc.oneof(twelve(false), twelve(true)),
    ({
      modern,
      credentials: { appId, appCertificate: cert },
      channel,
      rtcAccount,
      role,
      expire,
      privileges: [j, a, v, d],
      rtmUserId,
      rtmExpire,
    }) => {
      const who = typeof rtcAccount === 'number' ? { uid: rtcAccount } : { account: rtcAccount }
      const rtcPrivileges =
        role === 1
          ? { joinChannel: j, publishAudioStream: a, publishVideoStream: v, publishDataStream: d }
          : { joinChannel: j }
      sameAsReference007(
        cert,
        () =>
          agoraToken[name].buildToken(appId, cert, channel, rtcAccount, role, expire, j, a, v, d, rtmUserId, rtmExpire),
        [
          pinned(() =>
            compat[name].buildToken(appId, cert, channel, rtcAccount, role, expire, j, a, v, d, rtmUserId, rtmExpire),
          ),
          modern
            ? (pins) =>
                buildToken({
                  appId,
                  appCertificate: cert,
                  ...pins,
                  expire,
                  services: [
                    { type: 'rtc', channelName: channel, ...who, privileges: rtcPrivileges },
                    { type: 'rtm', userId: rtmUserId, privileges: { login: rtmExpire } },
                    { type },
                  ],
                })
            : undefined,
        ],
      )
    },
  )
}

property(
  '007 RtmTokenBuilder.buildToken / buildTokenWithPermissions: compat and buildRtmToken',
  fc.oneof(
    fc.record({
      modern: fc.constant(false),
      credentials,
      userId: rawText,
      expire: wideLifetime,
      adds: fc.option(permissionAdds(9, 3)),
    }),
    fc.record({
      modern: fc.constant(true),
      credentials,
      userId: rtmUserId,
      expire,
      adds: fc.option(permissionAdds(4, 1)),
    }),
  ),
  ({ modern, credentials: { appId, appCertificate: cert }, userId, expire, adds }) => {
    sameAsReference007(
      cert,
      () =>
        adds === null
          ? agoraToken.RtmTokenBuilder.buildToken(appId, cert, userId, expire)
          : agoraToken.RtmTokenBuilder.buildTokenWithPermissions(
              appId,
              cert,
              userId,
              referencePermissions(adds),
              expire,
            ),
      [
        pinned(() =>
          adds === null
            ? compat.RtmTokenBuilder.buildToken(appId, cert, userId, expire)
            : compat.RtmTokenBuilder.buildTokenWithPermissions(appId, cert, userId, compatPermissions(adds), expire),
        ),
        modern
          ? (pins) =>
              buildRtmToken({
                appId,
                appCertificate: cert,
                ...pins,
                userId,
                expire,
                ...(adds === null ? {} : { permissions: namedPermissions(adds) }),
              })
          : undefined,
      ],
    )
  },
)

property(
  '007 ChatTokenBuilder.buildUserToken / buildAppToken: compat and buildChatToken',
  fc.oneof(
    fc.record({ modern: fc.constant(false), credentials, userId: fc.option(rawText), expire: wideLifetime }),
    fc.record({ modern: fc.constant(true), credentials, userId: fc.option(chatUserId), expire }),
  ),
  ({ modern, credentials: { appId, appCertificate: cert }, userId, expire }) => {
    sameAsReference007(
      cert,
      () =>
        userId === null
          ? agoraToken.ChatTokenBuilder.buildAppToken(appId, cert, expire)
          : agoraToken.ChatTokenBuilder.buildUserToken(appId, cert, userId, expire),
      [
        pinned(() =>
          userId === null
            ? compat.ChatTokenBuilder.buildAppToken(appId, cert, expire)
            : compat.ChatTokenBuilder.buildUserToken(appId, cert, userId, expire),
        ),
        modern
          ? (pins) =>
              buildChatToken({ appId, appCertificate: cert, ...pins, expire, ...(userId === null ? {} : { userId }) })
          : undefined,
      ],
    )
  },
)

for (const name of ['ApaasTokenBuilder', 'EducationTokenBuilder'] as const) {
  property(
    `007 ${name}.buildUserToken / buildAppToken: compat and buildApaasToken`,
    fc.oneof(
      fc.record({ modern: fc.constant(false), credentials, userUuid: fc.option(rawText), expire: wideLifetime }),
      fc.record({ modern: fc.constant(true), credentials, userUuid: fc.option(rtmUserId), expire }),
    ),
    ({ modern, credentials: { appId, appCertificate: cert }, userUuid, expire }) => {
      sameAsReference007(
        cert,
        () =>
          userUuid === null
            ? agoraToken[name].buildAppToken(appId, cert, expire)
            : agoraToken[name].buildUserToken(appId, cert, userUuid, expire),
        [
          pinned(() =>
            userUuid === null
              ? compat[name].buildAppToken(appId, cert, expire)
              : compat[name].buildUserToken(appId, cert, userUuid, expire),
          ),
          modern
            ? (pins) =>
                buildApaasToken({
                  appId,
                  appCertificate: cert,
                  ...pins,
                  expire,
                  ...(userUuid === null ? {} : { userUuid }),
                })
            : undefined,
        ],
      )
    },
  )

  // The Node reference leaves the APaaS privilege out of room-user tokens (spec §4.4) and turns
  // role 0 into -1: compare with the documented payload, packed by agora-token's own AccessToken2
  // with the Chat user id the reference builder computed.
  property(
    `007 ${name}.buildRoomUserToken: compat and buildApaasToken give the documented payload`,
    fc.oneof(
      fc.record({
        modern: fc.constant(false),
        credentials,
        roomUuid: text,
        userUuid: text,
        role: i16,
        expire: wideLifetime,
      }),
      fc.record({ modern: fc.constant(true), credentials, roomUuid, userUuid: rtmUserId, role: i16, expire }),
    ),
    ({ modern, credentials: { appId, appCertificate: cert }, roomUuid, userUuid, role, expire }) => {
      const theirs = agoraToken[name].buildRoomUserToken(appId, cert, roomUuid, userUuid, role, expire)
      verifiesOnOurs(theirs, cert)
      const { issuedAt, salt, services } = parse007(theirs)
      const chatUserId = (services.find((s) => s.type === 'chat') as { userId: string }).userId
      const documented = new R.AccessToken2(appId, cert, issuedAt, expire)
      documented.salt = salt
      const apaas = new R.ServiceApaas(roomUuid, userUuid, role)
      apaas.__role = role
      apaas.add_privilege(R.ServiceApaas.PRIVILEGE_ROOM_USER, expire)
      const rtm = new R.ServiceRtm(userUuid)
      rtm.add_privilege(R.ServiceRtm.kPrivilegeLogin, expire)
      const chat = new R.ServiceChat(chatUserId)
      chat.add_privilege(R.ServiceChat.kPrivilegeUser, expire)
      for (const service of [apaas, rtm, chat]) documented.add_service(service)
      const expected = payloadHex(documented.build())
      const ours = [
        pinned(() => compat[name].buildRoomUserToken(appId, cert, roomUuid, userUuid, role, expire))({
          issuedAt,
          salt,
        }),
      ]
      if (modern)
        ours.push(buildApaasToken({ appId, appCertificate: cert, issuedAt, salt, roomUuid, userUuid, role, expire }))
      for (const token of ours) {
        assert.equal(payloadHex(token), expected)
        verifiesOnReference(token, cert)
      }
    },
  )
}

property(
  '007 FpaTokenBuilder.buildToken: compat and buildFpaToken',
  credentials,
  ({ appId, appCertificate: cert }) => {
    sameAsReference007(cert, () => agoraToken.FpaTokenBuilder.buildToken(appId, cert), [
      pinned(() => compat.FpaTokenBuilder.buildToken(appId, cert)),
      (pins) => buildFpaToken({ appId, appCertificate: cert, ...pins }),
    ])
  },
  50,
)

// ---------------------------------------------------------------------------------------------
// (a)+(b) 006: exact token strings.

property(
  '006 AccessToken: agora-access-token, agora-token/src/AccessToken.js, our compat class and our encoder build the same token',
  fc.record({
    credentials,
    channel: text,
    user: fc.oneof(uid, text),
    salt: u32,
    ts: u32,
    privileges: fc.uniqueArray(fc.tuple(fc.oneof(fc.constantFrom(1, 2, 3, 4, 101, 1000), u16), u32), {
      maxLength: 8,
      selector: ([id]) => id,
    }),
  }),
  ({ credentials: { appId, appCertificate }, channel, user, salt, ts, privileges }) => {
    const tokens = [agoraAccessTokenAccessToken.AccessToken, agoraTokenAccessToken006.AccessToken, AccessToken].map(
      (Class) => {
        const key = new Class(appId, appCertificate, channel, user)
        key.salt = salt
        key.ts = ts
        for (const [id, at] of privileges) key.addPriviledge(id, at)
        return key.build() as string
      },
    )
    const uidText = user === 0 ? '' : String(user)
    tokens.push(encodeToken006({ appId, appCertificate, channelName: channel, uid: uidText, salt, ts, privileges }))
    for (const token of tokens) assert.equal(token, tokens[0])
    verifiesOnReference(tokens[0]!, appCertificate)
    const claims =
      typeof user === 'number' ? { channelName: channel, uid: user } : { channelName: channel, account: user }
    assert.equal(verifyToken(tokens[0]!, { certificates: appCertificate, now: false, ...claims }).certificateIndex, 0)
  },
)

/** Builds with agora-access-token, then ours pinned to its salt and time: the strings must be equal. */
function sameAsReference006(
  certificate: string,
  reference: () => string,
  ours: Array<((pins: { issuedAt: number; salt: number }) => string) | undefined>,
  claims: { channelName?: string; uid?: number; account?: string; userId?: string },
): void {
  const theirs = reference()
  verifiesOnOurs(theirs, certificate, claims)
  const { ts, salt } = parse006(theirs)
  for (const build of ours) {
    if (build === undefined) continue
    const token = build({ issuedAt: ts - 86_400, salt })
    assert.equal(token, theirs)
    verifiesOnReference(token, certificate)
  }
}

/** Relative lifetimes for the modern 006 builders, with room for a second boundary between the two clocks. */
const relative006 = fc.integer({ min: 5, max: 86_000 })

const ROLE_NAMES_006: Record<number, 'attendee' | 'publisher' | 'subscriber' | 'admin'> = {
  0: 'attendee',
  1: 'publisher',
  2: 'subscriber',
  101: 'admin',
}

property(
  '006 RtcTokenBuilder.buildTokenWithUid / buildTokenWithAccount: compat (any input) and buildRtcToken({ version: "006" })',
  fc.oneof(
    fc.record({
      modern: fc.constant(false),
      credentials,
      channel: text,
      user: fc.oneof(uid, text),
      role: fc.oneof(fc.constantFrom(0, 1, 2, 101), fc.integer({ min: -3, max: 200 })),
      lifetime: u32,
    }),
    fc.record({
      modern: fc.constant(true),
      credentials,
      channel,
      user: fc.oneof(uid, account),
      role: fc.constantFrom(0, 1, 2, 101),
      lifetime: relative006,
    }),
  ),
  ({ modern, credentials: { appId, appCertificate: cert }, channel, user, role, lifetime }) => {
    // Modern inputs are relative: give the reference the absolute time they stand for.
    const expiresAt = modern ? Math.floor(Date.now() / 1000) + lifetime : lifetime
    const method = typeof user === 'number' ? 'buildTokenWithUid' : 'buildTokenWithAccount'
    const who = typeof user === 'number' ? { uid: user } : { account: user }
    sameAsReference006(
      cert,
      () => agoraAccessToken.RtcTokenBuilder[method](appId, cert, channel, user, role, expiresAt),
      [
        (pins) =>
          pinCompat({ now: pins.issuedAt, salt006: pins.salt }, () =>
            compat006.RtcTokenBuilder[method](appId, cert, channel, user as never, role, expiresAt),
          ),
        modern
          ? (pins) => {
              // A second boundary may fall between the reference's clock read and ours.
              const relative = expiresAt - pins.issuedAt
              const options = {
                appId,
                appCertificate: cert,
                ...pins,
                version: '006' as const,
                channelName: channel,
                ...who,
              }
              return buildRtcToken({ ...options, role: ROLE_NAMES_006[role]!, expire: relative })
            }
          : undefined,
      ],
      { channelName: channel, ...who },
    )
  },
)

property(
  '006 RtmTokenBuilder.buildToken: compat and buildRtmToken({ version: "006" })',
  fc.oneof(
    fc.record({ modern: fc.constant(false), credentials, userId: text, lifetime: u32 }),
    fc.record({ modern: fc.constant(true), credentials, userId: rtmUserId, lifetime: relative006 }),
  ),
  ({ modern, credentials: { appId, appCertificate: cert }, userId, lifetime }) => {
    const expiresAt = modern ? Math.floor(Date.now() / 1000) + lifetime : lifetime
    sameAsReference006(
      cert,
      () =>
        agoraAccessToken.RtmTokenBuilder.buildToken(appId, cert, userId, agoraAccessToken.RtmRole.Rtm_User, expiresAt),
      [
        (pins) =>
          pinCompat({ now: pins.issuedAt, salt006: pins.salt }, () =>
            compat006.RtmTokenBuilder.buildToken(appId, cert, userId, compat006.RtmRole.Rtm_User, expiresAt),
          ),
        modern
          ? (pins) =>
              buildRtmToken({
                appId,
                appCertificate: cert,
                ...pins,
                version: '006',
                userId,
                expire: expiresAt - pins.issuedAt,
              })
          : undefined,
      ],
      { userId },
    )
  },
)

test('every compat builder and every parsed field was exercised (sanity)', () => {
  assert.ok(properties >= 14, `${properties} properties`)
  // The pinned issue time really reaches the token: a round trip through parseToken.
  const appId = '970CA35de60c44645bbae8a215061b33'
  const token = pinCompat({ now: 1_234_567_890, salt007: 99 }, () =>
    compat.FpaTokenBuilder.buildToken(appId, '5CFd2fd1755d40ecb72977518be15d3b'),
  )
  const parsed = parseToken(token)
  assert.ok(parsed.version === '007' && parsed.issuedAt === 1_234_567_890 && parsed.salt === 99)
})

// Found by this suite's authors while checking verifyToken against the 006 reference: verify006
// replaces the caller's uid with "" whenever the token's crcUid is 0, taking crcUid 0 to mean the
// wildcard uid. CRC-32 is not injective: a genuine token for an account whose CRC-32 is 0 (this
// one was solved for by CRC linearity) is then checked against the wrong signed bytes and
// rejected. The wildcard fallback should only apply when the given uid does not verify.
test('006 verifyToken accepts a genuine token for an account whose CRC-32 is 0 (src/token/verify-token.ts)', () => {
  const account = 'user-149K.>y'
  const cert = '5CFd2fd1755d40ecb72977518be15d3b'
  const appId = '970CA35de60c44645bbae8a215061b33'
  assert.equal(
    parse006(buildRtcToken({ appId, appCertificate: cert, channelName: 'c', account, version: '006' })).crcUid,
    0,
  )
  for (const token of [
    agoraAccessToken.RtcTokenBuilder.buildTokenWithAccount(appId, cert, 'c', account, 1, 2_000_000_000),
    buildRtcToken({ appId, appCertificate: cert, channelName: 'c', account, version: '006' }),
  ]) {
    assert.equal(verifyToken(token, { certificates: cert, channelName: 'c', account, now: false }).certificateIndex, 0)
  }
})
