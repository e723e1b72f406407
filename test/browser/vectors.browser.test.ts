/**
 * The library in headless Chromium: the bundled library reproduces every reference vector
 * byte for byte, as it does in Node.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { build } from 'esbuild'
import { launchChromium, MISSING_CHROMIUM, requireChromium } from '../helpers/chromium.js'
import { loadVectors, zlibCEncoding } from '../helpers/vectors.js'
import { runVectorSuite } from './vector-suite.js'

const vectors = loadVectors()
const suiteInput = vectors.map((v) => ({ ...v, zlibC: v.version === '007' ? zlibCEncoding(v) : undefined }))

test('the vector suite passes in Node (the baseline the browser is compared with)', () => {
  const result = runVectorSuite(suiteInput)
  assert.deepEqual(result.failures, [])
  assert.ok(result.checked >= 45, `checked only ${result.checked}`)
})

test('the bundled library passes the vector suite in headless Chromium', async (t) => {
  const executable = requireChromium()
  if (executable === undefined) return t.skip(MISSING_CHROMIUM)

  // A browser bundle: if anything in the library needed Node, esbuild would fail to resolve it.
  const bundle = await build({
    entryPoints: [new URL('./vector-suite.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  const source = bundle.outputFiles[0]!.text

  const browser = await launchChromium(executable)
  try {
    const page = await browser.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.setContent('<!doctype html><title>vectors</title>')
    const result = await page.evaluate(
      async ({ source, input }) => {
        const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))
        const module = await import(url)
        return { ...module.runVectorSuite(input), userAgent: navigator.userAgent }
      },
      { source, input: suiteInput },
    )
    assert.deepEqual(pageErrors, [])
    assert.match(result.userAgent, /Chrome/)
    assert.deepEqual(result.failures, [])
    assert.equal(result.checked, runVectorSuite(suiteInput).checked)
  } finally {
    await browser.close()
  }
})
