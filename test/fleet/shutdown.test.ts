import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { stopOnSignals } from '../../src/server/signals.js'
import { runLoad, slowRequest } from './helpers/load.js'
import { freePort } from './helpers/ports.js'
import { ServerProcess, serverEnv } from './helpers/processes.js'
import { sleep } from './helpers/redis.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * SIGTERM during load: the server stops accepting, finishes what is in flight and exits 0. "No
 * in-flight request is lost" is checked two ways: requests caught mid-body by the signal (sent
 * before it, finished after it) are answered 200, and every load request the server logged (so it
 * had read it) got its response. Requests refused at connect, or sent on a keep-alive connection
 * the server closed while idle, were never in flight: the server logs none of them.
 */
async function sigtermUnderLoad(server: ServerProcess): Promise<void> {
  const controller = new AbortController()
  try {
    const load = runLoad(server.url, { connections: 16, signal: controller.signal })
    const slow = await Promise.all([slowRequest(server.url, 'slow-1'), slowRequest(server.url, 'slow-2')])
    await sleep(1500)
    server.child.kill('SIGTERM')
    await sleep(250)
    for (const request of slow) request.finish()
    assert.deepEqual(
      await Promise.all(slow.map((request) => request.response)),
      [200, 200],
      'requests in flight at SIGTERM are answered',
    )

    const exit = await server.exit(20_000)
    assert.deepEqual(exit, { code: 0, signal: null }, 'a clean exit')
    controller.abort()
    const report = await load

    assert.deepEqual(report.errors, [])
    assert.deepEqual(Object.keys(report.statuses), ['200'], `only 200s: ${JSON.stringify(report.statuses)}`)
    assert.ok((report.statuses[200] ?? 0) > 100, `load ran (${report.statuses[200]} answered)`)
    const logged = new Set(server.logs().flatMap((line) => (typeof line.reqId === 'string' ? [line.reqId] : [])))
    for (const id of ['slow-1', 'slow-2']) assert.ok(logged.has(id), `${id} was logged`)
    const lost = report.unanswered.filter((id) => logged.has(id))
    assert.deepEqual(lost, [], 'every request the server read was answered')
    const answeredButUnlogged = [...report.answered].filter((id) => !logged.has(id))
    assert.deepEqual(answeredButUnlogged, [], 'logs were flushed at exit')
  } finally {
    controller.abort()
    await server.stop()
  }
}

describe('graceful shutdown under load', () => {
  // The load here ignores /readyz (test/fleet/drain.test.ts has a client that heeds it); a short
  // drain delay keeps these runs short.
  test('one process: SIGTERM during load loses no in-flight request', { timeout: 60_000 }, async () => {
    await sigtermUnderLoad(await ServerProcess.single(serverEnv({ AGATE_DRAIN_DELAY_MS: '500' })))
  })

  test('cluster of 2 workers: SIGTERM to the primary loses no in-flight request', { timeout: 60_000 }, async () => {
    await sigtermUnderLoad(await ServerProcess.cluster(2, await freePort(), serverEnv({ AGATE_DRAIN_DELAY_MS: '500' })))
  })
})

describe('signals as documented: SIGTERM drains after the delay, SIGINT at once, a second signal exits at once', () => {
  test('the handlers: the delay by signal, and a second signal halts and exits 1 while the first still drains', async () => {
    for (const [first, delay] of [
      ['SIGTERM', 5000],
      ['SIGINT', 0],
    ] as const) {
      const calls: string[] = []
      let finish!: () => void
      const running = {
        close: (options?: { drainDelayMs?: number }) => {
          calls.push(`close ${options?.drainDelayMs}`)
          return new Promise<void>((resolve) => (finish = resolve))
        },
        halt: () => void calls.push('halt'),
      }
      const remove = stopOnSignals(running, 5000, (code) => void calls.push(`exit ${code}`))
      try {
        process.emit(first, first)
        assert.deepEqual(calls, [`close ${delay}`])
        process.emit('SIGTERM', 'SIGTERM')
        assert.deepEqual(calls, [`close ${delay}`, 'halt', 'exit 1'], 'a second signal exits at once')
        finish()
        await sleep(10)
        assert.deepEqual(calls.at(-1), 'exit 0')
      } finally {
        remove()
      }
    }
  })

  // PID 1 ignores every signal it has no handler for: as a container's only process (no init), a
  // server that removed its handler after the first SIGTERM could not be stopped by a second one.
  test(
    'agate serve as PID 1 (unshare --pid): SIGTERM starts the drain, a second SIGTERM exits at once',
    { timeout: 60_000, skip: process.getuid?.() === 0 ? false : 'unshare --pid needs root' },
    async () => {
      assert.ok(existsSync(`${ROOT}dist/cli/main.js`), 'dist/cli/main.js is built (npm run build)')
      const env = serverEnv({ AGATE_DRAIN_DELAY_MS: '60000', AGATE_SHUTDOWN_TIMEOUT_MS: '60000' })
      const child = spawn(
        'unshare',
        [
          '--pid',
          '--fork',
          '--mount-proc',
          process.execPath,
          'dist/cli/main.js',
          'serve',
          '--port',
          '0',
          '--host',
          '127.0.0.1',
        ],
        {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      try {
        const started = await within(20_000, async () => {
          for (;;) {
            const line = stdout.split('\n').find((entry) => entry.includes('"event":"server.started"'))
            if (line !== undefined) return JSON.parse(line) as { url: string; pid: number }
            await sleep(50)
          }
        })
        assert.equal(started.pid, 1, 'the server runs as PID 1 of its namespace')
        // Issue 12, through agate serve: the demo's address in plain text, one that answers.
        await within(5000, async () => {
          while (!stderr.includes('web demo at')) await sleep(20)
        })
        assert.match(stderr, new RegExp(`agate serve: web demo at ${started.url}/\\n`))
        assert.equal((await fetch(`${started.url}/`)).headers.get('content-type'), 'text/html; charset=utf-8')
        // unshare forks the server; signals go to it by its pid out here.
        const [serverPid] = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')
          .trim()
          .split(' ')
          .map(Number)
        assert.ok(serverPid !== undefined && serverPid > 0)
        assert.equal((await fetch(`${started.url}/readyz`)).status, 200)

        process.kill(serverPid, 'SIGTERM')
        await within(10_000, async () => {
          while ((await fetch(`${started.url}/readyz`)).status !== 503) await sleep(50)
        })
        process.kill(serverPid, 'SIGTERM')
        // Far within the 60 s drain delay and shutdown timeout it would otherwise wait for.
        assert.equal(await within(10_000, () => exited), 1)
        assert.match(stderr, /agate serve: SIGTERM again: exiting at once/)
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL')
      }
    },
  )
})

/** `work()`, failing if it takes longer than `ms` (a bound on a wait, not a timed assertion). */
async function within<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))),
    ])
  } finally {
    clearTimeout(timer)
  }
}
