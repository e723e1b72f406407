/**
 * Checks a fetched token against the session it is meant for, without any secret.
 * @module
 */
import { parseToken, type ParsedToken } from '../token/parse-token.js'
import { crc32 } from '../token/primitives/crc32.js'
import { TokenClientError } from './errors.js'

/** What a token is expected to be for: an RTC channel and user, or an RTM user. */
export type TokenExpectation =
  | {
      service: 'rtc'
      /** The App ID the client joins with; checked when given. */
      appId?: string
      channelName: string
      /** The uid the client joins with (0 = let the SDK pick, which needs a wildcard token). */
      uid?: number
      /** The user account (string uid) the client joins with. */
      account?: string
    }
  | {
      service: 'rtm'
      appId?: string
      userId: string
    }

/** What {@link checkToken} learned about a matching token. */
export interface TokenFacts {
  version: '006' | '007'
  appId: string
  /** When the token was built, Unix seconds (007 only; 006 does not carry it). */
  issuedAt: number | undefined
  /** The token's own expiry, Unix seconds. */
  tokenExpiresAt: number
  /**
   * When the token stops working for this use, Unix seconds: the earlier of the token's expiry and
   * its join (RTC) or login (RTM) privilege. This is what the SDK's will-expire counts down to.
   */
  expiresAt: number
}

/** Options of {@link checkToken}. */
export interface CheckTokenOptions {
  /** The current time, Unix seconds (the server's clock when it is known). */
  now: number
  /** The least life, in seconds, a usable token must have left; 0 only rejects expired tokens. */
  minValiditySeconds: number
}

const encoder = new TextEncoder()

/**
 * Decodes `token` (structure only: the signature needs the certificate, which stays on the server)
 * and checks that it is for the expected App ID, channel and uid/account (RTC) or user id (RTM),
 * that it grants joining (or login), and that it has at least `minValiditySeconds` left.
 *
 * @example
 * ```ts
 * const facts = checkToken(token, { service: 'rtc', channelName: 'ChannelA', uid: 42 }, { now: Date.now() / 1000, minValiditySeconds: 30 })
 * console.log(new Date(facts.expiresAt * 1000))
 * ```
 * @throws {TokenClientError} `ERR_TOKEN_UNREADABLE`, `ERR_TOKEN_MISMATCH`, `ERR_TOKEN_EXPIRING`.
 */
export function checkToken(token: string, expectation: TokenExpectation, options: CheckTokenOptions): TokenFacts {
  let parsed: ParsedToken
  try {
    parsed = parseToken(token)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new TokenClientError(
      'ERR_TOKEN_UNREADABLE',
      `the server's answer is not a 006 or 007 token (${String(code)})`,
      { cause: error },
    )
  }
  if (expectation.appId !== undefined && parsed.appId.toLowerCase() !== expectation.appId.toLowerCase()) {
    throw mismatch('appId', 'the token is for another App ID than the client uses')
  }
  const facts = parsed.version === '007' ? facts007(parsed, expectation) : facts006(parsed, expectation)
  const left = facts.expiresAt - options.now
  if (left < options.minValiditySeconds) {
    throw new TokenClientError(
      'ERR_TOKEN_EXPIRING',
      left <= 0
        ? `the token expired ${Math.ceil(-left)} s ago (a server handing out a cached token?)`
        : `the token has ${Math.floor(left)} s left, less than the ${options.minValiditySeconds} s needed ` +
            '(a cached token, or a lifetime too short to renew before it ends)',
      { field: 'expire' },
    )
  }
  return facts
}

function mismatch(field: string, message: string): TokenClientError {
  return new TokenClientError('ERR_TOKEN_MISMATCH', `${field}: ${message}`, { field })
}

/** The account text a token must carry for this uid or account; "" is the wildcard. */
function accountOf(expectation: { uid?: number; account?: string }): string {
  if (expectation.account !== undefined) return expectation.account
  return expectation.uid === undefined || expectation.uid === 0 ? '' : String(expectation.uid)
}

function userField(expectation: { uid?: number; account?: string }): string {
  return expectation.account === undefined ? 'uid' : 'account'
}

function facts007(parsed: Extract<ParsedToken, { version: '007' }>, expectation: TokenExpectation): TokenFacts {
  const base = {
    version: '007' as const,
    appId: parsed.appId,
    issuedAt: parsed.issuedAt,
    tokenExpiresAt: parsed.expiresAt,
  }
  if (expectation.service === 'rtc') {
    const rtc = parsed.services.filter((service) => service.type === 'rtc')
    if (rtc.length === 0) throw mismatch('service', 'the token has no RTC service')
    const inChannel = rtc.filter((s) => s.channelName === expectation.channelName || s.channelName === '')
    if (inChannel.length === 0)
      throw mismatch('channelName', `the token is for another channel than "${expectation.channelName}"`)
    const account = accountOf(expectation)
    const match = inChannel.find((s) => s.account === account || s.account === '')
    if (match === undefined) {
      throw mismatch(
        userField(expectation),
        account === ''
          ? 'the client lets the SDK pick its uid, which needs a wildcard (uid 0) token'
          : `the token is for another user than ${expectation.account === undefined ? 'uid' : 'account'} "${account}"`,
      )
    }
    const join = match.privileges.find((p) => p.name === 'joinChannel')
    if (join === undefined) throw mismatch('privileges.joinChannel', 'the token does not grant joinChannel')
    return { ...base, expiresAt: Math.min(parsed.expiresAt, join.expiresAt) }
  }
  const user = parsed.services.find((s) => (s.type === 'rtm' || s.type === 'rtm2') && s.userId === expectation.userId)
  if (user === undefined) throw mismatch('userId', `the token has no RTM service for user "${expectation.userId}"`)
  const login = user.privileges.find((p) => p.name === 'login')
  if (login === undefined) throw mismatch('privileges.login', 'the token does not grant login')
  return { ...base, expiresAt: Math.min(parsed.expiresAt, login.expiresAt) }
}

function facts006(parsed: Extract<ParsedToken, { version: '006' }>, expectation: TokenExpectation): TokenFacts {
  const base = { version: '006' as const, appId: parsed.appId, issuedAt: undefined, tokenExpiresAt: parsed.expiresAt }
  // A 006 token carries only the CRC-32s of its channel (or RTM user id) and uid, not the text.
  const name = expectation.service === 'rtc' ? expectation.channelName : expectation.userId
  if (crc32(encoder.encode(name)) !== parsed.crcChannelName) {
    throw expectation.service === 'rtc'
      ? mismatch('channelName', `the token is for another channel than "${name}"`)
      : mismatch('userId', `the token is for another user than "${name}"`)
  }
  if (expectation.service === 'rtc') {
    const account = accountOf(expectation)
    if (parsed.crcUid !== 0 && crc32(encoder.encode(account)) !== parsed.crcUid) {
      throw mismatch(
        userField(expectation),
        account === ''
          ? 'the client lets the SDK pick its uid, which needs a wildcard (uid 0) token'
          : `the token is for another user than "${account}"`,
      )
    }
  }
  const privilegeName = expectation.service === 'rtc' ? 'joinChannel' : 'rtmLogin'
  const privilege = parsed.privileges.find((p) => p.name === privilegeName)
  if (privilege === undefined)
    throw mismatch(`privileges.${privilegeName}`, `the token does not grant ${privilegeName}`)
  // In 006 a privilege expiry of 0 means "no limit of its own".
  const expiresAt = privilege.expiresAt === 0 ? parsed.expiresAt : Math.min(parsed.expiresAt, privilege.expiresAt)
  return { ...base, expiresAt }
}
