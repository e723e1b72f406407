/**
 * Every ```ts / ```typescript block in README.md and docs/*.md type-checks against the package's
 * sources, imported as users import them (`agate-tokens`, `agate-tokens/server`, …). The blocks
 * are written to a temporary folder as modules and checked in one TypeScript program.
 *
 * A block that is deliberately not standalone is skipped when its info string says `ts ignore` or
 * the line before it is `<!-- not-checked -->`. Use that sparingly: prefer a block that compiles.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import ts from 'typescript'
import { entryPointSources, PACKAGE_NAME } from './entry-points.js'
import { type CodeBlock, documentationFiles, repoRoot, scanMarkdown } from './markdown.js'

const CHECKED_LANGUAGES = new Set(['ts', 'typescript'])

/** Whether a block is TypeScript that the docs promise compiles. */
function isChecked(block: CodeBlock): boolean {
  const marked = block.flags.includes('ignore') || block.lineBefore === '<!-- not-checked -->'
  return CHECKED_LANGUAGES.has(block.lang) && !marked
}

interface Document {
  path: string
  text: string
}

interface BlockFile {
  document: string
  block: CodeBlock
}

/**
 * Type-checks the checked blocks of `documents` in one program; returns the blocks checked and one
 * line per error, as `document:line (block at line N): TSxxxx message`.
 */
function checkBlocks(documents: readonly Document[]): { checked: number; failures: Map<string, string[]> } {
  const dir = mkdtempSync(join(tmpdir(), 'agate-docs-blocks-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  // Third-party imports in the examples (hono, agora-rtc-sdk-ng, @types/node) resolve from the repo.
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')

  const files = new Map<string, BlockFile>()
  for (const document of documents) {
    for (const block of scanMarkdown(document.text).blocks.filter(isChecked)) {
      const name = `${document.path.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-L${block.line}.ts`
      // `export {}` makes every block a module of its own, whether or not it imports anything.
      writeFileSync(join(dir, name), `${block.code}\nexport {}\n`)
      files.set(join(dir, name), { document: document.path, block })
    }
  }

  const paths = Object.fromEntries([...entryPointSources(repoRoot)].map(([specifier, source]) => [specifier, [source]]))
  const config = {
    extends: join(repoRoot, 'tsconfig.base.json'),
    compilerOptions: {
      noEmit: true,
      // Resolved as an app's bundler or Node does for an ES module; under NodeNext the Agora Web SDK's
      // default export (a CommonJS package) would be typed as its module object, unlike in an app.
      module: 'ESNext',
      moduleResolution: 'Bundler',
      // Examples show a call and may leave its result or an import unused.
      noUnusedLocals: false,
      noUnusedParameters: false,
      types: ['node'],
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      paths,
    },
    files: [...files.keys()],
  }
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dir)
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options })
  const failures = new Map<string, string[]>()
  const report = (document: string, message: string) => {
    failures.set(document, [...(failures.get(document) ?? []), message])
  }
  for (const diagnostic of [...parsed.errors, ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    report('(setup)', ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
  }
  for (const [file, { document, block }] of files) {
    const source = program.getSourceFile(file)
    if (source === undefined) {
      report(document, `block at line ${block.line}: not compiled`)
      continue
    }
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const line = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + block.line
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
      report(document, `${document}:${line} (block at line ${block.line}): TS${diagnostic.code} ${message}`)
    }
  }
  return { checked: files.size, failures }
}

const documentation = documentationFiles().map((path) => ({ path, text: readFileSync(join(repoRoot, path), 'utf8') }))

/** A Markdown document made of one fenced block: its info string and its lines. */
const fenced = (info: string, ...lines: string[]) => ['```' + info, ...lines, '```', ''].join('\n')

// Canaries, checked in the same program: proof that a wrong import or a wrong call fails the check.
const canaries: Document[] = [
  { path: 'canary/old-package-name.md', text: fenced('ts', "import { buildRtcToken } from 'agate'") },
  {
    path: 'canary/unknown-entry-point.md',
    text: `Text.\n\n${fenced('typescript', `import { startServer } from '${PACKAGE_NAME}/nope'`)}`,
  },
  {
    path: 'canary/wrong-call.md',
    text: fenced(
      'ts',
      `import { buildRtcToken } from '${PACKAGE_NAME}'`,
      "buildRtcToken({ appId: 'a', channelName: 'c' })",
    ),
  },
  {
    path: 'canary/skipped.md',
    text: `${fenced('ts ignore', 'not typescript at all')}\n<!-- not-checked -->\n${fenced('ts', 'nor this')}`,
  },
  {
    path: 'canary/fine.md',
    text: fenced(
      'ts',
      `import { parseToken } from '${PACKAGE_NAME}'`,
      `import { createTokenSource } from '${PACKAGE_NAME}/client'`,
      "const version: '006' | '007' = parseToken('007…').version",
      'console.log(version, createTokenSource)',
    ),
  },
]

const result = checkBlocks([...documentation, ...canaries])

test('every ts block in README.md and docs/*.md type-checks against the sources', () => {
  const documented = documentation.flatMap((document) => scanMarkdown(document.text).blocks.filter(isChecked))
  assert.ok(documented.length >= 6, `only ${documented.length} TypeScript blocks found: is the block reader broken?`)
  assert.equal(result.checked, documented.length + 4)
  const failures = [...result.failures]
    .filter(([document]) => !document.startsWith('canary/'))
    .flatMap(([, messages]) => messages)
  assert.deepEqual(failures, [], `blocks that do not compile:\n${failures.join('\n')}`)
})

test('a block importing the old package name or an unknown entry point fails, naming the file and line', () => {
  const oldName = result.failures.get('canary/old-package-name.md') ?? []
  assert.equal(oldName.length, 1, oldName.join('\n'))
  assert.match(oldName[0]!, /^canary\/old-package-name\.md:2 \(block at line 2\): TS2307 Cannot find module 'agate'/)
  const unknown = result.failures.get('canary/unknown-entry-point.md') ?? []
  assert.equal(unknown.length, 1, unknown.join('\n'))
  assert.match(
    unknown[0]!,
    /^canary\/unknown-entry-point\.md:4 \(block at line 4\): TS2307 Cannot find module 'agate-tokens\/nope'/,
  )
})

test('a block calling the API wrongly fails; skipped and correct blocks pass', () => {
  const wrong = result.failures.get('canary/wrong-call.md') ?? []
  assert.equal(wrong.length, 1, wrong.join('\n'))
  assert.match(wrong[0]!, /^canary\/wrong-call\.md:3 \(block at line 2\): TS\d+ /)
  assert.equal(result.failures.get('canary/skipped.md'), undefined)
  assert.equal(result.failures.get('canary/fine.md'), undefined)
})
