/**
 * Minting: every route turns its request into one {@link TokenOrder}; this module says what the
 * order asks of the policy, builds the token with the library and summarises it.
 * @module
 */
import {
  APAAS_ROLES,
  buildApaasToken,
  buildChatToken,
  buildRtcToken,
  buildRtmToken,
  buildToken,
  type RtcPrivilegeLifetimes,
  type Rtm2Permissions,
  type ServiceSpec,
} from '../token/index.js'
import type { AppConfig, TokenVersion } from './config.js'
import { HttpError } from './errors.js'
import type { Decision, Grant, ServiceKind } from './policy.js'

/** RTC privileges a token can hold, in Agora's order. */
const RTC_PRIVILEGES = ['joinChannel', 'publishAudioStream', 'publishVideoStream', 'publishDataStream'] as const

/** An RTC part of an order. */
export interface RtcOrder {
  channelName: string
  /** A numeric uid (0 = any); give this or `account`. */
  uid?: number | undefined
  /** A string account ("" = any). */
  account?: string | undefined
  role: 'publisher' | 'subscriber'
  /** Privilege lifetimes in seconds; default: the order's privilege default. */
  privilegeExpire?: number | RtcPrivilegeLifetimes | undefined
}

/** What a caller asks for, whatever route it came through. */
export interface TokenOrder {
  app: AppConfig
  version: TokenVersion
  /** The token lifetime the caller asked for, or undefined for the app's default. */
  expire: number | undefined
  rtc?: RtcOrder | undefined
  rtm?: { userId: string; expire?: number | undefined; permissions?: Rtm2Permissions | undefined } | undefined
  /** A user token with `userId`, an app token without. */
  chat?: { userId?: string | undefined } | undefined
  apaas?:
    { roomUuid?: string | undefined; userUuid?: string | undefined; role?: string | number | undefined } | undefined
  fpa?: true | undefined
}

/** The decoded summary returned next to a token. Times are Unix seconds. */
export interface TokenSummary {
  version: TokenVersion
  app: string
  appId: string
  issuedAt: number
  expiresAt: number
  services: Record<string, Record<string, unknown>>
}

/** The services of an order, e.g. `['rtc', 'rtm']`. */
export function servicesOf(order: TokenOrder): ServiceKind[] {
  const services: ServiceKind[] = []
  if (order.rtc !== undefined) services.push('rtc')
  if (order.rtm !== undefined) services.push('rtm')
  if (order.chat !== undefined) services.push('chat')
  if (order.apaas !== undefined) services.push('apaas')
  if (order.fpa !== undefined) services.push('fpa')
  return services
}

/**
 * What the policy checks for an order. Wildcards are `""`: uid 0, an empty account or channel, a
 * Chat app token (every user), an APaaS token without a user or room.
 */
export function grantOf(order: TokenOrder): Grant {
  const channels: string[] = []
  const users: string[] = []
  const roles: string[] = []
  const { rtc, rtm, chat, apaas } = order
  let expire = order.expire
  const longest = (seconds: number | undefined): void => {
    if (seconds !== undefined && (expire === undefined || seconds > expire)) expire = seconds
  }
  if (rtc !== undefined) {
    channels.push(rtc.channelName)
    users.push(rtc.uid !== undefined ? (rtc.uid === 0 ? '' : String(rtc.uid)) : (rtc.account ?? ''))
    roles.push(rtc.role)
    if (typeof rtc.privilegeExpire === 'number') longest(rtc.privilegeExpire)
    else if (rtc.privilegeExpire !== undefined) for (const name of RTC_PRIVILEGES) longest(rtc.privilegeExpire[name])
  }
  if (rtm !== undefined) {
    users.push(rtm.userId)
    longest(rtm.expire)
  }
  if (chat !== undefined) users.push(chat.userId ?? '')
  if (apaas !== undefined) {
    users.push(apaas.userUuid ?? '')
    if (apaas.roomUuid !== undefined) channels.push(apaas.roomUuid)
    if (apaas.role !== undefined) roles.push(apaasRoleName(apaas.role))
  }
  return {
    app: order.app,
    services: servicesOf(order),
    channels: channels.length < 2 ? channels : [...new Set(channels)],
    users: users.length < 2 ? users : [...new Set(users)],
    roles,
    expire,
  }
}

/** A minted token, when it expires, and (computed on demand) its summary. */
export interface Minted {
  token: string
  /** Unix seconds. */
  expiresAt: number
  /** The decoded summary `/v1/tokens` answers with; built only when asked for. */
  summary(): TokenSummary
}

/**
 * Builds the token an allowed order asks for, with the app's primary certificate.
 *
 * Lifetimes: an explicit `expire` must be within the policy cap (the policy checked that); without
 * one the token gets the app's default, cut to the cap, and lasts at least as long as the longest
 * privilege asked for. Privileges default to the token lifetime when the caller chose it, else to
 * the app's privilege default (also cut to the cap), and may not outlive the token.
 *
 * @throws {HttpError} `invalid-request` for combinations no token format can hold.
 * @throws {TokenError} `ERR_INVALID_ARGUMENT` (a 400) for values the library refuses.
 */
export function mint(order: TokenOrder, decision: Decision, issuedAt: number): Minted {
  const { app, rtc, rtm, chat, apaas } = order
  const longest = longestPrivilege(order)
  const expire = order.expire ?? Math.max(Math.min(app.expire, decision.maxExpire), longest)
  if (longest > expire) {
    throw new HttpError(
      'invalid-request',
      `privileges may not outlive the token (${expire} s); raise expire or shorten them`,
      {
        field: 'expire',
      },
    )
  }
  const privilegeDefault = order.expire ?? Math.min(app.privilegeExpire, expire)
  const services = servicesOf(order)

  if (order.version === '006' && (services.length !== 1 || (rtc === undefined && rtm === undefined))) {
    throw new HttpError(
      'invalid-request',
      'version 006 tokens hold one service, rtc or rtm; use 007 for anything else',
      {
        field: 'version',
      },
    )
  }
  if (rtm?.permissions !== undefined && order.version === '006') {
    throw new HttpError('invalid-request', 'RTM permissions need version 007', { field: 'rtm.permissions' })
  }
  if (apaas !== undefined && services.length > 1) {
    throw new HttpError(
      'invalid-request',
      'apaas tokens already hold their RTM and Chat services; request apaas alone',
      {
        field: 'apaas',
      },
    )
  }

  // Each builder gets its options as one object literal with every field present (unused ones
  // undefined): spreading a shared object and adding fields afterwards gives V8 a different object
  // shape per request, and measured ~10 µs slower per token in the builder.
  const { appId, certificate: appCertificate } = app
  const rtcPrivilegeObject = typeof rtc?.privilegeExpire === 'object' ? rtcPrivileges(rtc, privilegeDefault) : undefined
  let token: string
  let expiresAt = issuedAt + expire
  if (
    rtc !== undefined &&
    (services.length === 1 || (services.length === 2 && rtm !== undefined && rtm.permissions === undefined))
  ) {
    token = buildRtcToken({
      appId,
      appCertificate,
      issuedAt,
      channelName: rtc.channelName,
      uid: rtc.uid,
      account: rtc.uid === undefined ? (rtc.account ?? '') : undefined,
      role: rtc.role,
      expire,
      // One number when every privilege lasts the same: the common case, and the builder's cheap path.
      privilegeExpire: rtcPrivilegeObject ?? rtc.privilegeExpire ?? privilegeDefault,
      rtm: rtm === undefined ? undefined : { userId: rtm.userId, expire: rtm.expire ?? expire },
      version: order.version,
    })
  } else if (rtm !== undefined && services.length === 1) {
    token = buildRtmToken({
      appId,
      appCertificate,
      issuedAt,
      userId: rtm.userId,
      expire: rtm.expire ?? expire,
      permissions: rtm.permissions,
      version: order.version,
    })
    expiresAt = issuedAt + (rtm.expire ?? expire)
  } else if (chat !== undefined && services.length === 1) {
    token = buildChatToken({ appId, appCertificate, issuedAt, userId: chat.userId, expire })
  } else if (apaas !== undefined) {
    token = buildApaasToken({
      appId,
      appCertificate,
      issuedAt,
      roomUuid: apaas.roomUuid,
      userUuid: apaas.userUuid,
      role: apaas.role as Parameters<typeof buildApaasToken>[0]['role'],
      expire,
    })
  } else {
    token = buildToken({
      appId,
      appCertificate,
      issuedAt,
      expire,
      services: serviceSpecs(order, expire, privilegeDefault),
    })
  }
  return { token, expiresAt, summary: () => summarize(order, issuedAt, expiresAt, expire, privilegeDefault) }
}

function summarize(
  order: TokenOrder,
  issuedAt: number,
  expiresAt: number,
  expire: number,
  privilegeDefault: number,
): TokenSummary {
  const { app, rtc, rtm, chat, apaas } = order
  const summary: TokenSummary = {
    version: order.version,
    app: app.name,
    appId: app.appId,
    issuedAt,
    expiresAt,
    services: {},
  }
  if (rtc !== undefined) {
    const entry: Record<string, unknown> = {
      channelName: rtc.channelName,
      role: rtc.role,
      privileges: absolute(rtcPrivileges(rtc, privilegeDefault), issuedAt),
    }
    if (rtc.uid !== undefined) entry.uid = rtc.uid
    else entry.account = rtc.account ?? ''
    summary.services.rtc = entry
  }
  if (rtm !== undefined) {
    const entry: Record<string, unknown> = {
      userId: rtm.userId,
      privileges: { login: issuedAt + (rtm.expire ?? expire) },
    }
    if (rtm.permissions !== undefined) entry.permissions = rtm.permissions
    summary.services.rtm = entry
  }
  if (chat !== undefined) {
    summary.services.chat =
      chat.userId === undefined
        ? { privileges: { app: issuedAt + expire } }
        : { userId: chat.userId, privileges: { user: issuedAt + expire } }
  }
  if (apaas !== undefined) {
    const level = apaas.roomUuid !== undefined ? 'roomUser' : apaas.userUuid !== undefined ? 'user' : 'app'
    const entry: Record<string, unknown> = { privileges: { [level]: issuedAt + expire } }
    if (apaas.roomUuid !== undefined) entry.roomUuid = apaas.roomUuid
    if (apaas.userUuid !== undefined) entry.userUuid = apaas.userUuid
    if (apaas.role !== undefined) entry.role = apaas.role
    summary.services.apaas = entry
  }
  if (order.fpa !== undefined) summary.services.fpa = { privileges: { login: issuedAt + expire } }
  return summary
}

/** The longest privilege lifetime an order names explicitly (0 when none). */
function longestPrivilege(order: TokenOrder): number {
  let longest = order.rtm?.expire ?? 0
  const given = order.rtc?.privilegeExpire
  if (typeof given === 'number') longest = Math.max(longest, given)
  else if (given !== undefined) for (const name of RTC_PRIVILEGES) longest = Math.max(longest, given[name] ?? 0)
  return longest
}

/** The name the policy knows an APaaS role by (a number without a name stays a number, as text). */
export function apaasRoleName(role: string | number): string {
  if (typeof role === 'string') return role
  for (const [name, value] of Object.entries(APAAS_ROLES)) if (value === role) return name
  return String(role)
}

/** Per-privilege lifetimes in seconds; a subscriber gets only `joinChannel`. */
function rtcPrivileges(rtc: RtcOrder, fallback: number): RtcPrivilegeLifetimes {
  const given = rtc.privilegeExpire
  const seconds = (name: (typeof RTC_PRIVILEGES)[number]): number =>
    given === undefined ? fallback : typeof given === 'number' ? given : (given[name] ?? fallback)
  if (rtc.role === 'subscriber') {
    if (typeof given === 'object') {
      for (const name of RTC_PRIVILEGES.slice(1)) {
        if (given[name] !== undefined) {
          throw new HttpError(
            'invalid-request',
            `a subscriber cannot publish; drop privilegeExpire.${name} or use role publisher`,
            { field: `rtc.privilegeExpire.${name}` },
          )
        }
      }
    }
    return { joinChannel: seconds('joinChannel') }
  }
  return {
    joinChannel: seconds('joinChannel'),
    publishAudioStream: seconds('publishAudioStream'),
    publishVideoStream: seconds('publishVideoStream'),
    publishDataStream: seconds('publishDataStream'),
  }
}

function absolute(lifetimes: RtcPrivilegeLifetimes, issuedAt: number): Record<string, number> {
  const result: Record<string, number> = {}
  for (const [name, seconds] of Object.entries(lifetimes)) result[name] = issuedAt + seconds
  return result
}

/** The AccessToken2 services of a combination the role-level builders do not cover. */
function serviceSpecs(order: TokenOrder, expire: number, privilegeDefault: number): ServiceSpec[] {
  const specs: ServiceSpec[] = []
  const { rtc, rtm, chat } = order
  if (rtc !== undefined) {
    const privileges = rtcPrivileges(rtc, privilegeDefault)
    specs.push(
      rtc.uid !== undefined
        ? { type: 'rtc', channelName: rtc.channelName, uid: rtc.uid, privileges }
        : { type: 'rtc', channelName: rtc.channelName, account: rtc.account ?? '', privileges },
    )
  }
  if (rtm !== undefined) {
    const login = rtm.expire ?? expire
    specs.push(
      rtm.permissions === undefined
        ? { type: 'rtm', userId: rtm.userId, privileges: { login } }
        : { type: 'rtm2', userId: rtm.userId, permissions: rtm.permissions, privileges: { login } },
    )
  }
  if (chat !== undefined) {
    specs.push(
      chat.userId === undefined
        ? { type: 'chat', userId: '', privileges: { app: expire } }
        : { type: 'chat', userId: chat.userId, privileges: { user: expire } },
    )
  }
  if (order.fpa !== undefined) specs.push({ type: 'fpa', privileges: { login: expire } })
  return specs
}
