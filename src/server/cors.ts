/**
 * CORS from an allow-list, written straight into the answer's headers.
 *
 * Not `hono/cors`: on @hono/node-server it touches `c.res.headers` before the handler runs, which
 * pushes every response off the adapter's fast path (+89 µs per request measured on this machine,
 * `framework-overhead.md` §5). Token routes add the headers to the plain header object of their
 * Response; other routes use `c.header()`.
 * @module
 */
import type { Context } from 'hono'

/**
 * Methods and request headers a browser may use. `Authorization` is allowed so callers can
 * authenticate; `X-Requested-With` because the docs' Go server allows it and jQuery-era clients send it.
 */
const ALLOW_METHODS = 'GET, POST, OPTIONS'
const ALLOW_HEADERS = 'Authorization, Content-Type, X-API-Key, X-Request-Id, X-Requested-With'
/**
 * Answer headers a page on another origin may read. `Date` is not CORS-safelisted: the client
 * helper's token source reads it to measure a token's remaining life on the server's clock.
 */
const EXPOSE_HEADERS = 'X-Request-Id, Retry-After, Date'

/**
 * The CORS policy. `origins` is `'*'` (any origin; fine for bearer-token auth, which browsers never
 * send on their own) or a list of exact origins such as `https://app.example.com`. An empty list
 * sends no CORS headers, so browsers on other origins cannot read answers.
 *
 * CORS is not access control: a request from a disallowed origin is still served (without CORS
 * headers), because anything that is not a browser can forge `Origin`. Authentication decides.
 */
export class Cors {
  readonly #any: boolean
  readonly #origins: ReadonlySet<string>

  constructor(origins: '*' | readonly string[]) {
    this.#any = origins === '*'
    this.#origins = new Set(origins === '*' ? [] : origins)
  }

  /**
   * Adds the CORS headers of an actual (non-preflight) request to `headers` (lower-case names) when
   * `origin` is allowed. Token routes collect their headers this way and hand them to the Response.
   */
  addHeaders(origin: string | undefined, headers: Record<string, string>): void {
    // With an allow-list the answer depends on Origin whether or not this one is allowed: a cache
    // must not hand an answer without CORS headers to an allowed origin, or the reverse.
    if (this.#origins.size > 0) headers.vary = 'Origin'
    if (origin === undefined || (!this.#any && !this.#origins.has(origin))) return
    headers['access-control-allow-origin'] = this.#any ? '*' : origin
    headers['access-control-expose-headers'] = EXPOSE_HEADERS
  }

  /** The same, through `c.header()`, for routes that build their answer with the context. */
  apply(c: Context): void {
    const headers: Record<string, string> = {}
    this.addHeaders(c.req.header('origin'), headers)
    for (const [name, value] of Object.entries(headers)) c.header(name, value)
  }

  /**
   * Answers a preflight: `status` (the docs' server uses 200, others 204) with the allowed methods
   * and headers, or 403 when the origin is not allowed.
   */
  preflight(c: Context, status: 200 | 204 = 204): Response {
    const origin = c.req.header('origin')
    if (this.#origins.size > 0) c.header('Vary', 'Origin')
    if (origin !== undefined && !this.#any && !this.#origins.has(origin)) {
      return c.text('origin not allowed', 403)
    }
    if (origin !== undefined) c.header('Access-Control-Allow-Origin', this.#any ? '*' : origin)
    c.header('Access-Control-Allow-Methods', ALLOW_METHODS)
    c.header('Access-Control-Allow-Headers', ALLOW_HEADERS)
    c.header('Access-Control-Max-Age', '600')
    return c.body(null, status)
  }
}
