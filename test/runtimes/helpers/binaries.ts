/**
 * Finds the runtimes the suite runs on. Deno and Bun come from devDependencies (`deno`, `bun`),
 * whose binaries ship in per-platform packages; other Node versions come from the registry's
 * `node-<platform>-<arch>` packages, installed on first use (see {@link nodeBinary} for why they are
 * not devDependencies). In CI a missing runtime fails the test; elsewhere it is skipped with the
 * reason.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { ROOT } from './bundle.js'

/** A runtime binary and the version it reports. */
export interface Runtime {
  path: string
  version: string
}

const require = createRequire(import.meta.url)
const PLATFORM = `${process.platform}-${process.arch}`

/** The binary inside each wrapper's platform package, by `platform-arch`. */
const DENO_PACKAGES: Record<string, string> = {
  'linux-x64': '@deno/linux-x64-glibc/deno',
  'linux-arm64': '@deno/linux-arm64-glibc/deno',
  'darwin-x64': '@deno/darwin-x64/deno',
  'darwin-arm64': '@deno/darwin-arm64/deno',
}
const BUN_PACKAGES: Record<string, string> = {
  'linux-x64': '@oven/bun-linux-x64/bin/bun',
  'linux-arm64': '@oven/bun-linux-aarch64/bin/bun',
  'darwin-x64': '@oven/bun-darwin-x64/bin/bun',
  'darwin-arm64': '@oven/bun-darwin-aarch64/bin/bun',
}

/** Resolves `file` in the package `from` (a wrapper's optional platform package), or undefined. */
function resolveFrom(from: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined
  try {
    return createRequire(require.resolve(`${from}/package.json`)).resolve(file)
  } catch {
    return undefined
  }
}

/** The first candidate that runs and answers `--version` (a wrapper's placeholder does not). */
function firstWorking(candidates: (string | undefined)[], pattern: RegExp): Runtime | undefined {
  for (const path of candidates) {
    if (path === undefined || !existsSync(path)) continue
    const answer = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 })
    const version = pattern.exec(answer.stdout ?? '')?.[1]
    if (answer.status === 0 && version !== undefined) return { path, version }
  }
  return undefined
}

/** Deno from the `deno` devDependency. */
export function findDeno(): Runtime | undefined {
  // The wrapper's postinstall only hard-links the platform binary to deno/deno; without install
  // scripts, the platform package still has it.
  return firstWorking([resolveFrom('deno', DENO_PACKAGES[PLATFORM]), resolveFrom('deno', './deno')], /^deno (\S+)/)
}

/** Bun from the `bun` devDependency. */
export function findBun(): Runtime | undefined {
  // Bun's postinstall moves the platform binary over the wrapper's placeholder bin/bun.exe; without
  // install scripts, it is still in the platform package.
  return firstWorking(
    [resolveFrom('bun', BUN_PACKAGES[PLATFORM]), resolveFrom('bun', './bin/bun.exe')],
    /^(\d+\.\d+\.\S+)/,
  )
}

/**
 * Node `version` from the registry's `node-<platform>-<arch>` package, installed once into
 * node_modules/.cache (so `npm ci` starts it afresh).
 *
 * Not a devDependency on purpose: its package has a `node` bin, and npm puts every dependency's bins
 * first on PATH for `npm test`, `npm run build` and the rest, so the whole project would silently
 * run on that Node instead of the machine's.
 */
export function nodeBinary(version: string): Runtime | undefined {
  const prefix = resolve(ROOT, 'node_modules/.cache/agate-runtimes', `node-${version}`)
  const packageName = `node-${PLATFORM}`
  const path = resolve(prefix, 'node_modules', packageName, 'bin/node')
  if (!existsSync(path)) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const installed = spawnSync(
      npm,
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
      ].concat(['--loglevel=error', `${packageName}@${version}`]),
      { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
    )
    if (installed.status !== 0) {
      throw new Error(
        `npm could not install ${packageName}@${version}: ${(installed.stderr ?? String(installed.error)).slice(0, 800)}`,
      )
    }
  }
  return firstWorking([path], /^v(\S+)/)
}

/**
 * The runtime `find` finds, or why there is none (the test skips with it). Under CI a missing
 * runtime throws instead: every runtime must be there.
 */
export function locate(name: string, find: () => Runtime | undefined, hint: string): Runtime | string {
  let found: Runtime | undefined
  let problem = `${name} not found: ${hint}`
  try {
    found = find()
  } catch (error) {
    problem = `${name} not found: ${(error as Error).message}`
  }
  if (found !== undefined) return found
  if (process.env.CI) throw new Error(problem)
  return problem
}
