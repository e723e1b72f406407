/**
 * `agate serve`: a thin adapter that starts the token server from `src/server`.
 * @module
 */
import { expectPositionals, integerFlag, parseFlags } from '../args.js'
import { CliError, type CliIo, EXIT, UsageError } from '../io.js'

/** The help of `agate serve`. */
export const SERVE_HELP = `Usage: agate serve [--port N] [--host HOST] [--config FILE] [--production]

Starts the token server. Settings come from the environment and the config file; these flags
override them. Stops on SIGINT or SIGTERM.

Options:
  --port N         port to listen on, 0 to 65535 (0 = any free port)
  --host HOST      interface to bind, e.g. 127.0.0.1 or 0.0.0.0
  --config FILE    a JSON config file
  --production     production mode (stricter checks at startup)
  -h, --help       show this help

Exit codes: 0 stopped cleanly, 1 the server failed to start or stop, 2 usage error.`

/** The overrides `serve` hands to the server's `loadConfig`; absent flags are left out. */
export interface ServeOptions {
  port?: number
  host?: string
  configFile?: string
  production?: boolean
}

/** A running server, as `startServer` returns it. */
export interface RunningServer {
  url: string
  close: () => unknown
}

/**
 * What `serve` expects `src/server/index.ts` to export: `loadConfig(env, options)` building the
 * config from the environment plus the flags, and `startServer(config)` returning `{ url, close }`.
 * Either may be async.
 */
export interface ServerModule {
  loadConfig: (env: Record<string, string | undefined>, options: ServeOptions) => unknown
  startServer: (config: never) => RunningServer | Promise<RunningServer>
}

/** Loads the server module; replaced in tests. */
export type ServerLoader = () => Promise<unknown>

// A computed specifier keeps the CLI compiling while src/server is written elsewhere.
const SERVER_MODULE = '../../server/index.js'

const defaultLoader: ServerLoader = () => import(new URL(SERVER_MODULE, import.meta.url).href)

/**
 * Runs `agate serve`: starts the server and resolves after `io.signal` aborts (or SIGINT/SIGTERM)
 * and the server has closed.
 * @returns 0 after a clean stop.
 * @throws {CliError} exit 1 when the server module is missing or fails, exit 2 for bad flags.
 */
export async function serveCommand(
  argv: readonly string[],
  io: CliIo,
  loadServer: ServerLoader = defaultLoader,
): Promise<number> {
  const flags = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    production: { type: 'boolean' },
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
  const options: ServeOptions = {}
  if (port !== undefined) options.port = port
  if (flags.strings.host !== undefined) options.host = flags.strings.host
  if (flags.strings.config !== undefined) options.configFile = flags.strings.config
  if (flags.booleans.production === true) options.production = true

  const server = await loadServerModule(loadServer)
  let running: RunningServer
  try {
    const config = await server.loadConfig(io.env, options)
    running = await server.startServer(config as never)
  } catch (error) {
    throw new CliError(`cannot start the server: ${messageOf(error)}`, EXIT.failure)
  }
  io.stderr(`agate serve: listening on ${running.url}\n`)
  await stopped(io.signal)
  try {
    await running.close()
  } catch (error) {
    throw new CliError(`error while stopping the server: ${messageOf(error)}`, EXIT.failure)
  }
  io.stderr('agate serve: stopped\n')
  return EXIT.ok
}

async function loadServerModule(loadServer: ServerLoader): Promise<ServerModule> {
  let loaded: unknown
  try {
    loaded = await loadServer()
  } catch (error) {
    // Only the server module itself missing means "not built"; a missing import inside it is a real error.
    const code = (error as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' && messageOf(error).includes('server/index'))
      throw new CliError('the token server is not part of this build (server/index.js is missing)', EXIT.failure)
    throw new CliError(`cannot load the token server: ${messageOf(error)}`, EXIT.failure)
  }
  const module = loaded as Partial<ServerModule> | null
  if (typeof module?.loadConfig !== 'function' || typeof module.startServer !== 'function') {
    throw new CliError('the token server module does not export loadConfig and startServer', EXIT.failure)
  }
  return module as ServerModule
}

/** Resolves when `signal` aborts, or on the first SIGINT/SIGTERM when there is none. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal !== undefined) {
    if (signal.aborted) return Promise.resolve()
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
  }
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
