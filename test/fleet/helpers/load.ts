/**
 * A small load generator for the shutdown tests: keep-alive connections sending token requests
 * back to back, each with its own request id, and an account of what became of every request.
 * @module
 */
import { Agent, request } from 'node:http'
import { connect } from 'node:net'

/** The docs' Go sample request. */
export const FETCH_BODY = JSON.stringify({ uid: 2882341273, ChannelName: 'ChannelA', role: 1 })

/** What happened to the requests of a run. */
export interface LoadReport {
  /** Responses by status. */
  statuses: Record<number, number>
  /** Request ids that got a response. */
  answered: Set<string>
  /** Requests whose connection was refused: the server was not accepting any more. */
  refused: number
  /** Request ids whose connection closed before any response: never read, or lost. */
  unanswered: string[]
  /** Anything else (should be empty). */
  errors: string[]
}

/**
 * Runs `connections` loops of `POST path` against `url` until `signal` aborts or the server stops
 * accepting connections. With `fresh`, each request opens a new connection (so a cluster's
 * round-robin spreads them).
 */
export async function runLoad(
  url: string,
  options: { connections: number; signal: AbortSignal; path?: string; body?: string; fresh?: boolean },
): Promise<LoadReport> {
  const report: LoadReport = { statuses: {}, answered: new Set(), refused: 0, unanswered: [], errors: [] }
  const agent = new Agent({ keepAlive: options.fresh !== true, maxSockets: options.connections })
  const target = new URL(options.path ?? '/fetch_rtc_token', url)
  const body = options.body ?? FETCH_BODY
  const loop = async (index: number): Promise<void> => {
    for (let n = 0; !options.signal.aborted; n++) {
      const id = `load-${index}-${n}`
      const outcome = await send(agent, target, body, id)
      if (typeof outcome === 'number') {
        report.statuses[outcome] = (report.statuses[outcome] ?? 0) + 1
        report.answered.add(id)
      } else if (outcome === 'ECONNREFUSED') {
        report.refused++
        return
      } else if (outcome === 'ECONNRESET' || outcome === 'socket hang up') {
        report.unanswered.push(id)
      } else {
        report.errors.push(`${id}: ${outcome}`)
        return
      }
    }
  }
  await Promise.all(Array.from({ length: options.connections }, (_, index) => loop(index)))
  agent.destroy()
  return report
}

function send(agent: Agent, target: URL, body: string, id: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      target,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-Request-Id': id },
        timeout: 10_000,
      },
      (res) => {
        res.resume()
        res.once('end', () => resolve(res.statusCode ?? 0))
        res.once('aborted', () => resolve('response aborted'))
        res.once('error', (error) => resolve(`response error ${error.message}`))
      },
    )
    req.once('timeout', () => req.destroy(new Error('timeout')))
    req.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' ? error.code : error.message),
    )
    req.end(body)
  })
}

/**
 * A request that is in flight on purpose: headers and half the body are sent at once, the rest
 * when `finish()` is called. Resolves with the status line's code (0 if the connection closed
 * without a response).
 */
export async function slowRequest(url: string, id: string): Promise<{ finish(): void; response: Promise<number> }> {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port) })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const half = Math.floor(FETCH_BODY.length / 2)
  socket.write(
    `POST /fetch_rtc_token HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${FETCH_BODY.length}\r\nX-Request-Id: ${id}\r\n\r\n${FETCH_BODY.slice(0, half)}`,
  )
  let received = ''
  const response = new Promise<number>((resolve) => {
    const status = (): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString()
      // A whole response (head and Content-Length bytes of body) is enough; the server may keep the
      // connection open.
      const head = received.indexOf('\r\n\r\n')
      const length = /\r\ncontent-length: *(\d+)/i.exec(received)?.[1]
      if (head >= 0 && length !== undefined && Buffer.byteLength(received.slice(head + 4)) >= Number(length)) {
        socket.destroy()
        resolve(status())
      }
    })
    socket.once('close', () => resolve(status()))
    socket.once('error', () => undefined)
  })
  return {
    finish: () => {
      socket.write(FETCH_BODY.slice(half))
    },
    response,
  }
}
