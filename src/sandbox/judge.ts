/**
 * The sandbox's token rules: what Agora's edge checks on join and on renewal.
 * @module
 */
import { parseToken, TokenError, verifyToken, type ParsedToken } from '../token/index.js'
import { SandboxError } from './errors.js'
import type { MediaKind, SandboxErrorCode } from './wire.js'

/** An app the sandbox knows: its App ID and certificates (primary first). Stays on the server. */
export interface SandboxApp {
  appId: string
  certificates: readonly string[]
}

/** Who is joining: a uid (0..2^32-1, 0 = unassigned) or a user account. */
export type SandboxUser = { uid: number } | { account: string }

/** What a verified token grants one user in one channel, in token time (Unix seconds). */
export interface Grant {
  version: '006' | '007'
  /** The token's signature, hex: identifies the token without keeping it. */
  signature: string
  /** When the token was built (for 006, which does not carry it, its `ts` less 24 h). */
  issuedAt: number
  tokenExpiresAt: number
  /** When the user must leave: the earlier of the token's expiry and its join privilege. */
  endsAt: number
  /** The publish privileges the token grants, each capped at the token's expiry. */
  publish: Partial<Record<MediaKind, number>>
}

/** Options of {@link judgeToken}. */
export interface JudgeOptions {
  app: SandboxApp
  channel: string
  user: SandboxUser
  /** The sandbox clock for this token, Unix seconds (it may run faster than real time). */
  clock: (parsed: ParsedToken) => number
  /** The SDK error code a refusal carries: a join's or a renewal's. */
  code: SandboxErrorCode
}

// 006 references set the message timestamp to build time + 24 h.
const TS_006_AHEAD = 86_400

const PUBLISH_PRIVILEGES: Record<MediaKind, string> = {
  audio: 'publishAudioStream',
  video: 'publishVideoStream',
  data: 'publishDataStream',
}

/**
 * Checks a token as Agora's edge does before letting `user` into `channel`: it must be present and
 * decodable, built for the app's App ID, signed by one of its certificates, for this channel (or
 * the wildcard) and this uid or account (or the wildcard), and neither the token nor its join
 * privilege may have expired on the sandbox clock. Returns what it grants.
 *
 * @throws {SandboxError} `ERR_INVALID_TOKEN` or `ERR_TOKEN_EXPIRED`.
 */
export function judgeToken(token: string | null | undefined, options: JudgeOptions): Grant {
  const { code } = options
  if (typeof token !== 'string' || token === '') {
    throw new SandboxError(code, 'ERR_INVALID_TOKEN', 'the project has an App Certificate, so joining needs a token')
  }
  let parsed: ParsedToken
  try {
    parsed = parseToken(token)
  } catch (error) {
    throw new SandboxError(code, 'ERR_INVALID_TOKEN', `the token cannot be decoded (${codeOf(error)})`)
  }
  if (parsed.appId.toLowerCase() !== options.app.appId.toLowerCase()) {
    throw new SandboxError(code, 'ERR_INVALID_TOKEN', 'the token was built for another App ID')
  }
  const now = options.clock(parsed)
  const user = 'uid' in options.user ? { uid: options.user.uid } : { account: options.user.account }
  try {
    verifyToken(token, {
      certificates: options.app.certificates,
      appId: options.app.appId,
      channelName: options.channel,
      ...user,
      now,
    })
  } catch (error) {
    throw refusal(error, code, 'uid' in options.user ? 'uid' : 'account')
  }
  return grantOf(
    parsed,
    options.channel,
    'uid' in options.user ? (options.user.uid === 0 ? '' : String(options.user.uid)) : options.user.account,
  )
}

function codeOf(error: unknown): string {
  return error instanceof TokenError ? error.code : 'unknown error'
}

function refusal(error: unknown, code: SandboxErrorCode, userField: 'uid' | 'account'): SandboxError {
  if (!(error instanceof TokenError)) throw error
  const field = error.field ?? ''
  switch (error.code) {
    case 'ERR_TOKEN_SIGNATURE_MISMATCH':
      return new SandboxError(code, 'ERR_INVALID_TOKEN', 'the signature does not match the App Certificate')
    case 'ERR_TOKEN_EXPIRED':
      return new SandboxError(
        code,
        'ERR_TOKEN_EXPIRED',
        field.startsWith('privileges.')
          ? `the ${field.slice('privileges.'.length)} privilege has expired`
          : 'the token has expired',
      )
    case 'ERR_TOKEN_CLAIM_MISMATCH':
      return new SandboxError(code, 'ERR_INVALID_TOKEN', claimDetail(field, error.message, userField))
    default:
      return new SandboxError(code, 'ERR_INVALID_TOKEN', `the token cannot be decoded (${error.code})`)
  }
}

/** When a token was built, Unix s (for 006, which does not carry it, its `ts` less 24 h). */
export function issuedAtOf(parsed: ParsedToken): number {
  return parsed.version === '007' ? parsed.issuedAt : parsed.ts - TS_006_AHEAD
}

function claimDetail(field: string, message: string, userField: 'uid' | 'account'): string {
  if (field === 'channelName')
    return message.includes('no RTC') ? 'the token has no RTC service' : 'the token is for another channel'
  if (field === 'uid' || field === 'account')
    return `the token is for another ${userField === 'uid' ? 'uid' : 'user account'}`
  if (field.startsWith('privileges.')) return `the token does not grant ${field.slice('privileges.'.length)}`
  return 'the token was built for another App ID'
}

/** What a verified token grants; `account` is the joining user's account text ("" for uid 0). */
export function grantOf(parsed: ParsedToken, channel: string, account: string): Grant {
  if (parsed.version === '007') {
    const service = parsed.services.find(
      (s) =>
        s.type === 'rtc' &&
        (s.channelName === channel || s.channelName === '') &&
        (s.account === account || s.account === ''),
    )
    const privilege = (name: string): number | undefined => service?.privileges.find((p) => p.name === name)?.expiresAt
    const join = privilege('joinChannel') ?? parsed.expiresAt
    return {
      version: '007',
      signature: parsed.signature,
      issuedAt: parsed.issuedAt,
      tokenExpiresAt: parsed.expiresAt,
      endsAt: Math.min(parsed.expiresAt, join),
      publish: publishOf(privilege),
    }
  }
  // 006 privileges are absolute times, 0 meaning "as long as the token".
  const privilege = (name: string): number | undefined => {
    const found = parsed.privileges.find((p) => p.name === name)
    return found === undefined
      ? undefined
      : found.expiresAt === 0
        ? parsed.expiresAt
        : Math.min(found.expiresAt, parsed.expiresAt)
  }
  return {
    version: '006',
    signature: parsed.signature,
    issuedAt: issuedAtOf(parsed),
    tokenExpiresAt: parsed.expiresAt,
    endsAt: privilege('joinChannel') ?? parsed.expiresAt,
    publish: publishOf(privilege),
  }
}

function publishOf(privilege: (name: string) => number | undefined): Partial<Record<MediaKind, number>> {
  const publish: Partial<Record<MediaKind, number>> = {}
  for (const kind of Object.keys(PUBLISH_PRIVILEGES) as MediaKind[]) {
    const at = privilege(PUBLISH_PRIVILEGES[kind])
    if (at !== undefined) publish[kind] = at
  }
  return publish
}

/** Agora's channel names: 1..63 bytes (under 64) of letters, digits, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ , */
export function isValidChannelName(channel: unknown): channel is string {
  return typeof channel === 'string' && /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]{1,63}$/.test(channel)
}

/** A uid (integer 0..2^32-1) or a user account (1..255 bytes). */
export function isValidUser(uid: unknown): uid is number | string {
  if (typeof uid === 'number') return Number.isInteger(uid) && uid >= 0 && uid <= 0xffffffff
  return typeof uid === 'string' && uid !== '' && new TextEncoder().encode(uid).length <= 255
}
