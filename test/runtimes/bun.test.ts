/**
 * The library in Bun (devDependency `bun`): the reference vectors and the build/parse/verify smoke,
 * bundled from the sources, in one `bun` process.
 */
import { test } from 'node:test'
import { findBun, locate } from './helpers/binaries.js'
import { bundleSuite } from './helpers/bundle.js'
import { assertSuitePassed, PRINT_RESULT, runSuiteProcess, runtimeEnv } from './helpers/run.js'

const bun = locate('Bun', findBun, 'run `npm ci` (devDependency bun, binary in @oven/bun-<platform>)')

test(`Bun ${typeof bun === 'string' ? '' : bun.version} passes the vector suite and the smoke`, async (t) => {
  if (typeof bun === 'string') return t.skip(bun)
  const script = await bundleSuite(PRINT_RESULT)
  const env = runtimeEnv({ DO_NOT_TRACK: '1' })
  const result = runSuiteProcess(bun.path, ['run', 'suite.mjs'], script, { env })
  assertSuitePassed(t, result, new RegExp(`^bun ${bun.version.replaceAll('.', '\\.')}$`))
})
