/**
 * Every relative link and anchor in README.md and docs/*.md resolves: the file or folder exists in
 * the repository, and an anchor names a heading of its page the way GitHub makes heading anchors.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { documentationFiles, findLinks, headingAnchors, repoRoot, scanMarkdown } from './markdown.js'

/** A target with a scheme (`https:`, `mailto:`) or a protocol-relative one leaves the repository. */
const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i

/** Checks the links of `files` (repo-relative) under `root`; returns one line per broken link. */
function brokenLinks(root: string, files: readonly string[]): string[] {
  const anchorsOf = new Map<string, Set<string>>()
  const anchors = (file: string) => {
    let found = anchorsOf.get(file)
    if (found === undefined) {
      found = headingAnchors(scanMarkdown(readFileSync(file, 'utf8')).prose)
      anchorsOf.set(file, found)
    }
    return found
  }
  const problems: string[] = []
  for (const file of files) {
    const absolute = join(root, file)
    for (const { target, line } of findLinks(scanMarkdown(readFileSync(absolute, 'utf8')).prose)) {
      if (EXTERNAL.test(target)) continue
      const where = `${file}:${line}: (${target})`
      const hash = target.indexOf('#')
      const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash))
      const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1))
      // '' is this page; '/x' starts at the repository's root, as GitHub reads it; others at this page.
      let resolved = resolve(dirname(absolute), path)
      if (path === '') resolved = absolute
      else if (path.startsWith('/')) resolved = join(root, path)
      const inRepo = relative(root, resolved)
      if (inRepo.startsWith('..')) {
        problems.push(`${where} points outside the repository`)
        continue
      }
      if (!existsSync(resolved)) {
        problems.push(`${where} ${inRepo} does not exist`)
        continue
      }
      if (anchor === undefined || !resolved.endsWith('.md')) continue
      if (!anchors(resolved).has(anchor)) problems.push(`${where} ${inRepo} has no heading with the anchor #${anchor}`)
    }
  }
  return problems
}

test('every relative link and anchor in README.md and docs/*.md resolves', () => {
  const files = documentationFiles()
  assert.ok(files.length >= 8, `expected README.md and the docs/ pages, found ${files.join(', ')}`)
  const linkCount = files.reduce(
    (count, file) => count + findLinks(scanMarkdown(readFileSync(join(repoRoot, file), 'utf8')).prose).length,
    0,
  )
  assert.ok(linkCount >= 30, `only ${linkCount} links found: is the link reader broken?`)
  const problems = brokenLinks(repoRoot, files)
  assert.deepEqual(problems, [], `broken links:\n${problems.join('\n')}`)
})

test('GitHub anchors: punctuation dropped, spaces to dashes, repeated headings numbered', () => {
  const anchors = headingAnchors(
    [
      '# Agate',
      '## The renewal helper (`agate-tokens/client`)',
      '## Migrating from AccessToken (006) to AccessToken2 (007)',
      '### Settings',
      '### Settings',
      '## Settings-1',
      '## One machine, all cores',
      '## `agate token <service>`',
    ].join('\n'),
  )
  assert.deepEqual(
    [...anchors],
    [
      'agate',
      'the-renewal-helper-agate-tokensclient',
      'migrating-from-accesstoken-006-to-accesstoken2-007',
      'settings',
      'settings-1',
      'settings-1-1',
      'one-machine-all-cores',
      'agate-token-service',
    ],
  )
})

test('the checker reports a missing file, a missing anchor and a link out of the repository', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'agate-docs-links-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'docs'))
  writeFileSync(join(root, 'docs', 'deploy.md'), '# Deploying\n\n## One machine, all cores\n')
  writeFileSync(
    join(root, 'README.md'),
    [
      '# Readme',
      'Fine: [deploy](docs/deploy.md#one-machine-all-cores), [top](#readme), [web](https://example.com/x.md#nope),',
      '[from the root](/docs/deploy.md#deploying) and [a folder](docs).',
      'Broken: [client](client.md#the-web-demo) and [cores](docs/deploy.md#all-cores).',
      'Outside: [research](../outside/research/perf.md).',
      '`[in code](nowhere.md)` is not a link.',
      '```md',
      '[in a block](nowhere.md)',
      '```',
    ].join('\n'),
  )
  assert.deepEqual(brokenLinks(root, ['README.md', 'docs/deploy.md']), [
    'README.md:4: (client.md#the-web-demo) client.md does not exist',
    'README.md:4: (docs/deploy.md#all-cores) docs/deploy.md has no heading with the anchor #all-cores',
    'README.md:5: (../outside/research/perf.md) points outside the repository',
  ])
})
