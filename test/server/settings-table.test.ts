/** The settings table of the docs is the one the declarations render (`npm run docs:settings` rewrites it). */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { SETTINGS } from '../../src/server/config.js'
import {
  blockOf,
  docsWithTable,
  DOC_FILES,
  renderSettingsTable,
  replaceBlock,
  START,
} from '../../scripts/settings-table.js'

test('the settings table in the docs is the one the declarations render', () => {
  const files = docsWithTable()
  assert.ok(files.length > 0, `no file of ${DOC_FILES.join(', ')} holds ${START}`)
  const table = renderSettingsTable()
  for (const file of files) {
    assert.equal(blockOf(readFileSync(file, 'utf8')), table, `${file} is out of date: run npm run docs:settings`)
  }
})

test('the table has one row per setting, in declaration order, and never shows a secret default', () => {
  const rows = renderSettingsTable().split('\n').slice(2)
  assert.deepEqual(
    rows.map((row) => /^\| `([A-Z0-9_]+)`/.exec(row)?.[1]),
    Object.keys(SETTINGS),
  )
  for (const [name, declaration] of Object.entries(SETTINGS)) {
    const row = rows.find((candidate) => candidate.startsWith(`| \`${name}\``))!
    const [, shownDefault, secret] = row.split(' | ')
    if ('secret' in declaration && declaration.secret) {
      assert.equal(shownDefault, '–', name)
      assert.equal(secret, 'yes', name)
    }
  }
  assert.ok(
    rows.includes(
      '| `AGATE_PORT` (alias `PORT`) | `8080` |  | Port: `AGATE_PORT` if set, else `PORT` (what hosting platforms inject), else the default; 0 picks a free port. |',
    ),
  )
  assert.ok(rows.some((row) => row.startsWith('| `AGATE_HOST` | `127.0.0.1` (dev), `0.0.0.0` (prod) |')))
  assert.ok(rows.some((row) => row.startsWith('| `AGATE_KEEP_ALIVE_TIMEOUT_MS` | `65000` |')))
})

test('a changed declaration makes the block differ, and rewriting it restores it', () => {
  const doc = `# Server\n\n${START}\n\n| stale |\n\n<!-- settings-table:end -->\n\nAfter.\n`
  assert.notEqual(blockOf(doc), renderSettingsTable())
  const rewritten = replaceBlock(doc, renderSettingsTable())
  assert.equal(blockOf(rewritten), renderSettingsTable())
  assert.ok(rewritten.startsWith('# Server\n\n') && rewritten.endsWith('<!-- settings-table:end -->\n\nAfter.\n'))
  assert.throws(() => replaceBlock(`${START} without an end`, 'x'), /needs both/)
})
