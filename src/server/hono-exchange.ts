/**
 * The token routes' exchange on Hono: a {@link TokenRequest} over a Hono context, and an
 * {@link Answer} as a `Response`. This is how the token routes run on every runtime (Workers,
 * Deno, tests' `app.request`), and on Node for the routes the fast path does not take.
 * @module
 */
import type { Context } from 'hono'
import { readJsonBody } from './body.js'
import type { Answer, TokenRequest } from './exchange.js'

/** The request of a Hono context. */
export function honoRequest(c: Context): TokenRequest {
  // @hono/node-server passes the Node request in `env.incoming`; other runtimes do not tell.
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return {
    method: c.req.method,
    header: (name) => c.req.header(name),
    query: (name) => c.req.query(name),
    param: (name) => c.req.param(name),
    json: (limit) => readJsonBody(c, limit),
    remoteAddress: env?.incoming?.socket?.remoteAddress,
  }
}

/**
 * The answer as a `Response` with a plain header object: on @hono/node-server that is the
 * cheapest path to the socket (no `Headers` instance to create and copy, as `c.header()` would).
 */
export function toResponse(answer: Answer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers })
}
