/**
 * Multi-core: a primary process that runs the token server in N worker processes on one port,
 * restarts the ones that crash, drains them all on shutdown, and adds their metrics up.
 * @module
 */
import cluster, { type Worker } from 'node:cluster'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { loadConfigFromProcess, type LoadConfigOptions, type ServerConfig } from './config.js'
import { createLogger, type LogSettings } from './logging.js'
import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Registry,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client'
import { onReloadSignal, stopOnSignals } from './signals.js'

/** The part of a pino logger the primary uses. */
export interface ClusterLogger {
  info(object: object, message: string): void
  warn(object: object, message: string): void
  error(object: object, message: string): void
}

/** What workers hand to the server's `loadConfig` (the flags of `agate serve`); JSON only. */
export interface ClusterServeOptions {
  port?: number
  host?: string
  configFile?: string
  production?: boolean
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** How many worker processes; see {@link resolveWorkerCount}. At least 1. */
  workers: number
  /** Passed to `loadConfig` in every worker, with the workers' environment. */
  serve?: ClusterServeOptions
  /** Added to the workers' environment (which is this process's environment otherwise). */
  env?: Record<string, string>
  /**
   * URL of the module the workers run: it exports `loadConfig` and `startServer` (see
   * `cluster-worker.ts`). Default: `./index.js` next to this file, the token server.
   */
  serverModule?: string
  /** The primary's logger. Default: one made from `log`, with `role: "primary"` on every line. */
  logger?: ClusterLogger
  /** Log settings (the config's `log`) for the default logger. Default: `info` on stdout. */
  log?: LogSettings
  /**
   * How long shutdown waits for workers to drain before killing them, ms, on top of the drain
   * delay `close` is given. Default 30 000.
   */
  shutdownTimeoutMs?: number
  /** How long a `/metrics` scrape waits for every worker's figures, ms. Default 2000. */
  metricsTimeoutMs?: number
  /** How long a worker may take to start listening, ms. Default 30 000. */
  startTimeoutMs?: number
  /** Logged by the primary (`event: "server.warning"`) before it forks; see {@link clusterOptionsFor}. */
  warnings?: readonly string[]
}

/** A running cluster: the same shape as `startServer`'s result, so callers treat both alike. */
export interface RunningCluster {
  /** Where the workers listen, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  /** The process ids of the live workers. */
  workerPids(): number[]
  /** Worker processes started since the beginning, counting restarts. */
  readonly started: number
  /** All workers' metrics added up, in the Prometheus text format. */
  metrics(): Promise<string>
  /**
   * Drains every worker (each keeps accepting for `drainDelayMs` with `/readyz` at 503, then stops
   * accepting and finishes its in-flight requests; see `RunningServer.close`), then resolves.
   */
  close(options?: { drainDelayMs?: number }): Promise<void>
  /** Kills every worker at once (SIGKILL): for an exit at once, on a second signal. */
  halt(): void
  /**
   * Asks every live worker to reload its settings (see `RunningServer.reload`: each reads the
   * config file and the `_FILE` secrets again, and logs `server.reloaded` or `server.reload-failed`).
   * A worker started later loads them anyway.
   */
  reload(): void
}

// Messages between the primary and its workers; every type starts with `agate:` so other IPC users
// (prom-client's own cluster listener, for one) are left alone.
/** Worker → primary. */
export type WorkerMessage =
  | { type: 'agate:ready'; url: string }
  | { type: 'agate:failed'; message: string }
  | { type: 'agate:metrics:request'; id: number }
  | { type: 'agate:metrics:report'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] }
/** Primary → worker. */
export type PrimaryMessage =
  | { type: 'agate:shutdown'; drainDelayMs: number }
  | { type: 'agate:reload' }
  | { type: 'agate:metrics:collect'; id: number }
  | { type: 'agate:metrics:result'; id: number; text: string; error?: undefined }
  | { type: 'agate:metrics:result'; id: number; text?: undefined; error: string }

/**
 * The command-line flag that carries a worker's instructions (JSON, the next argument). Not an
 * environment variable: the config treats unknown `AGATE_*` variables as typos.
 */
export const CLUSTER_SPEC_FLAG = '--agate-cluster-worker'

/** What a worker is told to do, through {@link CLUSTER_SPEC_FLAG}. */
export interface ClusterSpec {
  serverModule: string
  serve: ClusterServeOptions
}

/**
 * The number of workers for a setting: a positive number is taken as is; 0 (or nothing, in
 * production) means one per CPU this process may use; nothing in development means 1.
 *
 * "One per CPU" honours a container's CPU limit (cgroup v2 `cpu.max`), not only the host's core
 * count: a pod limited to 1 CPU on a 32-core node gets 1 worker, not 32.
 */
export function resolveWorkerCount(setting: number | undefined, production: boolean): number {
  if (setting !== undefined && setting > 0) return setting
  if (setting === undefined && !production) return 1
  return usableCpus()
}

/** CPUs this process may use: the smaller of the scheduler's view and the cgroup CPU quota. */
export function usableCpus(cpuMax = readCgroupCpuMax()): number {
  const cores = availableParallelism()
  const match = cpuMax === undefined ? null : /^(\d+)\s+(\d+)/.exec(cpuMax)
  if (match === null) return cores
  const quota = Number(match[1]) / Number(match[2])
  return Math.max(1, Math.min(cores, Math.ceil(quota)))
}

function readCgroupCpuMax(): string | undefined {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8')
  } catch {
    return undefined
  }
}

interface Slot {
  index: number
  worker: Worker | undefined
  startedAt: number
  /** Crashes in a row, each within a minute of its start: the restart delay grows with it. */
  crashes: number
  timer: NodeJS.Timeout | undefined
}

interface PendingCollect {
  reports: MetricObjectWithValues<MetricValue<string>>[][]
  waiting: Set<number>
  finish(error?: Error): void
}

/**
 * Starts the cluster: forks `workers` processes that each load the config and start the server on
 * the same address (the primary accepts connections and hands them out round-robin), and resolves
 * once every worker listens. Rejects, after stopping the others, if any worker fails to start (its
 * error message, e.g. a bad setting, is in the rejection).
 *
 * Afterwards the primary restarts a worker that exits (crash, OOM kill, a `kill` by an operator)
 * after a delay that grows while it keeps crashing (100 ms doubling to 10 s), and answers the
 * workers' requests for cluster-wide metrics: a `/metrics` scrape, whichever worker it reaches,
 * returns every worker's figures added up (prom-client's aggregation: counters and histograms
 * summed, gauges by their `aggregator`).
 *
 * It installs no signal handlers: the caller (`agate serve`) calls `close()` on SIGTERM/SIGINT.
 * Workers also drain by themselves on SIGTERM/SIGINT or if the primary disappears.
 *
 * @example
 * ```ts
 * const running = await startCluster({ workers: resolveWorkerCount(config.workers, production), serve: { port: 8080 } })
 * process.once('SIGTERM', () => void running.close())
 * ```
 */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  if (!cluster.isPrimary) throw new Error('startCluster must run in the primary process')
  if (!Number.isSafeInteger(options.workers) || options.workers < 1)
    throw new RangeError('workers must be a positive integer')
  const own =
    options.logger === undefined ? createLogger(options.log ?? { level: 'info', destination: 'stdout' }) : undefined
  const logger = options.logger ?? own!.logger.child({ role: 'primary' })
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000
  const metricsTimeoutMs = options.metricsTimeoutMs ?? 2000
  const startTimeoutMs = options.startTimeoutMs ?? 30_000
  const spec: ClusterSpec = { serverModule: options.serverModule ?? siblingUrl('index'), serve: options.serve ?? {} }
  for (const warning of options.warnings ?? []) logger.warn({ event: 'server.warning' }, warning)

  // The worker entry is this package's cluster-worker file (.ts under tsx in tests, .js when built);
  // Node's cluster re-runs it with this process's flags (`--import tsx` included).
  cluster.setupPrimary({
    exec: fileURLToPath(siblingUrl('cluster-worker')),
    execArgv: process.execArgv,
    args: [CLUSTER_SPEC_FLAG, JSON.stringify(spec)],
  })

  // The primary's own process metrics are added to the workers': memory and CPU add up to the whole.
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const live = new Gauge({
    name: 'agate_cluster_workers',
    help: 'Worker processes serving requests.',
    registers: [registry],
  })
  const restarts = new Counter({
    name: 'agate_cluster_worker_restarts_total',
    help: 'Workers restarted after they exited unexpectedly.',
    registers: [registry],
  })

  const slots: Slot[] = Array.from({ length: options.workers }, (_, index) => ({
    index,
    worker: undefined,
    startedAt: 0,
    crashes: 0,
    timer: undefined,
  }))
  const ready = new Set<number>()
  const collects = new Map<number, PendingCollect>()
  let nextId = 1
  let started = 0
  let closing: Promise<void> | undefined
  let url = ''
  let startup: { resolve: () => void; reject: (error: Error) => void } | undefined

  const fork = (slot: Slot): void => {
    slot.timer = undefined
    const worker = cluster.fork(options.env)
    started++
    slot.worker = worker
    slot.startedAt = Date.now()
    worker.on('message', (message: WorkerMessage) => onMessage(slot, worker, message))
    worker.on('exit', (code, signal) => onExit(slot, worker, code, signal))
  }

  const onMessage = (slot: Slot, worker: Worker, message: WorkerMessage): void => {
    if (
      typeof message !== 'object' ||
      message === null ||
      typeof message.type !== 'string' ||
      !message.type.startsWith('agate:')
    )
      return
    switch (message.type) {
      case 'agate:ready':
        ready.add(worker.id)
        live.set(ready.size)
        url ||= message.url
        logger.info({ event: 'cluster.worker.ready', worker: slot.index, pid: worker.process.pid }, 'worker listening')
        if (startup !== undefined && ready.size === slots.length) startup.resolve()
        return
      case 'agate:failed':
        logger.error(
          { event: 'cluster.worker.failed', worker: slot.index, pid: worker.process.pid, error: message.message },
          'worker failed to start',
        )
        startup?.reject(new Error(message.message))
        return
      case 'agate:metrics:request':
        collect().then(
          (text) => send(worker, { type: 'agate:metrics:result', id: message.id, text }),
          (error: Error) => send(worker, { type: 'agate:metrics:result', id: message.id, error: error.message }),
        )
        return
      case 'agate:metrics:report': {
        const pending = collects.get(message.id)
        if (pending === undefined || !pending.waiting.delete(worker.id)) return
        pending.reports.push(message.metrics)
        if (pending.waiting.size === 0) pending.finish()
        return
      }
    }
  }

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null): void => {
    const wasReady = ready.delete(worker.id)
    live.set(ready.size)
    if (slot.worker === worker) slot.worker = undefined
    // A worker that cannot report any more is no longer waited for.
    for (const pending of collects.values())
      if (pending.waiting.delete(worker.id) && pending.waiting.size === 0) pending.finish()
    if (closing !== undefined) return
    if (startup !== undefined) {
      startup.reject(new Error(`worker ${slot.index} exited during startup (${signal ?? `code ${code}`})`))
      return
    }
    const uptime = Date.now() - slot.startedAt
    slot.crashes = uptime > 60_000 ? 0 : slot.crashes + 1
    const delay = slot.crashes === 0 ? 0 : Math.min(100 * 2 ** (slot.crashes - 1), 10_000)
    restarts.inc()
    logger.error(
      {
        event: 'cluster.worker.exited',
        worker: slot.index,
        pid: worker.process.pid,
        code,
        signal,
        wasReady,
        restartInMs: delay,
      },
      'worker exited unexpectedly; restarting it',
    )
    slot.timer = setTimeout(() => fork(slot), delay)
  }

  /** Asks every ready worker for its metrics and adds them up (with the primary's own). */
  const collect = async (): Promise<string> => {
    const id = nextId++
    const targets = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && ready.has(worker.id) && worker.isConnected(),
    )
    const reports = await new Promise<MetricObjectWithValues<MetricValue<string>>[][]>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          finish(new Error(`metrics: ${pending.waiting.size} worker(s) did not answer within ${metricsTimeoutMs} ms`)),
        metricsTimeoutMs,
      )
      const finish = (error?: Error): void => {
        clearTimeout(timer)
        collects.delete(id)
        if (error === undefined) resolve(pending.reports)
        else reject(error)
      }
      const pending: PendingCollect = { reports: [], waiting: new Set(targets.map((worker) => worker.id)), finish }
      collects.set(id, pending)
      if (targets.length === 0) return finish()
      for (const worker of targets) send(worker, { type: 'agate:metrics:collect', id })
    })
    reports.push(await registry.getMetricsAsJSON())
    return AggregatorRegistry.aggregate(reports).metrics()
  }

  const close = (closeOptions: { drainDelayMs?: number } = {}): Promise<void> => {
    const drainDelayMs = closeOptions.drainDelayMs ?? 0
    closing ??= (async () => {
      const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined)
      for (const slot of slots) if (slot.timer !== undefined) clearTimeout(slot.timer)
      logger.info({ event: 'cluster.stopping', workers: workers.length }, 'stopping: draining workers')
      const exits = workers.map((worker) =>
        worker.isDead() ? Promise.resolve() : new Promise<void>((resolve) => worker.once('exit', () => resolve())),
      )
      for (const worker of workers) send(worker, { type: 'agate:shutdown', drainDelayMs })
      const deadline = setTimeout(() => {
        for (const worker of workers) {
          if (!worker.isDead()) {
            logger.warn(
              { event: 'cluster.worker.killed', pid: worker.process.pid },
              'worker did not drain in time; killing it',
            )
            worker.process.kill('SIGKILL')
          }
        }
      }, drainDelayMs + shutdownTimeoutMs)
      await Promise.all(exits)
      clearTimeout(deadline)
      live.set(0)
      logger.info({ event: 'cluster.stopped' }, 'all workers stopped')
      own?.flush()
    })()
    return closing
  }

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`workers did not start within ${startTimeoutMs} ms`)),
        startTimeoutMs,
      )
      startup = {
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      for (const slot of slots) fork(slot)
    })
  } catch (error) {
    startup = undefined
    await close()
    throw error
  }
  startup = undefined
  logger.info({ event: 'cluster.started', workers: slots.length, url }, `${slots.length} workers listening on ${url}`)

  return {
    url,
    workerPids: () =>
      slots.flatMap((slot) =>
        slot.worker?.process.pid === undefined || !ready.has(slot.worker.id) ? [] : [slot.worker.process.pid],
      ),
    get started() {
      return started
    },
    metrics: collect,
    close,
    halt: () => {
      for (const worker of Object.values(cluster.workers ?? {}))
        if (worker !== undefined && !worker.isDead()) worker.process.kill('SIGKILL')
    },
    reload: () => {
      logger.info({ event: 'cluster.reloading' }, 'asking every worker to reload its settings')
      for (const worker of Object.values(cluster.workers ?? {}))
        if (worker !== undefined) send(worker, { type: 'agate:reload' })
    },
  }
}

/**
 * The options of {@link startCluster} for a config the primary has loaded (what `runCluster` and
 * `agate serve` do): `workers` workers (see {@link resolveWorkerCount}) started with the same
 * `serve` options, the primary logging with the config's log settings, a shutdown backstop a little
 * past `AGATE_SHUTDOWN_TIMEOUT_MS`, and the warnings this setup deserves:
 *
 * - several workers without `AGATE_REDIS_URL` count rate limits each on their own;
 * - in development, workers do not serve the web demo and the sandbox (a sandbox session lives in
 *   one process's memory, and connections are spread over the workers).
 */
export function clusterOptionsFor(
  config: ServerConfig,
  workers: number,
  serve: ClusterServeOptions = {},
): ClusterOptions {
  const warnings: string[] = []
  if (workers > 1 && config.rateLimit.store.redisUrl === undefined) {
    warnings.push(
      `${workers} workers and no REDIS_URL: each worker counts rate limits on its own, so a caller may get up to ${workers} times the limit; set REDIS_URL to share them`,
    )
  }
  if (config.mode === 'development') {
    warnings.push(
      'cluster mode: the web demo and the sandbox are not served (a sandbox session lives in one process); run a single process (--workers 1, WORKERS=1) for them',
    )
  }
  const options: ClusterServeOptions = { ...serve }
  // The workers load the same environment; this keeps a mode that came from it explicit.
  if (config.mode === 'production') options.production = true
  return {
    workers,
    serve: options,
    log: config.log,
    // Workers cut their own connections AGATE_SHUTDOWN_TIMEOUT_MS after their drain delay; this is
    // the backstop (close adds the delay).
    shutdownTimeoutMs: config.limits.shutdownTimeoutMs + 5000,
    warnings,
  }
}

/**
 * Loads the config from this process's environment, starts `workers` workers (see
 * {@link resolveWorkerCount}; `undefined` = `AGATE_WORKERS`, else the default for the mode) and
 * drains them on SIGTERM (after `AGATE_DRAIN_DELAY_MS`) or SIGINT, then exits; a second signal
 * kills the workers and exits at once; SIGHUP has every worker reload its settings. The cluster
 * counterpart of `runServer`, for entry points (`src/server/cluster-main.ts`). The primary validates
 * the config before forking, so a bad setting stops everything at once, and development
 * credentials are created once, not raced for by every worker.
 */
export async function runCluster(
  options: LoadConfigOptions & { workers?: number | undefined },
): Promise<RunningCluster> {
  const { workers, ...loadOptions } = options
  const config = await loadConfigFromProcess(loadOptions)
  const count = resolveWorkerCount(workers ?? config.workers, config.mode === 'production')
  const serve: ClusterServeOptions = {}
  if (loadOptions.port !== undefined) serve.port = loadOptions.port
  if (loadOptions.host !== undefined) serve.host = loadOptions.host
  if (loadOptions.configFile !== undefined) serve.configFile = loadOptions.configFile
  if (loadOptions.production === true) serve.production = true
  // The primary's logger is startCluster's own: flushed when the cluster has stopped (or failed to start).
  const running = await startCluster(clusterOptionsFor(config, count, serve))
  stopOnSignals(running, config.limits.drainDelayMs)
  onReloadSignal(() => running.reload())
  return running
}

function send(worker: Worker, message: PrimaryMessage): void {
  // A worker that just died has no channel; its exit is handled by the 'exit' listener.
  if (worker.isConnected()) worker.send(message, (error: Error | null) => void error)
}

/** A module next to this one, with this one's extension (`.ts` when run from source). */
function siblingUrl(name: string): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./${name}${extension}`, import.meta.url).href
}
