/**
 * A client that behaves as a load balancer in front of the token server does: it polls `/readyz`
 * and stops sending new requests once it answers 503, while loops send token requests over
 * keep-alive connections and over new connections. It accounts for every request it wrote.
 * @module
 */
import { Agent, request } from 'node:http'
import { FETCH_BODY } from './load.js'

/** What became of the requests of a run. */
export interface BalancerReport {
  /** Requests written. */
  sent: number
  /** Requests that got an answer, by status. */
  statuses: Record<number, number>
  /** Answers that said `Connection: close`. */
  closing: number
  /** Connections refused (the server no longer listened): nothing was written on them. */
  refused: number
  /** Requests written that got no answer (reset, closed, timed out): what must be zero. */
  lost: string[]
  /** Milliseconds from the start until `/readyz` said 503 (undefined if it never did). */
  notReadyAfterMs: number | undefined
}

/** Options of {@link runBalancer}. */
export interface BalancerOptions {
  /** Loops reusing keep-alive connections. */
  keepAlive: number
  /** Loops opening a new connection per request. */
  fresh: number
  /** How often `/readyz` is polled, ms. */
  pollMs: number
  /** Bounds: the run stops after this many requests, or this long, whatever comes first. */
  maxRequests: number
  maxMs: number
}

/** Runs loops against `url` until `/readyz` says 503 (or a bound is reached); resolves with the account. */
export async function runBalancer(url: string, options: BalancerOptions): Promise<BalancerReport> {
  const report: BalancerReport = { sent: 0, statuses: {}, closing: 0, refused: 0, lost: [], notReadyAfterMs: undefined }
  const started = Date.now()
  let stop = false
  const bound = setTimeout(() => (stop = true), options.maxMs)
  const keepAlive = new Agent({ keepAlive: true, maxSockets: options.keepAlive })
  const target = new URL('/fetch_rtc_token', url)

  const poll = async (): Promise<void> => {
    while (!stop) {
      const outcome = await send(new URL('/readyz', url), 'GET', false, undefined, 'readyz')
      if (outcome.kind === 'answer' && outcome.status === 503) {
        report.notReadyAfterMs = Date.now() - started
        stop = true
        return
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs))
    }
  }
  const loop = async (name: string, agent: Agent | false): Promise<void> => {
    for (let n = 0; !stop && report.sent < options.maxRequests; n++) {
      const id = `${name}-${n}`
      report.sent++
      const outcome = await send(target, 'POST', agent, FETCH_BODY, id)
      if (outcome.kind === 'answer') {
        report.statuses[outcome.status] = (report.statuses[outcome.status] ?? 0) + 1
        if (outcome.closing) report.closing++
      } else if (outcome.kind === 'refused') {
        report.sent--
        report.refused++
        // Nothing listens any more: this loop is done, as a balancer's would be.
        return
      } else {
        report.lost.push(`${id}: ${outcome.error}`)
      }
    }
  }
  await Promise.all([
    poll(),
    ...Array.from({ length: options.keepAlive }, (_, index) => loop(`keep-alive-${index}`, keepAlive)),
    ...Array.from({ length: options.fresh }, (_, index) => loop(`fresh-${index}`, false)),
  ])
  clearTimeout(bound)
  keepAlive.destroy()
  return report
}

type Outcome =
  { kind: 'answer'; status: number; closing: boolean } | { kind: 'refused' } | { kind: 'lost'; error: string }

function send(
  target: URL,
  method: string,
  agent: Agent | false,
  body: string | undefined,
  id: string,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'X-Request-Id': id }
    if (body !== undefined)
      Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    const req = request(target, { method, agent, headers, timeout: 10_000 }, (res) => {
      res.resume()
      res.once('end', () =>
        resolve({ kind: 'answer', status: res.statusCode ?? 0, closing: res.headers.connection === 'close' }),
      )
      res.once('error', (error) => resolve({ kind: 'lost', error: `response ${error.message}` }))
    })
    req.once('timeout', () => req.destroy(new Error('timeout')))
    req.once('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'lost', error: error.code ?? error.message },
      ),
    )
    req.end(body)
  })
}
