// Bundles the web demo (web/src/main.ts with the browser helper, the sandbox client and the token
// parser) with esbuild into dist/web/, next to its page and style sheet.
// Usage: node scripts/build-web.mjs [--outdir dir] [--watch]
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BUILT = ['index.html', 'react.html', 'demo.css', 'demo.js', 'demo.js.map', 'react-demo.js', 'react-demo.js.map']

/**
 * Builds the demo into `outdir` (default dist/web) and returns the files written. The bundle is
 * ES2022 for current browsers, minified, with a source map; it holds no secret (only the parser
 * of the token library, never a builder or a certificate).
 */
export async function buildWeb({ outdir = join(root, 'dist/web'), watch = false, minify = true } = {}) {
  const { build, context } = await import('esbuild')
  await mkdir(outdir, { recursive: true })
  const options = {
    // The React page (react.html) is separate: only it carries React and agora-rtc-react.
    entryPoints: { demo: join(root, 'web/src/main.ts'), 'react-demo': join(root, 'web/src/react-demo.ts') },
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
  await Promise.all(
    ['index.html', 'react.html', 'demo.css'].map((name) => copyFile(join(root, 'web', name), join(outdir, name))),
  )
  if (watch) {
    const ctx = await context(options)
    await ctx.watch()
    return BUILT
  }
  await build(options)
  return BUILT
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' }, watch: { type: 'boolean' } } })
  const outdir = values.outdir === undefined ? undefined : resolve(values.outdir)
  const files = await buildWeb({ ...(outdir === undefined ? {} : { outdir }), watch: values.watch ?? false })
  console.log(`web demo built: ${files.join(', ')} in ${outdir ?? 'dist/web'}${values.watch ? ' (watching)' : ''}`)
}
