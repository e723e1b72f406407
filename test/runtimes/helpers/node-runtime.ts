/**
 * The tests every Node version gets: the vector suite and the smoke against the built dist/
 * (the library's entry imported by the package's own name, through package.json "exports"), and
 * the token server started from dist/ on that Node.
 * @module
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import type { Runtime } from './binaries.js'
import { bundleSuite, ROOT } from './bundle.js'
import { assertSuitePassed, PRINT_RESULT, runSuiteProcess } from './run.js'
import { serverSmoke } from './server-smoke.js'

/** Declares the two tests for `node` (or skips them with the reason it is missing). */
export function nodeRuntimeTests(label: string, node: Runtime | string): void {
  const name = typeof node === 'string' ? label : `${label} (${node.version})`

  test(`${name}: the built library passes the vector suite and the smoke`, async (t) => {
    if (typeof node === 'string') return t.skip(node)
    assert.ok(existsSync(resolve(ROOT, 'dist/token/index.js')), 'dist/ is missing: run `npm run build`')
    const script = await bundleSuite(PRINT_RESULT, { against: 'dist' })
    // From standard input in the repository, so that the package's own name resolves to it.
    const result = runSuiteProcess(node.path, ['--input-type=module'], script, { stdin: true, cwd: ROOT })
    assertSuitePassed(t, result, new RegExp(`^node ${node.version.replaceAll('.', '\\.')}$`))
  })

  test(`${name}: the token server starts, issues a token and stops on SIGTERM`, async (t) => {
    if (typeof node === 'string') return t.skip(node)
    await serverSmoke(node.path)
  })
}
