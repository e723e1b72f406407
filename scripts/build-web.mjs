// Bundles the web demo (web/src/main.ts with the browser helper, the sandbox client and the token
// parser) with esbuild into dist/web/, next to its page and style sheet.
// Usage: node scripts/build-web.mjs [--outdir dir] [--watch]
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Builds the demo into `outdir` (default dist/web) and returns the files written. The bundle is
 * ES2022 for current browsers, minified, with a source map; it holds no secret (only the parser
 * of the token library, never a builder or a certificate).
 */
export async function buildWeb({ outdir = join(root, 'dist/web'), watch = false, minify = true } = {}) {
  const { build, context } = await import('esbuild')
  await mkdir(outdir, { recursive: true })
  const options = {
    entryPoints: { demo: join(root, 'web/src/main.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    // Types of the Agora SDKs are imported type-only; nothing of them may end up in the bundle.
    external: ['agora-rtc-sdk-ng', 'agora-rtm-sdk'],
  }
  await Promise.all([copyFile(join(root, 'web/index.html'), join(outdir, 'index.html')), copyFile(join(root, 'web/demo.css'), join(outdir, 'demo.css'))])
  if (watch) {
    const ctx = await context(options)
    await ctx.watch()
    return ['index.html', 'demo.css', 'demo.js', 'demo.js.map']
  }
  await build(options)
  return ['index.html', 'demo.css', 'demo.js', 'demo.js.map']
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' }, watch: { type: 'boolean' } } })
  const outdir = values.outdir === undefined ? undefined : resolve(values.outdir)
  const files = await buildWeb({ ...(outdir === undefined ? {} : { outdir }), watch: values.watch ?? false })
  console.log(`web demo built: ${files.join(', ')} in ${outdir ?? 'dist/web'}${values.watch ? ' (watching)' : ''}`)
}
