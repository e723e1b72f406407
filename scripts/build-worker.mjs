// Bundles the Cloudflare Workers entry (src/worker/index.ts) into one ES module with esbuild, for the
// browser/worker platform: no Node APIs, so it runs without Workers' Node compatibility flags.
// The few Node modules the server's shared code imports are mapped to small portable shims in
// src/worker/shims/ (see NODE_SHIMS); crypto needs none (API-key hashes use the library's SHA-256,
// random values Web Crypto). The one import left in the bundle is the runtime's own
// `cloudflare:workers` (the Durable Object base class). wrangler.toml runs this as its build step and
// uploads the result as is, so what is deployed is exactly what the tests run in workerd.
// Usage: node scripts/build-worker.mjs [outfile]   (default dist/cloudflare/worker.js)
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const shim = (name) => `${root}src/worker/shims/${name}`

/** Import specifier → shim. Anything else Node-only that sneaks in fails the build. */
export const NODE_SHIMS = {
  // prom-client's entry pulls in process metrics, the push gateway and cluster support; the metric
  // classes alone need only util.format/inspect.
  'prom-client': shim('prom-client.ts'),
  util: shim('util.ts'),
}

const shims = {
  name: 'agate-worker-shims',
  setup(builder) {
    const filter = new RegExp(
      `^(${Object.keys(NODE_SHIMS)
        .map((name) => name.replace(/[/.]/g, '\\$&'))
        .join('|')})$`,
    )
    builder.onResolve({ filter }, (args) => ({ path: NODE_SHIMS[args.path] }))
  },
}

/**
 * Builds the Worker bundle. With `write: false` the code comes back in `outputFiles` (tests).
 * @returns esbuild's result, with a metafile.
 */
export function buildWorker({ outfile = `${root}dist/cloudflare/worker.js`, write = true, minify = true } = {}) {
  return build({
    entryPoints: [`${root}src/worker/index.ts`],
    outfile,
    write,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    minify,
    sourcemap: false,
    legalComments: 'none',
    // The runtime's own module (the Durable Object base class): resolved by workerd, not bundled.
    external: ['cloudflare:workers'],
    metafile: true,
    logLevel: 'silent',
    plugins: [shims],
  })
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outfile = process.argv[2]
  const result = await buildWorker(outfile === undefined ? {} : { outfile })
  const [file] = Object.entries(result.metafile.outputs)
  console.log(`built ${file[0]} (${(file[1].bytes / 1024).toFixed(0)} KiB)`)
}
