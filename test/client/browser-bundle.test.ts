/**
 * What ships to browsers: `agate-tokens/client` and the demo page bundle only the token parser from the
 * library, never a builder, signing code or server code, and nothing from Node.
 */
import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { build } from 'esbuild'

const root = resolve(import.meta.dirname, '../..')

/** The repo files an entry point pulls into a browser bundle. */
async function inputsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [resolve(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'esm',
    external: ['agora-rtc-sdk-ng', 'agora-rtm-sdk'],
    logLevel: 'silent',
  })
  return Object.keys(result.metafile.inputs)
}

const FORBIDDEN = [
  /^src\/token\/(build-token|verify-token|builders\/|v00[67]\/(build|signing)|primitives\/(hmac|sha256|deflate|md5|random))/,
  /^src\/((server|cli|compat)\/|demo\/mount|sandbox\/(sandbox|judge|routes|errors))/,
  /^node_modules\/(hono|pako|zod|pino|jose)\//,
  /^node:/,
]

for (const entry of [
  'src/client/index.ts',
  'src/react/index.ts',
  'src/sandbox/client.ts',
  'web/src/main.ts',
  'web/src/react-demo.ts',
]) {
  test(`the browser bundle of ${entry} holds no builder, signing, server or Node code`, async () => {
    const inputs = await inputsOf(entry)
    assert.ok(inputs.length >= 1)
    for (const input of inputs) {
      for (const pattern of FORBIDDEN) assert.doesNotMatch(input, pattern, `${entry} pulls in ${input}`)
    }
    if (entry !== 'src/sandbox/client.ts')
      assert.ok(inputs.includes('src/token/parse-token.ts'), 'the parser is the one piece of the library it uses')
  })
}
