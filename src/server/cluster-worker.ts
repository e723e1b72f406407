/**
 * A cluster worker's entry point (the file `startCluster` forks): loads the config, starts the
 * server, serves cluster-wide metrics and drains on request. Not meant to be imported.
 * @module
 */
import cluster from 'node:cluster'
import type { Registry } from 'prom-client'
import { CLUSTER_SPEC_FLAG, type ClusterSpec, type PrimaryMessage, type WorkerMessage } from './cluster.js'

/**
 * What the worker needs from the server module (`./index.js`): its `loadConfig` and `startServer`.
 * Workers ask for no web demo: a sandbox session lives in one process, and the primary spreads
 * connections over all of them.
 */
export interface ClusterServerModule {
  loadConfig(
    env: Record<string, string | undefined>,
    options: ClusterSpec['serve'],
  ): Promise<{ limits: { drainDelayMs: number } }>
  startServer(config: never, options: { demo: false }): Promise<WorkerServer>
}

/** The running server, as the worker uses it. */
interface WorkerServer {
  url: string
  metrics: { registry: Registry }
  close(options: { drainDelayMs: number }): Promise<void>
  reload(load: () => Promise<unknown>): Promise<unknown>
}

const flag = process.argv.indexOf(CLUSTER_SPEC_FLAG)
if (cluster.isWorker && flag > 0) await runWorker(JSON.parse(process.argv[flag + 1] ?? '{}') as ClusterSpec)

async function runWorker(spec: ClusterSpec): Promise<void> {
  const send = (message: WorkerMessage): void => {
    if (process.connected) process.send?.(message)
  }
  let close: ((drainDelayMs: number) => Promise<void>) | undefined
  let stopping: number | undefined
  /** Drains after `drainDelayMs` (see `RunningServer.close`) and exits; once. */
  const stop = (drainDelayMs: number): void => {
    if (stopping !== undefined) return
    stopping = drainDelayMs
    // Not started yet: the start sequence sees `stopping` and closes right after listening.
    close?.(drainDelayMs).then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  let configuredDelayMs = 0
  let reload: (() => void) | undefined
  let nextId = 1
  const results = new Map<number, (result: PrimaryMessage & { type: 'agate:metrics:result' }) => void>()
  let registry: Registry | undefined

  // Listen first: a shutdown may arrive while the server is still starting.
  process.on('message', (message: PrimaryMessage) => {
    if (typeof message !== 'object' || message === null) return
    switch (message.type) {
      case 'agate:shutdown':
        stop(message.drainDelayMs)
        return
      case 'agate:reload':
        reload?.()
        return
      case 'agate:metrics:collect':
        if (registry === undefined) return
        void collectLocal(registry).then((metrics) => send({ type: 'agate:metrics:report', id: message.id, metrics }))
        return
      case 'agate:metrics:result':
        results.get(message.id)?.(message)
        results.delete(message.id)
        return
    }
  })
  // Signals sent to the whole process group (Ctrl-C) reach workers too; an orphaned worker (the
  // primary was killed) drains at once instead of serving forever: nothing hands it connections.
  process.on('SIGTERM', () => stop(configuredDelayMs))
  process.on('SIGINT', () => stop(0))
  process.on('disconnect', () => stop(0))
  // The primary forwards a reload to each worker; a SIGHUP sent to the whole process group (a
  // closed terminal) must not also reload, nor end the worker, as it would by default.
  process.on('SIGHUP', () => {})

  let running: WorkerServer
  let server: ClusterServerModule
  try {
    server = (await import(spec.serverModule)) as ClusterServerModule
    const config = await server.loadConfig(process.env, spec.serve)
    configuredDelayMs = config.limits.drainDelayMs
    running = await server.startServer(config as never, { demo: false })
  } catch (error) {
    send({ type: 'agate:failed', message: error instanceof Error ? error.message : String(error) })
    process.exitCode = 1
    process.disconnect?.()
    return
  }
  close = (drainDelayMs) => running.close({ drainDelayMs })
  reload = () => void running.reload(() => server.loadConfig(process.env, spec.serve))
  const local = running.metrics.registry
  registry = local
  shareMetrics(
    local,
    (timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        const id = nextId++
        const timer = setTimeout(() => {
          results.delete(id)
          reject(new Error('the cluster primary did not answer the metrics request in time'))
        }, timeoutMs)
        results.set(id, (result) => {
          clearTimeout(timer)
          if (result.error !== undefined) reject(new Error(result.error))
          else resolve(result.text)
        })
        send({ type: 'agate:metrics:request', id })
      }),
  )
  if (stopping !== undefined) {
    const drainDelayMs = stopping
    stopping = undefined
    stop(drainDelayMs)
    return
  }
  send({ type: 'agate:ready', url: running.url })
}

/**
 * Makes the worker's `/metrics` (which renders `registry.metrics()`) answer with the whole
 * cluster's figures: the primary asks every worker for its own (`getMetricsAsJSON`, left as is) and
 * adds them up. The app needs no cluster knowledge; a scrape that lands on any worker sees all.
 */
function shareMetrics(registry: Registry, fromPrimary: (timeoutMs: number) => Promise<string>): void {
  registry.metrics = () => fromPrimary(5000)
}

function collectLocal(
  registry: Registry,
): Promise<Extract<WorkerMessage, { type: 'agate:metrics:report' }>['metrics']> {
  return registry.getMetricsAsJSON()
}
