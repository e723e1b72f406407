/**
 * prom-client's metric classes without the Node-only parts of its entry point (default process
 * metrics, the push gateway, cluster aggregation), for the Cloudflare Workers bundle: the build maps
 * `prom-client` here. Counters and histograms work as on Node, per isolate.
 * @module
 */
// prom-client ships no declarations for its lib files; the values are the ones its index exports.
// @ts-expect-error untyped CommonJS module
import RegistryValue from 'prom-client/lib/registry.js'
// @ts-expect-error untyped CommonJS module
import CounterValue from 'prom-client/lib/counter.js'
// @ts-expect-error untyped CommonJS module
import GaugeValue from 'prom-client/lib/gauge.js'
// @ts-expect-error untyped CommonJS module
import HistogramValue from 'prom-client/lib/histogram.js'
import type * as Prom from 'prom-client'

export const Registry = RegistryValue as typeof Prom.Registry
export const Counter = CounterValue as typeof Prom.Counter
export const Gauge = GaugeValue as typeof Prom.Gauge
export const Histogram = HistogramValue as typeof Prom.Histogram

/** Process metrics do not exist on Workers: a no-op. */
export function collectDefaultMetrics(): void {}
