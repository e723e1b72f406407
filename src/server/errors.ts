/**
 * The token server's errors: one table from error kind to HTTP status, and the mapping of every
 * thrown value to one of those kinds.
 * @module
 */
import { TokenError } from '../token/index.js'

/**
 * Every error kind the server answers with, and its HTTP status. The kind is the stable `code` of
 * a problem+json answer; messages may change, kinds do not.
 */
export const ERROR_STATUS = {
  'invalid-json': 400,
  'invalid-request': 400,
  'invalid-argument': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'request-timeout': 408,
  'payload-too-large': 413,
  'expectation-failed': 417,
  'rate-limited': 429,
  'headers-too-large': 431,
  internal: 500,
  unavailable: 503,
} as const

/** A stable error code of the server, e.g. `forbidden`. */
export type ErrorKind = keyof typeof ERROR_STATUS

/** Optional details of an {@link HttpError}. */
export interface HttpErrorDetails {
  /** The request field at fault, e.g. `"rtc.channelName"`. */
  field?: string
  /** The policy rule that decided a denial. */
  rule?: string
  /** A short machine-readable reason under the kind, e.g. the policy check that failed (`channel`). */
  reason?: string
  /** Seconds until a rate-limited caller may retry. */
  retryAfter?: number
  cause?: unknown
}

/**
 * An error with an HTTP meaning. Messages are written for the caller: they name the field or rule
 * at fault and never contain a secret, a token or a raw input value.
 */
export class HttpError extends Error {
  readonly kind: ErrorKind
  readonly status: number
  readonly field: string | undefined
  readonly rule: string | undefined
  readonly reason: string | undefined
  readonly retryAfter: number | undefined

  constructor(kind: ErrorKind, message: string, details: HttpErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'HttpError'
    this.kind = kind
    this.status = ERROR_STATUS[kind]
    this.field = details.field
    this.rule = details.rule
    this.reason = details.reason
    this.retryAfter = details.retryAfter
  }
}

/**
 * Maps anything thrown while serving a request to an {@link HttpError}. Library argument errors are
 * the caller's fault (400, naming the field); anything unexpected becomes a 500 whose message says
 * nothing about the internals (the original stays in `cause`, for the log).
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error
  if (error instanceof TokenError && error.code === 'ERR_INVALID_ARGUMENT') {
    const details: HttpErrorDetails = { cause: error }
    if (error.field !== undefined) details.field = error.field
    return new HttpError('invalid-argument', error.message, details)
  }
  return new HttpError('internal', 'internal error', { cause: error })
}

/**
 * What a log line keeps of an unexpected error: never more than its name, message and stack
 * (undefined when nothing was thrown with it).
 */
export function causeOf(cause: unknown): Record<string, unknown> | undefined {
  if (cause === undefined || cause === null) return undefined
  const { name, message, stack } = cause as { name?: unknown; message?: unknown; stack?: unknown }
  return { name, message, stack }
}

/** The RFC 9457 problem type URI of an error kind. */
export function problemType(kind: ErrorKind): string {
  return `urn:agate:problem:${kind}`
}

/** The RFC 9457 problem object of an error: `code` is the stable kind, `detail` the message. */
export function problemOf(error: HttpError, requestId?: string): Record<string, unknown> {
  const problem: Record<string, unknown> = {
    type: problemType(error.kind),
    title: error.kind.charAt(0).toUpperCase() + error.kind.slice(1).replaceAll('-', ' '),
    status: error.status,
    detail: error.message,
    code: error.kind,
  }
  if (error.field !== undefined) problem.field = error.field
  if (error.rule !== undefined) problem.rule = error.rule
  if (error.reason !== undefined) problem.reason = error.reason
  if (error.retryAfter !== undefined) problem.retryAfter = error.retryAfter
  if (requestId !== undefined) problem.requestId = requestId
  return problem
}

/** The media type of problem answers. */
export const PROBLEM_JSON = 'application/problem+json'

/**
 * A problem answer as a fetch `Response`, for the places that answer outside a route (Hono's Node
 * adapter, a Worker that cannot start); `Retry-After` goes along when the failure has one.
 */
export function problemResponse(failure: HttpError): Response {
  const headers: Record<string, string> = { 'content-type': PROBLEM_JSON }
  if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter)
  return new Response(JSON.stringify(problemOf(failure)), { status: failure.status, headers })
}
