/**
 * Finds and launches Debian's Chromium for browser tests (no browser downloads on this machine).
 * @module
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/** The Chromium executable: $AGATE_CHROMIUM, else the first Debian path that exists. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.AGATE_CHROMIUM
  if (fromEnv) return fromEnv
  return CANDIDATES.find((path) => existsSync(path))
}

/** Why browser tests were skipped; in CI a missing browser fails instead (see {@link requireChromium}). */
export const MISSING_CHROMIUM =
  'Chromium not found: install it with `apt-get install chromium` (npm test does so when run as root), or set AGATE_CHROMIUM'

/** The executable, or undefined to skip; throws under CI, where the browser must be there. */
export function requireChromium(): string | undefined {
  const path = findChromium()
  if (path === undefined && process.env.CI) throw new Error(MISSING_CHROMIUM)
  return path
}

/**
 * Launches headless Chromium (Playwright gives it a fresh temporary profile) with the flags this
 * closed network needs: without the background-networking flags Chromium keeps trying to reach
 * Google's hosts.
 */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
