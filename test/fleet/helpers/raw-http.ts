/**
 * Raw HTTP/1.1 over `node:net`: for what fetch and `node:http` clients cannot send (CONNECT to a
 * path, no Host, garbage, `Expect` without waiting) or do not show (interim `100 Continue`
 * answers, whether the server reset the connection). Every wait is bounded.
 * @module
 */
import { connect, type Socket } from 'node:net'

/** One parsed answer: interim (1xx) ones have no body. */
export interface RawResponse {
  status: number
  /** Lower-case names. */
  headers: Record<string, string>
  body: string
}

/** A connection to a test server, recording everything it receives. */
export class RawConnection {
  readonly #socket: Socket
  #received = Buffer.alloc(0)
  #error: NodeJS.ErrnoException | undefined
  readonly #closed: Promise<void>
  readonly #listeners = new Set<() => void>()

  private constructor(socket: Socket, deaf: boolean) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk])
      for (const listener of this.#listeners) listener()
    })
    socket.on('error', (error: NodeJS.ErrnoException) => (this.#error = error))
    // A 'data' listener resumes the socket; a deaf one stays paused until listen().
    if (deaf) socket.pause()
    this.#closed = new Promise((resolve) =>
      socket.once('close', () => {
        resolve()
        for (const listener of this.#listeners) listener()
      }),
    )
  }

  /**
   * Connects to `url`'s host and port. With `deaf`, nothing is read until {@link listen}: what the
   * server sends waits in the kernel, as for a client that writes its whole request before reading
   * (if the server resets the connection meanwhile, the kernel drops it and reading fails).
   */
  static open(url: string, options: { deaf?: boolean } = {}): Promise<RawConnection> {
    const { hostname, port } = new URL(url)
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawConnection(socket, options.deaf === true)))
      if (options.deaf === true) socket.pause()
      socket.once('error', reject)
    })
  }

  /** Starts reading (after `deaf`). */
  listen(): void {
    this.#socket.resume()
  }

  /** Writes `data`; resolves once the kernel took all of it, rejects if the connection failed meanwhile (EPIPE, ECONNRESET). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.#socket.write(data, (error) => (error ? reject(error) : resolve())))
  }

  /** Everything received so far, as text. */
  get text(): string {
    return this.#received.toString('latin1')
  }

  /** The error the connection met (e.g. ECONNRESET), if any. */
  get error(): NodeJS.ErrnoException | undefined {
    return this.#error
  }

  /** Resolves when the connection has closed. */
  get closed(): Promise<void> {
    return this.#closed
  }

  /** Waits (at most `timeoutMs`) until `count` answers have arrived whole, or the connection closed; returns those that did. */
  async responses(count: number, timeoutMs = 10_000): Promise<RawResponse[]> {
    const done = (): boolean => this.#socket.destroyed || parseResponses(this.#received).length >= count
    if (!done()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, timeoutMs)
        function finish(): void {
          clearTimeout(timer)
          resolve()
        }
        const check = (): void => {
          if (!done()) return
          this.#listeners.delete(check)
          finish()
        }
        this.#listeners.add(check)
      })
    }
    return parseResponses(this.#received)
  }

  /** Waits for the first final (non-1xx) answer; fails if none came. */
  async finalResponse(timeoutMs = 10_000): Promise<RawResponse> {
    for (let count = 1; count <= 3; count++) {
      const got = await this.responses(count, timeoutMs)
      const final = got.find((response) => response.status >= 200)
      if (final !== undefined) return final
      if (got.length < count) break
    }
    throw new Error(`no final answer; received ${JSON.stringify(this.text.slice(0, 500))}, error ${this.#error?.code}`)
  }

  /** Closes the connection. */
  destroy(): void {
    this.#socket.destroy()
  }
}

/** Sends `request` on a new connection and returns the final answer (for one-shot raw requests). */
export async function rawRequest(url: string, request: string): Promise<RawResponse> {
  const connection = await RawConnection.open(url)
  try {
    await connection.write(request)
    return await connection.finalResponse()
  } finally {
    connection.destroy()
  }
}

/**
 * Sends `head` and then the whole `body` before reading anything, as Python's http.client and many
 * SDKs do, and returns the final answer; fails if the server reset the connection while the body
 * was going out.
 */
export async function writeWholeThenRead(url: string, head: string, body: Buffer): Promise<RawResponse> {
  const connection = await RawConnection.open(url, { deaf: true })
  try {
    await connection.write(head)
    await connection.write(body)
    connection.listen()
    return await connection.finalResponse()
  } finally {
    connection.destroy()
  }
}

/** Parses the whole answers in `bytes` (bodies by Content-Length; none for 1xx, 204 and 304). */
export function parseResponses(bytes: Buffer): RawResponse[] {
  const responses: RawResponse[] = []
  let offset = 0
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', offset)
    if (end < 0) return responses
    const [statusLine, ...lines] = bytes.subarray(offset, end).toString('latin1').split('\r\n')
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? NaN)
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = status < 200 || status === 204 || status === 304 ? 0 : Number(headers['content-length'] ?? 0)
    const bodyStart = end + 4
    if (bytes.length < bodyStart + length) return responses
    responses.push({ status, headers, body: bytes.subarray(bodyStart, bodyStart + length).toString('utf8') })
    offset = bodyStart + length
  }
}
