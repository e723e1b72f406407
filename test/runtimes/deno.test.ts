/**
 * The library in Deno (devDependency `deno`): the reference vectors and the build/parse/verify
 * smoke, bundled from the sources, in one `deno run` without permissions.
 */
import { test } from 'node:test'
import { findDeno, locate } from './helpers/binaries.js'
import { bundleSuite } from './helpers/bundle.js'
import { assertSuitePassed, PRINT_RESULT, runSuiteProcess, runtimeEnv } from './helpers/run.js'

const deno = locate('Deno', findDeno, 'run `npm ci` (devDependency deno, binary in @deno/<platform>)')

test(`Deno ${typeof deno === 'string' ? '' : deno.version} passes the vector suite and the smoke`, async (t) => {
  if (typeof deno === 'string') return t.skip(deno)
  const script = await bundleSuite(PRINT_RESULT)
  // No config, lock file or prompt: the script needs no permission. No update check: no network.
  const env = runtimeEnv({ DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' })
  const result = runSuiteProcess(deno.path, ['run', '--no-config', '--no-lock', 'suite.mjs'], script, { env })
  assertSuitePassed(t, result, new RegExp(`^deno ${deno.version.replaceAll('.', '\\.')}$`))
})
