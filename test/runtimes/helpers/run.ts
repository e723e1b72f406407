/**
 * Runs the bundled suite in a runtime's own process and checks what it reports against the
 * baseline run in the Node that runs the tests.
 * @module
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { baseline } from './bundle.js'
import type { RuntimeResult } from './suite-entry.js'

/** What the bundled script prints: the result as one JSON line. */
export const PRINT_RESULT = 'console.log(JSON.stringify(runRuntimeSuite(input)))'

/** Only what a runtime needs from this process's environment, plus `extra`. */
export function runtimeEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG'])
    if (process.env[name] !== undefined) env[name] = process.env[name]
  return { ...env, NO_COLOR: '1', ...extra }
}

/**
 * Runs `binary args...` in a fresh temporary directory holding `script` as suite.mjs (or, with
 * `stdin`, feeds it the script and runs in `cwd`); returns the result it printed. Bounded in time.
 */
export function runSuiteProcess(
  binary: string,
  args: string[],
  script: string,
  options: { env?: Record<string, string>; stdin?: boolean; cwd?: string } = {},
): RuntimeResult {
  const directory = mkdtempSync(join(tmpdir(), 'agate-runtime-'))
  try {
    if (!options.stdin) writeFileSync(join(directory, 'suite.mjs'), script)
    const run = spawnSync(binary, args, {
      cwd: options.cwd ?? directory,
      env: options.env ?? runtimeEnv(),
      input: options.stdin ? script : '',
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    })
    const detail = `exit ${run.status ?? run.signal ?? run.error}; stderr: ${(run.stderr ?? '').slice(0, 2000)}`
    assert.equal(run.status, 0, detail)
    const lastLine = run.stdout.trim().split('\n').at(-1) ?? ''
    return JSON.parse(lastLine) as RuntimeResult
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

/**
 * Asserts the runtime checked every vector and smoke check the baseline did, with no failure, and
 * names the runtime (as it reported itself) in the test's output.
 */
export function assertSuitePassed(t: TestContext, result: RuntimeResult, runtime: RegExp): void {
  t.diagnostic(`runtime: ${result.runtime}`)
  assert.match(result.runtime, runtime)
  assert.deepEqual(result.vectors.failures, [])
  assert.deepEqual(result.smoke.failures, [])
  const expected = baseline()
  assert.deepEqual([...expected.vectors.failures, ...expected.smoke.failures], [], 'the baseline passes too')
  assert.ok(expected.vectors.checked >= 45, `the baseline checked only ${expected.vectors.checked} vectors`)
  assert.equal(result.vectors.checked, expected.vectors.checked)
  assert.equal(result.smoke.checked, expected.smoke.checked)
}
