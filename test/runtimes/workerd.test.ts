/**
 * The library in workerd, through miniflare (devDependency): a tiny worker module runs the
 * reference vectors and the build/parse/verify smoke, bundled from the sources, and answers the
 * result as JSON. Same compatibility date as the deployed worker, no compatibility flags.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { Miniflare } from 'miniflare'
import { parse as parseToml } from 'smol-toml'
import { bundleSuite, ROOT } from './helpers/bundle.js'
import { assertSuitePassed } from './helpers/run.js'
import type { RuntimeResult } from './helpers/suite-entry.js'

const require = createRequire(import.meta.url)
const MINIFLARE_VERSION = (require('miniflare/package.json') as { version: string }).version
/** The workerd miniflare runs: its own dependency. */
const WORKERD_VERSION = (createRequire(require.resolve('miniflare'))('workerd/package.json') as { version: string })
  .version
const COMPATIBILITY_DATE = String(parseToml(readFileSync(resolve(ROOT, 'wrangler.toml'), 'utf8')).compatibility_date)

const WORKER_MAIN = `export default {
  fetch() {
    return new Response(JSON.stringify(runRuntimeSuite(input)), { headers: { 'content-type': 'application/json' } })
  },
}`

test(`workerd ${WORKERD_VERSION} (miniflare ${MINIFLARE_VERSION}) passes the vector suite and the smoke`, async (t) => {
  t.diagnostic(`compatibility date ${COMPATIBILITY_DATE}`)
  const script = await bundleSuite(WORKER_MAIN)
  const mf = new Miniflare({ modules: true, script, compatibilityDate: COMPATIBILITY_DATE })
  try {
    const response = await mf.dispatchFetch('http://runtime.test/')
    assert.equal(response.status, 200, await response.clone().text())
    const result = (await response.json()) as RuntimeResult
    assertSuitePassed(t, result, /^Cloudflare-Workers$/)
  } finally {
    await mf.dispose()
  }
})
