/**
 * The token routes' exchange straight on `node:http`: the Node listener's fast path. A POST to a
 * token route on a fixed path is read from the `IncomingMessage` and answered on the
 * `ServerResponse` without building fetch `Request`/`Response` objects; everything else goes to
 * the Hono app. The routes and the pipeline are the same either way (`exchange.ts`).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { checkDeclaredLength, parseJsonBody, tooLarge } from './body.js'
import { HttpError, PROBLEM_JSON, problemOf } from './errors.js'
import type { Answer, TokenRequest } from './exchange.js'
import type { TokenRoutes } from './token-routes.js'

type Listener = (incoming: IncomingMessage, response: ServerResponse) => void
/**
 * The listener for everything else. @hono/node-server's returns a promise that settles once it has
 * answered (it catches its own errors), so that promise is not awaited.
 */
type FallbackListener = (incoming: IncomingMessage, response: ServerResponse) => void | Promise<void>

/**
 * A `node:http` request listener: token routes on fixed paths are served here, the rest by
 * `fallback` (the Hono app's listener). `onFailure` hears of an answer that could not be produced
 * (a bug: the pipeline renders every error it meets), which is then a bare 500.
 *
 * @example
 * ```ts
 * createServer(nodeTokenListener(tokens, getRequestListener(app.fetch), (error) => logger.error(error)))
 * ```
 */
export function nodeTokenListener(
  routes: TokenRoutes,
  fallback: FallbackListener,
  onFailure: (error: unknown) => void,
): Listener {
  return (incoming, response) => {
    if (incoming.method === 'POST') {
      const url = incoming.url ?? '/'
      const mark = url.indexOf('?')
      const serve = routes.post(mark === -1 ? url : url.slice(0, mark))
      if (serve !== undefined) {
        serve(new NodeTokenRequest(incoming, mark === -1 ? '' : url.slice(mark + 1))).then(
          (answer) => writeAnswer(response, answer),
          (error: unknown) => {
            onFailure(error)
            writeProblem(response, new HttpError('internal', 'internal error'))
          },
        )
        return
      }
    }
    void fallback(incoming, response)
  }
}

/** Writes a problem+json answer for `failure`, with its length. */
export function writeProblem(response: ServerResponse, failure: HttpError): void {
  writeAnswer(response, {
    status: failure.status,
    headers: { 'content-type': PROBLEM_JSON },
    body: JSON.stringify(problemOf(failure)),
  })
}

/** Writes an answer with its length (Node would otherwise send it chunked). */
function writeAnswer(response: ServerResponse, answer: Answer): void {
  const { headers, body } = answer
  headers['content-length'] = String(Buffer.byteLength(body))
  response.writeHead(answer.status, headers)
  response.end(body)
}

/** A token request over a Node `IncomingMessage`. */
class NodeTokenRequest implements TokenRequest {
  readonly #incoming: IncomingMessage
  readonly #search: string
  #query: URLSearchParams | undefined

  constructor(incoming: IncomingMessage, search: string) {
    this.#incoming = incoming
    this.#search = search
  }

  get method(): string {
    return this.#incoming.method ?? 'POST'
  }

  get remoteAddress(): string | undefined {
    return this.#incoming.socket.remoteAddress
  }

  header(name: string): string | undefined {
    // Node's `headers` joins a repeated header with `, ` as fetch's Headers does, except for a few
    // it keeps only the first of, Authorization among them: that one is read from every copy, so
    // a request with two Authorization headers meets the same answer on both exchanges (401).
    // The copies are read from `rawHeaders`: `headersDistinct` would build an array for every
    // header of every request (~0.9 µs against ~0.05).
    if (name !== 'authorization') return this.#incoming.headers[name] as string | undefined
    const raw = this.#incoming.rawHeaders
    let joined: string | undefined
    for (let index = 0; index < raw.length; index += 2) {
      const header = raw[index]!
      if (header.length === name.length && header.toLowerCase() === name)
        joined = joined === undefined ? raw[index + 1]! : `${joined}, ${raw[index + 1]!}`
    }
    return joined
  }

  query(name: string): string | undefined {
    if (this.#search === '') return undefined
    this.#query ??= new URLSearchParams(this.#search)
    return this.#query.get(name) ?? undefined
  }

  param(): undefined {
    return undefined
  }

  async json(limit: number): Promise<unknown> {
    const declared = this.#incoming.headers['content-length']
    if (declared !== undefined) checkDeclaredLength(declared, limit)
    return parseJsonBody(await readText(this.#incoming, limit))
  }
}

/**
 * Reads a body as UTF-8 text, refusing more than `limit` bytes. Past the limit the answer goes out
 * at once; the listener's response then drops the rest of the body before it closes the
 * connection (`node-response.ts`).
 */
function readText(incoming: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
      else if (!settled) {
        settled = true
        chunks.length = 0
        reject(tooLarge(limit))
      }
    })
    incoming.on('end', () => {
      if (settled) return
      settled = true
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8')
      atTurnEnd(() => resolve(text))
    })
    // A client that goes away mid-body: 'error' (aborted) or just 'close'. The error is made only
    // then: an Error captures a stack, which is not free on every request.
    const cutOff = (): void => {
      if (settled) return
      settled = true
      reject(new HttpError('invalid-request', 'the request body was cut off'))
    }
    incoming.on('error', cutOff)
    incoming.on('close', cutOff)
  })
}

/**
 * Bodies that arrive in one turn of the event loop are handed to their routes together, at the
 * end of the turn (setImmediate): the token work of a burst of requests then runs back to back,
 * with the library's code and tables warm in the CPU's caches, rather than each between two runs
 * of the HTTP stack, and their answers leave together, so a client is woken once for several.
 * Under load that saved a third or more of the CPU per request (README "Server performance"); a
 * request that comes alone waits only for the rest of its turn.
 */
let waiting: (() => void)[] = []

function atTurnEnd(resume: () => void): void {
  if (waiting.length === 0) setImmediate(resumeWaiting)
  waiting.push(resume)
}

function resumeWaiting(): void {
  const resumes = waiting
  waiting = []
  for (const resume of resumes) resume()
}
