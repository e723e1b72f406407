/**
 * The low-level AccessToken2 ("007") classes of npm `agora-token` 2.0.6 (its `src/AccessToken2.js`)
 * on Agate's encoder and parser.
 * @module
 */
import { invalidArgument, TokenError } from '../token/errors.js'
import { constantTimeEqual } from '../token/primitives/bytes.js'
import { isHex32 } from '../token/validate.js'
import { encodeToken007, type EncodeRules, type ServiceSpec } from '../token/v007/build.js'
import { decodeToken007, type ParsedService } from '../token/v007/parse.js'
import { RTM2_PERMISSIONS, RTM2_RESOURCES, type Rtm2Permissions as Rtm2PermissionSpec } from '../token/v007/services.js'
import { sign007 } from '../token/v007/signing.js'
import { accountText, requireString, toInt16, toUint16Id, toUint32, userIdText } from './coerce.js'
import { compatSources } from './sources.js'

/** Service type of {@link ServiceRtc}. */
export const kRtcServiceType = 1
/** Service type of {@link ServiceRtm}. */
export const kRtmServiceType = 2
/** Service type of {@link ServiceStreaming}. */
export const kStreamingServiceType = 3
/** Service type of {@link ServiceFpa}. */
export const kFpaServiceType = 4
/** Service type of {@link ServiceChat}. */
export const kChatServiceType = 5
/** Service type of {@link ServiceFCdn}. */
export const kFCdnServiceType = 6
/** Service type of {@link ServiceApaas}. */
export const kApaasServiceType = 7
/** Service type of {@link ServiceRtm2}. */
export const kRtm2ServiceType = 8
/** Service type of {@link ServiceConvoAI}. */
export const kConvoAIServiceType = 9
/** Service type of {@link ServiceStt}. */
export const kSttServiceType = 10

/**
 * A service of an AccessToken2: its type and privileges (privilege id → seconds from the issue
 * time, 0 = as long as the token). Fields keep the reference's names so code that inspects them
 * keeps working; values are checked when the token is built.
 *
 * @example
 * ```ts
 * import { AccessToken2, ServiceRtc } from 'agate-tokens/compat/agora-token'
 * const rtc = new ServiceRtc('ChannelA', 42)
 * rtc.add_privilege(ServiceRtc.kPrivilegeJoinChannel, 600)
 * ```
 */
export class Service {
  /** The service type number. */
  __type: number
  /** Privilege id → lifetime in seconds from the issue time. */
  __privileges: Record<string, number>

  constructor(service_type: number) {
    this.__type = service_type
    this.__privileges = {}
  }

  /** The service type number. */
  service_type(): number {
    return this.__type
  }

  /** Adds or replaces a privilege: `expire` seconds from the issue time (0 = as long as the token). */
  add_privilege(privilege: number, expire: number): void {
    this.__privileges[privilege] = expire
  }

  /** Alias of {@link Service.add_privilege}. */
  addPrivilege(privilege: number, expire: number): void {
    this.add_privilege(privilege, expire)
  }
}

/**
 * RTC: join and publish privileges in one channel for one uid (0 = any) or account.
 * A numeric uid must be an integer 0..2^32-1; `undefined` throws at build time (the reference
 * writes the account "undefined").
 *
 * @example
 * ```ts
 * const rtc = new ServiceRtc('ChannelA', 0)
 * rtc.add_privilege(ServiceRtc.kPrivilegeJoinChannel, 3600)
 * ```
 */
export class ServiceRtc extends Service {
  static readonly kPrivilegeJoinChannel = 1
  static readonly kPrivilegePublishAudioStream = 2
  static readonly kPrivilegePublishVideoStream = 3
  static readonly kPrivilegePublishDataStream = 4
  __channel_name: string | undefined
  /** The account text: `''` for uid 0, the decimal text of other uids. */
  __uid: string | undefined

  constructor(channel_name?: string, uid?: string | number) {
    super(kRtcServiceType)
    this.__channel_name = channel_name
    this.__uid = accountText(uid, 'uid')
  }
}

/**
 * RTM (Signaling) login for one user id. A numeric id becomes its decimal text (the reference
 * crashes on numbers); a missing id is `''`, as in the reference.
 *
 * @example
 * ```ts
 * const rtm = new ServiceRtm('alice')
 * rtm.add_privilege(ServiceRtm.kPrivilegeLogin, 3600)
 * ```
 */
export class ServiceRtm extends Service {
  static readonly kPrivilegeLogin = 1
  __user_id: string

  constructor(user_id?: string | number) {
    super(kRtmServiceType)
    this.__user_id = userIdText(user_id, 'userId')
  }
}

/**
 * Media Push / streaming: a channel and a uid or account (`''` by default).
 *
 * @example
 * ```ts
 * const streaming = new ServiceStreaming('ChannelA', 42)
 * streaming.add_privilege(ServiceStreaming.kPrivilegePublishMixStream, 600)
 * ```
 */
export class ServiceStreaming extends Service {
  static readonly kPrivilegePublishMixStream = 1
  static readonly kPrivilegePublishRawStream = 2
  __channel_name: string
  __account: string | undefined

  constructor(channelName: string = '', account: string | number = '') {
    super(kStreamingServiceType)
    this.__channel_name = channelName
    this.__account = accountText(account, 'account')
  }
}

/**
 * Fusion CDN: a channel and a uid or account (`''` by default).
 *
 * @example
 * ```ts
 * const fcdn = new ServiceFCdn('ChannelA', 'viewer-1')
 * fcdn.add_privilege(ServiceFCdn.kPrivilegePlay, 600)
 * ```
 */
export class ServiceFCdn extends Service {
  static readonly kPrivilegePublish = 1
  static readonly kPrivilegePlay = 2
  __channel_name: string
  __account: string | undefined

  constructor(channelName: string = '', account: string | number = '') {
    super(kFCdnServiceType)
    this.__channel_name = channelName
    this.__account = accountText(account, 'account')
  }
}

/**
 * Flexible Packet Acceleration: no fields of its own.
 *
 * @example
 * ```ts
 * const fpa = new ServiceFpa()
 * fpa.add_privilege(ServiceFpa.kPrivilegeLogin, 0)
 * ```
 */
export class ServiceFpa extends Service {
  static readonly kPrivilegeLogin = 1

  constructor() {
    super(kFpaServiceType)
  }
}

/**
 * Conversational AI agent: an empty record (service type 9, as in agora-token 2.0.6).
 *
 * @example
 * ```ts
 * token.add_service(new ServiceConvoAI())
 * ```
 */
export class ServiceConvoAI extends Service {
  constructor() {
    super(kConvoAIServiceType)
  }
}

/**
 * Speech-to-text: an empty record (service type 10, as in agora-token 2.0.6).
 *
 * @example
 * ```ts
 * token.add_service(new ServiceStt())
 * ```
 */
export class ServiceStt extends Service {
  constructor() {
    super(kSttServiceType)
  }
}

/**
 * Chat: a user id for the user privilege, `''` (the default) for the app privilege. A numeric id
 * becomes its decimal text (the reference crashes on numbers).
 *
 * @example
 * ```ts
 * const chat = new ServiceChat('alice')
 * chat.add_privilege(ServiceChat.kPrivilegeUser, 3600)
 * ```
 */
export class ServiceChat extends Service {
  static readonly kPrivilegeUser = 1
  static readonly kPrivilegeApp = 2
  __user_id: string

  constructor(user_id?: string | number) {
    super(kChatServiceType)
    this.__user_id = userIdText(user_id, 'userId')
  }
}

/**
 * Flexible Classroom (APaaS / Education): room, user and a signed 16-bit role, -1 when not given.
 * Role 0 (invisible) stays 0; the reference's `role || -1` turns it into -1.
 *
 * @example
 * ```ts
 * const apaas = new ServiceApaas('room-1', 'alice', 1)
 * apaas.add_privilege(ServiceApaas.PRIVILEGE_ROOM_USER, 3600)
 * ```
 */
export class ServiceApaas extends Service {
  static readonly PRIVILEGE_ROOM_USER = 1
  static readonly PRIVILEGE_USER = 2
  static readonly PRIVILEGE_APP = 3
  __room_uuid: string
  __user_uuid: string
  __role: number

  constructor(roomUuid?: string, userUuid?: string | number, role?: number) {
    super(kApaasServiceType)
    this.__room_uuid = userIdText(roomUuid, 'roomUuid')
    this.__user_uuid = userIdText(userUuid, 'userUuid')
    this.__role = role === undefined || role === null ? -1 : toInt16(role, 'role')
  }
}

/**
 * RTM2 resource permissions: resource type → permission type → resource names (kept in the given
 * order). Adding the same pair again replaces its list.
 *
 * @example
 * ```ts
 * import { Rtm2Permissions } from 'agate-tokens/compat/agora-token'
 * const permissions = new Rtm2Permissions()
 * permissions.add(Rtm2Permissions.kMessageChannels, Rtm2Permissions.kRead, ['lobby'])
 * ```
 */
export class Rtm2Permissions {
  static readonly kMessageChannels = 0
  static readonly kStreamChannels = 1
  static readonly kGroupChannels = 2
  static readonly kServerGroups = 3
  static readonly kUsers = 4
  static readonly kRead = 0
  static readonly kWrite = 1
  details: { [resourceType: number]: { [permissionType: number]: string[] } }

  constructor() {
    this.details = {}
  }

  /** Adds or replaces the names for one resource type and permission type. */
  add(resourceType: number, permissionType: number, resources: Iterable<string> | ArrayLike<string>): void {
    const byPermission = (this.details[resourceType] ??= {})
    byPermission[permissionType] = Array.from(resources)
  }
}

/**
 * RTM2: login plus resource permissions for one user id (numeric 0 and a missing id are `''`).
 *
 * @example
 * ```ts
 * const rtm2 = new ServiceRtm2('alice', permissions)
 * rtm2.add_privilege(ServiceRtm2.kPrivilegeLogin, 3600)
 * ```
 */
export class ServiceRtm2 extends Service {
  static readonly kPrivilegeLogin = 1
  __user_id: string
  __permissions: Rtm2Permissions

  constructor(userId?: string | number, permissions?: Rtm2Permissions) {
    super(kRtm2ServiceType)
    this.__user_id = userIdText(userId, 'userId')
    this.__permissions = permissions || new Rtm2Permissions()
  }
}

type ServiceClass = new () => Service

/**
 * An AccessToken2, as agora-token's class: create it with the credentials, an issue time (0 =
 * now) and a lifetime in seconds, add services, then `build()`; or create it empty and
 * `from_string()` a token, then `verifySignature()`.
 *
 * Differences: `build()` throws a `TokenError` (`ERR_INVALID_ARGUMENT`) where the reference
 * returns `''` (App ID or certificate not 32 hex characters, no service) or writes bad bytes;
 * `salt` is drawn from a cryptographic source; `issueTs` is whole seconds; output is compressed
 * like C zlib, so token strings differ from Node's while the content is byte-identical.
 *
 * @example
 * ```ts
 * import { AccessToken2, ServiceRtc } from 'agate-tokens/compat/agora-token'
 * const token = new AccessToken2(appId, appCertificate, 0, 600)
 * const rtc = new ServiceRtc('ChannelA', 42)
 * rtc.add_privilege(ServiceRtc.kPrivilegeJoinChannel, 600)
 * token.add_service(rtc)
 * const text = token.build()
 *
 * const parsed = new AccessToken2()
 * if (parsed.from_string(text) && parsed.verifySignature(appCertificate)) console.log(parsed.services)
 * ```
 */
export class AccessToken2 {
  /** The service classes by type number, as the parser uses them. */
  static kServices: Record<number, ServiceClass> = {
    [kRtcServiceType]: ServiceRtc,
    [kRtmServiceType]: ServiceRtm,
    [kStreamingServiceType]: ServiceStreaming,
    [kFpaServiceType]: ServiceFpa,
    [kChatServiceType]: ServiceChat,
    [kFCdnServiceType]: ServiceFCdn,
    [kApaasServiceType]: ServiceApaas,
    [kRtm2ServiceType]: ServiceRtm2,
    [kConvoAIServiceType]: ServiceConvoAI,
    [kSttServiceType]: ServiceStt,
  }

  appId: string
  appCertificate: string
  /** Unix seconds. */
  issueTs: number
  /** Token lifetime in seconds from `issueTs`. */
  expire: number
  /** Random per token, 1..99999999 as in the reference. */
  salt: number
  services: Service[]
  // Set by from_string() only; a token built here never allocates them.
  #signature: Uint8Array | undefined = undefined
  #signingInfo: Uint8Array | undefined = undefined

  constructor(appId: string = '', appCertificate: string = '', issueTs?: number, expire?: number) {
    this.appId = appId
    this.appCertificate = appCertificate
    this.issueTs = issueTs || compatSources.nowSeconds()
    // Left out when the object is only used to parse; build() rejects a missing lifetime.
    this.expire = expire as number
    this.salt = compatSources.salt007()
    this.services = []
  }

  /** Adds a service; several services of one type are kept in order. */
  add_service(service: Service): void {
    this.services.push(service)
  }

  /** Alias of {@link AccessToken2.add_service}. */
  addService(service: Service): void {
    this.add_service(service)
  }

  /** The services of one type, in insertion (or token) order. */
  getServices(serviceType: number): Service[] {
    return this.services.filter((service) => service.service_type() === serviceType)
  }

  /**
   * Packs, signs and encodes the token ("007…").
   * @throws {TokenError} `ERR_INVALID_ARGUMENT` naming the bad field (the reference returns `''`).
   */
  build(): string {
    if (!Array.isArray(this.services) || this.services.length === 0) {
      throw invalidArgument('services', 'add at least one service before build()')
    }
    const issuedAt = toUint32(this.issueTs, 'issueTs')
    const expire = toUint32(this.expire, 'expire')
    const salt = toUint32(this.salt, 'salt')
    const services: ServiceSpec[] = []
    for (let i = 0; i < this.services.length; i++) services.push(serviceSpecOf(this.services[i]!, `services[${i}]`))
    return encodeToken007(
      { appId: this.appId, appCertificate: this.appCertificate, issuedAt, expire, salt, services },
      WIRE_RULES,
    )
  }

  /**
   * Parses a "007" token into this object: App ID, times, salt and the services up to the first
   * unknown type (like the reference). Returns false, with every field reset, when the token is
   * not a well-formed AccessToken2.
   */
  from_string(origin_token: string): boolean {
    this.appId = ''
    this.issueTs = 0
    this.expire = 0
    this.salt = 0
    this.services = []
    this.#signature = undefined
    this.#signingInfo = undefined
    if (typeof origin_token !== 'string' || origin_token.slice(0, 3) !== '007') return false
    let decoded: ReturnType<typeof decodeToken007>
    try {
      decoded = decodeToken007(origin_token)
    } catch (error) {
      if (error instanceof TokenError) return false
      throw error
    }
    const { token } = decoded
    const services = token.services.map(serviceFromParsed)
    this.appId = token.appId
    this.issueTs = token.issuedAt
    this.expire = token.expire
    this.salt = token.salt
    this.services = services
    this.#signature = decoded.signature.slice()
    this.#signingInfo = decoded.signingInfo.slice()
    return true
  }

  /**
   * After a successful {@link AccessToken2.from_string}: whether `appCertificate` signed the token.
   * Compares in constant time; false for a certificate or App ID that is not 32 hex characters.
   */
  verifySignature(appCertificate: string): boolean {
    if (this.#signature === undefined || this.#signingInfo === undefined) return false
    if (!isHex32(appCertificate) || !isHex32(this.appId)) return false
    const expected = new Uint8Array(32)
    sign007(appCertificate, this.issueTs, this.salt, this.#signingInfo, expected)
    return constantTimeEqual(expected, this.#signature)
  }
}

/** The compat layer checks only what the wire format requires, as the references do. */
const WIRE_RULES: EncodeRules = { strict: false }

/**
 * Encodes an AccessToken2 issued now with a fresh salt, as `new AccessToken2(appId, appCertificate,
 * 0, expire)` plus `build()` would, for builders that already hold their services in the
 * encoder's shape: no service objects to create and convert back, no privilege ids to re-parse.
 * The App ID and certificate default to `''` as in the constructor (and are rejected by the encoder).
 */
export function encodeNow007(
  appId: string | undefined,
  appCertificate: string | undefined,
  expire: number,
  services: ServiceSpec[],
): string {
  return encodeToken007(
    {
      appId: appId === undefined ? '' : appId,
      appCertificate: appCertificate === undefined ? '' : appCertificate,
      issuedAt: compatSources.nowSeconds(),
      expire,
      salt: compatSources.salt007(),
      services,
    },
    WIRE_RULES,
  )
}

/** The privileges of a compat service in the encoder's shape: id → u32, every value checked. */
function privilegesOf(service: Service, field: string): Record<number, number> {
  const source = service.__privileges
  if (typeof source !== 'object' || source === null) throw invalidArgument(`${field}.privileges`, 'must be an object')
  const privileges: Record<number, number> = {}
  for (const key of Object.keys(source)) {
    const id = toUint16Id(key, `${field}.privileges`)
    privileges[id] = toUint32(source[key], `${field}.privileges.${key}`)
  }
  return privileges
}

/** A service's account text, which `build()` needs: `undefined` (a missing uid) throws naming `field`. */
export function requireAccount(value: string | undefined, field: string): string {
  if (value === undefined) {
    throw invalidArgument(field, 'is missing (give a uid number, 0 for any, or an account string)')
  }
  return value
}

/** Maps a compat service object onto the encoder's service spec. */
function serviceSpecOf(service: Service, field: string): ServiceSpec {
  if (!(service instanceof Service)) {
    throw invalidArgument(field, 'must be a service object (ServiceRtc, ServiceRtm, …)')
  }
  const privileges = privilegesOf(service, field)
  if (service instanceof ServiceRtc) {
    return {
      type: 'rtc',
      channelName: requireString(service.__channel_name, `${field}.channelName`),
      account: requireAccount(service.__uid, `${field}.uid`),
      privileges,
    }
  }
  if (service instanceof ServiceStreaming || service instanceof ServiceFCdn) {
    return {
      type: service instanceof ServiceStreaming ? 'streaming' : 'fcdn',
      channelName: requireString(service.__channel_name, `${field}.channelName`),
      account: requireAccount(service.__account, `${field}.account`),
      privileges,
    }
  }
  if (service instanceof ServiceRtm) return { type: 'rtm', userId: service.__user_id, privileges }
  if (service instanceof ServiceChat) return { type: 'chat', userId: service.__user_id, privileges }
  if (service instanceof ServiceApaas) {
    return {
      type: 'apaas',
      roomUuid: service.__room_uuid,
      userUuid: service.__user_uuid,
      role: toInt16(service.__role, `${field}.role`),
      privileges,
    }
  }
  if (service instanceof ServiceRtm2) {
    const permissions = permissionSpecOf(service.__permissions, field)
    return { type: 'rtm2', userId: service.__user_id, permissions, privileges }
  }
  if (service instanceof ServiceFpa) return { type: 'fpa', privileges }
  if (service instanceof ServiceConvoAI) return { type: 'convoai', privileges }
  if (service instanceof ServiceStt) return { type: 'stt', privileges }
  throw invalidArgument(`${field}.type`, `service type ${service.__type} has no known layout`)
}

/**
 * The encoder accepts numeric resource and permission types as keys ("0".."65535") besides the
 * names, which is exactly the shape of `Rtm2Permissions.details`.
 */
function permissionSpecOf(permissions: Rtm2Permissions, field: string): Rtm2PermissionSpec {
  const details = (permissions as { details?: unknown } | null)?.details
  if (typeof details !== 'object' || details === null) {
    throw invalidArgument(`${field}.permissions`, 'must be an Rtm2Permissions object')
  }
  return details
}

function typeNumber(table: Readonly<Record<string, number>>, name: string): number {
  return Object.hasOwn(table, name) ? table[name]! : Number(name)
}

/** Rebuilds a compat service object from a parsed one. */
function serviceFromParsed(parsed: ParsedService): Service {
  let service: Service
  switch (parsed.type) {
    case 'rtc':
      service = new ServiceRtc(parsed.channelName, parsed.account)
      break
    case 'streaming':
      service = new ServiceStreaming(parsed.channelName, parsed.account)
      break
    case 'fcdn':
      service = new ServiceFCdn(parsed.channelName, parsed.account)
      break
    case 'rtm':
      service = new ServiceRtm(parsed.userId)
      break
    case 'chat':
      service = new ServiceChat(parsed.userId)
      break
    case 'apaas':
      service = new ServiceApaas(parsed.roomUuid, parsed.userUuid, parsed.role)
      break
    case 'rtm2': {
      const permissions = new Rtm2Permissions()
      for (const [resource, byPermission] of Object.entries(parsed.permissions)) {
        for (const [permission, names] of Object.entries(byPermission)) {
          permissions.add(typeNumber(RTM2_RESOURCES, resource), typeNumber(RTM2_PERMISSIONS, permission), names)
        }
      }
      service = new ServiceRtm2(parsed.userId, permissions)
      break
    }
    case 'fpa':
      service = new ServiceFpa()
      break
    case 'convoai':
      service = new ServiceConvoAI()
      break
    case 'stt':
      service = new ServiceStt()
      break
  }
  for (const privilege of parsed.privileges) service.__privileges[privilege.id] = privilege.expire
  return service
}
