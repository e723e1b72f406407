/**
 * The Node listener's `ServerResponse` (node:http's `ServerResponse` option), which makes sure the
 * client reads every answer the server writes:
 *
 * - while the server drains, every answer says `Connection: close`, in flight or not;
 * - an answer written before the request's body has all arrived (413 on a declared length, 401,
 *   429, a 404 to a POST …) closes the connection lingeringly. Node would close the socket right
 *   after the answer, with the body still arriving: the kernel then resets the connection, and a
 *   client that writes its whole body before reading (Python's `http.client`, many SDKs) gets a
 *   broken pipe instead of the answer. Here the answer goes out at once, the rest of the body is
 *   read and dropped (up to {@link LINGER_BYTES}, for up to {@link LINGER_MS}), and only then does
 *   the connection close (RFC 9112 §9.6, "tear-down").
 * @module
 */
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'

/**
 * How much of an unwanted body is read and dropped before the connection closes anyway. Time is
 * the real bound (as in nginx's and Apache's lingering close, which have no byte limit); this one
 * only stops a fast sender early. Reading and dropping costs a copy per byte, no memory.
 */
export const LINGER_BYTES = 64 * 1024 * 1024
/** How long an unwanted body is waited for before the connection closes anyway, ms. */
export const LINGER_MS = 5000

/** Sockets closing lingeringly: a timeout or parse error on them has nothing more to answer. */
const lingering = new WeakSet<Socket>()

/** True while `socket` is finishing an answer given before its request's body arrived. */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket)
}

/**
 * A `ServerResponse` class for `createServer({ ServerResponse })`; `draining()` says whether the
 * server is shutting down.
 *
 * @example
 * ```ts
 * createServer({ ServerResponse: responseClass(() => state.draining) }, listener)
 * ```
 */
export function responseClass(draining: () => boolean): typeof ServerResponse<IncomingMessage> {
  return class AgateResponse extends ServerResponse<IncomingMessage> {
    /** Every way of sending the head goes through here (`end` and `write` call it too). */
    override writeHead(
      statusCode: number,
      reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
      headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
    ): this {
      // The last answer on the connection: Node then sends `Connection: close` and closes after it.
      if (draining() || bodyPending(this.req)) this.shouldKeepAlive = false
      // Passed on as given: Node reads a non-string `reason` as the headers. (Named parameters,
      // not rest and spread: this runs for every answer.)
      return super.writeHead(statusCode, reason as string | undefined, headers)
    }

    override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
      const request = this.req
      if (!bodyPending(request) || request.destroyed || this.socket === null || lingering.has(this.socket)) {
        return super.end(chunk as string, encoding as BufferEncoding, callback as () => void)
      }
      const socket = this.socket
      lingering.add(socket)
      // Node's own reading of end's arguments: (callback), (chunk, callback) or (chunk, encoding, callback).
      let body = chunk as string | Uint8Array | null | undefined
      let bodyEncoding = encoding as BufferEncoding | undefined
      let done = callback as (() => void) | undefined
      if (typeof chunk === 'function') [body, bodyEncoding, done] = [undefined, undefined, chunk as () => void]
      else if (typeof encoding === 'function') [bodyEncoding, done] = [undefined, encoding as () => void]
      if (!this.headersSent && !this.hasHeader('content-length')) {
        // What `end(chunk)` would have declared; `write` alone would send the answer chunked.
        this.setHeader('content-length', body == null ? 0 : Buffer.byteLength(body, bodyEncoding))
      }
      if (body == null || body.length === 0) this.flushHeaders()
      else if (bodyEncoding === undefined) this.write(body)
      else this.write(body, bodyEncoding)
      dropBody(request, () => {
        if (!socket.destroyed) super.end(done)
      })
      return this
    }
  }
}

/**
 * Whether part of the request's body may still be on its way. A request without a body is not
 * `complete` yet while its 'request' event runs (Node marks it after): an answer written then
 * (Hono answers a GET synchronously) must not cost the connection.
 */
function bodyPending(request: IncomingMessage): boolean {
  if (request.complete) return false
  const { headers } = request
  return (
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0')
  )
}

/**
 * Reads and drops the rest of a request's body, then calls `done`: once it has ended, the client
 * went away, {@link LINGER_BYTES} were dropped or {@link LINGER_MS} passed.
 */
function dropBody(request: IncomingMessage, done: () => void): void {
  let dropped = 0
  let finished = false
  const finish = (): void => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    request.off('data', count)
    request.off('end', finish)
    request.off('close', finish)
    request.off('error', finish)
    done()
  }
  const count = (chunk: Buffer): void => {
    dropped += chunk.length
    if (dropped > LINGER_BYTES) finish()
  }
  const timer = setTimeout(finish, LINGER_MS)
  request.on('data', count)
  request.once('end', finish)
  request.once('close', finish)
  request.once('error', finish)
  request.resume()
}
