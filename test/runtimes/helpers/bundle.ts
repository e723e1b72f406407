/**
 * Bundles the runtime suite (test/runtimes/helpers/suite-entry.ts) with its input into one ESM
 * script for a runtime that cannot load the repository's TypeScript: Deno, Bun, workerd, Chromium
 * (from the library's sources) and other Node versions (against the built dist/, through the
 * package's own entry).
 * @module
 */
import { readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { loadVectors, zlibCEncoding } from '../../helpers/vectors.js'
import { runRuntimeSuite, type RuntimeResult } from './suite-entry.js'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TOKEN_SOURCES = resolve(ROOT, 'src/token')
const HELPERS = dirname(fileURLToPath(import.meta.url))

/** The vectors the suite checks, with only the fields it reads. */
export function suiteInput(): Parameters<typeof runRuntimeSuite>[0] {
  return loadVectors()
    .filter((vector) => vector.kind === 'build' || vector.kind === 'parse-invalid')
    .map(({ id, version, kind, inputs, expected, signatureHex, ...rest }) => ({
      id,
      version,
      kind,
      inputs,
      expected,
      signatureHex,
      zlibC: version === '007' ? zlibCEncoding({ id, version, kind, inputs, expected, ...rest }) : undefined,
    }))
}

/** The suite run here, in the Node that runs the tests: what every other runtime must match. */
export function baseline(): RuntimeResult {
  return runRuntimeSuite(suiteInput())
}

/** The package's name, read when the test runs (so a rename of the package needs no change here). */
export function packageName(): string {
  return (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { name: string }).name
}

/**
 * Sends the library's imports to the build in dist/: its entry through the package's own name (as a
 * user imports it, through package.json "exports"), the encoders the vectors need by file.
 */
function againstDist(): Plugin {
  const name = packageName()
  return {
    name: 'agate-dist',
    setup(builder) {
      builder.onResolve({ filter: /\/src\/token\// }, (args) => {
        const source = resolve(args.resolveDir, args.path)
        const inside = relative(TOKEN_SOURCES, source)
        if (inside.startsWith('..')) return undefined
        if (inside === 'index.js') return { path: name, external: true }
        return { path: pathToFileURL(resolve(ROOT, 'dist/token', inside)).href, external: true }
      })
    },
  }
}

/**
 * One ESM script: the suite, its input as `input`, then `main` (code that calls
 * `runRuntimeSuite(input)` and hands the result over the way the runtime allows).
 */
export async function bundleSuite(main: string, options: { against?: 'sources' | 'dist' } = {}): Promise<string> {
  const contents = [
    `import { runRuntimeSuite } from './suite-entry.ts'`,
    `const input = ${JSON.stringify(suiteInput())}`,
    main,
  ].join('\n')
  const output = await build({
    stdin: { contents, resolveDir: HELPERS, sourcefile: 'runtime-main.ts', loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: options.against === 'dist' ? [againstDist()] : [],
  })
  return output.outputFiles[0]!.text
}
