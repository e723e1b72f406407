/**
 * The one error class of the token library and its stable codes.
 * @module
 */

/**
 * Every failure of the library is a {@link TokenError} with one of these codes. The code is the
 * contract: messages may change between versions, codes do not.
 *
 * - `ERR_INVALID_ARGUMENT`: a builder or verifier was called with a bad value; `field` names it.
 * - `ERR_TOKEN_UNSUPPORTED_VERSION`: the token does not start with `006` or `007`.
 * - `ERR_TOKEN_MALFORMED`: the token cannot be decoded (bad base64, bad zlib stream, truncated or
 *   inconsistent fields).
 * - `ERR_TOKEN_TOO_LARGE`: the token or its decompressed content exceeds the size cap.
 * - `ERR_TOKEN_SIGNATURE_MISMATCH`: no given certificate produced the token's signature.
 * - `ERR_TOKEN_EXPIRED`: the token, or a privilege that was asked about, has expired.
 * - `ERR_TOKEN_CLAIM_MISMATCH`: the token is genuine but for another App ID, channel, uid or account.
 */
export type TokenErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_TOKEN_UNSUPPORTED_VERSION'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_SIGNATURE_MISMATCH'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_CLAIM_MISMATCH'

/** Options of a {@link TokenError}. */
export interface TokenErrorOptions {
  /** The argument or token field the error is about, e.g. `"channelName"` or `"services[1].uid"`. */
  field?: string
  /** The lower-level error this one wraps. */
  cause?: unknown
}

/**
 * The error thrown by every function of the library. Messages name the field at fault and never
 * contain a certificate or a whole token.
 *
 * @example
 * ```ts
 * import { parseToken, TokenError } from 'agate-tokens'
 * try {
 *   parseToken(input)
 * } catch (error) {
 *   if (error instanceof TokenError && error.code === 'ERR_TOKEN_MALFORMED') console.log(error.message)
 * }
 * ```
 */
export class TokenError extends Error {
  /** A stable, machine-readable reason; see {@link TokenErrorCode}. */
  readonly code: TokenErrorCode
  /** The argument or token field the error is about, when there is one. */
  readonly field: string | undefined

  constructor(code: TokenErrorCode, message: string, options: TokenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TokenError'
    this.code = code
    this.field = options.field
  }
}

/** Shorthand for the most common error: a caller passed a bad value for `field`. */
export function invalidArgument(field: string, message: string): TokenError {
  return new TokenError('ERR_INVALID_ARGUMENT', `${field}: ${message}`, { field })
}

/** Shorthand for a token that cannot be decoded; `field` names the part that was being read. */
export function malformed(field: string, message: string, cause?: unknown): TokenError {
  return new TokenError('ERR_TOKEN_MALFORMED', `malformed token: ${field}: ${message}`, { field, cause })
}
