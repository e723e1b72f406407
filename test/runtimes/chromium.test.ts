/**
 * The library in headless Chromium (Debian's): the reference vectors and the build/parse/verify
 * smoke, bundled from the sources, imported as a module by a blank page.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { launchChromium, MISSING_CHROMIUM, requireChromium } from '../helpers/chromium.js'
import { bundleSuite } from './helpers/bundle.js'
import { assertSuitePassed } from './helpers/run.js'
import type { RuntimeResult } from './helpers/suite-entry.js'

test('Chromium passes the vector suite and the smoke', async (t) => {
  const executable = requireChromium()
  if (executable === undefined) return t.skip(MISSING_CHROMIUM)
  const script = await bundleSuite('export const result = runRuntimeSuite(input)')
  const browser = await launchChromium(executable)
  try {
    t.diagnostic(`chromium ${browser.version()}`)
    const page = await browser.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.setContent('<!doctype html><title>runtime suite</title>')
    const result = await page.evaluate(async (source) => {
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))
      return (await import(url)).result as RuntimeResult
    }, script)
    assert.deepEqual(pageErrors, [])
    assertSuitePassed(t, result, /HeadlessChrome\//)
  } finally {
    await browser.close()
  }
})
