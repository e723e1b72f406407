import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runLoad, slowRequest } from './helpers/load.js'
import { freePort } from './helpers/ports.js'
import { ServerProcess, serverEnv } from './helpers/processes.js'
import { sleep } from './helpers/redis.js'

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
    assert.deepEqual(await Promise.all(slow.map((request) => request.response)), [200, 200], 'requests in flight at SIGTERM are answered')

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
  test('one process: SIGTERM during load loses no in-flight request', { timeout: 60_000 }, async () => {
    await sigtermUnderLoad(await ServerProcess.single(serverEnv()))
  })

  test('cluster of 2 workers: SIGTERM to the primary loses no in-flight request', { timeout: 60_000 }, async () => {
    await sigtermUnderLoad(await ServerProcess.cluster(2, await freePort(), serverEnv()))
  })
})
