/**
 * The POSIX `node:path` functions the server's config uses, for the Cloudflare Workers bundle.
 * @module
 */

export function isAbsolute(path: string): boolean {
  return path.startsWith('/')
}

export function dirname(path: string): string {
  const index = path.replace(/\/+$/, '').lastIndexOf('/')
  return index < 0 ? '.' : index === 0 ? '/' : path.slice(0, index)
}

/** Joins from the right until a path is absolute, then normalises `.` and `..`. */
export function resolve(...paths: string[]): string {
  let joined = ''
  for (let i = paths.length - 1; i >= 0 && !joined.startsWith('/'); i--) joined = paths[i] === '' ? joined : `${paths[i]}/${joined}`
  const out: string[] = []
  for (const part of `/${joined}`.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return `/${out.join('/')}`
}
