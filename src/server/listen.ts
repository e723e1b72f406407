/**
 * The Node listener: serves the app on `node:http` through @hono/node-server, with header-size and
 * request-time limits, the configured rate-limit store and, in development, the web demo; shuts
 * down gracefully (stop accepting, finish what is in flight).
 * @module
 */
import { createServer, STATUS_CODES, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import type { Logger } from 'pino'
import type { DemoOptions, MountedDemo } from '../demo/index.js'
import { buildApp, type AppDeps } from './app.js'
import { loadConfigFromProcess, type LoadConfigOptions, type ServerConfig } from './config.js'
import type { ServerState } from './context.js'
import { causeOf, HttpError, PROBLEM_JSON, problemOf, type ErrorKind } from './errors.js'
import { createLogger, flushLogger } from './logging.js'
import { createMetrics, type Metrics } from './metrics.js'
import { nodeTokenListener } from './node-exchange.js'
import { createRateLimitStore, type RateLimitBackend } from './rate-limit-store.js'
import { stopOnSignals } from './signals.js'

/** A listening server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080` (a wildcard host is shown as `localhost`). */
  readonly url: string
  readonly port: number
  readonly server: Server
  readonly app: Hono
  readonly metrics: Metrics
  /** The web demo and sandbox, when mounted (development mode; see {@link StartOptions.demo}). */
  readonly demo: MountedDemo | undefined
  /**
   * Graceful shutdown: `/readyz` turns 503, new connections are refused, in-flight requests finish
   * (each answered with `Connection: close`), idle keep-alive connections are closed. Connections
   * still busy after `AGATE_SHUTDOWN_TIMEOUT_MS` are cut. The demo's sandbox is ended first (its
   * long polls would hold connections), the rate-limit store's connection last. Resolves when the
   * server is closed and the logs are flushed. Calling it again returns the same promise.
   */
  close(): Promise<void>
}

/** The web demo's options: `mountDemo`'s, without `apps` (the config's apps are used). */
export type DemoSettings = Omit<DemoOptions, 'apps'>

/** Options of {@link startServer}: the app's extension points, and a logger (tests capture logs). */
export interface StartOptions extends Pick<AppDeps, 'extraRoutes' | 'now'> {
  logger?: Logger
  /**
   * A rate-limit store of the caller's, used as is (and not closed). Default: the one the config
   * asks for (`config.rateLimit.store`: in memory, or Redis with `AGATE_REDIS_URL`), closed by
   * `close()`.
   */
  rateLimitStore?: AppDeps['rateLimitStore']
  /**
   * The web demo and the sandbox (`src/demo`: `/`, `/demo/`, `/sandbox/*`), mounted after
   * `extraRoutes`: true, or `mountDemo`'s options, to mount them; false not to. Default: mounted in
   * development mode. Production refuses them: the sandbox judges anyone's tokens against the
   * certificates. The demo's code is loaded only when it is mounted.
   */
  demo?: boolean | DemoSettings
}

/**
 * Starts the server on `config.host:config.port`.
 *
 * @example
 * ```ts
 * import { loadConfig, startServer } from './server/index.js'
 * const server = await startServer(await loadConfig(process.env, { port: 0 }))
 * console.log(server.url)
 * await server.close()
 * ```
 * @throws when the port cannot be bound (e.g. `EADDRINUSE`).
 */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const log =
    options.logger === undefined
      ? createLogger(config.log)
      : { logger: options.logger, close: () => flushLogger(options.logger!) }
  const { logger } = log
  const demoSettings = demoSettingsOf(config, options.demo)
  // Loaded only when used: a production server never loads the demo or the sandbox.
  const mountDemo = demoSettings === undefined ? undefined : (await import('../demo/index.js')).mountDemo
  const metrics = createMetrics({ defaultMetrics: true })
  const state: ServerState = { draining: false }
  const deps: AppDeps = { logger, metrics, state }
  let backend: RateLimitBackend | undefined
  if (options.rateLimitStore !== undefined) deps.rateLimitStore = options.rateLimitStore
  else {
    const own = createRateLimitStore(config.rateLimit.store, { logger, registry: metrics.registry, now: options.now })
    backend = own
    deps.rateLimitStore = own.store
    // In refuse mode an instance without its store would only answer 503s: take it out of rotation.
    if (own.refusesWhenUnavailable) state.unavailable = () => (own.available() ? undefined : 'rate-limit-store')
  }
  let demo: MountedDemo | undefined
  if (options.extraRoutes !== undefined || mountDemo !== undefined) {
    deps.extraRoutes = (app, ctx) => {
      options.extraRoutes?.(app, ctx)
      if (mountDemo !== undefined) demo = mountDemo(app, { ...demoSettings, apps: config.apps })
    }
  }
  if (options.now !== undefined) deps.now = options.now
  const { app, tokenRoutes } = buildApp(config, deps)

  // Token routes on fixed paths straight from node:http; the rest through Hono's adapter.
  const handle = nodeTokenListener(tokenRoutes, getRequestListener(app.fetch), (error) =>
    logger.error({ event: 'request.failed', cause: causeOf(error) }, 'request failed'),
  )
  const { limits } = config
  const server = createServer(
    {
      maxHeaderSize: limits.headerBytes,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above; its default (30 s) would make short ones late.
      connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs),
    },
    (request, response) => {
      // While draining, answer what arrives and close the connection after it.
      if (state.draining) response.shouldKeepAlive = false
      handle(request, response)
    },
  )
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(error, socket, limits.headerBytes, logger),
  )

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(config.port, config.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    demo?.close()
    await backend?.close()
    throw error
  }
  const port = (server.address() as AddressInfo).port
  const url = `http://${urlHost(config.host)}:${port}`
  announce(config, url, logger, { rateLimitStore: backend?.kind ?? 'custom', demo: demo !== undefined })

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      state.draining = true
      logger.info({ event: 'server.stopping' }, 'shutting down: finishing in-flight requests')
      // Ending the sandbox answers its long polls at once, so they do not hold the drain up.
      demo?.close()
      // Connections that finish a request become idle; keep closing them until none is left.
      const sweep = setInterval(() => server.closeIdleConnections(), 50)
      const deadline = setTimeout(() => {
        logger.warn({ event: 'server.shutdown-timeout' }, 'shutdown timeout: closing the remaining connections')
        server.closeAllConnections()
      }, limits.shutdownTimeoutMs)
      server.close(() => {
        clearInterval(sweep)
        clearTimeout(deadline)
        // Requests are done with the store now; its close never throws and takes at most ~1 s.
        void (backend?.close() ?? Promise.resolve()).then(() => {
          logger.info({ event: 'server.stopped' }, 'stopped')
          return log.close().then(resolve)
        })
      })
      server.closeIdleConnections()
    })
    return closing
  }
  return { url, port, server, app, metrics, demo, close }
}

/** The demo's options when it is to be mounted, else undefined. */
function demoSettingsOf(config: ServerConfig, demo: StartOptions['demo']): DemoSettings | undefined {
  const wanted = demo ?? config.mode === 'development'
  if (wanted === false) return undefined
  if (config.mode === 'production') {
    throw new Error('the web demo and the sandbox are for development mode only (startServer option demo)')
  }
  return wanted === true ? {} : wanted
}

/**
 * Loads the config from this process's environment (plus `options`, e.g. the flags of a command
 * line), starts the server and stops it gracefully on SIGTERM or SIGINT; a second signal exits at
 * once. For entry points: `agate serve` and `node --import tsx src/server/main.ts`.
 */
export async function runServer(options: LoadConfigOptions = {}): Promise<RunningServer> {
  const running = await startServer(await loadConfigFromProcess(options))
  stopOnSignals(running)
  return running
}

const CLIENT_ERRORS: Record<string, ErrorKind> = {
  HPE_HEADER_OVERFLOW: 'headers-too-large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request-timeout',
}

/** Answers a request Node could not parse (too-large head, timeout, bad syntax) with a problem+json. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, headerBytes: number, logger: Logger): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const kind = CLIENT_ERRORS[error.code ?? ''] ?? 'invalid-request'
  const message =
    kind === 'headers-too-large'
      ? `the request headers are larger than ${headerBytes} bytes`
      : kind === 'request-timeout'
        ? 'the request did not arrive in time'
        : 'the request is not valid HTTP/1.1'
  const failure = new HttpError(kind, message)
  const body = JSON.stringify(problemOf(failure))
  logger.info({ event: 'request.rejected', status: failure.status, error: kind }, 'request rejected')
  socket.end(
    `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? ''}\r\nContent-Type: ${PROBLEM_JSON}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost'
  return host.includes(':') ? `[${host}]` : host
}

/** The start banner: what is served, how, and every warning. */
function announce(config: ServerConfig, url: string, logger: Logger, served: { rateLimitStore: string; demo: boolean }): void {
  const { auth } = config
  logger.info(
    {
      event: 'server.started',
      url,
      mode: config.mode,
      apps: config.apps.map((app) => ({
        name: app.name,
        appId: app.appId,
        versions: app.versions,
        development: app.development,
      })),
      auth: { apiKeys: auth.apiKeys.length, jwt: auth.jwt !== undefined, anonymous: auth.allowAnonymous },
      policy: config.policy.source,
      cors: config.cors,
      rateLimitStore: served.rateLimitStore,
      demo: served.demo,
    },
    `agate token server listening on ${url}`,
  )
  if (config.mode === 'development') {
    const dev = config.apps.find((app) => app.development)
    logger.warn(
      { event: 'server.banner', mode: 'development' },
      [
        'DEVELOPMENT MODE: not for production.',
        `Listening on ${config.host}; callers need no authentication; policy ${config.policy.source}.`,
        dev === undefined
          ? 'Using the configured Agora credentials.'
          : `Using development credentials from ${config.devCredentialsFile} (App ID ${dev.appId}); Agora does not know them, so they only work with Agate's own verifier and sandbox.`,
        served.demo ? `Web demo at ${url}/ and the sandbox at ${url}/sandbox.` : 'Web demo not mounted.',
        'Set NODE_ENV=production (or --production) for a production server.',
      ].join(' '),
    )
  }
  for (const warning of config.warnings) logger.warn({ event: 'server.warning' }, warning)
}
