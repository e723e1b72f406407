/**
 * The one function every token request runs through: request id, CORS, rate limits,
 * authentication, the route's work, error rendering, one log line and the metrics.
 *
 * It is a plain function around the route, not a chain of middleware: on Hono a route with a
 * single handler stays on its fast path (each middleware costs ~10 µs per request on
 * @hono/node-server, `framework-overhead.md` §5), and on Node the listener calls it straight from
 * `node:http` (`node-exchange.ts`).
 * @module
 */
import type { ServerContext } from './context.js'
import { causeOf, HttpError, toHttpError } from './errors.js'
import type { Answer, TokenRequest } from './exchange.js'
import { ANONYMOUS, describeIdentity, type Identity } from './identity.js'
import { grantOf, mint, servicesOf, type Minted, type TokenOrder } from './mint.js'
import type { RateLimitHit } from './rate-limit.js'
import { requestIdOf } from './request-id.js'

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
  renderError(error: HttpError, call: Call): Answer
  /** The route's work, once the caller is authenticated and within its rate limits. */
  handle(request: TokenRequest, call: Call): Answer | Promise<Answer>
}

/**
 * Serves one request to a token route and resolves with the answer; never rejects (every failure
 * becomes the route's error answer).
 *
 * Awaits only what is asynchronous: the body, and a rate-limit store or JWKS on the network. The
 * in-memory store and API keys answer synchronously.
 *
 * @example
 * ```ts
 * const answer = await serveTokenRoute(ctx, { route: '/fetch_rtc_token', renderError, handle }, request)
 * ```
 */
export async function serveTokenRoute(ctx: ServerContext, route: TokenRoute, request: TokenRequest): Promise<Answer> {
  const { metrics, cors } = ctx
  const { perAddress, perIdentity, trustProxy } = ctx.config.rateLimit
  const started = performance.now()
  const requestId = requestIdOf(request.header('x-request-id'), ctx.config)
  const call: Call = {
    requestId,
    identity: ANONYMOUS,
    audit: undefined,
    event: 'token.issued',
    // A token is a credential: no browser or proxy cache may keep it (the GET routes above all).
    headers: { 'x-request-id': requestId, 'cache-control': 'no-store' },
  }
  cors.addHeaders(request.header('origin'), call.headers)
  let answer: Answer
  let failure: HttpError | undefined
  try {
    if (perAddress > 0) {
      const limited = limit(ctx, 'address', clientAddress(request, trustProxy), perAddress)
      if (limited !== undefined) await limited
    }
    const identity = ctx.auth.authenticate({
      authorization: request.header('authorization'),
      apiKey: request.header('x-api-key'),
    })
    call.identity = identity instanceof Promise ? await identity : identity
    // Anonymous callers share no identity worth limiting; the address limit covers them.
    if (perIdentity > 0 && call.identity.kind !== 'anonymous') {
      const limited = limit(ctx, 'identity', describeIdentity(call.identity), perIdentity)
      if (limited !== undefined) await limited
    }
    const handled = route.handle(request, call)
    answer = handled instanceof Promise ? await handled : handled
  } catch (error) {
    failure = toHttpError(error)
    if (failure.retryAfter !== undefined) call.headers['retry-after'] = String(failure.retryAfter)
    if (failure.kind === 'unauthenticated') call.headers['www-authenticate'] = 'Bearer realm="agate"'
    if (failure.kind === 'forbidden' || failure.kind === 'unauthenticated')
      metrics.denied(failure.reason ?? failure.kind)
    answer = route.renderError(failure, call)
  }
  const seconds = (performance.now() - started) / 1000
  metrics.requestDone(route.route, answer.status, seconds)
  logRequest(ctx, request, route.route, call, answer.status, seconds, failure)
  return answer
}

/** An answer of `type` with `text` as its body, carrying the call's headers. */
function respondWith(call: Call, text: string, status: number, type: string): Answer {
  call.headers['content-type'] = type
  return { status, headers: call.headers, body: text }
}

/** A JSON answer carrying the call's headers. */
export function respondJson(call: Call, body: unknown, status = 200, type = 'application/json'): Answer {
  return respondWith(call, JSON.stringify(body), status, type)
}

/** A JSON answer given as its text, carrying the call's headers. */
export function respondJsonText(call: Call, json: string, status = 200): Answer {
  return respondWith(call, json, status, 'application/json')
}

/** A plain-text answer carrying the call's headers. */
export function respondText(call: Call, text: string, status: number): Answer {
  return respondWith(call, text, status, 'text/plain; charset=UTF-8')
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
export function issueEach(
  ctx: ServerContext,
  call: Call,
  combined: TokenOrder,
  parts: readonly TokenOrder[],
): string[] {
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

/**
 * Counts a request against a limit: synchronously with a store that answers at once (memory),
 * through the returned promise with one on the network (Redis).
 * @throws {HttpError} `rate-limited` past the limit.
 */
function limit(ctx: ServerContext, scope: 'identity' | 'address', key: string, max: number): Promise<void> | undefined {
  const pending = ctx.rateLimits.hit(`${scope}:${key}`, max, ctx.config.rateLimit.windowMs)
  if (pending instanceof Promise) return pending.then((hit) => checkLimit(ctx, scope, hit))
  checkLimit(ctx, scope, pending)
  return undefined
}

function checkLimit(ctx: ServerContext, scope: 'identity' | 'address', hit: RateLimitHit): void {
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
export function clientAddress(request: TokenRequest, trustProxy: number): string {
  const socket = request.remoteAddress ?? 'unknown'
  if (trustProxy === 0) return socket
  const forwarded = request.header('x-forwarded-for')
  if (forwarded === undefined) return socket
  const hops = forwarded.split(',').map((hop) => hop.trim())
  return hops[hops.length - trustProxy] ?? hops[0] ?? socket
}

function logRequest(
  ctx: ServerContext,
  request: TokenRequest,
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
    method: request.method,
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
