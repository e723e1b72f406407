/**
 * Bundles a script for a browser test page with esbuild (an IIFE for current Chromium), in memory.
 * @module
 */
import { resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'

const root = resolve(import.meta.dirname, '../..')

/** Options of {@link bundleForPage}. */
export interface PageBundleOptions {
  /** The global the entry's exports go to. */
  globalName?: string
  /** Compile-time constants, e.g. `process.env.NODE_ENV`. */
  define?: Record<string, string>
  plugins?: Plugin[]
}

/** The bundled text of `entry` (a path from the repository's root). */
export async function bundleForPage(entry: string, options: PageBundleOptions = {}): Promise<string> {
  const result = await build({
    entryPoints: [resolve(root, entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome110',
    logLevel: 'silent',
    ...(options.globalName === undefined ? {} : { globalName: options.globalName }),
    ...(options.define === undefined ? {} : { define: options.define }),
    plugins: options.plugins ?? [],
  })
  return result.outputFiles[0]!.text
}
