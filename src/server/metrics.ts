/**
 * Prometheus metrics on a registry of the app's own (never prom-client's global one, so tests and
 * embedders can create many apps in one process).
 * @module
 */
import { collectDefaultMetrics, Registry, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client'

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
  const issued = new LabelledCounter('agate_tokens_issued_total', 'Tokens issued, by app, kind (services) and version.')
  const denials = new LabelledCounter(
    'agate_denials_total',
    'Token requests refused by authentication or policy, by reason.',
  )
  const limited = new LabelledCounter('agate_rate_limited_total', 'Requests refused by a rate limit, by scope.')
  const duration = new LabelledHistogram(
    'agate_http_request_duration_seconds',
    'Request latency inside the server, by route pattern and status.',
    DURATION_BUCKETS,
  )
  const registry = new AgateRegistry([issued, denials, limited, duration])
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry })

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
type Sample = MetricValueWithName<string>

/** A metric of our own: counted on the request path with a Map lookup, rendered at scrape time. */
interface OwnMetric {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'histogram'
  samples(): Sample[]
  reset(): void
}

/**
 * A prom-client registry that also renders the server's own metrics. prom-client's `Counter` and
 * `Histogram` validate and hash the labels on every increment (~0.7-1 µs each, measured), and a
 * registry renders only prom-client's own metric objects; so the server counts in its own maps and
 * this registry adds their exposition (the Prometheus text format, and prom-client's JSON form for
 * the cluster's aggregation) to what `metrics()` and `getMetricsAsJSON()`, prom-client's public
 * methods, return for everything else (process metrics, the Redis store's). Prometheus text only.
 */
class AgateRegistry extends Registry {
  readonly #own: readonly OwnMetric[]

  constructor(own: readonly OwnMetric[]) {
    super()
    this.#own = own
  }

  override async metrics(): Promise<string> {
    const blocks = this.#own.map(exposition)
    if (this.getMetricsAsArray().length > 0) blocks.push((await super.metrics()).replace(/\n$/, ''))
    return `${blocks.join('\n\n')}\n`
  }

  override async getMetricsAsJSON(): Promise<MetricObjectWithValues<Sample>[]> {
    const own = this.#own.map((metric): MetricObjectWithValues<Sample> => ({
      name: metric.name,
      help: metric.help,
      // prom-client's declarations type this as a numeric enum, but its getMetricsAsJSON() gives
      // (and AggregatorRegistry.aggregate() reads) the type's name, as here.
      type: metric.type as unknown as MetricObjectWithValues<Sample>['type'],
      aggregator: 'sum',
      values: metric.samples(),
      collect: () => undefined,
    }))
    return [...own, ...(await super.getMetricsAsJSON())]
  }

  override resetMetrics(): void {
    for (const metric of this.#own) metric.reset()
    super.resetMetrics()
  }
}

/** A counter by label set: a Map lookup with a key the caller builds; the label object is built once per label set. */
class LabelledCounter implements OwnMetric {
  readonly type = 'counter'
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

  samples(): Sample[] {
    return [...this.#values.values()].map(({ labels, value }) => ({ labels, value }))
  }

  reset(): void {
    this.#values.clear()
  }
}

/** A histogram by label set, for the same reason as {@link LabelledCounter}. */
class LabelledHistogram implements OwnMetric {
  readonly type = 'histogram'
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

  /** Per label set: the cumulative buckets (`le`), then `+Inf`, `_sum` and `_count`. */
  samples(): Sample[] {
    const samples: Sample[] = []
    const bucket = `${this.name}_bucket`
    for (const { labels, counts, sum, count } of this.#values.values()) {
      let cumulative = 0
      this.#bounds.forEach((bound, index) => {
        cumulative += counts[index]!
        samples.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: bucket })
      })
      samples.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: bucket })
      samples.push({ labels, value: sum, metricName: `${this.name}_sum` })
      samples.push({ labels, value: count, metricName: `${this.name}_count` })
    }
    return samples
  }

  reset(): void {
    this.#values.clear()
  }
}

/**
 * A metric in the Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then one
 * line per sample, without a final newline.
 */
function exposition(metric: OwnMetric): string {
  const lines = [`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} ${metric.type}`]
  for (const { labels, value, metricName } of metric.samples()) {
    const pairs = Object.entries(labels).map(([name, label]) => `${name}="${escapeLabel(String(label))}"`)
    lines.push(`${metricName ?? metric.name}${pairs.length === 0 ? '' : `{${pairs.join(',')}}`} ${sampleValue(value)}`)
  }
  return lines.join('\n')
}

/** In HELP, a backslash and a line feed are escaped. */
function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')
}

/** In label values, a backslash, a double quote and a line feed are escaped. */
function escapeLabel(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}

function sampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  return String(value)
}
