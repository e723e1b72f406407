/**
 * RTC tokens (Video SDK, Voice SDK, Interactive Live Streaming) in either format.
 * @module
 */
import { invalidArgument } from '../errors.js'
import {
  DEFAULT_EXPIRE_SECONDS,
  lifetime,
  resolveCommon,
  type Credentials,
  type Reproducible,
  type TokenVersion,
} from '../options.js'
import { assertAccount, assertChannelName, assertRtmUserId, assertUid } from '../validate.js'
import { encodeToken006 } from '../v006/build.js'
import { PRIVILEGES_006, rolePublishes006, ROLES_006 } from '../v006/privileges.js'
import { encodeToken007, type ServiceSpec } from '../v007/build.js'

/**
 * The user's role. `publisher` may publish audio, video and data streams; `subscriber` may only
 * join (the difference is enforced only when co-host authentication is on for the project).
 * `attendee` and `admin` exist only in 006, where Agora documents them as `publisher`.
 */
export type RtcRole = 'publisher' | 'subscriber' | 'attendee' | 'admin'

/** Per-privilege lifetimes in seconds from the issue time (0 = as long as the token). */
export type RtcPrivilegeLifetimes = {
  joinChannel?: number
  publishAudioStream?: number
  publishVideoStream?: number
  publishDataStream?: number
}

/** Options of {@link buildRtcToken}. */
export interface RtcTokenOptions extends Credentials, Reproducible {
  /** The channel: under 64 bytes of Agora's channel-name characters. "" allows any channel. */
  channelName: string
  /** A numeric uid, 0 to 2^32-1; 0 lets any uid join. Give `uid` or `account`. */
  uid?: number
  /**
   * A user account (string uid): at most 255 bytes of Agora's 89 characters (a-z A-Z 0-9 space and
   * `! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,`). Give `uid` or `account`.
   */
  account?: string
  /** Default `publisher`. */
  role?: RtcRole
  /** Token lifetime in seconds, 1 to 86400. Default 3600. */
  expire?: number
  /**
   * Privilege lifetimes in seconds: one number for all, or one per privilege. Default: the token
   * lifetime. A `subscriber` gets only `joinChannel`.
   */
  privilegeExpire?: number | RtcPrivilegeLifetimes
  /**
   * Also grant RTM login in the same token (007 only). `true` logs in as the RTC account (or uid
   * text) for the token's lifetime; an object names the RTM user id and its own lifetime.
   */
  rtm?: true | { userId: string; expire?: number }
  /** Default `007`. Use `006` only for SDKs older than AccessToken2 support (e.g. Web < 4.8.0). */
  version?: TokenVersion
}

/**
 * Builds an RTC token for one channel and one uid or account.
 *
 * @example
 * ```ts
 * import { buildRtcToken } from 'agate-tokens'
 * const token = buildRtcToken({ appId, appCertificate, channelName: 'ChannelA', uid: 42, expire: 3600 })
 * ```
 * @throws {TokenError} `ERR_INVALID_ARGUMENT` naming the bad field.
 */
export function buildRtcToken(options: RtcTokenOptions): string {
  const { issuedAt, salt } = resolveCommon(options)
  assertChannelName(options.channelName)
  const account = rtcAccount(options)
  const role = options.role ?? 'publisher'
  if (!Object.hasOwn(ROLES_006, role)) {
    throw invalidArgument('role', 'must be publisher, subscriber, attendee or admin')
  }
  const expire = lifetime(options.expire, 'expire', DEFAULT_EXPIRE_SECONDS, 1)
  const privileges = rtcPrivileges(options.privilegeExpire, role, expire)

  if ((options.version ?? '007') === '006') {
    if (options.rtm !== undefined)
      throw invalidArgument('rtm', '006 tokens hold one service; build a separate RTM token')
    // 006 stores absolute times; 0 keeps its "no limit of its own" meaning.
    return encodeToken006({
      appId: options.appId,
      appCertificate: options.appCertificate,
      channelName: options.channelName,
      uid: account,
      salt,
      ts: issuedAt + 86_400,
      privileges: absolutePrivileges006(privileges, issuedAt),
    })
  }
  if (options.version !== undefined && options.version !== '007')
    throw invalidArgument('version', 'must be "006" or "007"')
  if (role === 'attendee' || role === 'admin') {
    throw invalidArgument('role', `${role} was removed in AccessToken2; use publisher or subscriber`)
  }

  const services: ServiceSpec[] = [{ type: 'rtc', channelName: options.channelName, account, privileges }]
  if (options.rtm === true) {
    assertRtmUserId(account, 'account')
    services.push({ type: 'rtm', userId: account, privileges: { login: expire } })
  } else if (options.rtm !== undefined) {
    if (typeof options.rtm !== 'object' || options.rtm === null)
      throw invalidArgument('rtm', 'must be true or { userId, expire }')
    assertRtmUserId(options.rtm.userId, 'rtm.userId')
    const rtmExpire = lifetime(options.rtm.expire, 'rtm.expire', expire, 1)
    services.push({ type: 'rtm', userId: options.rtm.userId, privileges: { login: rtmExpire } })
  }
  return encodeToken007(
    { appId: options.appId, appCertificate: options.appCertificate, issuedAt, salt, expire, services },
    { strict: true },
  )
}

/** The account text of the token: uid 0 is the wildcard "", other uids their decimal text. */
function rtcAccount(options: { uid?: number; account?: string }): string {
  if (options.uid !== undefined && options.account !== undefined)
    throw invalidArgument('uid', 'give uid or account, not both')
  if (options.uid !== undefined) {
    assertUid(options.uid)
    return options.uid === 0 ? '' : String(options.uid)
  }
  if (options.account === undefined) throw invalidArgument('uid', 'give a uid (0 for any) or an account')
  assertAccount(options.account)
  return options.account
}

const PUBLISH_PRIVILEGES = ['publishAudioStream', 'publishVideoStream', 'publishDataStream'] as const

/** The 006 privilege list, ids ascending: absolute expiry times, where 0 keeps its "no limit of its own". */
function absolutePrivileges006(
  privileges: Required<Pick<RtcPrivilegeLifetimes, 'joinChannel'>> & RtcPrivilegeLifetimes,
  issuedAt: number,
): Array<[number, number]> {
  const absolute = (seconds: number): number => (seconds === 0 ? 0 : issuedAt + seconds)
  const list: Array<[number, number]> = [[PRIVILEGES_006.joinChannel, absolute(privileges.joinChannel)]]
  for (const name of PUBLISH_PRIVILEGES) {
    const seconds = privileges[name]
    if (seconds !== undefined) list.push([PRIVILEGES_006[name], absolute(seconds)])
  }
  return list
}

function rtcPrivileges(
  privilegeExpire: RtcTokenOptions['privilegeExpire'],
  role: RtcRole,
  expire: number,
): Required<Pick<RtcPrivilegeLifetimes, 'joinChannel'>> & RtcPrivilegeLifetimes {
  const publishes = rolePublishes006(role)
  if (privilegeExpire === undefined || typeof privilegeExpire === 'number') {
    const seconds = lifetime(privilegeExpire, 'privilegeExpire', expire)
    if (!publishes) return { joinChannel: seconds }
    return {
      joinChannel: seconds,
      publishAudioStream: seconds,
      publishVideoStream: seconds,
      publishDataStream: seconds,
    }
  }
  if (typeof privilegeExpire !== 'object' || privilegeExpire === null) {
    throw invalidArgument('privilegeExpire', 'must be a number of seconds or an object of per-privilege seconds')
  }
  for (const key of Object.keys(privilegeExpire)) {
    if (key !== 'joinChannel' && !(PUBLISH_PRIVILEGES as readonly string[]).includes(key)) {
      throw invalidArgument(`privilegeExpire.${key}`, 'is not an RTC privilege')
    }
  }
  const result: Required<Pick<RtcPrivilegeLifetimes, 'joinChannel'>> & RtcPrivilegeLifetimes = {
    joinChannel: lifetime(privilegeExpire.joinChannel, 'privilegeExpire.joinChannel', expire),
  }
  for (const name of PUBLISH_PRIVILEGES) {
    if (!publishes) {
      if (privilegeExpire[name] !== undefined) {
        throw invalidArgument(`privilegeExpire.${name}`, `a ${role} cannot publish; use role publisher`)
      }
      continue
    }
    result[name] = lifetime(privilegeExpire[name], `privilegeExpire.${name}`, expire)
  }
  return result
}
