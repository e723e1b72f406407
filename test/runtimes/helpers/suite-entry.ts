/**
 * What every runtime runs: the reference-vector suite (shared with the Chromium test) and the
 * build/parse/verify smoke, plus which runtime it was, as reported from inside.
 * @module
 */
import { runVectorSuite } from './vector-suite.js'
import { runSmoke } from './smoke.js'

/** One runtime's result; JSON-serialisable, so it crosses any process or isolate boundary. */
export interface RuntimeResult {
  runtime: string
  vectors: { checked: number; failures: string[] }
  smoke: { checked: number; failures: string[] }
}

/** The runtime's name and version, as it reports them itself. */
export function runtimeName(): string {
  const global = globalThis as any
  if (global.Deno?.version?.deno) return `deno ${global.Deno.version.deno}`
  if (global.Bun?.version) return `bun ${global.Bun.version}`
  if (global.process?.release?.name === 'node') return `node ${global.process.versions.node}`
  return String(global.navigator?.userAgent ?? 'unknown')
}

export function runRuntimeSuite(vectors: Parameters<typeof runVectorSuite>[0]): RuntimeResult {
  return { runtime: runtimeName(), vectors: runVectorSuite(vectors), smoke: runSmoke() }
}
