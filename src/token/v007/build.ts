/**
 * Packing, signing and encoding of AccessToken2 ("007") tokens.
 * @module
 */
import { invalidArgument } from '../errors.js'
import { bytesToBase64 } from '../primitives/base64.js'
import { ByteWriter } from '../primitives/bytes.js'
import { zlibDeflateView } from '../primitives/deflate.js'
import {
  assertAccount,
  assertAppId,
  assertCertificate,
  assertChannelName,
  assertChatUserId,
  assertInteger,
  assertRoomUuid,
  assertRtmUserId,
  assertString,
  assertUid,
  assertUint32,
  MAX_LIFETIME_SECONDS,
} from '../validate.js'
import {
  PRIVILEGES,
  RTM2_PERMISSIONS,
  RTM2_RESOURCES,
  SERVICE_TYPES,
  type PrivilegeInput,
  type Rtm2Permissions,
  type ServiceName,
} from './services.js'
import { sign007 } from './signing.js'

/** An RTC service: join and publish privileges in one channel for one uid or account. */
export interface RtcServiceSpec {
  type: 'rtc'
  channelName: string
  /** A numeric uid (0 = any uid). Give `uid` or `account`, not both. */
  uid?: number
  /** A string user account ("" = any). */
  account?: string
  privileges: PrivilegeInput<'rtc'>
}

/** A Media Push / streaming or Fusion CDN service: a channel and a uid or account. */
export interface ChannelServiceSpec<T extends 'streaming' | 'fcdn'> {
  type: T
  channelName: string
  uid?: number
  account?: string
  privileges: PrivilegeInput<T>
}

/** An RTM (Signaling) login service. */
export interface RtmServiceSpec {
  type: 'rtm'
  userId: string
  privileges: PrivilegeInput<'rtm'>
}

/** An RTM2 service: login plus resource permissions (needs Agora to enable it for the project). */
export interface Rtm2ServiceSpec {
  type: 'rtm2'
  userId: string
  permissions?: Rtm2Permissions
  privileges: PrivilegeInput<'rtm2'>
}

/** A Chat service: a user id for user privileges, "" for the app privilege. */
export interface ChatServiceSpec {
  type: 'chat'
  userId?: string
  privileges: PrivilegeInput<'chat'>
}

/** A Flexible Classroom (APaaS/Education) service. `role` is a signed 16-bit number, -1 = unset. */
export interface ApaasServiceSpec {
  type: 'apaas'
  roomUuid?: string
  userUuid?: string
  role?: number
  privileges: PrivilegeInput<'apaas'>
}

/** A service with no fields of its own (FPA, ConvoAI, STT). */
export interface PlainServiceSpec<T extends 'fpa' | 'convoai' | 'stt'> {
  type: T
  privileges?: PrivilegeInput<T>
}

/** One service of an AccessToken2, as data. */
export type ServiceSpec =
  | RtcServiceSpec
  | ChannelServiceSpec<'streaming'>
  | ChannelServiceSpec<'fcdn'>
  | RtmServiceSpec
  | Rtm2ServiceSpec
  | ChatServiceSpec
  | ApaasServiceSpec
  | PlainServiceSpec<'fpa'>
  | PlainServiceSpec<'convoai'>
  | PlainServiceSpec<'stt'>

/** Everything an AccessToken2 holds, with the issue time and salt made explicit. */
export interface Token007Fields {
  appId: string
  appCertificate: string
  /** Unix seconds. */
  issuedAt: number
  /** Token lifetime in seconds from `issuedAt`. */
  expire: number
  salt: number
  services: readonly ServiceSpec[]
}

/**
 * How strictly to check inputs: the modern API caps lifetimes at 24 h and checks channel names
 * and id lengths against Agora's documentation; the compat API only checks what the wire format
 * itself requires, as the reference packages do.
 */
export interface EncodeRules {
  strict: boolean
}

const writer = new ByteWriter(1024)
// The content starts with the length-prefixed 32-byte signature; it is written after signing.
const SIGNATURE_END = 34

/** Packs, signs, compresses and encodes an AccessToken2. Throws `ERR_INVALID_ARGUMENT` on bad fields. */
export function encodeToken007(fields: Token007Fields, rules: EncodeRules): string {
  assertAppId(fields.appId)
  assertCertificate(fields.appCertificate)
  assertUint32(fields.issuedAt, 'issuedAt')
  assertUint32(fields.salt, 'salt')
  const maxLifetime = rules.strict ? MAX_LIFETIME_SECONDS : 0xffff_ffff
  assertInteger(fields.expire, 'expire', 0, maxLifetime)
  // Typed, not narrowed: Array.isArray would make the elements `any`.
  const services: readonly ServiceSpec[] = fields.services
  if (!Array.isArray(fields.services) || services.length === 0) {
    throw invalidArgument('services', 'must list at least one service')
  }
  if (services.length > 0xffff) throw invalidArgument('services', 'too many services')

  writer.reset()
  writer.putUint16LE(32)
  writer.length = SIGNATURE_END
  writer.putString(fields.appId, 'appId')
  writer.putUint32LE(fields.issuedAt).putUint32LE(fields.expire).putUint32LE(fields.salt)
  writer.putUint16LE(services.length)
  const order = packingOrder(services)
  for (let i = 0; i < services.length; i++) {
    const index = order === null ? i : order[i]!
    writeService(services[index]!, `services[${index}]`, rules)
  }

  sign007(fields.appCertificate, fields.issuedAt, fields.salt, writer.view(SIGNATURE_END), writer.bytes, 2)
  return '007' + bytesToBase64(zlibDeflateView(writer.view()))
}

/**
 * Indices of `services` sorted by service type, stable: several services of one type keep their
 * order. Null when the services are already in that order, as builders give them, so the common
 * case allocates nothing.
 */
function packingOrder(services: readonly ServiceSpec[]): number[] | null {
  let sorted = true
  for (let i = 0, last = 0; i < services.length; i++) {
    const type = typeOf(services[i]!, i)
    if (type < last) sorted = false
    last = type
  }
  if (sorted) return null
  const types = services.map(typeOf)
  return types.map((_, index) => index).sort((a, b) => types[a]! - types[b]! || a - b)
}

function typeOf(service: ServiceSpec, index: number): number {
  const type = (service as { type?: unknown } | null)?.type
  if (typeof type !== 'string' || !Object.hasOwn(SERVICE_TYPES, type)) {
    throw invalidArgument(`services[${index}].type`, `must be one of ${Object.keys(SERVICE_TYPES).join(', ')}`)
  }
  return SERVICE_TYPES[type as ServiceName]
}

function writeService(service: ServiceSpec, field: string, rules: EncodeRules): void {
  writer.putUint16LE(SERVICE_TYPES[service.type])
  writePrivileges(service.type, service.privileges ?? {}, `${field}.privileges`, rules)
  switch (service.type) {
    case 'rtc':
    case 'streaming':
    case 'fcdn':
      if (rules.strict) assertChannelName(service.channelName, `${field}.channelName`)
      else assertString(service.channelName, `${field}.channelName`, 0xffff)
      writer.putString(service.channelName, `${field}.channelName`)
      writer.putString(accountOf(service, field, rules), `${field}.account`)
      return
    case 'rtm':
      if (rules.strict) assertRtmUserId(service.userId, `${field}.userId`)
      else assertString(service.userId, `${field}.userId`, 0xffff)
      writer.putString(service.userId, `${field}.userId`)
      return
    case 'chat': {
      // "" is the app privilege's user id.
      const userId = service.userId ?? ''
      if (rules.strict && userId !== '') assertChatUserId(userId, `${field}.userId`)
      else assertString(userId, `${field}.userId`, 0xffff)
      writer.putString(userId, `${field}.userId`)
      return
    }
    case 'apaas': {
      // "" leaves a field unset (user and app tokens).
      const { roomUuid = '', userUuid = '' } = service
      if (rules.strict && roomUuid !== '') assertRoomUuid(roomUuid, `${field}.roomUuid`)
      else assertString(roomUuid, `${field}.roomUuid`, 0xffff)
      if (rules.strict && userUuid !== '') assertRtmUserId(userUuid, `${field}.userUuid`)
      else assertString(userUuid, `${field}.userUuid`, 0xffff)
      assertInteger(service.role ?? -1, `${field}.role`, -32768, 32767)
      writer.putString(roomUuid, `${field}.roomUuid`)
      writer.putString(userUuid, `${field}.userUuid`)
      writer.putInt16LE(service.role ?? -1)
      return
    }
    case 'rtm2':
      if (rules.strict) assertRtmUserId(service.userId, `${field}.userId`)
      else assertString(service.userId, `${field}.userId`, 0xffff)
      writer.putString(service.userId, `${field}.userId`)
      writeRtm2Permissions(service.permissions ?? {}, `${field}.permissions`)
      return
    case 'fpa':
    case 'convoai':
    case 'stt':
      return
  }
}

/** The account string of a channel service: `uid` 0 is the wildcard "", other uids their decimal text. */
function accountOf(service: { uid?: number; account?: string }, field: string, rules: EncodeRules): string {
  if (service.uid !== undefined && service.account !== undefined) {
    throw invalidArgument(`${field}.uid`, 'give uid or account, not both')
  }
  if (service.uid !== undefined) {
    assertUid(service.uid, `${field}.uid`)
    return service.uid === 0 ? '' : String(service.uid)
  }
  const account = service.account ?? ''
  if (rules.strict) assertAccount(account, `${field}.account`)
  else assertString(account, `${field}.account`, 0xffff)
  return account
}

function writePrivileges(
  service: ServiceName,
  privileges: Readonly<Record<string, number>>,
  field: string,
  rules: EncodeRules,
): void {
  if (typeof privileges !== 'object' || privileges === null) throw invalidArgument(field, 'must be an object')
  const names: Readonly<Record<string, number>> = PRIVILEGES[service]
  const entries: Array<[number, number]> = []
  let sorted = true
  for (const key of Object.keys(privileges)) {
    const id = Object.hasOwn(names, key) ? names[key]! : /^\d{1,5}$/.test(key) ? Number(key) : -1
    if (id < 0 || id > 0xffff) {
      const known = Object.keys(names)
      throw invalidArgument(
        `${field}.${key}`,
        `is not a privilege of ${service}${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      )
    }
    let ascending = true
    for (const [existing] of entries) {
      if (existing === id) throw invalidArgument(`${field}.${key}`, `privilege ${id} is given twice`)
      if (existing > id) ascending = false
    }
    const value = privileges[key]
    assertInteger(value, `${field}.${key}`, 0, rules.strict ? MAX_LIFETIME_SECONDS : 0xffff_ffff)
    entries.push([id, value])
    sorted &&= ascending
  }
  // Builders list privileges in id order already; sorting costs a comparator call per pair.
  if (!sorted) entries.sort((a, b) => a[0] - b[0])
  writer.putUint32Map(entries)
}

function writeRtm2Permissions(permissions: Rtm2Permissions, field: string): void {
  if (typeof permissions !== 'object' || permissions === null) throw invalidArgument(field, 'must be an object')
  const resources = numberedEntries(permissions, RTM2_RESOURCES, field)
  writer.putUint16LE(resources.length)
  for (const [resourceType, byPermission, resourceField] of resources) {
    if (typeof byPermission !== 'object' || byPermission === null) {
      throw invalidArgument(resourceField, 'must be an object of permission → names')
    }
    const kinds = numberedEntries(byPermission, RTM2_PERMISSIONS, resourceField)
    writer.putUint16LE(resourceType).putUint16LE(kinds.length)
    for (const [permissionType, names, namesField] of kinds) {
      if (!Array.isArray(names)) throw invalidArgument(namesField, 'must be an array of names')
      writer.putUint16LE(permissionType).putUint16LE(names.length)
      names.forEach((name, index) => {
        assertString(name, `${namesField}[${index}]`, 0xffff)
        writer.putString(name, `${namesField}[${index}]`)
      })
    }
  }
}

/** Object entries keyed by a known name or a numeric type, as [number, value, field] sorted by number. */
function numberedEntries<V>(
  object: { readonly [key: string]: V | undefined },
  table: Readonly<Record<string, number>>,
  field: string,
): Array<[number, V, string]> {
  const entries: Array<[number, V, string]> = []
  for (const key of Object.keys(object)) {
    const value = object[key]
    if (value === undefined) continue
    const type = Object.hasOwn(table, key) ? table[key]! : /^\d{1,5}$/.test(key) ? Number(key) : -1
    if (type < 0 || type > 0xffff) {
      throw invalidArgument(`${field}.${key}`, `must be one of ${Object.keys(table).join(', ')}`)
    }
    if (entries.some(([existing]) => existing === type)) {
      throw invalidArgument(`${field}.${key}`, `type ${type} is given twice`)
    }
    entries.push([type, value, `${field}.${key}`])
  }
  return entries.sort((a, b) => a[0] - b[0])
}
