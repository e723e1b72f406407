/**
 * A token source that fetches fresh tokens from an Agate (or compatible) token server.
 * @module
 */
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js'
import { checkToken, type TokenExpectation } from './check-token.js'
import {
  buildHttpRequest,
  describeErrorBody,
  endpointKindOf,
  readToken,
  type EndpointKind,
  type TokenRequest,
} from './endpoints.js'
import { aborted, invalidOption, TokenClientError } from './errors.js'

/** What a retry is about to wait for, reported to `onRetry`. */
export interface RetryInfo {
  /** The retry about to be made: 1 = the second attempt. */
  retry: number
  /** How long the source waits before it, ms. */
  delayMs: number
  /** Why the last attempt failed. */
  error: TokenClientError
}

/** Per-call options of {@link TokenSource.getToken}. */
export interface GetTokenOptions {
  /** Aborts the fetch and any wait between retries. */
  signal?: AbortSignal
  /** Called before each retry (for a UI). */
  onRetry?: (info: RetryInfo) => void
  /** The App ID the token must be for, when the caller knows it. */
  appId?: string
}

/** Anything that hands out tokens: what the session helpers consume. */
export interface TokenSource {
  /**
   * Resolves with a token for `request` that has at least the source's `minValiditySeconds` left
   * and matches the request's channel and uid/account (or user id).
   */
  getToken(request: TokenRequest, options?: GetTokenOptions): Promise<string>
  /**
   * The token server's clock, ms since the epoch, as far as the source knows it (the local clock
   * corrected by the skew seen in the server's `Date` headers). Optional: sessions fall back to
   * the local clock.
   */
  serverTime?(): number
}

/**
 * Now, ms since the epoch, by the token server's clock where the source knows it
 * ({@link TokenSource.serverTime}), else by the local one.
 */
export function sourceNow(source: TokenSource | TokenFetcher): number {
  return (typeof source === 'object' ? source.serverTime?.() : undefined) ?? Date.now()
}

/** A plain function can serve as a token source too. */
export type TokenFetcher = (request: TokenRequest, options: GetTokenOptions) => Promise<string>

/** Options of {@link createTokenSource}. */
export interface TokenSourceOptions {
  /** The endpoint URL (absolute, or relative to the page). For `template`, it holds placeholders. */
  url: string | URL
  /** The endpoint's contract; guessed from the URL when omitted (see {@link EndpointKind}). */
  kind?: EndpointKind
  /**
   * Headers for every request, e.g. the caller's own `Authorization`. A function is called before
   * each request, so a short-lived session credential can be refreshed.
   */
  headers?: HeadersInit | (() => HeadersInit | Promise<HeadersInit>)
  /** `fetch`'s `credentials` (for cookie-authenticated servers); default `same-origin`. */
  credentials?: RequestCredentials
  /** For `v1` servers with several apps: the app name or App ID to ask for; default the server's first app. */
  app?: string
  /** The lifetime to ask for, seconds, where the contract has a field for it (not `fetch-rtc-token`). */
  expire?: number
  /** Per-attempt timeout, ms; default 10000. */
  timeoutMs?: number
  /** Retries after the first attempt, for network errors, timeouts, 408, 429 and 5xx; default 3. */
  retries?: number
  /** Waits between retries. */
  backoff?: BackoffOptions
  /** Refuse a token with less than this left, seconds; default 30 (the SDK's will-expire lead). */
  minValiditySeconds?: number
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch
}

const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_RETRIES = 3
/** The SDKs raise will-expire 30 s before the end, so a token with less is renewed at once. */
export const DEFAULT_MIN_VALIDITY_SECONDS = 30
/** A Retry-After longer than this is not waited for: the attempt fails instead. */
const MAX_RETRY_AFTER_MS = 60_000

/**
 * Creates a {@link TokenSource} that fetches from a token endpoint with the caller's own headers, a
 * timeout per attempt, retries with exponential backoff and jitter, and one request in flight per
 * distinct request (concurrent callers share it). Every token is checked before it is handed out:
 * it must match the request (channel and uid/account, or user id) and have at least
 * `minValiditySeconds` left by the server's clock (read from the `Date` header when the browser
 * can see it, else the local clock), so a stale or cached token never reaches `renewToken`.
 *
 * @example
 * ```ts
 * import { createTokenSource } from 'agate-tokens/client'
 * const source = createTokenSource({ url: '/v1/tokens', headers: () => ({ Authorization: `Bearer ${session.jwt}` }), expire: 600 })
 * const token = await source.getToken({ service: 'rtc', channelName: 'ChannelA', uid: 42 })
 * ```
 * @throws {TokenClientError} `ERR_INVALID_ARGUMENT` for bad options; `getToken` rejects with
 * `ERR_TOKEN_FETCH_TIMEOUT`, `ERR_TOKEN_FETCH_NETWORK`, `ERR_TOKEN_FETCH_HTTP`,
 * `ERR_TOKEN_FETCH_RESPONSE`, `ERR_TOKEN_UNREADABLE`, `ERR_TOKEN_MISMATCH`, `ERR_TOKEN_EXPIRING` or `ERR_ABORTED`.
 */
export function createTokenSource(options: TokenSourceOptions): TokenSource {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object')
  const url = String(options.url ?? '')
  if (url === '') throw invalidOption('url', 'must be the token endpoint URL')
  const kind = options.kind ?? endpointKindOf(url)
  const timeoutMs = nonNegative(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs')
  const retries = nonNegative(options.retries, DEFAULT_RETRIES, 'retries')
  const minValidity = nonNegative(options.minValiditySeconds, DEFAULT_MIN_VALIDITY_SECONDS, 'minValiditySeconds')
  if (options.expire !== undefined && (!Number.isInteger(options.expire) || options.expire <= 0)) {
    throw invalidOption('expire', 'must be a positive whole number of seconds')
  }
  const inFlight = new Map<string, Flight>()
  let skewMs = 0

  async function attempt(
    request: TokenRequest,
    appId: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const http = buildHttpRequest(kind, url, request, options.expire, options.app)
    const headers = new Headers(typeof options.headers === 'function' ? await options.headers() : options.headers)
    if (http.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json')
    if (!headers.has('accept')) headers.set('accept', 'application/json')
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(timeoutError(timeoutMs)), timeoutMs)
    const onAbort = (): void => controller.abort(aborted(signal))
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const sentAt = Date.now()
      const init: RequestInit = {
        method: http.method,
        headers,
        signal: controller.signal,
        credentials: options.credentials ?? 'same-origin',
        cache: 'no-store',
      }
      if (http.body !== undefined) init.body = http.body
      let response: Response
      try {
        response = await (options.fetch ?? fetch)(http.url, init)
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason as TokenClientError
        const reason = (error as Error)?.message ?? String(error)
        throw new TokenClientError('ERR_TOKEN_FETCH_NETWORK', `the token request failed: ${reason}`, { cause: error })
      }
      const text = await response.text().catch((error: unknown) => {
        if (controller.signal.aborted) throw controller.signal.reason as TokenClientError
        throw new TokenClientError('ERR_TOKEN_FETCH_NETWORK', 'the token response was cut off', { cause: error })
      })
      const receivedAt = Date.now()
      const body = parseBody(text)
      if (!response.ok) {
        const { message, code } = describeErrorBody(body)
        const error = new TokenClientError(
          'ERR_TOKEN_FETCH_HTTP',
          `the token server answered ${response.status}${message === '' ? '' : `: ${message}`}`,
          code === undefined ? { status: response.status } : { status: response.status, serverCode: code },
        )
        ;(error as RetryHint).retryAfterMs = retryAfter(response.headers.get('retry-after'))
        throw error
      }
      const token = readToken(kind, body, request.service)
      skewMs = serverNow(response.headers.get('date'), sentAt, receivedAt) - receivedAt
      checkToken(token, expectationOf(request, appId), {
        now: (receivedAt + skewMs) / 1000,
        minValiditySeconds: minValidity,
      })
      return token
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async function withRetries(request: TokenRequest, getOptions: GetTokenOptions): Promise<string> {
    const { signal } = getOptions
    for (let retry = 0; ; retry++) {
      if (signal?.aborted) throw aborted(signal)
      try {
        return await attempt(request, getOptions.appId, signal)
      } catch (error) {
        const failure =
          error instanceof TokenClientError
            ? error
            : new TokenClientError('ERR_TOKEN_FETCH_NETWORK', String(error), { cause: error })
        if (retry >= retries || !isRetryable(failure)) throw failure
        const hinted = (failure as RetryHint).retryAfterMs
        const delayMs = Math.max(backoffDelay(retry + 1, options.backoff), hinted ?? 0)
        getOptions.onRetry?.({ retry: retry + 1, delayMs, error: failure })
        await sleep(delayMs, signal)
      }
    }
  }

  return {
    getToken(request: TokenRequest, getOptions: GetTokenOptions = {}): Promise<string> {
      try {
        validateRequest(request)
      } catch (error) {
        return Promise.reject(error)
      }
      const key = JSON.stringify([request.service, requestKey(request), getOptions.appId ?? ''])
      let flight = inFlight.get(key)
      // Single flight: callers asking for the same token at the same time share one request. A caller
      // whose signal aborts stops waiting; the request itself is cancelled once nobody waits for it.
      if (flight === undefined) {
        const controller = new AbortController()
        const created: Flight = { controller, waiters: 0, promise: Promise.resolve('') }
        created.promise = withRetries(request, { ...getOptions, signal: controller.signal }).finally(() =>
          inFlight.delete(key),
        )
        // Its waiters handle its failure; when the only one was aborted before waiting, nobody else will.
        created.promise.catch(() => {})
        inFlight.set(key, created)
        flight = created
      }
      return wait(flight, getOptions.signal)
    },
    serverTime(): number {
      return Date.now() + skewMs
    },
  }
}

interface RetryHint {
  retryAfterMs?: number | undefined
}

/** A request in flight and how many callers wait for it. */
interface Flight {
  promise: Promise<string>
  controller: AbortController
  waiters: number
}

function wait(flight: Flight, signal: AbortSignal | undefined): Promise<string> {
  flight.waiters++
  return new Promise((resolve, reject) => {
    let waiting = true
    const settle = (): void => {
      if (!waiting) return
      waiting = false
      signal?.removeEventListener('abort', onAbort)
      flight.waiters--
    }
    const onAbort = (): void => {
      settle()
      if (flight.waiters === 0) flight.controller.abort(aborted(signal))
      reject(aborted(signal))
    }
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    flight.promise.then(
      (token) => {
        if (!waiting) return
        settle()
        resolve(token)
      },
      (error: unknown) => {
        if (!waiting) return
        settle()
        reject(error)
      },
    )
  })
}

function nonNegative(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw invalidOption(field, 'must be a non-negative number')
  return value
}

function timeoutError(ms: number): TokenClientError {
  return new TokenClientError('ERR_TOKEN_FETCH_TIMEOUT', `the token server did not answer within ${ms} ms`)
}

function isRetryable(error: TokenClientError): boolean {
  if (error.code === 'ERR_TOKEN_FETCH_NETWORK' || error.code === 'ERR_TOKEN_FETCH_TIMEOUT') return true
  if (error.code !== 'ERR_TOKEN_FETCH_HTTP' || error.status === undefined) return false
  if ((error as RetryHint).retryAfterMs === Infinity) return false
  return error.status === 408 || error.status === 429 || error.status >= 500
}

/** Retry-After in ms: seconds or an HTTP date; Infinity when longer than we are willing to wait. */
function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined
  const seconds = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - Date.now()
  if (!Number.isFinite(seconds)) return undefined
  return seconds > MAX_RETRY_AFTER_MS ? Infinity : Math.max(0, seconds)
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * The server's clock at the response, ms: its `Date` header (1 s resolution) corrected for half the
 * round trip, when it differs from the local clock by more than the header's resolution; else the
 * local clock. Cross-origin pages see `Date` only if the server exposes it.
 */
export function serverNow(dateHeader: string | null, sentAt: number, receivedAt: number): number {
  const date = dateHeader === null ? NaN : Date.parse(dateHeader)
  if (!Number.isFinite(date)) return receivedAt
  // The header is truncated to the second: the server's clock was in [date, date + 1000).
  const serverAtMidpoint = date + 500
  const localAtMidpoint = (sentAt + receivedAt) / 2
  const skew = serverAtMidpoint - localAtMidpoint
  return Math.abs(skew) > 1500 + (receivedAt - sentAt) / 2 ? receivedAt + skew : receivedAt
}

function validateRequest(request: TokenRequest): void {
  if (typeof request !== 'object' || request === null) throw invalidOption('request', 'must be an object')
  if (request.service === 'rtc') {
    if (typeof request.channelName !== 'string') throw invalidOption('channelName', 'must be a string')
    if (request.uid !== undefined && request.account !== undefined)
      throw invalidOption('uid', 'give uid or account, not both')
    if (request.uid !== undefined && (!Number.isInteger(request.uid) || request.uid < 0 || request.uid > 0xffffffff)) {
      throw invalidOption('uid', 'must be an integer in 0..4294967295')
    }
    if (request.account !== undefined && (typeof request.account !== 'string' || request.account === '')) {
      throw invalidOption('account', 'must be a non-empty string')
    }
  } else if (request.service === 'rtm') {
    if (typeof request.userId !== 'string' || request.userId === '')
      throw invalidOption('userId', 'must be a non-empty string')
  } else {
    throw invalidOption('service', 'must be "rtc" or "rtm"')
  }
}

function requestKey(request: TokenRequest): unknown[] {
  return request.service === 'rtc'
    ? [request.channelName, request.uid ?? null, request.account ?? null, request.role ?? 'publisher']
    : [request.userId]
}

/** The check a fetched token must pass for `request`. */
export function expectationOf(request: TokenRequest, appId: string | undefined): TokenExpectation {
  const base = appId === undefined ? {} : { appId }
  if (request.service === 'rtm') return { service: 'rtm', userId: request.userId, ...base }
  return request.account === undefined
    ? { service: 'rtc', channelName: request.channelName, uid: request.uid ?? 0, ...base }
    : { service: 'rtc', channelName: request.channelName, account: request.account, ...base }
}
