/**
 * The one error class of the browser helper and its stable codes.
 * @module
 */

/**
 * Every failure of `agate-tokens/client` is a {@link TokenClientError} with one of these codes. The code
 * is the contract: messages may change, codes do not.
 *
 * - `ERR_INVALID_ARGUMENT`: the helper was called with a bad option; `field` names it.
 * - `ERR_TOKEN_FETCH_TIMEOUT`: the token server did not answer within `timeoutMs` (every attempt).
 * - `ERR_TOKEN_FETCH_NETWORK`: the request failed before an answer (offline, DNS, CORS refusal).
 * - `ERR_TOKEN_FETCH_HTTP`: the server answered with an error status; `status` holds it.
 * - `ERR_TOKEN_FETCH_RESPONSE`: the server answered 2xx without a readable token.
 * - `ERR_TOKEN_UNREADABLE`: the fetched text is not a 006 or 007 token.
 * - `ERR_TOKEN_MISMATCH`: the token is for another App ID, channel, uid, account or user id.
 * - `ERR_TOKEN_EXPIRING`: the token has less life left than `minValiditySeconds`.
 * - `ERR_JOIN_TIMEOUT`: the SDK did not connect within the session's `joinTimeoutMs` (RTM: `loginTimeoutMs`).
 * - `ERR_INVALID_STATE`: the session cannot do that now (e.g. `renew()` before the join).
 * - `ERR_ABORTED`: the caller's signal aborted, or the session was left, disposed or stopped.
 */
export type TokenClientErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_TOKEN_FETCH_TIMEOUT'
  | 'ERR_TOKEN_FETCH_NETWORK'
  | 'ERR_TOKEN_FETCH_HTTP'
  | 'ERR_TOKEN_FETCH_RESPONSE'
  | 'ERR_TOKEN_UNREADABLE'
  | 'ERR_TOKEN_MISMATCH'
  | 'ERR_TOKEN_EXPIRING'
  | 'ERR_JOIN_TIMEOUT'
  | 'ERR_INVALID_STATE'
  | 'ERR_ABORTED'

/** Options of a {@link TokenClientError}. */
export interface TokenClientErrorOptions {
  /** The option or token field the error is about, e.g. `"channelName"` or `"uid"`. */
  field?: string
  /** The HTTP status, for `ERR_TOKEN_FETCH_HTTP`. */
  status?: number
  /** The server's own error code when it sent one (problem+json `code`, docs contract `code`). */
  serverCode?: string
  /** The lower-level error this one wraps. */
  cause?: unknown
}

/**
 * The error of every function of `agate-tokens/client`. Messages name the field at fault and never
 * contain a token or an authorization header.
 *
 * @example
 * ```ts
 * try {
 *   await source.getToken({ service: 'rtc', channelName: 'ChannelA', uid: 42 })
 * } catch (error) {
 *   if (error instanceof TokenClientError && error.code === 'ERR_TOKEN_FETCH_HTTP') console.log(error.status)
 * }
 * ```
 */
export class TokenClientError extends Error {
  /** A stable, machine-readable reason; see {@link TokenClientErrorCode}. */
  readonly code: TokenClientErrorCode
  /** The option or token field the error is about, when there is one. */
  readonly field: string | undefined
  /** The HTTP status of `ERR_TOKEN_FETCH_HTTP`. */
  readonly status: number | undefined
  /** The server's own error code, when it sent one. */
  readonly serverCode: string | undefined

  constructor(code: TokenClientErrorCode, message: string, options: TokenClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TokenClientError'
    this.code = code
    this.field = options.field
    this.status = options.status
    this.serverCode = options.serverCode
  }
}

/** Shorthand for a bad option. */
export function invalidOption(field: string, message: string): TokenClientError {
  return new TokenClientError('ERR_INVALID_ARGUMENT', `${field}: ${message}`, { field })
}

/** The error an aborted wait or request rejects with. */
export function aborted(signal: AbortSignal | undefined): TokenClientError {
  const reason: unknown = signal?.reason
  if (reason instanceof TokenClientError) return reason
  return new TokenClientError('ERR_ABORTED', 'the operation was aborted', { cause: reason })
}
