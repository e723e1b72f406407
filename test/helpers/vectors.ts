/**
 * Loads Agora's reference vectors from the repository's fixtures (test/fixtures/README.md says
 * where they come from). A missing file fails the suite: nothing skips for lack of it.
 * @module
 */
import { readFileSync } from 'node:fs'
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

const path = fileURLToPath(new URL('../fixtures/agora-reference-vectors.json', import.meta.url))

/** The vectors; throws when the fixture is missing or unreadable. */
export function loadVectors(): Vector[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { vectors: Vector[] }).vectors
}

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
