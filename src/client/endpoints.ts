/**
 * Request and response shapes of the token endpoints the helper can fetch from.
 * @module
 */
import { invalidOption, TokenClientError } from './errors.js'

/** A token for an RTC channel: by uid (a number) or by user account (a string). */
export interface RtcTokenRequest {
  service: 'rtc'
  channelName: string
  /** 0..2^32-1; 0 asks for a wildcard token (the SDK then picks the uid). */
  uid?: number
  account?: string
  /** Default `publisher`. */
  role?: 'publisher' | 'subscriber'
}

/** A token for an RTM user. */
export interface RtmTokenRequest {
  service: 'rtm'
  userId: string
}

/** What a token source is asked for. */
export type TokenRequest = RtcTokenRequest | RtmTokenRequest

/**
 * The endpoint contracts the helper speaks:
 * - `fetch-rtc-token`: Agora's docs sample, `POST /fetch_rtc_token` `{uid, ChannelName, role: 1|2}` → `{token, code}` (RTC by uid only).
 * - `v1`: Agate's `POST /v1/tokens` `{expire?, rtc: {channelName, uid | account, role}}` or `{expire?, rtm: {userId}}` → `{token, ...}`; errors are problem+json.
 * - `get-token`: agora-token-service's `POST /getToken` `{tokenType, channel, role, uid, expire}` → `{token}`.
 * - `template`: any GET route, the URL holding `{channelName}`, `{role}`, `{tokenType}`, `{uid}` or
 *   `{userId}` placeholders, e.g. `/rtc/{channelName}/{role}/{tokenType}/{uid}/` → `{rtcToken}`.
 */
export type EndpointKind = 'fetch-rtc-token' | 'v1' | 'get-token' | 'template'

/** One HTTP request to make. */
export interface HttpRequest {
  url: string
  method: 'GET' | 'POST'
  body?: string
}

/** Guesses the contract from the URL when the caller did not name it. */
export function endpointKindOf(url: string): EndpointKind {
  if (url.includes('{')) return 'template'
  const path = url.replace(/[?#].*$/, '').replace(/\/+$/, '')
  if (/\/fetch_rtc_token$/i.test(path)) return 'fetch-rtc-token'
  if (/\/getToken$/i.test(path)) return 'get-token'
  return 'v1'
}

/** Builds the HTTP request for `request` in the endpoint's contract. */
export function buildHttpRequest(
  kind: EndpointKind,
  url: string,
  request: TokenRequest,
  expire: number | undefined,
  app?: string,
): HttpRequest {
  const role = request.service === 'rtc' ? (request.role ?? 'publisher') : undefined
  switch (kind) {
    case 'fetch-rtc-token': {
      if (request.service !== 'rtc')
        throw invalidOption('service', 'the /fetch_rtc_token contract only issues RTC tokens')
      if (request.account !== undefined)
        throw invalidOption('account', 'the /fetch_rtc_token contract only takes a numeric uid')
      // The docs' contract: role 1 = publisher, 2 = subscriber; no lifetime field (the server decides).
      const body = { uid: request.uid ?? 0, ChannelName: request.channelName, role: role === 'subscriber' ? 2 : 1 }
      return { url, method: 'POST', body: JSON.stringify(body) }
    }
    case 'get-token': {
      const body =
        request.service === 'rtc'
          ? { tokenType: 'rtc', channel: request.channelName, role, uid: request.account ?? String(request.uid ?? 0) }
          : { tokenType: 'rtm', uid: request.userId }
      return { url, method: 'POST', body: JSON.stringify(expire === undefined ? body : { ...body, expire }) }
    }
    case 'v1': {
      const body: Record<string, unknown> =
        request.service === 'rtc'
          ? {
              rtc: {
                channelName: request.channelName,
                ...(request.account === undefined ? { uid: request.uid ?? 0 } : { account: request.account }),
                role,
              },
            }
          : { rtm: { userId: request.userId } }
      if (expire !== undefined) body.expire = expire
      if (app !== undefined) body.app = app
      return { url, method: 'POST', body: JSON.stringify(body) }
    }
    case 'template': {
      const values: Record<string, string> =
        request.service === 'rtc'
          ? {
              channelName: request.channelName,
              role: role!,
              tokenType: request.account === undefined ? 'uid' : 'userAccount',
              uid: request.account ?? String(request.uid ?? 0),
            }
          : { userId: request.userId, uid: request.userId }
      let filled = url.replace(/\{(\w+)\}/g, (whole, name: string) => {
        const value = values[name]
        if (value === undefined)
          throw invalidOption('url', `unknown placeholder ${whole} for an ${request.service} token`)
        return encodeURIComponent(value)
      })
      if (expire !== undefined) filled += `${filled.includes('?') ? '&' : '?'}expiry=${expire}`
      return { url: filled, method: 'GET' }
    }
  }
}

/** Reads the token out of a 2xx answer, in any of the contracts' field names. */
export function readToken(kind: EndpointKind, body: unknown, service: TokenRequest['service']): string {
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>
    // The docs' contract answers {"token", "code"}, the code as a string (or a number from other servers).
    const code = typeof record.code === 'string' || typeof record.code === 'number' ? String(record.code) : undefined
    if (kind === 'fetch-rtc-token' && record.code !== undefined && code !== '200') {
      throw new TokenClientError(
        'ERR_TOKEN_FETCH_HTTP',
        `the server answered code ${shortText(record.code)}: ${shortText(record.token)}`,
        {
          serverCode: code ?? JSON.stringify(record.code),
        },
      )
    }
    const names = service === 'rtc' ? ['token', 'rtcToken', 'accessToken'] : ['token', 'rtmToken', 'accessToken']
    for (const name of names) {
      const value = record[name]
      if (typeof value === 'string' && value !== '') return value
    }
    const data = record.data
    if (typeof data === 'object' && data !== null && typeof (data as Record<string, unknown>).token === 'string') {
      return (data as Record<string, string>).token!
    }
  }
  throw new TokenClientError('ERR_TOKEN_FETCH_RESPONSE', 'the answer has no token field (token, rtcToken or rtmToken)')
}

/** A short, single-line rendering of a server's message, for error messages. */
export function shortText(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 200 ? `${line.slice(0, 197)}...` : line
}

/** The message and code of an error answer: problem+json, the docs' `{token, code}`, `{error}`, or text. */
export function describeErrorBody(body: unknown): { message: string; code: string | undefined } {
  if (typeof body === 'string') return { message: shortText(body), code: undefined }
  if (typeof body === 'object' && body !== null) {
    const r = body as Record<string, unknown>
    const code = typeof r.code === 'string' || typeof r.code === 'number' ? String(r.code) : undefined
    const error = typeof r.error === 'object' && r.error !== null ? (r.error as Record<string, unknown>) : undefined
    const text =
      r.detail ?? r.title ?? r.message ?? error?.message ?? r.error ?? (code !== undefined ? r.token : undefined)
    if (text !== undefined)
      return { message: shortText(text), code: code ?? (typeof error?.code === 'string' ? error.code : undefined) }
    return { message: '', code }
  }
  return { message: '', code: undefined }
}
