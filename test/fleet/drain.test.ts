import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runBalancer } from './helpers/balancer.js'
import { FETCH_BODY } from './helpers/load.js'
import { freePort } from './helpers/ports.js'
import { ServerProcess, serverEnv } from './helpers/processes.js'
import { RawConnection } from './helpers/raw-http.js'
import { sleep } from './helpers/redis.js'

/**
 * A drain that loses nothing: `agate serve` under load from a client that behaves as a load
 * balancer (it polls `/readyz` and stops sending once it says 503), with loops over keep-alive
 * connections and over new connections, gets SIGTERM. Every request the client wrote must get its
 * answer; connections refused once the listener closed are fine (nothing was written on them).
 * Bounded: at most 4000 requests and 15 s of load per run.
 *
 * Two connections opened before the signal check the rest of the contract: a request in flight at
 * the signal is answered with `Connection: close`, and an idle keep-alive connection is not closed
 * under its client during the delay but answered (with `Connection: close`) on its next request.
 */
const DRAIN_DELAY_MS = 1500

async function drainUnderLoad(workers: number, diagnostic: (message: string) => void): Promise<void> {
  const server = await ServerProcess.serve(
    workers,
    await freePort(),
    serverEnv({ AGATE_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS) }),
  )
  try {
    const inFlight = await RawConnection.open(server.url)
    const idle = await RawConnection.open(server.url)
    const request = `POST /fetch_rtc_token HTTP/1.1\r\nHost: agate.test\r\nContent-Type: application/json\r\nContent-Length: ${FETCH_BODY.length}\r\n\r\n`
    await idle.write(request + FETCH_BODY)
    assert.equal((await idle.finalResponse()).headers.connection, 'keep-alive')
    const half = FETCH_BODY.length >> 1
    await inFlight.write(request + FETCH_BODY.slice(0, half))

    const balancer = runBalancer(server.url, { keepAlive: 24, fresh: 24, pollMs: 50, maxRequests: 4000, maxMs: 15_000 })
    await sleep(1000)
    server.child.kill('SIGTERM')
    const report = await balancer
    assert.ok(report.notReadyAfterMs !== undefined, '/readyz turned 503')

    // Within the delay: the request in flight finishes and is answered, closing its connection …
    await inFlight.write(FETCH_BODY.slice(half))
    const finished = await inFlight.finalResponse()
    assert.deepEqual(
      [finished.status, finished.headers.connection],
      [200, 'close'],
      'the request in flight at the signal',
    )
    // … and the idle keep-alive connection is still open: its next request is answered, and closes it.
    await idle.write(request + FETCH_BODY)
    const [, next] = await idle.responses(2)
    assert.deepEqual(
      [next?.status, next?.headers.connection],
      [200, 'close'],
      'the next request on an idle keep-alive connection',
    )
    await idle.closed

    const exit = await server.exit(20_000)
    assert.deepEqual(exit, { code: 0, signal: null }, 'a clean exit')
    const answered = Object.values(report.statuses).reduce((sum, count) => sum + count, 0)
    diagnostic(
      `drain, ${workers} worker(s): ${report.sent} requests written, ${answered} answered (${report.closing} with Connection: close), ` +
        `${report.refused} connections refused, ${report.lost.length} lost; /readyz 503 after ${report.notReadyAfterMs} ms of load`,
    )
    assert.deepEqual(report.lost, [], 'every request written was answered')
    assert.deepEqual(Object.keys(report.statuses), ['200'], JSON.stringify(report.statuses))
    assert.equal(answered, report.sent)
    assert.ok(answered > 100, `the load ran (${answered} answered)`)
    assert.ok(report.closing > 0, 'answers after the signal said Connection: close')
    inFlight.destroy()
  } finally {
    await server.stop()
  }
}

describe('drain on SIGTERM under load, as a load balancer sees it', () => {
  test('agate serve, one process: no request written is left unanswered', { timeout: 60_000 }, async (t) => {
    await drainUnderLoad(1, (message) => t.diagnostic(message))
  })

  test('agate serve --workers 2: no request written is left unanswered', { timeout: 60_000 }, async (t) => {
    await drainUnderLoad(2, (message) => t.diagnostic(message))
  })
})
