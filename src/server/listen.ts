/**
 * The Node listener: serves the app on `node:http` through @hono/node-server, with header-size and
 * request-time limits, and shuts down gracefully (stop accepting, finish what is in flight).
 * @module
 */
import { createServer, STATUS_CODES, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import type { Logger } from 'pino'
import { createApp, type AppDeps } from './app.js'
import { loadConfigFromProcess, type LoadConfigOptions, type ServerConfig } from './config.js'
import type { ServerState } from './context.js'
import { HttpError, PROBLEM_JSON, problemOf, type ErrorKind } from './errors.js'
import { createLogger, flushLogger } from './logging.js'
import { createMetrics, type Metrics } from './metrics.js'

/** A listening server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080` (a wildcard host is shown as `localhost`). */
  readonly url: string
  readonly port: number
  readonly server: Server
  readonly app: Hono
  readonly metrics: Metrics
  /**
   * Graceful shutdown: `/readyz` turns 503, new connections are refused, in-flight requests finish
   * (each answered with `Connection: close`), idle keep-alive connections are closed. Connections
   * still busy after `AGATE_SHUTDOWN_TIMEOUT_MS` are cut. Resolves when the server is closed and
   * the logs are flushed. Calling it again returns the same promise.
   */
  close(): Promise<void>
}

/** Options of {@link startServer}: the app's extension points, and a logger (tests capture logs). */
export interface StartOptions extends Pick<AppDeps, 'extraRoutes' | 'rateLimitStore' | 'now'> {
  logger?: Logger
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
  const metrics = createMetrics({ defaultMetrics: true })
  const state: ServerState = { draining: false }
  const deps: AppDeps = { logger, metrics, state }
  if (options.extraRoutes !== undefined) deps.extraRoutes = options.extraRoutes
  if (options.rateLimitStore !== undefined) deps.rateLimitStore = options.rateLimitStore
  if (options.now !== undefined) deps.now = options.now
  const app = createApp(config, deps)

  const handle = getRequestListener(app.fetch)
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
      void handle(request, response)
    },
  )
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(error, socket, limits.headerBytes, logger),
  )

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${urlHost(config.host)}:${port}`
  announce(config, url, logger)

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      state.draining = true
      logger.info({ event: 'server.stopping' }, 'shutting down: finishing in-flight requests')
      // Connections that finish a request become idle; keep closing them until none is left.
      const sweep = setInterval(() => server.closeIdleConnections(), 50)
      const deadline = setTimeout(() => {
        logger.warn({ event: 'server.shutdown-timeout' }, 'shutdown timeout: closing the remaining connections')
        server.closeAllConnections()
      }, limits.shutdownTimeoutMs)
      server.close(() => {
        clearInterval(sweep)
        clearTimeout(deadline)
        logger.info({ event: 'server.stopped' }, 'stopped')
        void log.close().then(resolve)
      })
      server.closeIdleConnections()
    })
    return closing
  }
  return { url, port, server, app, metrics, close }
}

/**
 * Loads the config from this process's environment (plus `options`, e.g. the flags of a command
 * line), starts the server and stops it gracefully on SIGTERM or SIGINT; a second signal exits at
 * once. For entry points: `agate serve` and `node --import tsx src/server/main.ts`.
 */
export async function runServer(options: LoadConfigOptions = {}): Promise<RunningServer> {
  const running = await startServer(await loadConfigFromProcess(options))
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGTERM', stop)
    process.off('SIGINT', stop)
    process.once(signal, () => process.exit(1))
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
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
function announce(config: ServerConfig, url: string, logger: Logger): void {
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
        'Set NODE_ENV=production (or --production) for a production server.',
      ].join(' '),
    )
  }
  for (const warning of config.warnings) logger.warn({ event: 'server.warning' }, warning)
}
