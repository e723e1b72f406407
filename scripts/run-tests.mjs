// Runs every test/**/*.test.ts file with Node's built-in test runner, loading TypeScript through tsx.
// Node 20's --test cannot expand globs itself, so the files are listed here.
// Usage: node scripts/run-tests.mjs [path-filter ...]
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { spawnSync } from 'node:child_process'

function findTests(dir) {
  const found = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found.push(...findTests(path))
    else if (name.endsWith('.test.ts')) found.push(path)
  }
  return found
}

const filters = process.argv.slice(2)
const files = findTests('test')
  .map((file) => relative('.', file))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()

if (files.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}

// The client tests drive time with node:test's MockTimers, which Node 20 calls experimental
// and warn about once per file; the warning says nothing about Agate, so it is kept out of the output.
// (--disable-warning exists since Node 20.11; the test runner passes it on to each file's process.)
const result = spawnSync(
  process.execPath,
  ['--disable-warning=ExperimentalWarning', '--import', 'tsx', '--test', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
