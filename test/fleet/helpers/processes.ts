/**
 * Token servers in child processes (one process, or a cluster), so that tests can send them
 * signals; their JSON log lines are collected. Every wait is bounded.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The test project's credentials (the token library's test vectors use the same). */
export const APP_ID = '970CA35de60c44645bbae8a215061b33'
export const CERTIFICATE = '5CFd2fd1755d40ecb72977518be15d3b'

/** Settings for a quiet development server with real credentials and no per-address limit. */
export function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  // Only what a server needs from this process's environment: no AGATE_ settings of the caller's.
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'CI'])
    if (process.env[name] !== undefined) env[name] = process.env[name]
  return {
    ...env,
    AGORA_APP_ID: APP_ID,
    AGORA_APP_CERTIFICATE: CERTIFICATE,
    AGATE_RATE_LIMIT_PER_ADDRESS: '0',
    AGATE_LOG_LEVEL: 'info',
    ...extra,
  }
}

/** A server process and everything it printed. */
export class ServerProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly #lines: string[]
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  private constructor(
    child: ChildProcess,
    url: string,
    lines: string[],
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  ) {
    this.child = child
    this.url = url
    this.#lines = lines
    this.#exited = exited
  }

  /**
   * Spawns `node --import tsx <script> ...args` and waits (at most `timeoutMs`) for a log line that
   * `readyUrl` turns into the server's URL.
   */
  static async spawn(
    script: string,
    args: string[],
    env: Record<string, string>,
    readyUrl: (line: Record<string, unknown>) => string | undefined,
    timeoutMs = 20_000,
  ): Promise<ServerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const lines: string[] = []
    let stderr = ''
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    )
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = ''
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`the server did not start within ${timeoutMs} ms; stderr: ${stderr.slice(0, 1000)}`))
      }, timeoutMs)
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        let newline
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline)
          buffered = buffered.slice(newline + 1)
          lines.push(line)
          const parsed = parse(line)
          const found = parsed === undefined ? undefined : readyUrl(parsed)
          if (found !== undefined) {
            clearTimeout(timer)
            resolve(found)
          }
        }
      })
      void exited.then(({ code, signal }) => {
        clearTimeout(timer)
        reject(
          new Error(
            `the server exited at start (${signal ?? code}); stdout: ${lines.join('\n').slice(0, 1500)} stderr: ${stderr.slice(0, 1000)}`,
          ),
        )
      })
    })
    return new ServerProcess(child, url, lines, exited)
  }

  /** The single-process server (`src/server/main.ts`) on a port of the OS's choosing. */
  static single(env: Record<string, string>): Promise<ServerProcess> {
    return ServerProcess.spawn('src/server/main.ts', ['--port', '0', '--host', '127.0.0.1'], env, (line) =>
      line.event === 'server.started' && typeof line.url === 'string' ? line.url : undefined,
    )
  }

  /** A cluster of `workers` on `port` (`src/server/cluster-main.ts`). */
  static cluster(workers: number, port: number, env: Record<string, string>): Promise<ServerProcess> {
    return ServerProcess.spawn(
      'src/server/cluster-main.ts',
      ['--workers', String(workers), '--port', String(port), '--host', '127.0.0.1'],
      env,
      (line) => (line.event === 'cluster.started' && typeof line.url === 'string' ? line.url : undefined),
    )
  }

  /** `agate serve --workers N` (the CLI, `src/cli/main.ts`) on `port`: one process for 1, a cluster for more. */
  static serve(workers: number, port: number, env: Record<string, string>): Promise<ServerProcess> {
    const args = ['serve', '--workers', String(workers), '--port', String(port), '--host', '127.0.0.1']
    return ServerProcess.spawn('src/cli/main.ts', args, env, (line) =>
      (line.event === 'server.started' && workers === 1) || line.event === 'cluster.started'
        ? (line.url as string)
        : undefined,
    )
  }

  get pid(): number {
    return this.child.pid as number
  }

  /** Every JSON log line so far. */
  logs(): Record<string, unknown>[] {
    return this.#lines.map(parse).filter((line): line is Record<string, unknown> => line !== undefined)
  }

  /** Waits for the process to exit; kills it and fails after `timeoutMs`. */
  async exit(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL')
        reject(new Error(`the server did not exit within ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([this.#exited, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Stops the server if it still runs (SIGTERM, then SIGKILL). For `after` hooks. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    await this.exit().catch(() => undefined)
  }
}

function parse(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
}
