/**
 * One demo run in headless Chromium: the page built into a temporary directory, the real token
 * server in development mode (see demo-server.ts), a browser page that records page errors.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import type { DemoSettings } from '../../src/server/index.js'
import { launchChromium } from '../helpers/chromium.js'
import { startDemoServer, type DemoServer } from './demo-server.js'

const BUILD_SCRIPT = '../../scripts/build-web.mjs'

/** A running demo with a browser page on it. */
export interface DemoBrowser {
  server: DemoServer
  browser: Browser
  page: Page
  /** Page errors and console errors seen so far. */
  problems: string[]
}

/** Runs `use` with a fresh demo and page; everything is stopped and removed afterwards. */
export async function withDemoPage(
  executable: string,
  options: { viewport: { width: number; height: number }; settings?: Record<string, unknown>; demo?: DemoSettings },
  use: (demo: DemoBrowser) => Promise<void>,
): Promise<void> {
  const webDir = await mkdtemp(join(tmpdir(), 'agate-web-'))
  let server: DemoServer | undefined
  let browser: Browser | undefined
  try {
    const { buildWeb } = (await import(BUILD_SCRIPT)) as { buildWeb(options: { outdir: string }): Promise<string[]> }
    await buildWeb({ outdir: webDir })
    server = await startDemoServer({ ...options.demo, webDir }, options.settings)
    browser = await launchChromium(executable)
    const page = await browser.newPage({ viewport: options.viewport })
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`)
    })
    await use({ server, browser, page, problems })
  } finally {
    await browser?.close()
    await server?.close()
    await rm(webDir, { recursive: true, force: true })
  }
}

/** Waits until the timeline holds at least `n` entries of `event`. */
export function waitForEvents(page: Page, event: string, n: number, timeout = 30_000): Promise<unknown> {
  return page.waitForFunction(
    ([name, min]) => document.querySelectorAll(`#timeline li[data-event="${name}"]`).length >= Number(min),
    [event, String(n)],
    { timeout },
  )
}
