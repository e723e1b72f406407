/**
 * An in-memory CliIo for the CLI tests, which fails any test whose output contains a certificate.
 * @module
 */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../src/cli/main.js'

export const APP_ID = '970CA35de60c44645bbae8a215061b33'
export const CERTIFICATE = '5CFd2fd1755d40ecb72977518be15d3b'
export const SECONDARY = '0123456789abcdef0123456789ABCDEF'
export const WRONG = 'ffffffffffffffffffffffffffffffff'
/** 2023-11-14T22:13:20Z */
export const NOW = 1_700_000_000

/**
 * An empty working directory: the CLI looks for development credentials in `.agate/` there, and a
 * developer's own (after `npm start` in the repository) must not change what the tests see.
 */
export const EMPTY_DIR = mkdtempSync(join(tmpdir(), 'agate-cli-test-'))

/** `--app-id` and `--certificate` flags for the test project. */
export const CREDENTIALS = ['--app-id', APP_ID, '--certificate', CERTIFICATE] as const

const SECRETS = [CERTIFICATE, SECONDARY, WRONG].map((secret) => secret.toLowerCase())

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  /** What stdin holds; leave out for a CliIo without stdin. */
  stdin?: string
  /** Unix seconds; default {@link NOW}. */
  now?: number
  signal?: AbortSignal
  /** The working directory; default {@link EMPTY_DIR}. */
  cwd?: string
}

/** Runs `main(argv)` in memory and checks that no certificate was written anywhere. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  let stdout = ''
  let stderr = ''
  const stdin = options.stdin
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    ...(stdin === undefined ? {} : { stdin: async () => stdin }),
    env: options.env ?? {},
    cwd: options.cwd ?? EMPTY_DIR,
    now: () => (options.now ?? NOW) * 1000,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
  assertNoSecrets(stdout + stderr)
  return { code, stdout, stderr }
}

/** Fails when `text` contains a test certificate in any letter case. */
export function assertNoSecrets(text: string): void {
  const lower = text.toLowerCase()
  for (const secret of SECRETS) assert.ok(!lower.includes(secret), 'a certificate appeared in the output')
}

/** Runs `agate token ...` and returns the token, asserting success. */
export async function makeToken(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(['token', ...argv], options)
  assert.equal(result.code, 0, result.stderr)
  assert.equal(result.stderr, '')
  return result.stdout.trim()
}

/** Asserts a usage error: exit 2, nothing on stdout, one stderr line containing `fragment`. */
export function assertUsage(result: RunResult, fragment: string): void {
  assert.equal(result.code, 2, `expected exit 2, got ${result.code}: ${result.stderr}`)
  assert.equal(result.stdout, '')
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `expected one line: ${result.stderr}`)
  assert.ok(
    result.stderr.includes(fragment),
    `expected ${JSON.stringify(fragment)} in ${JSON.stringify(result.stderr)}`,
  )
}
