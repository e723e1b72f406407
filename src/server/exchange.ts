/**
 * One HTTP exchange as the token routes see it, whatever carries it: Hono on any runtime
 * (`hono-exchange.ts`), or on Node the listener's fast path straight on `node:http`
 * (`node-exchange.ts`). The routes and the pipeline are written once against these two types.
 * @module
 */

/** A request to a token route. */
export interface TokenRequest {
  readonly method: string
  /** A request header by lower-case name; repeated headers are joined with `, ` (as fetch's `Headers` does). */
  header(name: string): string | undefined
  /** A query parameter, decoded. */
  query(name: string): string | undefined
  /** A path parameter of the route pattern (`:uid`); routes on fixed paths have none. */
  param(name: string): string | undefined
  /**
   * The body parsed as JSON, refused past `limit` bytes.
   * @throws {HttpError} `payload-too-large`, `invalid-json`, `invalid-request`.
   */
  json(limit: number): Promise<unknown>
  /** The peer's address as the socket reports it, when the runtime tells. */
  readonly remoteAddress: string | undefined
}

/** A token route's answer: a status, headers with lower-case names, and a text body. */
export interface Answer {
  status: number
  headers: Record<string, string>
  body: string
}
