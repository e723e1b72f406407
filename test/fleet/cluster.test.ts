import assert from 'node:assert/strict'
import { createServer, type AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { verifyToken } from '../../src/token/index.js'
import { resolveWorkerCount, usableCpus } from '../../src/server/cluster.js'
import { FETCH_BODY } from './helpers/load.js'
import { freePort } from './helpers/ports.js'
import { CERTIFICATE, ServerProcess, serverEnv } from './helpers/processes.js'
import { waitFor } from './helpers/redis.js'

/** One request on a connection of its own (`Connection: close`), so round-robin spreads them. */
async function fresh(url: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  headers.set('Connection', 'close')
  return fetch(new URL(path, url), { ...init, headers, signal: AbortSignal.timeout(10_000) })
}

/** A metric's value in Prometheus text (the sample line that starts with `series`). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const ISSUED = 'agate_tokens_issued_total{app="default",kind="rtc",version="007"}'

describe('cluster: 2 workers on one port', () => {
  let server: ServerProcess

  before(async () => {
    server = await ServerProcess.cluster(2, await freePort(), serverEnv({ AGATE_LOG_LEVEL: 'info' }))
  })
  after(async () => {
    await server?.stop()
  })

  test('tokens are served by both workers, and /metrics adds up across them', { timeout: 60_000 }, async () => {
    const count = 60
    for (let i = 0; i < count; i++) {
      const response = await fresh(server.url, '/fetch_rtc_token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: FETCH_BODY,
      })
      assert.equal(response.status, 200)
      const { token } = (await response.json()) as { token: string }
      if (i < 3) verifyToken(token, { certificates: CERTIFICATE, channelName: 'ChannelA', uid: 2882341273 })
    }
    const issuers = new Set(
      server
        .logs()
        .filter((line) => line.event === 'token.issued')
        .map((line) => line.pid),
    )
    assert.equal(issuers.size, 2, 'both workers issued tokens')

    // Each scrape lands on some worker; every one of them reports the cluster's total.
    for (let i = 0; i < 4; i++) {
      const response = await fresh(server.url, '/metrics')
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/)
      const text = await response.text()
      assert.equal(sample(text, ISSUED), count, `scrape ${i}: the counter is the sum over workers`)
      assert.equal(sample(text, 'agate_cluster_workers'), 2)
      const histogramCount = sample(
        text,
        'agate_http_request_duration_seconds_count{route="/fetch_rtc_token",status="200"}',
      )
      assert.equal(histogramCount, count, 'histograms add up too')
      assert.ok(
        (sample(text, 'process_resident_memory_bytes') ?? 0) > 50e6,
        'process metrics of all processes are summed',
      )
    }
  })

  test('health endpoints answer from every worker', async () => {
    for (let i = 0; i < 4; i++) {
      assert.equal((await fresh(server.url, '/healthz')).status, 200)
      assert.equal((await fresh(server.url, '/readyz')).status, 200)
    }
  })

  test('a worker that dies is restarted and the cluster keeps serving', { timeout: 60_000 }, async () => {
    const ready = server.logs().filter((line) => line.event === 'cluster.worker.ready')
    const victim = ready[0]?.pid as number
    process.kill(victim, 'SIGKILL')
    await waitFor(
      'the primary to restart the worker',
      () => server.logs().filter((line) => line.event === 'cluster.worker.ready').length === 3,
      20_000,
    )
    const exited = server.logs().find((line) => line.event === 'cluster.worker.exited')
    assert.equal(exited?.signal, 'SIGKILL')
    for (let i = 0; i < 10; i++) {
      const response = await fresh(server.url, '/fetch_rtc_token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: FETCH_BODY,
      })
      assert.equal(response.status, 200)
    }
    const text = await (await fresh(server.url, '/metrics')).text()
    assert.equal(sample(text, 'agate_cluster_worker_restarts_total'), 1)
    assert.equal(sample(text, 'agate_cluster_workers'), 2)
  })
})

describe('agate serve --workers 2 (the CLI starts the cluster)', () => {
  test(
    'both workers serve tokens; the primary warns about per-worker limits and the missing demo; SIGTERM drains and exits 0',
    { timeout: 60_000 },
    async () => {
      const port = await freePort()
      const server = await ServerProcess.spawn(
        'src/cli/main.ts',
        ['serve', '--workers', '2', '--port', String(port), '--host', '127.0.0.1'],
        serverEnv(),
        (line) => (line.event === 'cluster.started' && typeof line.url === 'string' ? line.url : undefined),
      )
      try {
        assert.equal(server.url, `http://127.0.0.1:${port}`)
        const warnings = server
          .logs()
          .filter((line) => line.event === 'server.warning' && line.role === 'primary')
          .map((line) => line.msg)
        assert.deepEqual(warnings, [
          '2 workers and no REDIS_URL: each worker counts rate limits on its own, so a caller may get up to 2 times the limit; set REDIS_URL to share them',
          'cluster mode: the web demo and the sandbox are not served (a sandbox session lives in one process); run a single process (--workers 1, WORKERS=1) for them',
        ])
        for (let i = 0; i < 10; i++) {
          const response = await fresh(server.url, '/fetch_rtc_token', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: FETCH_BODY,
          })
          assert.equal(response.status, 200)
          const { token } = (await response.json()) as { token: string }
          verifyToken(token, { certificates: CERTIFICATE, channelName: 'ChannelA', uid: 2882341273 })
          assert.equal((await fresh(server.url, '/readyz')).status, 200)
          assert.equal((await fresh(server.url, '/demo/config.json')).status, 404, 'workers serve no demo')
        }
        await waitFor(
          'both workers to have answered',
          () =>
            new Set(
              server
                .logs()
                .filter((line) => line.event === 'token.issued')
                .map((line) => line.pid),
            ).size === 2,
          10_000,
        )
        server.child.kill('SIGTERM')
        assert.deepEqual(await server.exit(), { code: 0, signal: null })
        assert.ok(server.logs().some((line) => line.event === 'cluster.stopped'))
      } finally {
        await server.stop()
      }
    },
  )
})

describe('cluster start failures', () => {
  test(
    'a bad setting stops the cluster before any worker starts, naming the setting',
    { timeout: 30_000 },
    async () => {
      await assert.rejects(
        ServerProcess.cluster(2, await freePort(), serverEnv({ AGATE_TOKEN_EXPIRE: 'soon' })),
        (error: Error) => {
          assert.match(error.message, /exited at start \(1\).*agate cluster: AGATE_TOKEN_EXPIRE: must be an integer/s)
          return true
        },
      )
    },
  )

  test('workers that cannot listen fail the start with their error', { timeout: 30_000 }, async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const port = (taken.address() as AddressInfo).port
      await assert.rejects(ServerProcess.cluster(2, port, serverEnv()), (error: Error) => {
        assert.match(error.message, /exited at start \(1\).*EADDRINUSE/s)
        return true
      })
    } finally {
      taken.close()
    }
  })
})

describe('worker count', () => {
  test('a positive setting is taken as is; 0 means one per usable CPU; development defaults to 1', () => {
    assert.equal(resolveWorkerCount(3, true), 3)
    assert.equal(resolveWorkerCount(undefined, false), 1)
    assert.equal(resolveWorkerCount(undefined, true), usableCpus())
    assert.equal(resolveWorkerCount(0, false), usableCpus())
  })

  test('a cgroup CPU limit caps one-per-CPU', () => {
    assert.equal(usableCpus('100000 100000\n'), 1)
    assert.equal(usableCpus('150000 100000\n'), Math.min(2, usableCpus(undefined)))
    assert.equal(usableCpus('max 100000\n'), usableCpus(undefined))
    assert.equal(usableCpus('10000 100000\n'), 1, 'a fraction of a CPU still gets one worker')
  })
})
