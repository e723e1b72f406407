/**
 * Loads Agora's reference vectors from ../shared (outside the repo); tests skip when it is absent.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** A 007 service as the vectors file writes it. */
export interface VectorService {
  serviceType: number
  service: string
  privileges: Record<string, number>
  [field: string]: unknown
}

/** One entry of agora-reference-vectors.json (only the fields the tests read). */
export interface Vector {
  id: string
  version: '006' | '007'
  kind: 'build' | 'parse' | 'parse-invalid' | 'verify' | 'roundtrip'
  builder: string | null
  inputs: Record<string, any>
  expected: any
  compressor?: string[]
  payloadHex?: string
  signatureHex?: string
  expectedDecoded?: Record<string, any>
  alsoEncodesAs?: Record<string, string>
}

const path = fileURLToPath(new URL('../../../shared/vectors/agora-reference-vectors.json', import.meta.url))

/**
 * The vectors, or undefined when the file is missing (a clone without ../shared). CI always has
 * it, so there a missing file is an error rather than a skip.
 */
export function loadVectors(): Vector[] | undefined {
  if (!existsSync(path)) {
    if (process.env.CI) throw new Error(`reference vectors missing at ${path}`)
    return undefined
  }
  return (JSON.parse(readFileSync(path, 'utf8')) as { vectors: Vector[] }).vectors
}

/** Why vector tests were skipped. */
export const MISSING_VECTORS = 'reference vectors not found at ../shared/vectors (clone without shared/): skipped'

/** The C zlib (pako) encoding of a 007 vector's payload. */
export function zlibCEncoding(vector: Vector): string | undefined {
  if (vector.compressor?.includes('zlib-c')) return vector.expected as string
  return Object.entries(vector.alsoEncodesAs ?? {}).find(([name]) => name.startsWith('zlib-c'))?.[1]
}

/** Converts a vectors-file service into the library's ServiceSpec shape. */
export function toServiceSpec(service: VectorService): any {
  const { serviceType: _type, service: name, ...fields } = service
  return { type: name.toLowerCase(), ...fields }
}
