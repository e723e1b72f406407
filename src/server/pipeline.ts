/**
 * The one handler every token route runs in: request id, CORS, rate limits, authentication, the
 * route's work, error rendering, one log line and the metrics.
 *
 * It is a plain function wrapped around the route, not a chain of Hono middleware: a route with a
 * single handler stays on Hono's fast path, and each middleware would cost ~10 µs per request on
 * @hono/node-server (`framework-overhead.md` §5).
 * @module
 */
import type { Context } from 'hono'
import { API_KEY_PREFIX } from './auth/api-keys.js'
import type { ServerContext } from './context.js'
import { HttpError, toHttpError } from './errors.js'
import { ANONYMOUS, describeIdentity, type Identity } from './identity.js'
import { grantOf, mint, servicesOf, type Minted, type TokenOrder } from './mint.js'

/** What the audit line says about a token request; never a token or a secret. */
export interface AuditRecord {
  app: string
  services: string
  channel?: string
  uid?: number
  account?: string
  userId?: string
  role?: string
  version?: string
  expiresAt?: number
  rule?: string
  /** For verification: `valid` or the library's error code. */
  outcome?: string
}

/** One request to a token route, as the pipeline and the route share it. */
export interface Call {
  readonly requestId: string
  identity: Identity
  /** Set once the route knows what is asked; logged with the outcome. */
  audit: AuditRecord | undefined
  /** The log event of a successful request (`token.issued` unless the route says otherwise). */
  event: string
  /** Response headers (lower-case names) the pipeline adds: request id, CORS, Retry-After … */
  readonly headers: Record<string, string>
}

/** A token route: its pattern (for logs and metrics), its error shape and its work. */
export interface TokenRoute {
  /** The route pattern, e.g. `/fetch_rtc_token`. */
  route: string
  /** Renders an error in the shape this route's clients expect. */
  renderError(error: HttpError, call: Call): Response
  /** The route's work, once the caller is authenticated and within its rate limits. */
  handle(c: Context, call: Call): Response | Promise<Response>
}

// Generated request ids: a random per-process prefix and a counter. They need to be unique, not
// secret, and this is cheaper than a UUID per request. The prefix is made on first use: Workers
// refuse random values in global scope (the isolate would not start).
let idPrefix: string | undefined
let idCounter = 0
function nextRequestId(): string {
  idPrefix ??= crypto.getRandomValues(new Uint32Array(2)).reduce((text, word) => text + word.toString(36).padStart(7, '0'), '')
  return `${idPrefix}-${(++idCounter).toString(36)}`
}

/**
 * A caller's `X-Request-Id` is kept (and logged) when it looks like an id: up to 64 characters of
 * `A-Z a-z 0-9 . _ : -`, which covers UUIDs and proxies' ids (nginx's are 32 hex digits), and not
 * an API key pasted by mistake. Anything else gets a fresh id.
 */
function isRequestId(text: string): boolean {
  return /^[A-Za-z0-9._:-]{1,64}$/.test(text) && !text.startsWith(API_KEY_PREFIX)
}

/**
 * Wraps a route into a Hono handler.
 *
 * @example
 * ```ts
 * app.post('/fetch_rtc_token', tokenHandler(ctx, { route: '/fetch_rtc_token', renderError, handle }))
 * ```
 */
export function tokenHandler(ctx: ServerContext, route: TokenRoute): (c: Context) => Promise<Response> {
  const { config, metrics, cors } = ctx
  const { perAddress, perIdentity, trustProxy } = config.rateLimit
  return async (c) => {
    const started = performance.now()
    const given = c.req.header('x-request-id')
    const requestId = given !== undefined && isRequestId(given) ? given : nextRequestId()
    const call: Call = {
      requestId,
      identity: ANONYMOUS,
      audit: undefined,
      event: 'token.issued',
      headers: { 'x-request-id': requestId },
    }
    cors.addHeaders(c.req.header('origin'), call.headers)
    let response: Response
    let failure: HttpError | undefined
    try {
      if (perAddress > 0) await limit(ctx, 'address', clientAddress(c, trustProxy), perAddress)
      const identity = ctx.auth.authenticate({ authorization: c.req.header('authorization'), apiKey: c.req.header('x-api-key') })
      call.identity = identity instanceof Promise ? await identity : identity
      // Anonymous callers share no identity worth limiting; the address limit covers them.
      if (perIdentity > 0 && call.identity.kind !== 'anonymous') {
        await limit(ctx, 'identity', describeIdentity(call.identity), perIdentity)
      }
      response = await route.handle(c, call)
    } catch (error) {
      failure = toHttpError(error)
      if (failure.retryAfter !== undefined) call.headers['retry-after'] = String(failure.retryAfter)
      if (failure.kind === 'unauthenticated') call.headers['www-authenticate'] = 'Bearer realm="agate"'
      if (failure.kind === 'forbidden' || failure.kind === 'unauthenticated') metrics.denied(failure.reason ?? failure.kind)
      response = route.renderError(failure, call)
    }
    const seconds = (performance.now() - started) / 1000
    metrics.requestDone(route.route, response.status, seconds)
    logRequest(ctx, c, route.route, call, response.status, seconds, failure)
    return response
  }
}

/**
 * A JSON answer carrying the call's headers. Built as a plain `Response` with a plain header object:
 * on @hono/node-server that is the cheapest path to the socket (no `Headers` instance to create and
 * copy, as `c.header()` would).
 */
export function respondJson(call: Call, body: unknown, status = 200, type = 'application/json'): Response {
  call.headers['content-type'] = type
  return new Response(JSON.stringify(body), { status, headers: call.headers })
}

/** A plain-text answer carrying the call's headers. */
export function respondText(call: Call, text: string, status: number): Response {
  call.headers['content-type'] = 'text/plain; charset=UTF-8'
  return new Response(text, { status, headers: call.headers })
}

/**
 * Checks an order against the policy and mints it: the common end of every token route. Fills the
 * call's audit record first, so a denial is logged with what was asked.
 * @throws {HttpError} `forbidden` from the policy; `invalid-request`/`invalid-argument` from minting.
 */
export function issue(ctx: ServerContext, call: Call, order: TokenOrder): Minted {
  call.audit = auditOf(order)
  const decision = ctx.policy.decide(call.identity, grantOf(order))
  call.audit.rule = decision.rule
  const minted = mint(order, decision, Math.floor(ctx.now() / 1000))
  call.audit.expiresAt = minted.expiresAt
  ctx.metrics.tokenIssued(order.app.name, call.audit.services, order.version)
  return minted
}

/**
 * Like {@link issue} for routes that answer several tokens at once (the community servers' `/rte`):
 * the policy decides on everything asked (`combined`), then each part is minted separately.
 */
export function issueEach(ctx: ServerContext, call: Call, combined: TokenOrder, parts: readonly TokenOrder[]): string[] {
  call.audit = auditOf(combined)
  const decision = ctx.policy.decide(call.identity, grantOf(combined))
  call.audit.rule = decision.rule
  const issuedAt = Math.floor(ctx.now() / 1000)
  const minted = parts.map((part) => mint(part, decision, issuedAt))
  call.audit.expiresAt = Math.max(...minted.map((entry) => entry.expiresAt))
  for (const part of parts) ctx.metrics.tokenIssued(part.app.name, servicesOf(part).join('+'), part.version)
  return minted.map((entry) => entry.token)
}

function auditOf(order: TokenOrder): AuditRecord {
  const { rtc, rtm, chat, apaas } = order
  // Every field in one literal (pino skips the undefined ones): one object shape for every request.
  return {
    app: order.app.name,
    services: servicesOf(order).join('+'),
    version: order.version,
    channel: apaas?.roomUuid ?? rtc?.channelName,
    uid: rtc?.uid,
    account: rtc === undefined || rtc.uid !== undefined ? undefined : (rtc.account ?? ''),
    userId: rtm?.userId ?? chat?.userId ?? apaas?.userUuid,
    role: apaas?.role !== undefined ? String(apaas.role) : rtc?.role,
    rule: undefined,
    expiresAt: undefined,
    outcome: undefined,
  }
}

async function limit(ctx: ServerContext, scope: 'identity' | 'address', key: string, max: number): Promise<void> {
  const pending = ctx.rateLimits.hit(`${scope}:${key}`, max, ctx.config.rateLimit.windowMs)
  const hit = pending instanceof Promise ? await pending : pending
  if (hit.allowed) return
  ctx.metrics.rateLimited(scope)
  const retryAfter = Math.max(1, Math.ceil((hit.resetAt - ctx.now()) / 1000))
  throw new HttpError(
    'rate-limited',
    `too many requests from this ${scope === 'identity' ? 'caller' : 'address'}; retry in ${retryAfter} s`,
    {
      retryAfter,
      reason: scope,
    },
  )
}

/**
 * The client's address: the socket's, or with `trustProxy` proxies in front, the entry of
 * `X-Forwarded-For` the outermost trusted proxy added (entries further left are client-supplied).
 */
export function clientAddress(c: Context, trustProxy: number): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  const socket = env?.incoming?.socket?.remoteAddress ?? 'unknown'
  if (trustProxy === 0) return socket
  const forwarded = c.req.header('x-forwarded-for')
  if (forwarded === undefined) return socket
  const hops = forwarded.split(',').map((hop) => hop.trim())
  return hops[hops.length - trustProxy] ?? hops[0] ?? socket
}

function logRequest(
  ctx: ServerContext,
  c: Context,
  route: string,
  call: Call,
  status: number,
  seconds: number,
  failure: HttpError | undefined,
): void {
  const { audit } = call
  const event =
    failure === undefined
      ? call.event
      : failure.status >= 500
        ? 'request.failed'
        : failure.kind === 'forbidden' || failure.kind === 'unauthenticated' || failure.kind === 'rate-limited'
          ? 'token.denied'
          : 'request.rejected'
  // One literal with every field (undefined ones are left out), for the same reason as in auditOf.
  const line = {
    event,
    reqId: call.requestId,
    route,
    method: c.req.method,
    status,
    ms: Math.round(seconds * 1e6) / 1e3,
    caller: describeIdentity(call.identity),
    app: audit?.app,
    services: audit?.services,
    version: audit?.version,
    channel: audit?.channel,
    uid: audit?.uid,
    account: audit?.account,
    userId: audit?.userId,
    role: audit?.role,
    rule: failure?.rule ?? audit?.rule,
    expiresAt: audit?.expiresAt,
    outcome: audit?.outcome,
    error: failure?.kind,
    reason: failure?.reason,
    message: failure?.message,
  }
  if (event === 'request.failed') ctx.logger.error({ ...line, cause: causeOf(failure?.cause) }, 'request failed')
  else ctx.requestLog(line, MESSAGES[event] ?? 'request served')
}

const MESSAGES: Record<string, string> = {
  'token.issued': 'token issued',
  'token.denied': 'token denied',
  'request.rejected': 'request rejected',
}

/** What the log keeps of an unexpected error: never more than its name, message and stack. */
function causeOf(cause: unknown): Record<string, unknown> | undefined {
  if (cause === undefined) return undefined
  const { name, message, stack } = cause as { name?: unknown; message?: unknown; stack?: unknown }
  return { name, message, stack }
}
