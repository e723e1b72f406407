/**
 * Architecture boundaries: the portable library imports nothing from Node or from the rest of the
 * repo, and browser code never pulls in a builder (the only code that touches a certificate).
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'

const root = resolve(import.meta.dirname, '../..')

function sourceFiles(dir: string): string[] {
  const abs = join(root, dir)
  try {
    statSync(abs)
  } catch {
    return []
  }
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(abs, name))
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const found: string[] = []
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"\n]*?from\s*['"]([^'"]+)['"]/g))
    found.push(match[1]!)
  for (const match of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(match[1]!)
  for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]!)
  return found
}

test('src/token and src/compat import only each other and pako: no Node, no server code', () => {
  const files = [...sourceFiles('src/token'), ...sourceFiles('src/compat')]
  assert.ok(files.length > 20)
  for (const file of files) {
    for (const specifier of specifiers(file)) {
      const where = `${relative(root, file)} imports ${specifier}`
      if (!specifier.startsWith('.')) {
        assert.equal(specifier, 'pako', where)
        continue
      }
      const target = relative(root, resolve(dirname(file), specifier))
      assert.ok(target.startsWith('src/token/') || target.startsWith('src/compat/'), where)
    }
    const code = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
    assert.doesNotMatch(code, /\b(process\.|Buffer\.|require\()/, `${relative(root, file)} uses a Node global`)
  }
})

test('browser code (src/client, the sandbox client, the demo page) never imports a token builder', () => {
  const browserFiles = [
    ...sourceFiles('src/client'),
    ...sourceFiles('web/src'),
    ...['src/sandbox/client.ts', 'src/sandbox/wire.ts', 'src/demo/config.ts'].map((file) => join(root, file)),
  ]
  assert.ok(browserFiles.length > 10)
  for (const file of browserFiles) {
    for (const specifier of specifiers(file)) {
      const target = relative(root, resolve(dirname(file), specifier))
      const where = `${relative(root, file)} imports ${specifier}`
      assert.ok(!specifier.startsWith('node:'), where)
      if (target.startsWith('src/token/')) {
        assert.match(
          target,
          /^src\/token\/(parse-token|usable-until|errors|v00[67]\/parse|v007\/services|v006\/privileges|primitives\/(base64|bytes|inflate|adler32|crc32))\.js$/,
          where,
        )
      }
    }
  }
})
