/**
 * The Node listener: serves the app on `node:http` through @hono/node-server, with header-size and
 * request-time limits, the configured rate-limit store and, in development, the web demo; answers
 * every request that reaches it, the malformed ones included (problem+json); shuts down without
 * losing a request (see {@link RunningServer.close}).
 * @module
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { getRequestListener, RequestError } from '@hono/node-server'
import type { Hono } from 'hono'
import type { Logger } from 'pino'
import type { DemoOptions, MountedDemo } from '../demo/index.js'
import { unserved } from './allowed-methods.js'
import { buildApp, type AppDeps } from './app.js'
import { ConfigError, loadConfigFromProcess, type LoadConfigOptions, type ServerConfig } from './config.js'
import type { ServerContext, ServerState } from './context.js'
import { causeOf, HttpError, PROBLEM_JSON, problemOf, problemResponse, type ErrorKind } from './errors.js'
import { createLogger, flushLogger } from './logging.js'
import { createMetrics, type Metrics } from './metrics.js'
import { nodeTokenListener, writeProblem } from './node-exchange.js'
import { isLingering, LINGER_MS, responseClass } from './node-response.js'
import { createRateLimitStore, type RateLimitBackend } from './rate-limit-store.js'
import { settingsFixedAtStart, type ReloadOutcome } from './reload.js'
import { onReloadSignal, stopOnSignals } from './signals.js'

/** A listening server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080` (a wildcard host is shown as `localhost`). */
  readonly url: string
  readonly port: number
  readonly server: Server
  /** The app serving requests now (a {@link RunningServer.reload} replaces it). */
  readonly app: Hono
  readonly metrics: Metrics
  /** The web demo and sandbox, when mounted (development mode; see {@link StartOptions.demo}). */
  readonly demo: MountedDemo | undefined
  /** The web demo's page, e.g. `http://127.0.0.1:8080/`, when it is mounted. */
  readonly demoUrl: string | undefined
  /**
   * Graceful shutdown that loses no request:
   *
   * 1. `/readyz` turns 503 at once, and from now on every answer says `Connection: close` (in
   *    flight or not), so each connection closes after its next answer;
   * 2. for `drainDelayMs` (default 0; the entry points pass `AGATE_DRAIN_DELAY_MS` on SIGTERM) the
   *    server keeps accepting and answering, while load balancers see `/readyz` fail and stop
   *    sending. Idle keep-alive connections are left open meanwhile: closing one could cross a
   *    request the client is sending on it, which would be lost;
   * 3. then it stops accepting, closes the idle connections, and waits for the requests in flight,
   *    cutting the connections still busy after `AGATE_SHUTDOWN_TIMEOUT_MS`.
   *
   * The demo's sandbox is ended first (its long polls would hold connections), the rate-limit
   * store's connection last. Resolves when the server is closed and the logs are flushed. Calling
   * it again returns the same promise.
   */
  close(options?: CloseOptions): Promise<void>
  /**
   * Applies new settings without a restart: `load` gives the new config (the entry points read the
   * config file and the `_FILE` secrets again). New requests are served with it; requests in
   * flight finish with the old one, and no connection is closed. Credentials, certificates, API
   * keys, JWT settings, the policy, CORS, expiries, rate-limit numbers, the body limit and the log
   * level apply at once; the listener's address and limits, the log destination, the workers and
   * the rate-limit store need a restart, and the outcome names those that differ from the settings the
   * server started with. A config that
   * fails to load, or a change of mode, is refused: the server keeps its settings. Logs
   * `server.reloaded` or `server.reload-failed`.
   */
  reload(load: () => ServerConfig | Promise<ServerConfig>): Promise<ReloadOutcome>
}

/** Options of {@link RunningServer.close}. */
export interface CloseOptions {
  /** How long to keep accepting, with `/readyz` at 503, before closing the listener, ms. Default 0. */
  drainDelayMs?: number
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
  if (options.now !== undefined) deps.now = options.now
  const logFailure = (error: unknown): void =>
    logger.error({ event: 'request.failed', cause: causeOf(error) }, 'request failed')
  let current = serving(config)

  /** The app for `settings`, with the demo (when mounted) on its apps, and its Node listener. */
  function serving(settings: ServerConfig) {
    let demo: MountedDemo | undefined
    const extraRoutes =
      options.extraRoutes === undefined && mountDemo === undefined
        ? undefined
        : (app: Hono, ctx: ServerContext) => {
            options.extraRoutes?.(app, ctx)
            if (mountDemo !== undefined) demo = mountDemo(app, { ...demoSettings, apps: settings.apps })
          }
    const { app, tokenRoutes, allowedMethods } = buildApp(
      settings,
      extraRoutes === undefined ? deps : { ...deps, extraRoutes },
    )
    // Token routes on fixed paths straight from node:http; the rest through Hono's adapter.
    const hono = getRequestListener(app.fetch, {
      // HTTP/1.0 requests may come without Host; Hono needs one to build the request's URL.
      hostname: 'localhost',
      // A request the adapter cannot turn into a fetch Request (a Host that is no host name) is the client's fault.
      errorHandler: (error) => {
        if (error instanceof RequestError)
          return problemResponse(new HttpError('invalid-request', 'the request target or Host header is not valid'))
        logFailure(error)
        return problemResponse(new HttpError('internal', 'internal error'))
      },
    })
    return { app, allowedMethods, demo, handle: nodeTokenListener(tokenRoutes, hono, logFailure) }
  }

  const { limits } = config
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.url === '*') return answerAsterisk(request, response, current.allowedMethods.all())
    // RFC 9112 §3.2: a server answers 400 to an HTTP/1.1 request without Host.
    if (request.headers.host === undefined && request.httpVersion === '1.1') {
      return writeProblem(response, new HttpError('invalid-request', 'an HTTP/1.1 request needs a Host header'))
    }
    current.handle(request, response)
  }
  const server = createServer(
    {
      maxHeaderSize: limits.headerBytes,
      requestTimeout: limits.requestTimeoutMs,
      // The config keeps it at most the request timeout, as Node requires.
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above; its default (30 s) would make short ones late.
      connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs),
      // Node's own answer to an HTTP/1.1 request without Host is a bare 400; onRequest answers a problem.
      requireHostHeader: false,
      // `Connection: close` while draining, and a lingering close after an answer that did not wait for the body.
      ServerResponse: responseClass(() => state.draining),
    },
    onRequest,
  )
  // `Expect: 100-continue`: the client is invited to send its body only once the server reads it,
  // that is after everything that can refuse the request without it (route, method,
  // authentication, rate limits, the declared size) has let it through. Go's net/http does the same.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    request.once('resume', () => {
      if (!response.headersSent) response.writeContinue()
    })
    onRequest(request, response)
  })
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) =>
    writeProblem(response, new HttpError('expectation-failed', 'the only expectation served is 100-continue')),
  )
  // CONNECT (proxy tunnels) is not served; Node would close the connection without a word.
  server.on('connect', (request: IncomingMessage, socket: Socket) => {
    const target = request.url ?? ''
    const { allowedMethods } = current
    const allowed = target.startsWith('/') ? allowedMethods.of(target.split('?')[0]!) : allowedMethods.all()
    const failure = unserved('CONNECT', allowed)
    answerOnSocket(socket, failure, allowed.length === 0 ? {} : { allow: allowed.join(', ') })
    logger.info(
      { event: 'request.rejected', method: 'CONNECT', status: failure.status, error: failure.kind },
      'request rejected',
    )
  })
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
    current.demo?.close()
    await backend?.close()
    throw error
  }
  const port = (server.address() as AddressInfo).port
  const url = `http://${urlHost(config.host)}:${port}`
  const demoUrl =
    current.demo === undefined ? undefined : `${url}${demoSettings?.serveAtRoot === false ? '/demo/' : '/'}`
  announce(config, url, logger, { rateLimitStore: backend?.kind ?? 'custom', demoUrl })

  let closing: Promise<void> | undefined
  const drain = async (drainDelayMs: number): Promise<void> => {
    state.draining = true
    logger.info(
      { event: 'server.stopping', drainDelayMs },
      'shutting down: /readyz fails, then finishing in-flight requests',
    )
    // Ending the sandbox answers its long polls at once, so they do not hold the drain up.
    current.demo?.close()
    if (drainDelayMs > 0) await sleep(drainDelayMs)
    await new Promise<void>((resolve) => {
      // Every answer now closes its connection; those that finish a request become idle: close
      // them, until none is left.
      const sweep = setInterval(() => server.closeIdleConnections(), 50)
      const deadline = setTimeout(() => {
        logger.warn({ event: 'server.shutdown-timeout' }, 'shutdown timeout: closing the remaining connections')
        server.closeAllConnections()
      }, limits.shutdownTimeoutMs)
      server.close(() => {
        clearInterval(sweep)
        clearTimeout(deadline)
        resolve()
      })
      server.closeIdleConnections()
    })
    // Requests are done with the store now; its close never throws and takes at most ~1 s.
    await backend?.close()
    logger.info({ event: 'server.stopped' }, 'stopped')
    await log.close()
  }
  const close = (options: CloseOptions = {}): Promise<void> => {
    closing ??= drain(options.drainDelayMs ?? 0)
    return closing
  }
  const apply = async (load: () => ServerConfig | Promise<ServerConfig>): Promise<ReloadOutcome> => {
    const refuse = (error: string): ReloadOutcome => {
      logger.error({ event: 'server.reload-failed', error }, `reload refused, the settings are unchanged: ${error}`)
      return { ok: false, error }
    }
    if (closing !== undefined) return refuse('the server is shutting down')
    let next: ServerConfig
    try {
      next = await load()
    } catch (error) {
      // A ConfigError names the setting and never holds a secret; anything else is described, not shown.
      return refuse(error instanceof ConfigError ? error.message : 'the settings could not be loaded')
    }
    // Against the settings the server started with: the listener and the store still run on those,
    // whatever earlier reloads asked for.
    if (next.mode !== config.mode) return refuse(`${next.mode} mode needs a restart`)
    const restartNeeded = settingsFixedAtStart(config, next)
    const previous = current
    try {
      current = serving(next)
    } catch (error) {
      logFailure(error)
      return refuse('the new settings could not be applied')
    }
    previous.demo?.close()
    // The level of a logger the caller passed in is the caller's to set.
    if (options.logger === undefined) logger.level = next.log.level
    logger.info(
      { event: 'server.reloaded', ...servedSettings(next), restartNeeded },
      restartNeeded.length === 0
        ? 'settings reloaded'
        : `settings reloaded; a restart is needed for ${restartNeeded.join(', ')}`,
    )
    for (const warning of next.warnings) logger.warn({ event: 'server.warning' }, warning)
    return { ok: true, restartNeeded }
  }
  // One reload at a time, in the order asked: two SIGHUPs in a row must not apply the first last.
  let reloading: Promise<unknown> = Promise.resolve()
  const reload = (load: () => ServerConfig | Promise<ServerConfig>): Promise<ReloadOutcome> => {
    const outcome = reloading.then(() => apply(load))
    reloading = outcome.catch(() => undefined)
    return outcome
  }
  return {
    url,
    port,
    server,
    get app() {
      return current.app
    },
    metrics,
    get demo() {
      return current.demo
    },
    demoUrl,
    close,
    reload,
  }
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
 * once; SIGHUP reloads the settings (the config file and the `_FILE` secrets are read again). For
 * entry points: `agate serve` and `node --import tsx src/server/main.ts`.
 */
export async function runServer(options: LoadConfigOptions = {}): Promise<RunningServer> {
  const config = await loadConfigFromProcess(options)
  const running = await startServer(config)
  // Plain text as well as the JSON log line: the addresses a person starting it wants to open.
  process.stderr.write(`agate server: listening on ${running.url}\n`)
  if (running.demoUrl !== undefined) process.stderr.write(`agate server: web demo at ${running.demoUrl}\n`)
  stopOnSignals(running, config.limits.drainDelayMs)
  onReloadSignal(() => void running.reload(() => loadConfigFromProcess(options)))
  return running
}

/**
 * The asterisk target: `OPTIONS *` asks what the server as a whole supports (RFC 9110 §9.3.7),
 * answered 204 with `Allow`; with any other method it is malformed.
 */
function answerAsterisk(request: IncomingMessage, response: ServerResponse, allowed: readonly string[]): void {
  if (request.method !== 'OPTIONS')
    return writeProblem(response, new HttpError('invalid-request', 'the request target * is only for OPTIONS'))
  response.writeHead(204, { allow: allowed.join(', ') }).end()
}

/** Writes a problem answer straight on a socket Node no longer parses (CONNECT), then closes it. */
function answerOnSocket(socket: Socket, failure: HttpError, headers: Record<string, string>): void {
  const body = JSON.stringify(problemOf(failure))
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  socket.end(
    `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? ''}\r\nContent-Type: ${PROBLEM_JSON}\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
  // Half-closed: what the client still sends is read and dropped until it closes, or for LINGER_MS
  // at most. An absolute timer, not socket.setTimeout: that idle timer restarts with every byte, so a
  // client dripping bytes would hold the socket (and a graceful shutdown) forever.
  socket.resume()
  const timer = setTimeout(() => socket.destroy(), LINGER_MS)
  socket.once('close', () => clearTimeout(timer))
  socket.once('error', () => socket.destroy())
}

const CLIENT_ERRORS: Record<string, ErrorKind> = {
  HPE_HEADER_OVERFLOW: 'headers-too-large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request-timeout',
}

/** Answers a request Node could not parse (too-large head, timeout, bad syntax) with a problem+json. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, headerBytes: number, logger: Logger): void {
  // A socket closing lingeringly has had its answer; a timeout or parse error in the dropped body ends it.
  if (error.code === 'ECONNRESET' || !socket.writable || isLingering(socket)) {
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
  logger.info({ event: 'request.rejected', status: failure.status, error: kind }, 'request rejected')
  answerOnSocket(socket, failure, {})
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost'
  return host.includes(':') ? `[${host}]` : host
}

/**
 * What the start and reload lines say about the settings: the mode, each app (whether it has a
 * secondary certificate, never the certificate), how callers authenticate, the policy and CORS.
 */
function servedSettings(config: ServerConfig) {
  const { auth } = config
  return {
    mode: config.mode,
    apps: config.apps.map((app) => ({
      name: app.name,
      appId: app.appId,
      versions: app.versions,
      development: app.development,
      secondaryCertificate: app.secondaryCertificate !== undefined,
    })),
    auth: { apiKeys: auth.apiKeys.length, jwt: auth.jwt !== undefined, anonymous: auth.allowAnonymous },
    policy: config.policy.source,
    cors: config.cors,
  }
}

/** The start banner: what is served, how, and every warning. */
function announce(
  config: ServerConfig,
  url: string,
  logger: Logger,
  served: { rateLimitStore: string; demoUrl: string | undefined },
): void {
  logger.info(
    {
      event: 'server.started',
      url,
      ...servedSettings(config),
      rateLimitStore: served.rateLimitStore,
      demo: served.demoUrl !== undefined,
      demoUrl: served.demoUrl,
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
        // Only addresses that answer: `/sandbox` itself is no page, its API lives under it.
        served.demoUrl === undefined
          ? 'Web demo not mounted.'
          : `Web demo at ${served.demoUrl} (its sandbox API under ${url}/sandbox/).`,
        'Set NODE_ENV=production (or --production) for a production server.',
      ].join(' '),
    )
  }
  for (const warning of config.warnings) logger.warn({ event: 'server.warning' }, warning)
}
