/**
 * The package as npm would publish it: `npm pack` of a current build, for the package tests.
 * @module
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** What `npm pack --json` says about a tarball. */
export interface PackedTarball {
  /** The tarball's absolute path. */
  path: string
  /** Compressed size, bytes. */
  size: number
  unpackedSize: number
  /** Every path in the package, relative to its root. */
  files: string[]
}

/** The package entry points, as the `exports` map spells them (without `./package.json`). */
export function exportedEntries(manifest: { exports: Record<string, unknown> }): string[] {
  return Object.keys(manifest.exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'agate-tokens' : `agate-tokens/${key.slice(2)}`))
}

function newestFile(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestFile(path) : statSync(path).mtimeMs)
  }
  return newest
}

/**
 * `npm test` builds first (pretest); a direct run of these tests builds here when `dist/` is
 * missing or older than the sources, so the tarball is never of stale code.
 */
function ensureBuilt(): void {
  let built = 0
  try {
    built = statSync(join(ROOT, 'dist/web/demo.js')).mtimeMs
  } catch {
    // Not built yet.
  }
  if (built >= Math.max(newestFile(join(ROOT, 'src')), newestFile(join(ROOT, 'web')))) return
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 })
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}${build.stderr}`)
}

/**
 * Packs the package into `destination`. Lifecycle scripts are skipped (`prepack` would build
 * again); {@link ensureBuilt} has made `dist/` current.
 */
export function packTarball(destination: string): PackedTarball {
  ensureBuilt()
  const pack = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.equal(pack.status, 0, `npm pack failed:\n${pack.stderr}`)
  const [info] = JSON.parse(pack.stdout) as {
    filename: string
    size: number
    unpackedSize: number
    files: { path: string }[]
  }[]
  assert.ok(info !== undefined, 'npm pack described no tarball')
  return {
    path: join(destination, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.files.map((file) => file.path),
  }
}
