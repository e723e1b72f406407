/**
 * The token server on Cloudflare Workers: the same Hono app as on Node, configured from the
 * Worker's bindings (vars and secrets), with no Node APIs (`scripts/build-worker.mjs` bundles it).
 * @module
 */
import type { ExecutionContext, Hono } from 'hono'
import { pino, type Logger } from 'pino'
import { createApp } from '../server/app.js'
import { resolveConfig } from '../server/config/resolve.js'
import type { ServerMode } from '../server/config/types.js'
import { HttpError, PROBLEM_JSON, problemOf } from '../server/errors.js'

/**
 * The Worker's bindings. The settings are the server's (`AGORA_APP_ID`, `AGORA_APP_CERTIFICATE`,
 * `AGATE_API_KEYS`, `AGATE_POLICY` …): plain values as `[vars]` in `wrangler.toml`, secrets with
 * `wrangler secret put`. A JSON setting may also be given as a TOML table. Other bindings (KV, …)
 * are ignored.
 */
export type WorkerEnv = Readonly<Record<string, unknown>>

/**
 * One app per isolate, built on its first request. Workers hand the same `env` object to every
 * request of an isolate; a new `env` (new secrets after a deploy) builds a new app.
 */
const apps = new WeakMap<object, Promise<Hono>>()

/** The Worker: `export default` of the module, as Workers' module syntax wants. */
const worker = {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let app: Hono
    try {
      app = await appFor(env)
    } catch (error) {
      return misconfigured(error)
    }
    return app.fetch(request, clientOf(request), ctx)
  },
}

export default worker

/** Builds (or reuses) the app for these bindings. */
export function appFor(env: WorkerEnv): Promise<Hono> {
  let app = apps.get(env)
  if (app === undefined) {
    app = buildApp(env)
    // A failed build is not kept: the next request tries again (and reports the error again).
    app.catch(() => apps.delete(env))
    apps.set(env, app)
  }
  return app
}

async function buildApp(env: WorkerEnv): Promise<Hono> {
  const settings = settingsOf(env)
  // Production unless development is asked for: a Worker is on the public internet, and
  // development mode (no authentication, a generated certificate kept in a file) cannot work here.
  const mode: ServerMode = settings.AGATE_MODE === 'development' ? 'development' : 'production'
  const config = resolveConfig({ values: settings, mode })
  return createApp(config, { logger: workerLogger(config.log.level) })
}

/** String bindings as they are; JSON-shaped ones (TOML tables in `[vars]`) as JSON text. */
export function settingsOf(env: WorkerEnv): Record<string, string> {
  const settings: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') settings[name] = value
    else if (typeof value === 'number' || typeof value === 'boolean') settings[name] = String(value)
    else if (/^(AGATE|AGORA)_[A-Z0-9_]+$/.test(name) && isPlainJson(value)) settings[name] = JSON.stringify(value)
  }
  return settings
}

function isPlainJson(value: unknown): boolean {
  if (Array.isArray(value)) return true
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
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
  const detail = error instanceof Error && (error as { code?: unknown }).code === 'ERR_CONFIG' ? `misconfigured: ${error.message}` : 'the server could not start'
  console.error(JSON.stringify({ level: 'error', event: 'config.invalid', message: detail }))
  return new Response(JSON.stringify(problemOf(new HttpError('internal', detail))), { status: 500, headers: { 'Content-Type': PROBLEM_JSON } })
}
