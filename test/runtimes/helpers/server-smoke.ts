/**
 * The token server on a given Node binary: `dist/cli/main.js serve` in development mode on a free
 * loopback port, asked for readiness and a token (which the library verifies here), then stopped
 * with SIGTERM. Every wait is bounded.
 * @module
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { verifyToken } from '../../../src/token/index.js'
import { ROOT } from './bundle.js'
import { runtimeEnv } from './run.js'
import { APP_ID, CERTIFICATE } from './smoke.js'

const WAIT_MS = 20_000

/** Polls `poll` until it returns a value (or throws), failing with `what` after `ms`. */
function within<T>(ms: number, what: () => string, poll: () => T | undefined): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now()
    const timer = setInterval(() => {
      try {
        const found = poll()
        if (found !== undefined) {
          clearInterval(timer)
          resolvePromise(found)
        } else if (Date.now() - started > ms) {
          clearInterval(timer)
          reject(new Error(`${what()} within ${ms} ms`))
        }
      } catch (error) {
        clearInterval(timer)
        reject(error)
      }
    }, 25)
  })
}

/** Runs the server smoke on `node`; fails the test on any deviation. */
export async function serverSmoke(node: string): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), 'agate-serve-'))
  const env = runtimeEnv({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE, AGATE_LOG_LEVEL: 'silent' })
  const args = [resolve(ROOT, 'dist/cli/main.js'), 'serve', '--port', '0', '--host', '127.0.0.1']
  const child = spawn(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  child.once('exit', (code, signal) => (exit = { code, signal }))
  try {
    // The CLI says where it listens even with logging silenced.
    const url = await within(
      WAIT_MS,
      () => `the server did not start (${output.slice(0, 1000)})`,
      () => {
        if (exit !== undefined)
          throw new Error(`the server exited at start: ${JSON.stringify(exit)} ${output.slice(0, 1000)}`)
        return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
      },
    )

    const ready = await fetch(`${url}/readyz`)
    assert.equal(ready.status, 200)
    assert.deepEqual(await ready.json(), { status: 'ready' })

    const response = await fetch(`${url}/fetch_rtc_token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ uid: 2882341273, ChannelName: 'runtime-room', role: 1 }),
    })
    assert.equal(response.status, 200)
    const body = (await response.json()) as { token: string; code: string }
    assert.equal(body.code, '200')
    const verified = verifyToken(body.token, {
      certificates: CERTIFICATE,
      appId: APP_ID,
      channelName: 'runtime-room',
      uid: 2882341273,
    })
    assert.equal(verified.token.version, '007')

    child.kill('SIGTERM')
    const stopped = await within(
      WAIT_MS,
      () => 'the server did not stop on SIGTERM',
      () => exit,
    )
    assert.deepEqual(stopped, { code: 0, signal: null })
    assert.ok(!output.toLowerCase().includes(CERTIFICATE.toLowerCase()), 'the output shows the certificate')
  } finally {
    if (exit === undefined) child.kill('SIGKILL')
    rmSync(cwd, { recursive: true, force: true })
  }
}
