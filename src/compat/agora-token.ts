/**
 * Drop-in replacement for npm `agora-token` 2.0.6: the same exported names and call signatures,
 * on Agate's encoder. Switch by changing the import; see docs/compat.md for the deliberate
 * differences (we throw a `TokenError` where the reference returns `''`).
 * @module
 */
import { invalidArgument } from '../token/errors.js'
import { utf8Bytes } from '../token/primitives/bytes.js'
import { md5Hex } from '../token/primitives/md5.js'
import type { ServiceSpec } from '../token/v007/build.js'
import {
  AccessToken2,
  encodeNow007,
  requireAccount,
  Rtm2Permissions,
  ServiceApaas,
  ServiceChat,
  ServiceFpa,
  ServiceRtm,
  ServiceRtm2,
} from './access-token2.js'
import { accountText, requireString, toUint32, userIdText } from './coerce.js'

export { TokenError, type TokenErrorCode } from '../token/errors.js'
/** The signing-key cache the drop-in shares with the modern API; see its TSDoc in 'agate-tokens'. */
export { signingKeyCache, type SigningKeyCacheControl } from '../token/signing-keys.js'
export {
  AccessToken2,
  Rtm2Permissions,
  Service,
  ServiceApaas,
  ServiceChat,
  ServiceConvoAI,
  ServiceFCdn,
  ServiceFpa,
  ServiceRtc,
  ServiceRtm,
  ServiceRtm2,
  ServiceStreaming,
  ServiceStt,
  kApaasServiceType,
  kChatServiceType,
  kConvoAIServiceType,
  kFCdnServiceType,
  kFpaServiceType,
  kRtcServiceType,
  kRtm2ServiceType,
  kRtmServiceType,
  kStreamingServiceType,
  kSttServiceType,
} from './access-token2.js'

/**
 * RTC roles of AccessToken2. `SUBSCRIBER` differs from `PUBLISHER` only when co-host
 * authentication is enabled for the project.
 *
 * @example
 * ```ts
 * import { RtcRole, RtcTokenBuilder } from 'agate-tokens/compat/agora-token'
 * RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, 'ChannelA', 42, RtcRole.PUBLISHER, 3600, 3600)
 * ```
 */
export const RtcRole: { readonly PUBLISHER: number; readonly SUBSCRIBER: number } = { PUBLISHER: 1, SUBSCRIBER: 2 }

/** agora-token's RTC builders compare the role with `==`, so the string "1" publishes too. */
function isPublisherLoose(role: unknown): boolean {
  return role == 1
}

/** The RTC privileges of a token, in the encoder's named shape. */
type RtcPrivileges = {
  joinChannel: number
  publishAudioStream?: number
  publishVideoStream?: number
  publishDataStream?: number
}

/**
 * Builds one RTC (+ optional RTM, + optional agent) token as every agora-token RTC builder does,
 * straight into the encoder: the same checks, in the same order and naming the same fields, as
 * `new AccessToken2()`, `new ServiceRtc()`, `new ServiceRtm()` and `build()`, without creating
 * those objects and converting them back.
 */
function rtcToken(
  appId: string,
  appCertificate: string,
  channelName: string,
  account: string | number,
  tokenExpire: number,
  privileges: RtcPrivileges,
  rtm?: { userId: string | number; expire: number },
  agent?: 'convoai' | 'stt',
): string {
  const expire = toUint32(tokenExpire, 'tokenExpire')
  const accountValue = accountText(account, 'uid')
  const rtmUserId = rtm === undefined ? undefined : userIdText(rtm.userId, 'userId')
  const services: ServiceSpec[] = [
    {
      type: 'rtc',
      channelName: requireString(channelName, 'services[0].channelName'),
      account: requireAccount(accountValue, 'services[0].uid'),
      privileges,
    },
  ]
  if (rtm !== undefined) services.push({ type: 'rtm', userId: rtmUserId!, privileges: { login: rtm.expire } })
  if (agent !== undefined) services.push({ type: agent, privileges: {} })
  return encodeNow007(appId, appCertificate, expire, services)
}

/** The four RTC privileges: always (the *AndPrivilege builders) or for publishers only. */
function rtcPrivileges(
  publishes: boolean,
  join: unknown,
  audio: unknown,
  video: unknown,
  data: unknown,
): RtcPrivileges {
  const joinChannel = toUint32(join, 'joinChannelPrivilegeExpire')
  if (!publishes) return { joinChannel }
  return {
    joinChannel,
    publishAudioStream: toUint32(audio, 'pubAudioPrivilegeExpire'),
    publishVideoStream: toUint32(video, 'pubVideoPrivilegeExpire'),
    publishDataStream: toUint32(data, 'pubDataStreamPrivilegeExpire'),
  }
}

/** One privilege lifetime for all four RTC privileges, or join only. */
function samePrivileges(publishes: boolean, expire: number): RtcPrivileges {
  if (!publishes) return { joinChannel: expire }
  return { joinChannel: expire, publishAudioStream: expire, publishVideoStream: expire, publishDataStream: expire }
}

/**
 * RTC tokens (AccessToken2), with the reference's parameters: lifetimes in seconds from now,
 * `privilegeExpire` defaulting to 0 (= as long as the token). Every method throws a `TokenError`
 * (`ERR_INVALID_ARGUMENT`, naming the field) where agora-token returns `''`.
 *
 * @example
 * ```ts
 * import { RtcRole, RtcTokenBuilder } from 'agate-tokens/compat/agora-token'
 * const token = RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, 'ChannelA', 42, RtcRole.PUBLISHER, 3600, 3600)
 * ```
 */
export class RtcTokenBuilder {
  /**
   * An RTC token for a numeric uid (0 = any uid) or its text: join, plus the three publish
   * privileges for `RtcRole.PUBLISHER`, each lasting `privilegeExpire` seconds.
   */
  static buildTokenWithUid(
    appId: string,
    appCertificate: string,
    channelName: string,
    uid: string | number,
    role: number,
    tokenExpire: number,
    privilegeExpire: number = 0,
  ): string {
    return RtcTokenBuilder.buildTokenWithUserAccount(
      appId,
      appCertificate,
      channelName,
      uid,
      role,
      tokenExpire,
      privilegeExpire,
    )
  }

  /** As {@link RtcTokenBuilder.buildTokenWithUid}, for a string user account. */
  static buildTokenWithUserAccount(
    appId: string,
    appCertificate: string,
    channelName: string,
    account: string | number,
    role: number,
    tokenExpire: number,
    privilegeExpire: number = 0,
  ): string {
    const privileges = samePrivileges(isPublisherLoose(role), toUint32(privilegeExpire, 'privilegeExpire'))
    return rtcToken(appId, appCertificate, channelName, account, tokenExpire, privileges)
  }

  /** An RTC token with all four privileges, each with its own lifetime (no role). */
  static buildTokenWithUidAndPrivilege(
    appId: string,
    appCertificate: string,
    channelName: string,
    uid: string | number,
    tokenExpire: number,
    joinChannelPrivilegeExpire: number,
    pubAudioPrivilegeExpire: number,
    pubVideoPrivilegeExpire: number,
    pubDataStreamPrivilegeExpire: number,
  ): string {
    return RtcTokenBuilder.BuildTokenWithUserAccountAndPrivilege(
      appId,
      appCertificate,
      channelName,
      uid,
      tokenExpire,
      joinChannelPrivilegeExpire,
      pubAudioPrivilegeExpire,
      pubVideoPrivilegeExpire,
      pubDataStreamPrivilegeExpire,
    )
  }

  /** As {@link RtcTokenBuilder.buildTokenWithUidAndPrivilege} for an account (capital B, as in agora-token). */
  static BuildTokenWithUserAccountAndPrivilege(
    appId: string,
    appCertificate: string,
    channelName: string,
    account: string | number,
    tokenExpire: number,
    joinChannelPrivilegeExpire: number,
    pubAudioPrivilegeExpire: number,
    pubVideoPrivilegeExpire: number,
    pubDataStreamPrivilegeExpire: number,
  ): string {
    const privileges = rtcPrivileges(
      true,
      joinChannelPrivilegeExpire,
      pubAudioPrivilegeExpire,
      pubVideoPrivilegeExpire,
      pubDataStreamPrivilegeExpire,
    )
    return rtcToken(appId, appCertificate, channelName, account, tokenExpire, privileges)
  }

  /** Alias of {@link RtcTokenBuilder.BuildTokenWithUserAccountAndPrivilege} with the usual lowercase initial. */
  static buildTokenWithUserAccountAndPrivilege(
    appId: string,
    appCertificate: string,
    channelName: string,
    account: string | number,
    tokenExpire: number,
    joinChannelPrivilegeExpire: number,
    pubAudioPrivilegeExpire: number,
    pubVideoPrivilegeExpire: number,
    pubDataStreamPrivilegeExpire: number,
  ): string {
    return RtcTokenBuilder.BuildTokenWithUserAccountAndPrivilege(
      appId,
      appCertificate,
      channelName,
      account,
      tokenExpire,
      joinChannelPrivilegeExpire,
      pubAudioPrivilegeExpire,
      pubVideoPrivilegeExpire,
      pubDataStreamPrivilegeExpire,
    )
  }

  /**
   * RTC as {@link RtcTokenBuilder.buildTokenWithUserAccount} plus RTM login for the same account,
   * lasting `tokenExpire` seconds.
   */
  static buildTokenWithRtm(
    appId: string,
    appCertificate: string,
    channelName: string,
    account: string | number,
    role: number,
    tokenExpire: number,
    privilegeExpire: number = 0,
  ): string {
    const privileges = samePrivileges(isPublisherLoose(role), toUint32(privilegeExpire, 'privilegeExpire'))
    const rtm = { userId: account, expire: toUint32(tokenExpire, 'tokenExpire') }
    return rtcToken(appId, appCertificate, channelName, account, tokenExpire, privileges, rtm)
  }

  /**
   * RTC for `rtcAccount` (join, and the three publish privileges for publishers, each with its own
   * lifetime) plus RTM login for `rtmUserId` lasting `rtmTokenExpire`; the token lives `rtcTokenExpire`.
   */
  static buildTokenWithRtm2(
    appId: string,
    appCertificate: string,
    channelName: string,
    rtcAccount: string | number,
    rtcRole: number,
    rtcTokenExpire: number,
    joinChannelPrivilegeExpire: number,
    pubAudioPrivilegeExpire: number,
    pubVideoPrivilegeExpire: number,
    pubDataStreamPrivilegeExpire: number,
    rtmUserId: string | number,
    rtmTokenExpire: number,
  ): string {
    const privileges = rtcPrivileges(
      isPublisherLoose(rtcRole),
      joinChannelPrivilegeExpire,
      pubAudioPrivilegeExpire,
      pubVideoPrivilegeExpire,
      pubDataStreamPrivilegeExpire,
    )
    const rtm = { userId: rtmUserId, expire: toUint32(rtmTokenExpire, 'rtmTokenExpire') }
    return rtcToken(appId, appCertificate, channelName, rtcAccount, rtcTokenExpire, privileges, rtm)
  }
}

/**
 * The twelve-parameter RTC + RTM + agent builders (ConvoAI, STT). Unlike the RTC builders, the
 * reference compares the role strictly (`rtcRole === Role.PUBLISHER`); so do we.
 */
function agentToken(
  agent: 'convoai' | 'stt',
  appId: string,
  appCertificate: string,
  channelName: string,
  rtcAccount: string | number,
  rtcRole: number,
  rtcTokenExpire: number,
  joinChannelPrivilegeExpire: number,
  pubAudioPrivilegeExpire: number,
  pubVideoPrivilegeExpire: number,
  pubDataStreamPrivilegeExpire: number,
  rtmUserId: string | number,
  rtmTokenExpire: number,
): string {
  const privileges = rtcPrivileges(
    rtcRole === RtcRole.PUBLISHER,
    joinChannelPrivilegeExpire,
    pubAudioPrivilegeExpire,
    pubVideoPrivilegeExpire,
    pubDataStreamPrivilegeExpire,
  )
  const rtm = { userId: rtmUserId, expire: toUint32(rtmTokenExpire, 'rtmTokenExpire') }
  return rtcToken(appId, appCertificate, channelName, rtcAccount, rtcTokenExpire, privileges, rtm, agent)
}

/**
 * Conversational AI agent tokens: RTC + RTM + an empty ConvoAI service (type 9).
 *
 * @example
 * ```ts
 * import { ConvoAITokenBuilder, RtcRole } from 'agate-tokens/compat/agora-token'
 * const token = ConvoAITokenBuilder.buildToken(appId, appCertificate, 'ChannelA', 'agent-1', RtcRole.PUBLISHER,
 *   3600, 3600, 3600, 3600, 3600, 'agent-1', 3600)
 * ```
 */
export class ConvoAITokenBuilder {
  /** Same parameters as {@link RtcTokenBuilder.buildTokenWithRtm2}. */
  static buildToken(
    appId: string,
    appCertificate: string,
    channelName: string,
    rtcAccount: string | number,
    rtcRole: number,
    rtcTokenExpire: number,
    joinChannelPrivilegeExpire: number,
    pubAudioPrivilegeExpire: number,
    pubVideoPrivilegeExpire: number,
    pubDataStreamPrivilegeExpire: number,
    rtmUserId: string | number,
    rtmTokenExpire: number,
  ): string {
    return agentToken(
      'convoai',
      appId,
      appCertificate,
      channelName,
      rtcAccount,
      rtcRole,
      rtcTokenExpire,
      joinChannelPrivilegeExpire,
      pubAudioPrivilegeExpire,
      pubVideoPrivilegeExpire,
      pubDataStreamPrivilegeExpire,
      rtmUserId,
      rtmTokenExpire,
    )
  }
}

/**
 * Speech-to-text agent tokens: RTC + RTM + an empty STT service (type 10).
 *
 * @example
 * ```ts
 * import { RtcRole, SttTokenBuilder } from 'agate-tokens/compat/agora-token'
 * const token = SttTokenBuilder.buildToken(appId, appCertificate, 'ChannelA', 'stt-bot', RtcRole.SUBSCRIBER,
 *   3600, 3600, 0, 0, 0, 'stt-bot', 3600)
 * ```
 */
export class SttTokenBuilder {
  /** Same parameters as {@link RtcTokenBuilder.buildTokenWithRtm2}. */
  static buildToken(
    appId: string,
    appCertificate: string,
    channelName: string,
    rtcAccount: string | number,
    rtcRole: number,
    rtcTokenExpire: number,
    joinChannelPrivilegeExpire: number,
    pubAudioPrivilegeExpire: number,
    pubVideoPrivilegeExpire: number,
    pubDataStreamPrivilegeExpire: number,
    rtmUserId: string | number,
    rtmTokenExpire: number,
  ): string {
    return agentToken(
      'stt',
      appId,
      appCertificate,
      channelName,
      rtcAccount,
      rtcRole,
      rtcTokenExpire,
      joinChannelPrivilegeExpire,
      pubAudioPrivilegeExpire,
      pubVideoPrivilegeExpire,
      pubDataStreamPrivilegeExpire,
      rtmUserId,
      rtmTokenExpire,
    )
  }
}

/**
 * RTM (Signaling) tokens: login, and RTM2 login with resource permissions.
 *
 * @example
 * ```ts
 * import { RtmTokenBuilder } from 'agate-tokens/compat/agora-token'
 * const token = RtmTokenBuilder.buildToken(appId, appCertificate, 'alice', 3600)
 * ```
 */
export class RtmTokenBuilder {
  /** RTM login for `userId` (a number becomes its decimal text), token and privilege lasting `expire` seconds. */
  static buildToken(appId: string, appCertificate: string, userId: string | number, expire: number): string {
    const lifetime = toUint32(expire, 'expire')
    const services: ServiceSpec[] = [
      { type: 'rtm', userId: userIdText(userId, 'userId'), privileges: { login: lifetime } },
    ]
    return encodeNow007(appId, appCertificate, lifetime, services)
  }

  /** RTM2 login with resource permissions (a feature Agora enables per project). */
  static buildTokenWithPermissions(
    appId: string,
    appCertificate: string,
    userId: string | number,
    permissions: Rtm2Permissions,
    expire: number,
  ): string {
    const lifetime = toUint32(expire, 'expire')
    const token = new AccessToken2(appId, appCertificate, 0, lifetime)
    const rtm2 = new ServiceRtm2(userId, permissions)
    rtm2.add_privilege(ServiceRtm2.kPrivilegeLogin, lifetime)
    token.add_service(rtm2)
    return token.build()
  }
}

/**
 * Chat tokens: a user token (privilege `user` for `userId`) or an app token (privilege `app`).
 *
 * @example
 * ```ts
 * import { ChatTokenBuilder } from 'agate-tokens/compat/agora-token'
 * const token = ChatTokenBuilder.buildUserToken(appId, appCertificate, 'alice', 3600)
 * ```
 */
export class ChatTokenBuilder {
  /** A Chat user token for `userUuid` (a number becomes its decimal text). */
  static buildUserToken(appId: string, appCertificate: string, userUuid: string | number, expire: number): string {
    const lifetime = toUint32(expire, 'expire')
    const services: ServiceSpec[] = [
      { type: 'chat', userId: userIdText(userUuid, 'userId'), privileges: { user: lifetime } },
    ]
    return encodeNow007(appId, appCertificate, lifetime, services)
  }

  /** A Chat app token. */
  static buildAppToken(appId: string, appCertificate: string, expire: number): string {
    const lifetime = toUint32(expire, 'expire')
    return encodeNow007(appId, appCertificate, lifetime, [{ type: 'chat', userId: '', privileges: { app: lifetime } }])
  }
}

function roomUserToken(
  appId: string,
  appCertificate: string,
  roomUuid: string,
  userUuid: string | number,
  role: number,
  expire: number,
): string {
  const lifetime = toUint32(expire, 'expire')
  if (userUuid === undefined || userUuid === null) throw invalidArgument('userUuid', 'is needed for a room-user token')
  const user = userIdText(userUuid, 'userUuid')
  const token = new AccessToken2(appId, appCertificate, 0, lifetime)
  const apaas = new ServiceApaas(roomUuid, user, role)
  // The documented semantics (spec §4.4): the room privilege for the token's lifetime. The Node
  // reference adds no privilege to this service.
  apaas.add_privilege(ServiceApaas.PRIVILEGE_ROOM_USER, lifetime)
  token.add_service(apaas)
  const rtm = new ServiceRtm(user)
  rtm.add_privilege(ServiceRtm.kPrivilegeLogin, lifetime)
  token.add_service(rtm)
  const chat = new ServiceChat(md5Hex(utf8Bytes(user)))
  chat.add_privilege(ServiceChat.kPrivilegeUser, lifetime)
  token.add_service(chat)
  return token.build()
}

function apaasUserToken(appId: string, appCertificate: string, userUuid: string | number, expire: number): string {
  const lifetime = toUint32(expire, 'expire')
  const token = new AccessToken2(appId, appCertificate, 0, lifetime)
  const apaas = new ServiceApaas('', userUuid)
  apaas.add_privilege(ServiceApaas.PRIVILEGE_USER, lifetime)
  token.add_service(apaas)
  return token.build()
}

function apaasAppToken(appId: string, appCertificate: string, expire: number): string {
  const lifetime = toUint32(expire, 'expire')
  const token = new AccessToken2(appId, appCertificate, 0, lifetime)
  const apaas = new ServiceApaas()
  apaas.add_privilege(ServiceApaas.PRIVILEGE_APP, lifetime)
  token.add_service(apaas)
  return token.build()
}

/**
 * Flexible Classroom (APaaS) tokens. A room-user token holds RTM login for the user, Chat for
 * `md5(userUuid)` and, unlike agora-token, the APaaS room privilege, all lasting `expire` seconds.
 *
 * @example
 * ```ts
 * import { ApaasTokenBuilder } from 'agate-tokens/compat/agora-token'
 * const token = ApaasTokenBuilder.buildRoomUserToken(appId, appCertificate, 'room-1', 'alice', 1, 3600)
 * ```
 */
export class ApaasTokenBuilder {
  /** A room-user token; `role` is kept as given (0 = invisible stays 0). */
  static buildRoomUserToken(
    appId: string,
    appCertificate: string,
    roomUuid: string,
    userUuid: string | number,
    role: number,
    expire: number,
  ): string {
    return roomUserToken(appId, appCertificate, roomUuid, userUuid, role, expire)
  }

  /** A user token (APaaS privilege `user`). */
  static buildUserToken(appId: string, appCertificate: string, userUuid: string | number, expire: number): string {
    return apaasUserToken(appId, appCertificate, userUuid, expire)
  }

  /** An app token (APaaS privilege `app`). */
  static buildAppToken(appId: string, appCertificate: string, expire: number): string {
    return apaasAppToken(appId, appCertificate, expire)
  }
}

/**
 * The Education name of {@link ApaasTokenBuilder}: identical tokens (service type 7).
 *
 * @example
 * ```ts
 * import { EducationTokenBuilder } from 'agate-tokens/compat/agora-token'
 * const token = EducationTokenBuilder.buildUserToken(appId, appCertificate, 'alice', 3600)
 * ```
 */
export class EducationTokenBuilder extends ApaasTokenBuilder {}

/**
 * Flexible Packet Acceleration tokens: valid 24 hours, FPA login with privilege lifetime 0.
 *
 * @example
 * ```ts
 * import { FpaTokenBuilder } from 'agate-tokens/compat/agora-token'
 * const token = FpaTokenBuilder.buildToken(appId, appCertificate)
 * ```
 */
export class FpaTokenBuilder {
  /** An FPA token, valid 24 hours. */
  static buildToken(appId: string, appCertificate: string): string {
    const token = new AccessToken2(appId, appCertificate, 0, 24 * 3600)
    const fpa = new ServiceFpa()
    fpa.add_privilege(ServiceFpa.kPrivilegeLogin, 0)
    token.add_service(fpa)
    return token.build()
  }
}
