/**
 * Decoding of either token version.
 * @module
 */
import { invalidArgument, TokenError } from './errors.js'
import { decodeToken006, type Decoded006, type ParsedToken006 } from './v006/parse.js'
import { decodeToken007, type Decoded007, type ParsedToken007 } from './v007/parse.js'

/** A decoded token of either version; switch on `version`. */
export type ParsedToken = ParsedToken006 | ParsedToken007

/** A decoded token with the raw bytes its signature covers. */
export type DecodedToken = Decoded006 | Decoded007

/** Decodes a token with its raw signed bytes, for verification. */
export function decodeToken(token: unknown): DecodedToken {
  if (typeof token !== 'string')
    throw invalidArgument('token', `must be a string, got ${token === null ? 'null' : typeof token}`)
  const version = token.slice(0, 3)
  if (version === '007') return decodeToken007(token)
  if (version === '006') return decodeToken006(token)
  throw new TokenError(
    'ERR_TOKEN_UNSUPPORTED_VERSION',
    token.length < 3
      ? `token is too short (${token.length} characters)`
      : 'token must start with "006" (AccessToken) or "007" (AccessToken2)',
    { field: 'version' },
  )
}

/**
 * Decodes a 006 or 007 token into a typed, readable object: App ID, times (relative and
 * absolute), salt, signature and every service with its privileges. Parsing checks structure
 * only: use {@link verifyToken} before trusting any of it.
 *
 * @example
 * ```ts
 * import { parseToken } from 'agate-tokens'
 * const parsed = parseToken(token)
 * if (parsed.version === '007') console.log(parsed.services.map((s) => s.type), new Date(parsed.expiresAt * 1000))
 * ```
 * @throws {TokenError} `ERR_TOKEN_UNSUPPORTED_VERSION`, `ERR_TOKEN_MALFORMED`, `ERR_TOKEN_TOO_LARGE`.
 */
export function parseToken(token: string): ParsedToken {
  return decodeToken(token).token
}
