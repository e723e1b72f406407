/**
 * Packing, signing and encoding of AccessToken ("006") tokens.
 * @module
 */
import { invalidArgument } from '../errors.js'
import { bytesToBase64 } from '../primitives/base64.js'
import { ByteWriter, utf8Bytes } from '../primitives/bytes.js'
import { crc32 } from '../primitives/crc32.js'
import { assertAppId, assertCertificate, assertString, assertUint32 } from '../validate.js'
import { sign006 } from './signing.js'

/** Everything a 006 token holds, with salt and timestamps explicit. */
export interface Token006Fields {
  appId: string
  appCertificate: string
  /** The channel name, or the user account for an RTM token (the 006 RTM design). */
  channelName: string
  /** The uid as text ("" for the wildcard uid 0, and for RTM tokens). */
  uid: string
  salt: number
  /** The message timestamp; every reference sets it to build time + 24 h. */
  ts: number
  /** privilege id → absolute Unix expiry time (0 is stored as given). */
  privileges: ReadonlyArray<readonly [number, number]>
}

const signed = new ByteWriter(512)
const message = new ByteWriter(128)
const content = new ByteWriter(512)
const signature = new Uint8Array(32)
const appIdBuffer = new Uint8Array(32)

function appIdBytes(appId: string): Uint8Array {
  for (let i = 0; i < 32; i++) appIdBuffer[i] = appId.charCodeAt(i)
  return appIdBuffer
}

/** Packs, signs and encodes a 006 token. Throws `ERR_INVALID_ARGUMENT` on bad fields. */
export function encodeToken006(fields: Token006Fields): string {
  assertAppId(fields.appId)
  assertCertificate(fields.appCertificate)
  assertString(fields.channelName, 'channelName', 0xffff)
  assertString(fields.uid, 'uid', 0xffff)
  assertUint32(fields.salt, 'salt')
  assertUint32(fields.ts, 'ts')
  const privileges = [...fields.privileges].sort((a, b) => a[0] - b[0])
  for (const [id, expiresAt] of privileges) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw invalidArgument('privileges', `bad privilege id ${id}`)
    assertUint32(expiresAt, `privileges.${id}`)
  }

  const channelBytes = utf8Bytes(fields.channelName)
  const uidBytes = utf8Bytes(fields.uid)
  const messageBytes = message.reset().putUint32LE(fields.salt).putUint32LE(fields.ts).putUint32Map(privileges).view()
  signed.reset().putRaw(appIdBytes(fields.appId)).putRaw(channelBytes).putRaw(uidBytes).putRaw(messageBytes)
  sign006(fields.appCertificate, signed.view(), signature)

  content.reset()
  content.putBytes(signature, 'signature')
  content.putUint32LE(crc32(channelBytes)).putUint32LE(crc32(uidBytes))
  content.putBytes(messageBytes, 'message')
  return '006' + fields.appId + bytesToBase64(content.view())
}
