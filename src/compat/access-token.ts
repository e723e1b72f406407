/**
 * The low-level AccessToken ("006") class of npm `agora-access-token` 2.0.4 (its
 * `src/AccessToken.js`, also shipped in agora-token) on Agate's encoder and parser.
 * @module
 */
import { invalidArgument, TokenError } from '../token/errors.js'
import { encodeToken006 } from '../token/v006/build.js'
import { decodeToken006 } from '../token/v006/parse.js'
import { accountText, requireString, toUint16Id, toUint32 } from './coerce.js'
import { compatSources } from './sources.js'

/**
 * The 006 privilege ids, under the reference's spelling. Ids 5 to 12 are kept for compatibility;
 * no current Agora builder grants them.
 *
 * @example
 * ```ts
 * import { AccessToken, priviledges } from 'agate-tokens/compat/agora-access-token'
 * token.addPriviledge(priviledges.kJoinChannel, expiresAt)
 * ```
 */
export const priviledges = {
  kJoinChannel: 1,
  kPublishAudioStream: 2,
  kPublishVideoStream: 3,
  kPublishDataStream: 4,
  kPublishAudiocdn: 5,
  kPublishVideoCdn: 6,
  kRequestPublishAudioStream: 7,
  kRequestPublishVideoStream: 8,
  kRequestPublishDataStream: 9,
  kInvitePublishAudioStream: 10,
  kInvitePublishVideoStream: 11,
  kInvitePublishDataStream: 12,
  kAdministrateChannel: 101,
  kRtmLogin: 1000,
} as const

const MISSING_UID = 'is missing (give a uid number, 0 for any, or an account string)'

/**
 * Encodes a 006 token as `new AccessToken(appID, appCertificate, channelName, uid)`, the given
 * privileges and `build()` would (a fresh salt, `ts` now + 24 h, the same checks naming the same
 * fields), for builders that know their privileges: no object, no privilege ids to re-parse.
 * @param privileges - [id, absolute expiry] in ascending id order, expiries already checked
 */
export function encodeNow006(
  appID: string | undefined,
  appCertificate: string | undefined,
  channelName: string,
  uid: string | number,
  privileges: ReadonlyArray<readonly [number, number]>,
): string {
  const uidText = accountText(uid, 'uid')
  const salt = compatSources.salt006()
  const ts = compatSources.nowSeconds() + 24 * 3600
  if (uidText === undefined) throw invalidArgument('uid', MISSING_UID)
  return encodeToken006({
    appId: appID === undefined ? '' : appID,
    appCertificate: appCertificate === undefined ? '' : appCertificate,
    channelName: requireString(channelName, 'channelName'),
    uid: uidText,
    salt: toUint32(salt, 'salt'),
    ts: toUint32(ts, 'ts'),
    privileges,
  })
}

/**
 * An AccessToken (006), as the reference's class: built for one channel and uid (0 = any; for RTM
 * the user account goes in the channel slot and the uid is `''`), with privileges that expire at
 * ABSOLUTE Unix times. `salt` is fresh and cryptographic per object (the reference draws one per
 * process) and `ts` is now + 24 h; both may be overwritten before `build()`.
 *
 * @example
 * ```ts
 * import { AccessToken, priviledges } from 'agate-tokens/compat/agora-access-token'
 * const key = new AccessToken(appId, appCertificate, 'ChannelA', 42)
 * key.addPriviledge(priviledges.kJoinChannel, Math.floor(Date.now() / 1000) + 3600)
 * const token = key.build()
 * ```
 */
export class AccessToken {
  appID: string
  appCertificate: string
  channelName: string
  /** The uid as text: `''` for uid 0. */
  uid: string | undefined
  /** Privilege id → absolute Unix expiry time. */
  messages: Record<string, number>
  salt: number
  ts: number
  /** After {@link AccessToken.fromString}: the 32-byte signature. */
  signature: Uint8Array | undefined
  /** After {@link AccessToken.fromString}: CRC-32 of the channel name the token was built for. */
  crc_channel_name: number | undefined
  /** After {@link AccessToken.fromString}: CRC-32 of the uid text the token was built for. */
  crc_uid: number | undefined
  /** After {@link AccessToken.fromString}: the signed message bytes (salt, ts, privileges). */
  m: Uint8Array | undefined

  constructor(appID: string = '', appCertificate: string = '', channelName?: string, uid?: string | number) {
    this.appID = appID
    this.appCertificate = appCertificate
    // Left out when the object is only used to parse; build() rejects a missing channel.
    this.channelName = channelName as string
    this.uid = accountText(uid, 'uid')
    this.messages = {}
    this.salt = compatSources.salt006()
    this.ts = compatSources.nowSeconds() + 24 * 3600
    this.signature = undefined
    this.crc_channel_name = undefined
    this.crc_uid = undefined
    this.m = undefined
  }

  /**
   * Packs, signs and encodes the token ("006" + App ID + base64).
   * @throws {TokenError} `ERR_INVALID_ARGUMENT` naming the bad field, e.g. an App ID or certificate
   * that is not 32 hex characters (the reference signs whatever it is given).
   */
  build(): string {
    if (this.uid === undefined) throw invalidArgument('uid', MISSING_UID)
    const messages = this.messages
    if (typeof messages !== 'object' || messages === null) throw invalidArgument('messages', 'must be an object')
    const privileges = Object.keys(messages).map(
      (key) => [toUint16Id(key, 'privilege'), toUint32(messages[key], `privileges.${key}`)] as const,
    )
    return encodeToken006({
      appId: this.appID,
      appCertificate: this.appCertificate,
      channelName: requireString(this.channelName, 'channelName'),
      uid: this.uid,
      salt: toUint32(this.salt, 'salt'),
      ts: toUint32(this.ts, 'ts'),
      privileges,
    })
  }

  /** Adds or replaces a privilege expiring at `expireTimestamp` (absolute Unix seconds). */
  addPriviledge(priviledge: number, expireTimestamp: number): void {
    this.messages[priviledge] = expireTimestamp
  }

  /**
   * Reads a "006" token into this object: `appID`, `signature`, `crc_channel_name`, `crc_uid`,
   * `m`, `salt`, `ts` and `messages`. Returns false for anything else (quietly: the reference
   * logs the exception). Nothing is verified: the channel and uid are not in the token, only
   * their CRCs; use `verifyToken` from 'agate-tokens' with the expected channel and uid.
   */
  fromString(originToken: string): boolean {
    if (typeof originToken !== 'string' || originToken.slice(0, 3) !== '006') return false
    let decoded: ReturnType<typeof decodeToken006>
    try {
      decoded = decodeToken006(originToken)
    } catch (error) {
      if (error instanceof TokenError) return false
      throw error
    }
    const { token } = decoded
    this.appID = token.appId
    this.signature = decoded.signature.slice()
    this.crc_channel_name = token.crcChannelName
    this.crc_uid = token.crcUid
    this.m = decoded.message.slice()
    this.salt = token.salt
    this.ts = token.ts
    this.messages = {}
    for (const privilege of token.privileges) this.messages[privilege.id] = privilege.expiresAt
    return true
  }
}
