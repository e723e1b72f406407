/**
 * The published package, checked as a tarball: what it holds, publint, and attw (Are The Types
 * Wrong) for every entry point.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ENTRIES } from './entries.js'
import { exportedEntries, packTarball, ROOT, type PackedTarball } from './tarball.js'

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>
  bin: Record<string, string>
}

let dir: string
let tarball: PackedTarball

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'agate-pack-'))
  tarball = packTarball(dir)
})
after(() => rmSync(dir, { recursive: true, force: true }))

/** Runs a dev-dependency's command; its output is shown only when it fails. */
function tool(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync('npx', ['--no-install', command, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

test('the tarball holds the build, the docs files and nothing for development', () => {
  const outside = tarball.files.filter((file) => !file.startsWith('dist/'))
  assert.deepEqual(outside.sort(), ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'])
  const unwanted = tarball.files.filter(
    (file) =>
      /(^|\/)(test|tests|bench|fixtures|__tests__)\//.test(file) ||
      /\.test\.[cm]?[jt]s$/.test(file) ||
      file.startsWith('dist/worker/') ||
      // Maps of the library would point at sources the package does not hold; the demo page's map holds its sources.
      (file.endsWith('.map') && file !== 'dist/web/demo.js.map'),
  )
  assert.deepEqual(unwanted, [])
  for (const file of ['dist/web/index.html', 'dist/web/demo.js', 'dist/web/demo.css']) {
    assert.ok(tarball.files.includes(file), `the demo page needs ${file}`)
  }
})

test('every export and the bin point at files in the tarball', () => {
  for (const [key, target] of Object.entries(manifest.exports)) {
    const paths = typeof target === 'string' ? [target] : [target.types, target.default]
    if (typeof target !== 'string') {
      assert.deepEqual(Object.keys(target), ['types', 'default'], `${key}: types first, then default`)
    }
    for (const path of paths) assert.ok(tarball.files.includes(path.slice(2)), `${key}: ${path} is not in the tarball`)
  }
  const bin = manifest.bin.agate!.replace(/^\.\//, '')
  assert.ok(tarball.files.includes(bin))
  assert.match(readFileSync(join(ROOT, bin), 'utf8'), /^#!\/usr\/bin\/env node\n/)
})

test('the install test covers every entry point', () => {
  assert.deepEqual(
    ENTRIES.map((entry) => entry.specifier),
    exportedEntries(manifest),
    'test/package/entries.ts lists each entry point of package.json "exports", in the same order',
  )
})

test('publint finds nothing, warnings and suggestions included', () => {
  const result = tool('publint', ['run', tarball.path, '--strict', '--level', 'suggestion'])
  assert.equal(result.status, 0, result.output)
  assert.match(result.output, /All good!/, result.output)
})

// ESM only (attw's esm-only profile): Agate is an ES module, so CommonJS resolution under
// TypeScript's node10 and node16-from-CJS has nothing to find. Node 20.19+ still loads it with
// require(), which the install test checks.
test('attw: every entry point resolves to its types for node16 (ESM) and bundler', () => {
  const result = tool('attw', [tarball.path, '--profile', 'esm-only', '--format', 'json'])
  assert.equal(result.status, 0, result.output)
  const report = JSON.parse(result.output.slice(result.output.indexOf('{'))) as {
    analysis: {
      entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }>
    }
    problems: Record<string, { entrypoint: string; resolutionKind?: string }[]>
  }
  const counted = Object.values(report.problems)
    .flat()
    .filter((problem) => problem.resolutionKind !== 'node10' && problem.resolutionKind !== 'node16-cjs')
  assert.deepEqual(counted, [])
  for (const key of Object.keys(manifest.exports).filter((key) => key !== './package.json')) {
    const target = manifest.exports[key] as { types: string }
    for (const kind of ['node16-esm', 'bundler']) {
      const resolved = report.analysis.entrypoints[key]?.resolutions[kind]?.resolution?.fileName
      assert.equal(resolved, `/node_modules/agate-tokens/${target.types.slice(2)}`, `${key} under ${kind}`)
    }
  }
})
