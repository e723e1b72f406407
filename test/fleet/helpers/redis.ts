/**
 * A real redis-server for the fleet tests: started on a free port in a temporary directory, with
 * nothing persisted, and stopped (or paused) by the test. Every wait is bounded.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports.js'

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server']

/** Why Redis tests were skipped; under CI a missing redis-server fails instead. */
export const MISSING_REDIS =
  'redis-server not found: install it with `apt-get install redis-server` (npm test does so when run as root), or set AGATE_REDIS_SERVER'

/** The redis-server executable, or undefined to skip; throws under CI, where it must be there. */
export function requireRedisServer(): string | undefined {
  const fromEnv = process.env.AGATE_REDIS_SERVER
  const found =
    fromEnv !== undefined && fromEnv !== '' ? fromEnv : (CANDIDATES.find((path) => existsSync(path)) ?? onPath())
  if (found === undefined && process.env.CI) throw new Error(MISSING_REDIS)
  return found
}

function onPath(): string | undefined {
  const result = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  const path = result.stdout.trim()
  return result.status === 0 && path !== '' ? path : undefined
}

/** A redis-server the test controls. `start` again after `stop` reuses the same port. */
export class RedisServer {
  readonly port: number
  readonly url: string
  readonly #executable: string
  readonly #dir: string
  #process: ChildProcess | undefined

  private constructor(executable: string, port: number) {
    this.#executable = executable
    this.port = port
    this.url = `redis://127.0.0.1:${port}`
    this.#dir = mkdtempSync(join(tmpdir(), 'agate-redis-'))
  }

  /** Starts a server on a free port and waits (at most 10 s) until it answers. */
  static async launch(executable: string): Promise<RedisServer> {
    const server = new RedisServer(executable, await freePort())
    await server.start()
    return server
  }

  /** Whether the server process is running (started and not stopped). */
  get running(): boolean {
    return this.#process !== undefined
  }

  get pid(): number | undefined {
    return this.#process?.pid
  }

  /** Starts (or restarts) the server; resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.#process !== undefined) throw new Error('redis-server is already running')
    const child = spawn(
      this.#executable,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.#dir,
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    this.#process = child
    const deadline = Date.now() + 10_000
    while (!(await ping(this.port))) {
      if (child.exitCode !== null)
        throw new Error(`redis-server exited at start (${child.exitCode}): ${stderr.slice(0, 500)}`)
      if (Date.now() > deadline) {
        await this.stop()
        throw new Error('redis-server did not answer within 10 s')
      }
      await sleep(25)
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#process
    if (child === undefined) return
    this.#process = undefined
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGCONT')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers, like a hung Redis. */
  pause(): void {
    this.#process?.kill('SIGSTOP')
  }

  resume(): void {
    this.#process?.kill('SIGCONT')
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.#dir, { recursive: true, force: true })
  }
}

/** Whether something on `port` answers a Redis PING with PONG, within 500 ms. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    const done = (ok: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), 500)
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Polls `check` every 25 ms until it returns true; fails after `timeoutMs` with `what` in the
 * message, so that no test waits forever.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(25)
  }
}
