/**
 * The token routes of an app. Each is mounted on the Hono app, which serves it on every runtime;
 * POST routes on fixed paths are also listed here, so that on Node the listener can serve them
 * straight from `node:http` and skip Hono and its adapter (about 30 µs of a ~150 µs request on
 * this project's machine, README "Server performance"). Both ways run the same pipeline.
 * @module
 */
import type { Hono } from 'hono'
import type { ServerContext } from './context.js'
import type { Answer, TokenRequest } from './exchange.js'
import { honoRequest, toResponse } from './hono-exchange.js'
import { serveTokenRoute, type TokenRoute } from './pipeline.js'

/** Serves one request to a token route (see {@link serveTokenRoute}). */
export type TokenRouteServer = (request: TokenRequest) => Promise<Answer>

/**
 * The token routes of one app.
 *
 * @example
 * ```ts
 * const tokens = new TokenRoutes(app, ctx)
 * tokens.mount('POST', '/fetch_rtc_token', { route: '/fetch_rtc_token', renderError, handle })
 * tokens.post('/fetch_rtc_token') // the same route, for the Node listener
 * ```
 */
export class TokenRoutes {
  readonly #app: Hono
  readonly #ctx: ServerContext
  readonly #posts = new Map<string, TokenRouteServer>()

  constructor(app: Hono, ctx: ServerContext) {
    this.#app = app
    this.#ctx = ctx
  }

  /** Mounts `route` for `method` on each of `paths` (Hono patterns, e.g. `/rtm/:uid`). */
  mount(method: 'GET' | 'POST', paths: string | readonly string[], route: TokenRoute): void {
    const ctx = this.#ctx
    const list = typeof paths === 'string' ? [paths] : [...paths]
    this.#app.on(method, list, (c) => serveTokenRoute(ctx, route, honoRequest(c)).then(toResponse))
    if (method !== 'POST') return
    for (const path of list) {
      if (!path.includes(':') && !this.#posts.has(path))
        this.#posts.set(path, (request) => serveTokenRoute(ctx, route, request))
    }
  }

  /** The route a POST to `path` (exactly, no query) goes to, when it is a token route on a fixed path. */
  post(path: string): TokenRouteServer | undefined {
    return this.#posts.get(path)
  }
}
