/**
 * Prometheus metrics on a registry of the app's own (never prom-client's global one, so tests and
 * embedders can create many apps in one process).
 * @module
 */
import { collectDefaultMetrics, Registry } from 'prom-client'

/** The server's metrics and the registry `/metrics` renders. */
export interface Metrics {
  readonly registry: Registry
  /** Counts an issued token: `kind` is the services joined by `+` (e.g. `rtc+rtm`). */
  tokenIssued(app: string, kind: string, version: string): void
  /** Counts a refused token request by reason (a policy check, `missing-credentials` …). */
  denied(reason: string): void
  /** Counts a request over a rate limit, by scope (`identity` or `address`). */
  rateLimited(scope: 'identity' | 'address'): void
  /** Records a request's duration in seconds, by route pattern and status. */
  requestDone(route: string, status: number, seconds: number): void
}

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

/**
 * Creates the metrics. `defaultMetrics` adds prom-client's process metrics (CPU, memory, event-loop
 * lag, GC); the listener turns them on, in-process tests leave them off.
 *
 * Metric names: `agate_tokens_issued_total{app,kind,version}`, `agate_denials_total{reason}`,
 * `agate_rate_limited_total{scope}`, `agate_http_request_duration_seconds{route,status}`.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry })
  const issued = new LabelledCounter('agate_tokens_issued_total', 'Tokens issued, by app, kind (services) and version.')
  const denials = new LabelledCounter('agate_denials_total', 'Token requests refused by authentication or policy, by reason.')
  const limited = new LabelledCounter('agate_rate_limited_total', 'Requests refused by a rate limit, by scope.')
  const duration = new LabelledHistogram(
    'agate_http_request_duration_seconds',
    'Request latency inside the server, by route pattern and status.',
    DURATION_BUCKETS,
  )
  for (const metric of [issued, denials, limited, duration]) registry.registerMetric(metric as never)

  return {
    registry,
    tokenIssued: (app, kind, version) => issued.inc(`${app}\0${kind}\0${version}`, () => ({ app, kind, version })),
    denied: (reason) => denials.inc(reason, () => ({ reason })),
    rateLimited: (scope) => limited.inc(scope, () => ({ scope })),
    requestDone: (route, status, seconds) =>
      duration.observe(`${route}\0${status}`, () => ({ route, status: String(status) }), seconds),
  }
}

type Labels = Record<string, string>

interface RenderedMetric {
  name: string
  help: string
  type: 'counter' | 'histogram'
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[]
  aggregator: 'sum'
}

/**
 * A counter by label set, rendered through prom-client's registry. prom-client's own `Counter`
 * validates and hashes the labels on every increment (a few µs under load, measured); this one
 * does a Map lookup with a key the caller builds, and builds the label object once per label set.
 */
class LabelledCounter {
  readonly name: string
  readonly help: string
  readonly #values = new Map<string, { labels: Labels; value: number }>()

  constructor(name: string, help: string) {
    this.name = name
    this.help = help
  }

  inc(key: string, labels: () => Labels): void {
    const entry = this.#values.get(key)
    if (entry === undefined) this.#values.set(key, { labels: labels(), value: 1 })
    else entry.value++
  }

  /** What prom-client's registry reads from a metric (the shape of its own metrics' `get()`). */
  get(): Promise<RenderedMetric> {
    const values = [...this.#values.values()].map(({ labels, value }) => ({ labels, value }))
    return Promise.resolve({ name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' })
  }

  reset(): void {
    this.#values.clear()
  }
}

/** A histogram by label set, for the same reason as {@link LabelledCounter}. */
class LabelledHistogram {
  readonly name: string
  readonly help: string
  readonly #bounds: readonly number[]
  readonly #values = new Map<string, { labels: Labels; counts: Float64Array; sum: number; count: number }>()

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name
    this.help = help
    this.#bounds = bounds
  }

  observe(key: string, labels: () => Labels, value: number): void {
    let entry = this.#values.get(key)
    if (entry === undefined) {
      entry = { labels: labels(), counts: new Float64Array(this.#bounds.length), sum: 0, count: 0 }
      this.#values.set(key, entry)
    }
    entry.sum += value
    entry.count++
    const bounds = this.#bounds
    for (let index = 0; index < bounds.length; index++) {
      if (value <= bounds[index]!) {
        entry.counts[index]!++
        break
      }
    }
  }

  get(): Promise<RenderedMetric> {
    const values: RenderedMetric['values'] = []
    for (const { labels, counts, sum, count } of this.#values.values()) {
      let cumulative = 0
      this.#bounds.forEach((bound, index) => {
        cumulative += counts[index]!
        values.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${this.name}_bucket` })
      })
      values.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: `${this.name}_bucket` })
      values.push({ labels, value: sum, metricName: `${this.name}_sum` })
      values.push({ labels, value: count, metricName: `${this.name}_count` })
    }
    return Promise.resolve({ name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' })
  }

  reset(): void {
    this.#values.clear()
  }
}
