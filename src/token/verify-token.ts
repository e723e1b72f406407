/**
 * Signature, claim and expiry checks for either token version.
 * @module
 */
import { invalidArgument, TokenError } from './errors.js'
import { constantTimeEqual, utf8Bytes } from './primitives/bytes.js'
import { crc32 } from './primitives/crc32.js'
import { decodeToken, type ParsedToken } from './parse-token.js'
import { assertAppId, assertCertificate, assertString, assertUid } from './validate.js'
import type { Decoded006 } from './v006/parse.js'
import { sign006 } from './v006/signing.js'
import type { Decoded007, ParsedService } from './v007/parse.js'
import { sign007 } from './v007/signing.js'

/** Options of {@link verifyToken}. */
export interface VerifyTokenOptions {
  /** The App Certificate, or several (a project's primary and secondary): any may match. */
  certificates: string | readonly string[]
  /** The App ID the token must be for. */
  appId?: string
  /** The channel the token must grant (RTC). Required for 006 RTC tokens, whose signature covers it. */
  channelName?: string
  /** The uid that must be allowed in `channelName` (a token for uid 0 allows any). */
  uid?: number
  /** The account that must be allowed in `channelName` (a token for "" allows any). */
  account?: string
  /** The RTM / RTM2 / Chat user id the token must be for. Required for 006 RTM tokens. */
  userId?: string
  /**
   * The time to check expiry at, Unix seconds; default now. `false` skips every expiry check.
   * When a channel or user id is given, the privilege used (join or login) must be unexpired too.
   */
  now?: number | false
}

/** What {@link verifyToken} returns for a genuine, matching, unexpired token. */
export interface VerifiedToken {
  token: ParsedToken
  /** Index into `certificates` of the one that signed the token (0 = primary). */
  certificateIndex: number
}

/**
 * Verifies a 006 or 007 token: the signature against one or more certificates (compared in
 * constant time, before anything else about the token is reported), then optionally its App ID,
 * channel and uid/account or user id, and its expiry.
 *
 * @example
 * ```ts
 * import { verifyToken } from 'agate-tokens'
 * const { certificateIndex } = verifyToken(token, {
 *   certificates: [primary, secondary], channelName: 'ChannelA', uid: 42,
 * })
 * ```
 * @throws {TokenError} `ERR_TOKEN_SIGNATURE_MISMATCH`, `ERR_TOKEN_CLAIM_MISMATCH`, `ERR_TOKEN_EXPIRED`,
 * parse errors, and `ERR_INVALID_ARGUMENT` for bad options.
 */
export function verifyToken(token: string, options: VerifyTokenOptions): VerifiedToken {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be an object')
  const certificates = typeof options.certificates === 'string' ? [options.certificates] : options.certificates
  if (!Array.isArray(certificates) || certificates.length === 0) {
    throw invalidArgument('certificates', 'must be a certificate or a non-empty list of them')
  }
  certificates.forEach((certificate, index) => assertCertificate(certificate, `certificates[${index}]`))
  if (options.appId !== undefined) assertAppId(options.appId)
  if (options.channelName !== undefined) assertString(options.channelName, 'channelName', 0xffff)
  if (options.uid !== undefined) assertUid(options.uid)
  if (options.account !== undefined) assertString(options.account, 'account', 0xffff)
  if (options.userId !== undefined) assertString(options.userId, 'userId', 0xffff)
  if (options.uid !== undefined && options.account !== undefined)
    throw invalidArgument('uid', 'give uid or account, not both')
  const now = options.now === undefined ? Math.floor(Date.now() / 1000) : options.now
  if (now !== false && (typeof now !== 'number' || !Number.isFinite(now)))
    throw invalidArgument('now', 'must be Unix seconds or false')

  const decoded = decodeToken(token)
  const certificateIndex =
    decoded.token.version === '007'
      ? verify007(decoded as Decoded007, certificates, options, now)
      : verify006(decoded as Decoded006, certificates, options, now)
  if (options.appId !== undefined && decoded.token.appId.toLowerCase() !== options.appId.toLowerCase()) {
    throw mismatch('appId', 'the token is for another App ID')
  }
  return { token: decoded.token, certificateIndex }
}

function mismatch(field: string, message: string): TokenError {
  return new TokenError('ERR_TOKEN_CLAIM_MISMATCH', `${field}: ${message}`, { field })
}

function expired(field: string, message: string): TokenError {
  return new TokenError('ERR_TOKEN_EXPIRED', `${field}: ${message}`, { field })
}

const expected = new Uint8Array(32)

function verify007(
  decoded: Decoded007,
  certificates: readonly string[],
  options: VerifyTokenOptions,
  now: number | false,
): number {
  const { token } = decoded
  const index = certificates.findIndex((certificate) => {
    sign007(certificate, token.issuedAt, token.salt, decoded.signingInfo, expected)
    return constantTimeEqual(expected, decoded.signature)
  })
  if (index < 0)
    throw new TokenError('ERR_TOKEN_SIGNATURE_MISMATCH', 'signature verification failed', { field: 'signature' })

  if (now !== false && now >= token.expiresAt) throw expired('expire', `the token expired at ${token.expiresAt}`)
  const uidText = options.uid === undefined ? options.account : options.uid === 0 ? '' : String(options.uid)
  if (options.channelName !== undefined || uidText !== undefined) {
    const rtc = token.services.filter((service) => service.type === 'rtc')
    if (rtc.length === 0) throw mismatch('channelName', 'the token has no RTC service')
    const match = rtc.find(
      (service) =>
        (options.channelName === undefined ||
          service.channelName === options.channelName ||
          service.channelName === '') &&
        (uidText === undefined || service.account === uidText || service.account === ''),
    )
    if (match === undefined) {
      const channelMatches = rtc.some(
        (s) => options.channelName === undefined || s.channelName === options.channelName || s.channelName === '',
      )
      throw channelMatches
        ? mismatch(options.uid === undefined ? 'account' : 'uid', 'the token is for another user in this channel')
        : mismatch('channelName', 'the token is for another channel')
    }
    checkPrivilege(match, 'joinChannel', now)
  }
  if (options.userId !== undefined) {
    const match = token.services.find(
      (service) =>
        (service.type === 'rtm' || service.type === 'rtm2' || service.type === 'chat') &&
        service.userId === options.userId,
    )
    if (match === undefined) throw mismatch('userId', 'the token has no RTM, RTM2 or Chat service for this user id')
    if (match.type !== 'chat') checkPrivilege(match, 'login', now)
  }
  return index
}

function checkPrivilege(service: ParsedService, name: string, now: number | false): void {
  if (now === false) return
  const privilege = service.privileges.find((p) => p.name === name)
  if (privilege === undefined) throw mismatch(`privileges.${name}`, `the token does not grant ${name}`)
  if (now >= privilege.expiresAt) throw expired(`privileges.${name}`, `${name} expired at ${privilege.expiresAt}`)
}

function verify006(
  decoded: Decoded006,
  certificates: readonly string[],
  options: VerifyTokenOptions,
  now: number | false,
): number {
  const { token } = decoded
  const rtm = options.userId !== undefined
  if (rtm ? options.channelName !== undefined : options.channelName === undefined) {
    throw invalidArgument(
      'channelName',
      '006 tokens sign the channel name and uid: pass channelName with uid or account (RTC), or userId alone (RTM)',
    )
  }
  const channel = utf8Bytes(rtm ? options.userId! : options.channelName!)
  const uidText = rtm
    ? ''
    : options.uid === undefined
      ? (options.account ?? '')
      : options.uid === 0
        ? ''
        : String(options.uid)
  // A token for the wildcard uid signs "" whatever uid joins with it. Its CRC is 0, but so is the
  // CRC of some real accounts: try the given uid first, the wildcard second.
  const candidates = token.crcUid === 0 && uidText !== '' ? [uidText, ''] : [uidText]
  let index = -1
  for (const candidate of candidates) {
    const bytes = signedBytes006(token.appId, channel, utf8Bytes(candidate), decoded.message)
    index = certificates.findIndex((certificate) =>
      constantTimeEqual(sign006(certificate, bytes, expected), decoded.signature),
    )
    if (index >= 0) break
  }
  if (index < 0) {
    if (crc32(channel) !== token.crcChannelName)
      throw mismatch(rtm ? 'userId' : 'channelName', 'the token is for another ' + (rtm ? 'user' : 'channel'))
    if (crc32(utf8Bytes(uidText)) !== token.crcUid)
      throw mismatch(options.uid === undefined ? 'account' : 'uid', 'the token is for another user')
    throw new TokenError('ERR_TOKEN_SIGNATURE_MISMATCH', 'signature verification failed', { field: 'signature' })
  }
  if (now !== false) {
    if (now >= token.expiresAt) throw expired('ts', `the token expired at ${token.expiresAt}`)
    const name = rtm ? 'rtmLogin' : 'joinChannel'
    const privilege = token.privileges.find((p) => p.name === name)
    if (privilege === undefined) throw mismatch(`privileges.${name}`, `the token does not grant ${name}`)
    if (privilege.expiresAt !== 0 && now >= privilege.expiresAt)
      throw expired(`privileges.${name}`, `${name} expired at ${privilege.expiresAt}`)
  }
  return index
}

/** appId ‖ channelName ‖ uid ‖ message: what a 006 signature covers. */
function signedBytes006(appId: string, channel: Uint8Array, uid: Uint8Array, message: Uint8Array): Uint8Array {
  const app = utf8Bytes(appId)
  const bytes = new Uint8Array(app.length + channel.length + uid.length + message.length)
  bytes.set(app, 0)
  bytes.set(channel, app.length)
  bytes.set(uid, app.length + channel.length)
  bytes.set(message, app.length + channel.length + uid.length)
  return bytes
}
