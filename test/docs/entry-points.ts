/**
 * The package's public entry points (`agate-tokens`, `agate-tokens/client`, …) and the source file
 * behind each, so that examples in the docs can be type-checked against the sources.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The name users install and import (the CLI command stays `agate`). */
export const PACKAGE_NAME = 'agate-tokens'

/** The entry points the docs document, by export subpath, for those not yet in package.json's exports. */
const DOCUMENTED_ENTRY_POINTS: Record<string, string> = {
  '.': 'src/token/index.ts',
  './compat/agora-token': 'src/compat/agora-token.ts',
  './compat/agora-access-token': 'src/compat/agora-access-token.ts',
  './client': 'src/client/index.ts',
  './server': 'src/server/index.ts',
  './sandbox': 'src/sandbox/index.ts',
  './sandbox/client': 'src/sandbox/client.ts',
  './demo': 'src/demo/index.ts',
}

type ExportTarget = string | { types?: string; import?: string; default?: string } | null

/** The source file a built file comes from: `./dist/x/y.js` or `./dist/x/y.d.ts` → `src/x/y.ts`. */
function sourceOf(target: ExportTarget): string | undefined {
  const built = typeof target === 'string' ? target : (target?.types ?? target?.import ?? target?.default)
  const match = built === undefined ? null : /^\.\/dist\/(.+?)(?:\.d\.ts|\.js)$/.exec(built)
  return match === null ? undefined : `src/${match[1]}.ts`
}

/**
 * Every entry point's specifier mapped to its source file, absolute: package.json's exports (which
 * win), then the documented ones; only those whose source exists.
 */
export function entryPointSources(root: string): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports?: Record<string, ExportTarget>
  }
  const sources: Record<string, string> = { ...DOCUMENTED_ENTRY_POINTS }
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const source = sourceOf(target)
    if (source !== undefined) sources[subpath] = source
  }
  const map = new Map<string, string>()
  for (const [subpath, source] of Object.entries(sources)) {
    if (!existsSync(join(root, source))) continue
    map.set(subpath === '.' ? PACKAGE_NAME : `${PACKAGE_NAME}/${subpath.slice(2)}`, join(root, source))
  }
  return map
}
