/**
 * Global counts for a Worker fleet: each isolate counts what it issued, denied and rate limited,
 * and sends the counts to {@link FleetCounts} objects after its responses; `GET /metrics/fleet`
 * renders the sums. (`/metrics` stays per isolate: Workers give no way to reach the others.)
 * @module
 */
import type { DurableObjectNamespace } from 'cloudflare:workers'
import type { ExecutionContext } from 'hono'
import { Counter, Registry } from 'prom-client'
import type { Metrics } from '../server/metrics.js'
import type { CountDelta, FleetCounts } from './durable-fleet-counts.js'
import type { StoreLogger } from './durable-rate-limit-store.js'

/** How many objects share the writes. Reading sums all of them, so it stays small. */
const FLEET_SHARDS = 8

/** How long an isolate collects counts before it sends them, ms. */
const SEND_DELAY_MS = 1000
/**
 * How many sends one scheduled task makes at most (one per SEND_DELAY_MS), so the request whose
 * `waitUntil` keeps it alive is released well within the runtime's limit; the next request
 * schedules the next task.
 */
const MAX_SENDS_PER_TASK = 10

/** The fleet metrics: the names of the per-isolate ones with `agate_fleet_` in front. */
const METRICS = {
  agate_fleet_tokens_issued_total: {
    help: 'Tokens issued by the whole fleet, by app, kind (services) and version.',
    labels: ['app', 'kind', 'version'],
  },
  agate_fleet_denials_total: {
    help: 'Token requests the whole fleet refused by authentication or policy, by reason.',
    labels: ['reason'],
  },
  agate_fleet_rate_limited_total: {
    help: 'Requests the whole fleet refused by a rate limit, by scope.',
    labels: ['scope'],
  },
} as const

type FleetMetric = keyof typeof METRICS

/**
 * Counts of one isolate on their way to the shared objects.
 *
 * Sending happens after a response (`ctx.waitUntil`), about a second ({@link SEND_DELAY_MS}) after
 * the first count: what is counted meanwhile goes in the same call, so an isolate writes about one
 * batch a second, not one per request. A call that fails puts its counts back for the next try (so a
 * call that failed after the object had added them counts them twice; an isolate that is shut down
 * within the second loses what it had not sent).
 */
export class FleetMetrics {
  readonly #namespace: DurableObjectNamespace<FleetCounts>
  readonly #logger: StoreLogger | undefined
  readonly #pending = new Map<string, number>()
  /** The scheduled send, while there is one. */
  #sending: Promise<void> | undefined
  #shard: number | undefined
  #failing = false

  constructor(namespace: DurableObjectNamespace<FleetCounts>, logger?: StoreLogger) {
    this.#namespace = namespace
    this.#logger = logger
  }

  /** The app's metrics, also counting into the fleet's. */
  wrap(metrics: Metrics): Metrics {
    return {
      registry: metrics.registry,
      tokenIssued: (app, kind, version) => {
        metrics.tokenIssued(app, kind, version)
        this.#count('agate_fleet_tokens_issued_total', [app, kind, version])
      },
      denied: (reason) => {
        metrics.denied(reason)
        this.#count('agate_fleet_denials_total', [reason])
      },
      rateLimited: (scope) => {
        metrics.rateLimited(scope)
        this.#count('agate_fleet_rate_limited_total', [scope])
      },
      requestDone: (route, status, seconds) => metrics.requestDone(route, status, seconds),
    }
  }

  /**
   * After a response: if counts are pending and no send is scheduled, schedules one in
   * {@link SEND_DELAY_MS}, kept alive by this request's `waitUntil`. Only that request waits for it:
   * the others just count (a context per request kept open for a second would cost each of them).
   */
  sendAfter(ctx: Pick<ExecutionContext, 'waitUntil'>): void {
    if (this.#pending.size === 0 || this.#sending !== undefined) return
    const sending = this.#sendLater()
    this.#sending = sending
    ctx.waitUntil(sending)
  }

  /**
   * The fleet's totals in Prometheus' text format, this isolate's pending counts included.
   * @throws when an object cannot be written or read (the route answers 503).
   */
  async render(): Promise<string> {
    if (!(await this.#sendPending())) throw new Error('the fleet counts cannot be written')
    const shards = await Promise.all(Array.from({ length: FLEET_SHARDS }, (_, shard) => this.#stub(shard).totals()))
    const registry = new Registry()
    const counters = new Map<string, Counter>()
    for (const [name, { help, labels }] of Object.entries(METRICS)) {
      counters.set(name, new Counter({ name, help, labelNames: labels, registers: [registry] }))
    }
    for (const [metric, labels, value] of shards.flat()) {
      counters.get(metric)?.inc(JSON.parse(labels) as Record<string, string>, value)
    }
    return registry.metrics()
  }

  #count(metric: FleetMetric, values: readonly string[]): void {
    const names = METRICS[metric].labels
    const labels = JSON.stringify(Object.fromEntries(names.map((name, index) => [name, values[index]])))
    const key = `${metric}\0${labels}`
    this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1)
  }

  /**
   * Sends what is pending once a SEND_DELAY_MS, while counts keep coming, for at most
   * MAX_SENDS_PER_TASK rounds; stops at a failed call (the next request schedules a retry).
   */
  async #sendLater(): Promise<void> {
    try {
      for (let round = 0; round < MAX_SENDS_PER_TASK && this.#pending.size > 0; round++) {
        await new Promise((resolve) => setTimeout(resolve, SEND_DELAY_MS))
        if (!(await this.#sendPending())) break
      }
    } finally {
      // Right after the last look at #pending, with no await between: a count made later finds no
      // send scheduled and schedules one.
      this.#sending = undefined
    }
  }

  /** Sends what is pending in one call. False when the call fails; the counts are then kept. */
  async #sendPending(): Promise<boolean> {
    if (this.#pending.size === 0) return true
    const batch: CountDelta[] = []
    for (const [key, by] of this.#pending) {
      const split = key.indexOf('\0')
      batch.push([key.slice(0, split), key.slice(split + 1), by])
    }
    this.#pending.clear()
    this.#shard ??= Math.floor(Math.random() * FLEET_SHARDS)
    try {
      await this.#stub(this.#shard).add(batch)
    } catch (error) {
      for (const [metric, labels, by] of batch) {
        const key = `${metric}\0${labels}`
        this.#pending.set(key, (this.#pending.get(key) ?? 0) + by)
      }
      // Another shard next time: a failing object does not hold the counts back for long.
      this.#shard = undefined
      if (!this.#failing) {
        this.#failing = true
        const detail = error instanceof Error ? error.message : String(error)
        this.#logger?.warn(
          { event: 'fleet-counts-down', error: detail },
          'fleet counts cannot be written; kept for the next try',
        )
      }
      return false
    }
    if (this.#failing) {
      this.#failing = false
      this.#logger?.info({ event: 'fleet-counts-up' }, 'fleet counts written again')
    }
    return true
  }

  #stub(shard: number) {
    return this.#namespace.get(this.#namespace.idFromName(`fleet-${shard}`))
  }
}
