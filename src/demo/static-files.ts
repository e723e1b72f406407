/**
 * Serves the demo's built files from one directory, by exact name only.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
}

/** A file to answer with. */
export interface StaticFile {
  body: Uint8Array
  type: string
}

/**
 * Reads `name` from `dir` if it is one of the directory's own files (no path segments, no dot
 * files): names are matched against the listing, so no request can reach outside `dir`.
 */
export async function readStaticFile(dir: string, name: string): Promise<StaticFile | undefined> {
  if (name === '' || name.startsWith('.') || name.includes('/') || name.includes('\\')) return undefined
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return undefined
  }
  if (!names.includes(name)) return undefined
  const type = TYPES[extname(name).toLowerCase()]
  if (type === undefined) return undefined
  return { body: await readFile(join(dir, name)), type }
}
