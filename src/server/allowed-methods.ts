/**
 * Which methods an app answers on a path: what tells a 405 (the path exists, not with this method,
 * and `Allow` lists the methods it has) from a 404 (no route has the path at all).
 * @module
 */
import type { Hono } from 'hono'
import { TrieRouter } from 'hono/router/trie-router'
import { HttpError } from './errors.js'

/**
 * The methods of an app's routes, by path. Routes added with `use` or `all` (method `ALL`) do not
 * count: a middleware on `/sandbox/*` does not make every path under it a resource, and a path
 * served for all methods never needs a 405.
 *
 * @example
 * ```ts
 * const allowed = new AllowedMethods(app)
 * allowed.of('/v1/tokens') // ['OPTIONS', 'POST']
 * allowed.of('/nope') // []
 * ```
 */
export class AllowedMethods {
  readonly #app: Hono
  #router: TrieRouter<true> | undefined
  #methods: string[] = []
  #routeCount = -1

  constructor(app: Hono) {
    this.#app = app
  }

  /** The methods `path` is served with, sorted; HEAD wherever GET is (Hono answers it). Empty: no such path. */
  of(path: string): string[] {
    const router = this.#current()
    return withHead(this.#methods.filter((method) => router.match(method, path)[0].length > 0))
  }

  /** Every method some route is served with, sorted: the `Allow` of a request that names no path (`CONNECT host:443`). */
  all(): string[] {
    this.#current()
    return withHead(this.#methods)
  }

  /** The router over the app's routes, rebuilt when routes were added since (it is built at the first 404 or 405). */
  #current(): TrieRouter<true> {
    const routes = this.#app.routes
    if (this.#router !== undefined && routes.length === this.#routeCount) return this.#router
    const router = new TrieRouter<true>()
    const methods = new Set<string>()
    for (const route of routes) {
      if (route.method === 'ALL') continue
      router.add(route.method, route.path, true)
      methods.add(route.method)
    }
    this.#router = router
    this.#methods = [...methods]
    this.#routeCount = routes.length
    return router
  }
}

function withHead(methods: readonly string[]): string[] {
  const all = new Set(methods)
  if (all.has('GET')) all.add('HEAD')
  return [...all].sort()
}

/**
 * The refusal of a request that no route serves: 404 when nothing has its path (`allowed` is
 * empty), else 405 naming the methods that are served; the caller sends them as `Allow`. One rule
 * for the app's routes and for `CONNECT`, which Node hands to the listener apart.
 */
export function unserved(method: string, allowed: readonly string[]): HttpError {
  return allowed.length === 0
    ? new HttpError('not-found', 'no such route')
    : new HttpError('method-not-allowed', `${method} is not served here; allowed: ${allowed.join(', ')}`)
}
