/**
 * Decoding of AccessToken2 ("007") tokens from hostile input.
 * @module
 */
import { malformed, TokenError } from '../errors.js'
import { base64ToBytesView } from '../primitives/base64.js'
import { ByteReader, bytesToHex } from '../primitives/bytes.js'
import { zlibInflateView } from '../primitives/inflate.js'
import { nameOf, PRIVILEGES, RTM2_PERMISSIONS, RTM2_RESOURCES, SERVICE_TYPES, type ServiceName } from './services.js'

/** One privilege of a parsed service. */
export interface ParsedPrivilege {
  /** The wire id. */
  id: number
  /** The privilege's name, or `privilege<id>` for an id this service does not define. */
  name: string
  /** Seconds from the issue time, as stored; 0 = no limit of its own. */
  expire: number
  /**
   * When the privilege ends, Unix seconds: `issuedAt + expire`, or the token's expiry when
   * `expire` is 0 or later than the token (a privilege cannot outlive its token).
   */
  expiresAt: number
}

interface ParsedServiceBase<T extends ServiceName> {
  type: T
  serviceType: number
  privileges: ParsedPrivilege[]
}

/** A parsed RTC, streaming or FCDN service. `account` is "" for the uid-0 wildcard. */
export interface ParsedChannelService<T extends 'rtc' | 'streaming' | 'fcdn'> extends ParsedServiceBase<T> {
  channelName: string
  account: string
  /** The account as a number when it is the decimal text of a uid in 1..2^32-1, else undefined. */
  uid: number | undefined
}

/** A parsed RTM, Chat or RTM2 service. */
export interface ParsedUserService<T extends 'rtm' | 'chat'> extends ParsedServiceBase<T> {
  userId: string
}

/** A parsed RTM2 service with its permission block. */
export interface ParsedRtm2Service extends ParsedServiceBase<'rtm2'> {
  userId: string
  permissions: Record<string, Record<string, string[]>>
}

/** A parsed APaaS (Flexible Classroom / Education) service. */
export interface ParsedApaasService extends ParsedServiceBase<'apaas'> {
  roomUuid: string
  userUuid: string
  role: number
}

/** Any parsed AccessToken2 service. */
export type ParsedService =
  | ParsedChannelService<'rtc'>
  | ParsedChannelService<'streaming'>
  | ParsedChannelService<'fcdn'>
  | ParsedUserService<'rtm'>
  | ParsedUserService<'chat'>
  | ParsedRtm2Service
  | ParsedApaasService
  | ParsedServiceBase<'fpa'>
  | ParsedServiceBase<'convoai'>
  | ParsedServiceBase<'stt'>

/** A decoded AccessToken2. Nothing in it is trusted until {@link verifyToken} has checked it. */
export interface ParsedToken007 {
  version: '007'
  appId: string
  /** Unix seconds when the token was built. */
  issuedAt: number
  /** Token lifetime in seconds from `issuedAt`. */
  expire: number
  /** `issuedAt + expire`, Unix seconds. */
  expiresAt: number
  salt: number
  /** The HMAC-SHA256 signature, lowercase hex. */
  signature: string
  services: ParsedService[]
  /**
   * Set when a service of a type this library does not know was met: like every reference
   * parser, reading stops there (the record's length is unknown) and the services before it are
   * kept. The signature still covers the whole token.
   */
  unknownServiceType?: number
}

/**
 * Parse output plus the raw bytes the signature covers, for verification: views of a buffer the
 * next decode reuses, so use them at once or copy them.
 */
export interface Decoded007 {
  token: ParsedToken007
  signature: Uint8Array
  signingInfo: Uint8Array
}

/** The most content a token may inflate to; real tokens are a few hundred bytes. */
export const MAX_CONTENT_BYTES = 65_536
/** The longest token string accepted, in characters. */
export const MAX_TOKEN_LENGTH = 65_536

const SERVICE_NAMES = Object.keys(SERVICE_TYPES) as ServiceName[]

/** Decodes a "007…" token; throws `TokenError` on anything but a well-formed token. */
export function decodeToken007(token: string): Decoded007 {
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new TokenError('ERR_TOKEN_TOO_LARGE', `token is longer than ${MAX_TOKEN_LENGTH} characters`)
  }
  // Both views of buffers reused by the next decode: the bytes returned below (signature and
  // signing info) are only valid until then; parsed fields are copied out.
  const compressed = base64ToBytesView(token, 'token', 3)
  const content = zlibInflateView(compressed, MAX_CONTENT_BYTES)
  const reader = new ByteReader(content)
  const signature = reader.readBytes('signature')
  if (signature.length !== 32) throw malformed('signature', `is ${signature.length} bytes, expected 32`)
  const signingInfo = content.subarray(reader.offset)

  const appId = reader.readString('appId')
  const issuedAt = reader.readUint32LE('issuedAt')
  const expire = reader.readUint32LE('expire')
  const salt = reader.readUint32LE('salt')
  const count = reader.readUint16LE('services')
  const expiresAt = issuedAt + expire
  const services: ParsedService[] = []
  let unknownServiceType: number | undefined
  for (let index = 0; index < count; index++) {
    const serviceType = reader.readUint16LE(`services[${index}].type`)
    const type = SERVICE_NAMES[serviceType - 1]
    if (type === undefined) {
      unknownServiceType = serviceType
      break
    }
    services.push(readService(reader, type, serviceType, `services[${index}]`, issuedAt, expiresAt))
  }
  const parsed: ParsedToken007 = {
    version: '007',
    appId,
    issuedAt,
    expire,
    expiresAt,
    salt,
    signature: bytesToHex(signature),
    services,
  }
  if (unknownServiceType !== undefined) parsed.unknownServiceType = unknownServiceType
  // Bytes after the last service are covered by the signature but carry nothing: tolerated, as
  // every reference does.
  return { token: parsed, signature, signingInfo }
}

function readService(
  reader: ByteReader,
  type: ServiceName,
  serviceType: number,
  field: string,
  issuedAt: number,
  tokenExpiresAt: number,
): ParsedService {
  const names: Readonly<Record<string, number>> = PRIVILEGES[type]
  const privileges = reader.readUint32Map(`${field}.privileges`).map(([id, expire]): ParsedPrivilege => {
    const end = issuedAt + expire
    return {
      id,
      name: nameOf(names, id) ?? `privilege${id}`,
      expire,
      expiresAt: expire === 0 || end > tokenExpiresAt ? tokenExpiresAt : end,
    }
  })
  switch (type) {
    case 'rtc':
    case 'streaming':
    case 'fcdn': {
      const channelName = reader.readString(`${field}.channelName`)
      const account = reader.readString(`${field}.account`)
      return { type, serviceType, privileges, channelName, account, uid: uidOf(account) }
    }
    case 'rtm':
    case 'chat':
      return { type, serviceType, privileges, userId: reader.readString(`${field}.userId`) }
    case 'rtm2': {
      const userId = reader.readString(`${field}.userId`)
      return { type, serviceType, privileges, userId, permissions: readRtm2Permissions(reader, `${field}.permissions`) }
    }
    case 'apaas': {
      const roomUuid = reader.readString(`${field}.roomUuid`)
      const userUuid = reader.readString(`${field}.userUuid`)
      return { type, serviceType, privileges, roomUuid, userUuid, role: reader.readInt16LE(`${field}.role`) }
    }
    case 'fpa':
    case 'convoai':
    case 'stt':
      return { type, serviceType, privileges }
  }
}

function readRtm2Permissions(reader: ByteReader, field: string): Record<string, Record<string, string[]>> {
  const permissions: Record<string, Record<string, string[]>> = {}
  const resourceCount = reader.readUint16LE(field)
  for (let r = 0; r < resourceCount; r++) {
    const resourceType = reader.readUint16LE(field)
    const resource = nameOf(RTM2_RESOURCES, resourceType) ?? String(resourceType)
    const byPermission: Record<string, string[]> = (permissions[resource] ??= {})
    const permissionCount = reader.readUint16LE(field)
    for (let p = 0; p < permissionCount; p++) {
      const permissionType = reader.readUint16LE(field)
      const permission = nameOf(RTM2_PERMISSIONS, permissionType) ?? String(permissionType)
      const count = reader.readUint16LE(field)
      // Each name is at least its 2-byte length: refuse counts the bytes cannot hold.
      if (count * 2 > reader.remaining) throw malformed(field, 'truncated')
      const names: string[] = []
      for (let i = 0; i < count; i++) names.push(reader.readString(`${field}.${resource}.${permission}[${i}]`))
      byPermission[permission] = names
    }
  }
  return permissions
}

/** The uid an account string stands for, if it is the canonical decimal text of 1..2^32-1. */
export function uidOf(account: string): number | undefined {
  if (account.length === 0 || account.length > 10 || account.charCodeAt(0) === 48) return undefined
  let uid = 0
  for (let i = 0; i < account.length; i++) {
    const digit = account.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return undefined
    uid = uid * 10 + digit
  }
  return uid <= 0xffff_ffff ? uid : undefined
}
