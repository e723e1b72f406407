/**
 * Decoding of AccessToken ("006") tokens from hostile input.
 * @module
 */
import { malformed, TokenError } from '../errors.js'
import { base64ToBytesView } from '../primitives/base64.js'
import { ByteReader, bytesToHex } from '../primitives/bytes.js'
import { nameOf } from '../v007/services.js'
import { PRIVILEGES_006 } from './privileges.js'

/** One privilege of a parsed 006 token. */
export interface ParsedPrivilege006 {
  id: number
  /** The privilege's name, or `privilege<id>` for an unknown id. */
  name: string
  /** Absolute Unix expiry time as stored; 0 = no limit of its own. */
  expiresAt: number
}

/**
 * A decoded AccessToken (006). The channel name and uid are not in the token, only their CRC-32s:
 * verify with the expected channel and uid to trust anything here.
 */
export interface ParsedToken006 {
  version: '006'
  appId: string
  salt: number
  /** The message timestamp: the references set it to build time + 24 h. */
  ts: number
  /** The latest time the token can be used: `ts`, Unix seconds. */
  expiresAt: number
  /** The HMAC-SHA256 signature, lowercase hex. */
  signature: string
  crcChannelName: number
  crcUid: number
  privileges: ParsedPrivilege006[]
}

/**
 * Parse output plus the raw bytes needed to verify it: views of a buffer the next decode reuses, so
 * use them at once or copy them.
 */
export interface Decoded006 {
  token: ParsedToken006
  signature: Uint8Array
  message: Uint8Array
}

const APP_ID = /^[0-9a-fA-F]{32}$/

/** Decodes a "006…" token; throws `TokenError` on anything but a well-formed token. */
export function decodeToken006(token: string): Decoded006 {
  if (token.length > 8192) throw new TokenError('ERR_TOKEN_TOO_LARGE', 'token is longer than 8192 characters')
  const appId = token.slice(3, 35)
  if (!APP_ID.test(appId)) throw malformed('appId', 'characters 4 to 35 must be a 32-character hex App ID')
  // A view of a buffer reused by the next decode: the signature and message returned below are
  // only valid until then; parsed fields are copied out.
  const content = new ByteReader(base64ToBytesView(token, 'token', 35))
  const signature = content.readBytes('signature')
  if (signature.length !== 32) throw malformed('signature', `is ${signature.length} bytes, expected 32`)
  const crcChannelName = content.readUint32LE('crcChannelName')
  const crcUid = content.readUint32LE('crcUid')
  const messageBytes = content.readBytes('message')
  // Unlike the message, trailing bytes here would not be covered by the signature.
  if (content.remaining !== 0) throw malformed('content', `${content.remaining} unexpected bytes after the message`)
  const message = new ByteReader(messageBytes)
  const salt = message.readUint32LE('salt')
  const ts = message.readUint32LE('ts')
  const privileges = message.readUint32Map('privileges').map(([id, expiresAt]): ParsedPrivilege006 => ({
    id,
    name: nameOf(PRIVILEGES_006, id) ?? `privilege${id}`,
    expiresAt,
  }))
  return {
    token: {
      version: '006',
      appId,
      salt,
      ts,
      expiresAt: ts,
      signature: bytesToHex(signature),
      crcChannelName,
      crcUid,
      privileges,
    },
    signature,
    message: messageBytes,
  }
}
