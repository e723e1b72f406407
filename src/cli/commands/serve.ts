/**
 * `agate serve`: a thin adapter that starts the token server from `src/server`, in one process or
 * as a cluster of worker processes.
 * @module
 */
import {
  clusterOptionsFor,
  loadConfig,
  resolveWorkerCount,
  startCluster,
  startServer,
  type ClusterOptions,
  type ServerConfig,
} from '../../server/index.js'
import { drainDelayFor, onReloadSignal, onStopSignals, type StopSignal } from '../../server/signals.js'
import { expectPositionals, integerFlag, parseFlags } from '../args.js'
import { CliError, type CliIo, EXIT, UsageError } from '../io.js'

/** The help of `agate serve`. */
export const SERVE_HELP = `Usage: agate serve [--port N] [--host HOST] [--config FILE] [--production] [--workers N]

Starts the token server. Settings come from the environment and the config file; these flags
override them. In development mode it also serves the web demo at / (its sandbox API under
/sandbox/; one process only). Stops on SIGTERM after AGATE_DRAIN_DELAY_MS (with /readyz failing
meanwhile) or on SIGINT at once, finishing the requests in flight; a second signal exits at once.
SIGHUP reloads the settings without a restart: the config file and the *_FILE secrets are read
again (the environment of a running process cannot change).

Options:
  --port N         port to listen on, 0 to 65535 (0 = any free port)
  --host HOST      interface to bind, e.g. 127.0.0.1 or 0.0.0.0
  --config FILE    a JSON config file
  --production     production mode (stricter checks at startup)
  --workers N      worker processes (0 = one per CPU; default WORKERS, else 1 in development, one per CPU in production)
  -h, --help       show this help

Exit codes: 0 stopped cleanly, 1 the server failed to start or stop, 2 usage error.`

/** The overrides `serve` hands to the server's `loadConfig`; absent flags are left out. */
export interface ServeOptions {
  port?: number
  host?: string
  configFile?: string
  production?: boolean
}

/** A running server or cluster: where it listens and how to stop it. */
export interface RunningServer {
  readonly url: string
  /** The web demo's page, when the server mounts it. */
  readonly demoUrl?: string | undefined
  /** Drains and stops; `drainDelayMs`: how long to keep accepting first, with `/readyz` at 503. */
  close(options?: { drainDelayMs?: number }): Promise<void>
  /** Stops at once (a cluster kills its workers), before the process exits on a second signal. */
  halt?(): void
  /** Applies the settings `load` gives; a cluster's workers each load theirs. */
  reload?(load: () => Promise<ServerConfig>): unknown
}

/** The parts of `src/server` that `serve` calls; tests replace them. */
export interface ServeServer {
  loadConfig(env: Readonly<Record<string, string | undefined>>, options: ServeOptions): Promise<ServerConfig>
  startServer(config: ServerConfig): Promise<RunningServer>
  startCluster(options: ClusterOptions): Promise<RunningServer>
}

const SERVER: ServeServer = {
  loadConfig: (env, options) => loadConfig(env, options),
  startServer: (config) => startServer(config),
  startCluster: (options) => startCluster(options),
}

/** The most workers `--workers` and `WORKERS` accept. */
const MAX_WORKERS = 256

/**
 * Runs `agate serve`: loads the config, starts one server or (with more than one worker) a
 * cluster, and resolves after `io.signal` aborts (or SIGINT/SIGTERM) and everything has stopped.
 * @returns 0 after a clean stop.
 * @throws {CliError} exit 1 when the server cannot start or stop, exit 2 for bad flags.
 */
export async function serveCommand(argv: readonly string[], io: CliIo, server: ServeServer = SERVER): Promise<number> {
  const flags = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    production: { type: 'boolean' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (flags.booleans.help === true) {
    io.stdout(`${SERVE_HELP}\n`)
    return EXIT.ok
  }
  expectPositionals(flags, 0)
  const port = integerFlag(flags, 'port')
  if (port !== undefined && port > 65_535) throw new UsageError('--port must be from 0 to 65535')
  if (flags.strings.host === '') throw new UsageError('--host must not be empty')
  const workersFlag = integerFlag(flags, 'workers')
  if (workersFlag !== undefined && workersFlag > MAX_WORKERS) {
    throw new UsageError(`--workers must be from 0 (one per CPU) to ${MAX_WORKERS}`)
  }
  const options: ServeOptions = {}
  if (port !== undefined) options.port = port
  if (flags.strings.host !== undefined) options.host = flags.strings.host
  if (flags.strings.config !== undefined) options.configFile = flags.strings.config
  if (flags.booleans.production === true) options.production = true

  let running: RunningServer
  let workers: number
  let drainDelayMs: number
  try {
    const config = await server.loadConfig(io.env, options)
    drainDelayMs = config.limits.drainDelayMs
    workers = resolveWorkerCount(workersFlag ?? config.workers, config.mode === 'production')
    if (workers > 1) {
      // The primary checked the config above; every worker loads it again from the same
      // environment and flags, and the primary logs the warnings (shared limits, demo).
      const cluster = clusterOptionsFor(config, workers, options)
      if (io.env !== process.env) cluster.env = definedStrings(io.env)
      running = await server.startCluster(cluster)
    } else {
      running = await server.startServer(config)
    }
  } catch (error) {
    throw new CliError(`cannot start the server: ${messageOf(error)}`, EXIT.failure)
  }
  io.stderr(`agate serve: listening on ${running.url}${workers > 1 ? ` (${workers} workers)` : ''}\n`)
  if (running.demoUrl !== undefined) io.stderr(`agate serve: web demo at ${running.demoUrl}\n`)
  // Only when serving for real: with io.signal (tests, embedders) the caller owns the process's signals.
  const stopReloading =
    io.signal === undefined
      ? onReloadSignal(() => void running.reload?.(() => server.loadConfig(io.env, options)))
      : undefined
  const signal = await stopped(io, running)
  stopReloading?.()
  try {
    await running.close({ drainDelayMs: signal === 'abort' ? 0 : drainDelayFor(signal, drainDelayMs) })
  } catch (error) {
    throw new CliError(`error while stopping the server: ${messageOf(error)}`, EXIT.failure)
  }
  io.stderr('agate serve: stopped\n')
  return EXIT.ok
}

/** An environment for forked workers: the variables that have a value. */
function definedStrings(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value
  return out
}

/**
 * Resolves when `io.signal` aborts, or with the first SIGINT/SIGTERM when there is none. A second
 * signal then exits at once: the handler stays installed, since without one a process running as
 * PID 1 (a container without an init) would ignore the signal.
 */
function stopped(io: CliIo, running: RunningServer): Promise<StopSignal | 'abort'> {
  const { signal } = io
  if (signal !== undefined) {
    if (signal.aborted) return Promise.resolve('abort')
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve('abort'), { once: true }))
  }
  return new Promise((resolve) => {
    onStopSignals(resolve, (again) => {
      io.stderr(`agate serve: ${again} again: exiting at once\n`)
      running.halt?.()
      process.exit(EXIT.failure)
    })
  })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
