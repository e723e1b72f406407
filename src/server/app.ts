/**
 * The token server as a Hono app, built from a validated config. Pure: it neither listens nor reads
 * the environment, so tests call it in process (`app.request(...)`) and the same app can run on
 * any runtime Hono supports.
 * @module
 */
import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from 'pino'
import { AllowedMethods, unserved } from './allowed-methods.js'
import { Authenticator } from './auth/authenticate.js'
import type { ServerConfig } from './config.js'
import type { ServerContext, ServerState } from './context.js'
import { Cors } from './cors.js'
import { causeOf, HttpError, PROBLEM_JSON, problemOf } from './errors.js'
import { createLoggerOn, requestLineWriter } from './logging.js'
import { createMetrics, type Metrics } from './metrics.js'
import { mountOpenApi } from './openapi.js'
import { Policy } from './policy.js'
import { MemoryRateLimitStore, type RateLimitStore } from './rate-limit.js'
import { mountGetToken } from './routes/compat-get-token.js'
import { mountCompatPathRoutes } from './routes/compat-path-routes.js'
import { mountFetchRtcToken } from './routes/fetch-rtc-token.js'
import { mountHealth } from './routes/health.js'
import { mountV1Tokens } from './routes/v1-tokens.js'
import { TokenRoutes } from './token-routes.js'

/** What `createApp` can be given instead of its defaults. */
export interface AppDeps {
  /** Default: a pino logger at the configured level on stdout. The listener passes its own. */
  logger?: Logger
  /** Default: fresh metrics on a registry of this app's own. */
  metrics?: Metrics
  /** Default: in memory. A shared store (e.g. Redis) plugs in here. */
  rateLimitStore?: RateLimitStore
  /** Shared with the listener, which sets `draining` on shutdown. */
  state?: ServerState
  /** The clock, Unix ms (tests). */
  now?: () => number
  /**
   * Mounts more routes on the app, after the built-in ones (which therefore win on a clash). Use
   * prefixes of your own, such as `/sandbox/*`, `/demo/*` or `/` (the built-in JSON index at `/` is
   * added only when nothing else answers `GET /`). Avoid `app.use('*', …)`: a middleware on every
   * path would put the token routes on Hono's slower middleware path.
   */
  extraRoutes?: (app: Hono, ctx: ServerContext) => void
}

/**
 * Builds the app: the docs' `/fetch_rtc_token`, `/v1/tokens`, `/v1/tokens/verify`, the community
 * servers' routes, health, metrics and the OpenAPI document.
 *
 * @example
 * ```ts
 * const app = createApp(await loadConfig(process.env), {
 *   extraRoutes: (app) => app.get('/sandbox/*', sandboxHandler),
 * })
 * const res = await app.request('/healthz')
 * ```
 */
export function createApp(config: ServerConfig, deps: AppDeps = {}): Hono {
  return buildApp(config, deps).app
}

/** An app and its token routes (which the Node listener serves straight from `node:http`). */
export interface BuiltApp {
  app: Hono
  tokenRoutes: TokenRoutes
  /** The methods each path is served with (the listener's answer to `CONNECT` lists them too). */
  allowedMethods: AllowedMethods
}

/** {@link createApp}, also returning the token routes: what the Node listener needs. */
export function buildApp(config: ServerConfig, deps: AppDeps = {}): BuiltApp {
  const logger = deps.logger ?? createLoggerOn(config.log.level, process.stdout)
  const now = deps.now ?? Date.now
  const ctx: ServerContext = {
    config,
    logger,
    requestLog: requestLineWriter(logger),
    metrics: deps.metrics ?? createMetrics(),
    auth: new Authenticator(config.auth),
    policy: new Policy(config.policy.rules),
    rateLimits: deps.rateLimitStore ?? new MemoryRateLimitStore({ now }),
    cors: new Cors(config.cors),
    state: deps.state ?? { draining: false },
    now,
  }

  const app = new Hono()
  const tokenRoutes = new TokenRoutes(app, ctx)
  mountFetchRtcToken(app, ctx, tokenRoutes)
  mountV1Tokens(app, ctx, tokenRoutes)
  mountGetToken(app, ctx, tokenRoutes)
  mountCompatPathRoutes(app, ctx, tokenRoutes)
  mountHealth(app, ctx)
  mountOpenApi(app)
  deps.extraRoutes?.(app, ctx)
  if (!app.routes.some((route) => route.path === '/' && (route.method === 'GET' || route.method === 'ALL'))) {
    app.get('/', (c) =>
      c.json({
        name: 'agate token server',
        mode: config.mode,
        endpoints: [
          'POST /fetch_rtc_token',
          'POST /v1/tokens',
          'POST /v1/tokens/verify',
          'POST /getToken',
          'GET /openapi.json',
          'GET /healthz',
        ],
      }),
    )
  }

  // 404 only for a path no route has; a path that exists answers other methods 405, with Allow.
  const allowedMethods = new AllowedMethods(app)
  app.notFound((c) => {
    const allowed = allowedMethods.of(c.req.path)
    if (allowed.length > 0) c.header('Allow', allowed.join(', '))
    return problem(c, unserved(c.req.method, allowed))
  })
  app.onError((error, c) => {
    // Routes render their own errors; this catches what escapes a non-token route.
    const failure = error instanceof HttpError ? error : new HttpError('internal', 'internal error', { cause: error })
    if (failure.status >= 500) {
      logger.error(
        {
          event: 'request.failed',
          method: c.req.method,
          cause: causeOf(error),
        },
        'request failed',
      )
    }
    return problem(c, failure)
  })
  return { app, tokenRoutes, allowedMethods }
}

function problem(c: Context, error: HttpError): Response {
  return c.body(JSON.stringify(problemOf(error)), error.status as ContentfulStatusCode, {
    'Content-Type': PROBLEM_JSON,
  })
}
