/**
 * The token server on Cloudflare Workers: the same Hono app as on Node, configured from the
 * Worker's bindings (vars and secrets), with no Node APIs (`scripts/build-worker.mjs` bundles it).
 * Rate limits and the fleet's counts are kept in Durable Objects, so they hold across isolates.
 * @module
 */
import type { DurableObjectNamespace } from 'cloudflare:workers'
import type { ExecutionContext, Hono } from 'hono'
import { pino, type Logger } from 'pino'
import { createApp } from '../server/app.js'
import { resolveConfig } from '../server/config/resolve.js'
import type { ServerConfig, ServerMode } from '../server/config/types.js'
import type { ServerState } from '../server/context.js'
import { HttpError, problemResponse } from '../server/errors.js'
import { createMetrics, type Metrics } from '../server/metrics.js'
import type { RateLimitStore } from '../server/rate-limit.js'
import type { FleetCounts } from './durable-fleet-counts.js'
import type { RateLimitCounter } from './durable-rate-limit-counter.js'
import { DurableObjectRateLimitStore, type StoreFailureMode } from './durable-rate-limit-store.js'
import { FleetMetrics } from './fleet-metrics.js'
import { mountFleetMetrics } from './fleet-metrics-route.js'
import { durableObjectBinding, settingsOf, type WorkerEnv } from './settings.js'

// The Durable Object classes: Workers find them among the entry module's exports (wrangler.toml).
export { FleetCounts } from './durable-fleet-counts.js'
export { RateLimitCounter } from './durable-rate-limit-counter.js'
export type { WorkerEnv } from './settings.js'

/** The binding of the rate-limit counters (`RateLimitCounter`) in wrangler.toml. */
const RATE_LIMITS_BINDING = 'AGATE_RATE_LIMITS'
/** The binding of the fleet's counts (`FleetCounts`) in wrangler.toml. */
const FLEET_COUNTS_BINDING = 'AGATE_FLEET_COUNTS'

/** The app of one isolate, and the fleet counts it feeds (when bound). */
interface EdgeApp {
  app: Hono
  fleet: FleetMetrics | undefined
}

/**
 * One app per isolate, built on its first request. Workers hand the same `env` object to every
 * request of an isolate; a new `env` (new secrets after a deploy) builds a new app.
 */
const apps = new WeakMap<object, Promise<EdgeApp>>()

/** The Worker: `export default` of the module, as Workers' module syntax wants. */
const worker = {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let edge: EdgeApp
    try {
      edge = await appFor(env)
    } catch (error) {
      return misconfigured(error)
    }
    const response = await edge.app.fetch(request, clientOf(request), ctx)
    edge.fleet?.sendAfter(ctx)
    return response
  },
}

export default worker

/** Builds (or reuses) the app for these bindings. */
function appFor(env: WorkerEnv): Promise<EdgeApp> {
  let app = apps.get(env)
  if (app === undefined) {
    app = buildApp(env)
    // A failed build is not kept: the next request tries again (and reports the error again).
    app.catch(() => apps.delete(env))
    apps.set(env, app)
  }
  return app
}

async function buildApp(env: WorkerEnv): Promise<EdgeApp> {
  const settings = settingsOf(env)
  // Production unless development is asked for: a Worker is on the public internet, and
  // development mode (no authentication, a generated certificate kept in a file) cannot work here.
  const mode: ServerMode = settings.AGATE_MODE === 'development' ? 'development' : 'production'
  const config = resolveConfig({ values: settings, mode })
  const failureMode = config.rateLimit.store.durableObjectFailure ?? 'allow'
  const logger = workerLogger(config.log.level)
  const metrics = createMetrics()
  const state: ServerState = { draining: false }
  const rateLimitStore = rateLimitStoreOf(env, config, failureMode, logger, metrics, state)
  const counts = durableObjectBinding<DurableObjectNamespace<FleetCounts>>(env, FLEET_COUNTS_BINDING)
  const fleet = counts === undefined ? undefined : new FleetMetrics(counts, logger)
  const app = createApp(config, {
    logger,
    metrics: fleet === undefined ? metrics : fleet.wrap(metrics),
    ...(rateLimitStore === undefined ? {} : { rateLimitStore }),
    state,
    ...(fleet === undefined ? {} : { extraRoutes: (app: Hono, ctx) => mountFleetMetrics(app, ctx, fleet) }),
  })
  return { app, fleet }
}

/**
 * Rate limits counted in Durable Objects when the binding is there (global); otherwise in the
 * isolate's memory, with a warning, since each isolate then allows the whole limit on its own.
 */
function rateLimitStoreOf(
  env: WorkerEnv,
  config: ServerConfig,
  failureMode: StoreFailureMode,
  logger: Logger,
  metrics: Metrics,
  state: ServerState,
): RateLimitStore | undefined {
  const namespace = durableObjectBinding<DurableObjectNamespace<RateLimitCounter>>(env, RATE_LIMITS_BINDING)
  if (namespace === undefined) {
    if (config.rateLimit.perIdentity > 0 || config.rateLimit.perAddress > 0) {
      logger.warn(
        { event: 'rate-limit-per-isolate' },
        `no ${RATE_LIMITS_BINDING} Durable Object binding: rate limits are counted per isolate, not globally`,
      )
    }
    return undefined
  }
  const store = new DurableObjectRateLimitStore({ namespace, failureMode, logger, registry: metrics.registry })
  // As on Node: in refuse mode, /readyz reports a store that fails.
  if (failureMode === 'refuse') state.unavailable = () => (store.available ? undefined : 'rate-limit-store')
  return store
}

/**
 * JSON lines through `console.log`, which Workers collect (`wrangler tail`, Logpush), in the same
 * shape as on Node (`level` as a word, ISO `time`). pino's browser build: it needs no streams.
 */
function workerLogger(level: string): Logger {
  return pino({
    level,
    // The browser build puts whatever this returns into `time`.
    timestamp: () => new Date().toISOString(),
    browser: {
      asObject: true,
      formatters: { level: (label: string) => ({ level: label }) },
      write: (record: object) => console.log(JSON.stringify(record)),
    },
  })
}

/**
 * The app reads the client address (for per-address rate limits) where `@hono/node-server` puts
 * the socket; on Workers, Cloudflare's edge sets `CF-Connecting-IP`, which a client cannot forge.
 */
function clientOf(request: Request): { incoming: { socket: { remoteAddress: string } } } {
  return { incoming: { socket: { remoteAddress: request.headers.get('cf-connecting-ip') ?? 'unknown' } } }
}

/** A bad setting answers every request with a 500 naming it (config errors never hold a secret). */
function misconfigured(error: unknown): Response {
  const detail =
    error instanceof Error && (error as { code?: unknown }).code === 'ERR_CONFIG'
      ? `misconfigured: ${error.message}`
      : 'the server could not start'
  console.error(JSON.stringify({ level: 'error', event: 'config.invalid', message: detail }))
  return problemResponse(new HttpError('internal', detail))
}
