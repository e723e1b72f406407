/**
 * Packing, signing and encoding of AccessToken ("006") tokens.
 * @module
 */
import { invalidArgument } from '../errors.js'
import { bytesToBase64 } from '../primitives/base64.js'
import { ByteWriter } from '../primitives/bytes.js'
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

// signed = appId ‖ channelName ‖ uid ‖ message; the message is then copied into the content.
const signed = new ByteWriter(512)
const content = new ByteWriter(512)
const signature = new Uint8Array(32)

/** Packs, signs and encodes a 006 token. Throws `ERR_INVALID_ARGUMENT` on bad fields. */
export function encodeToken006(fields: Token006Fields): string {
  assertAppId(fields.appId)
  assertCertificate(fields.appCertificate)
  assertString(fields.channelName, 'channelName', 0xffff)
  assertString(fields.uid, 'uid', 0xffff)
  assertUint32(fields.salt, 'salt')
  assertUint32(fields.ts, 'ts')
  let privileges = fields.privileges
  for (let i = 0; i < privileges.length; i++) {
    const [id, expiresAt] = privileges[i]!
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw invalidArgument('privileges', `bad privilege id ${id}`)
    assertUint32(expiresAt, `privileges.${id}`)
    if (i > 0 && privileges[i - 1]![0] >= id) privileges = [...fields.privileges].sort((a, b) => a[0] - b[0])
  }

  signed.reset().putRawString(fields.appId)
  const channelStart = signed.length
  signed.putRawString(fields.channelName)
  const uidStart = signed.length
  signed.putRawString(fields.uid)
  const messageStart = signed.length
  signed.putUint32LE(fields.salt).putUint32LE(fields.ts).putUint32Map(privileges)
  sign006(fields.appCertificate, signed.view(), signature)

  content.reset()
  content.putBytes(signature, 'signature')
  content
    .putUint32LE(crc32(signed.bytes, channelStart, uidStart))
    .putUint32LE(crc32(signed.bytes, uidStart, messageStart))
  content.putBytes(signed.view(messageStart), 'message')
  return '006' + fields.appId + bytesToBase64(content.view())
}
