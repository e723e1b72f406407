// Renders the server's settings table from its declarations (src/server/config/settings.ts) into
// the docs, between `<!-- settings-table:start -->` and `<!-- settings-table:end -->`, in every
// file of DOC_FILES that holds the markers. test/server/settings-table.test.ts fails when a block
// differs from what this renders.
// Usage: npm run docs:settings   (node --import tsx scripts/settings-table.ts)
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ModeDefault, SETTINGS, type SettingDeclaration } from '../src/server/config/settings.js'

export const START = '<!-- settings-table:start -->'
export const END = '<!-- settings-table:end -->'
/** Where the table may live, relative to the repository root. */
export const DOC_FILES = ['docs/server.md']

const root = fileURLToPath(new URL('..', import.meta.url))

/** The table, in Markdown. A secret's default is never shown. */
export function renderSettingsTable(): string {
  const rows = ['| Setting | Default | Secret | Meaning |', '|---|---|---|---|']
  for (const [name, declaration] of Object.entries(SETTINGS) as [string, SettingDeclaration][]) {
    const cells = [
      nameCell(name, declaration),
      defaultCell(declaration),
      declaration.secret === true ? 'yes' : '',
      meaning(declaration),
    ]
    rows.push(`| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`)
  }
  return rows.join('\n')
}

/** `text` with its block between the markers replaced by `table`. */
export function replaceBlock(text: string, table: string): string {
  const [start, end] = blockBounds(text)
  return `${text.slice(0, start)}${START}\n\n${table}\n\n${text.slice(end)}`
}

/** The table between the markers of `text`, or undefined when it has none. */
export function blockOf(text: string): string | undefined {
  if (!text.includes(START)) return undefined
  const [start, end] = blockBounds(text)
  return text.slice(start + START.length, end).trim()
}

/** The doc files (absolute paths) that hold the markers. */
export function docsWithTable(): string[] {
  return DOC_FILES.map((file) => `${root}${file}`).filter(
    (path) => existsSync(path) && readFileSync(path, 'utf8').includes(START),
  )
}

function blockBounds(text: string): [number, number] {
  const start = text.indexOf(START)
  const end = text.indexOf(END, start)
  if (start < 0 || end < 0) throw new Error(`the settings table needs both ${START} and ${END}`)
  return [start, end]
}

function nameCell(name: string, declaration: SettingDeclaration): string {
  const aliases = declaration.aliases ?? []
  return aliases.length === 0
    ? `\`${name}\``
    : `\`${name}\` (alias ${aliases.map((alias) => `\`${alias}\``).join(', ')})`
}

function defaultCell(declaration: SettingDeclaration): string {
  if (declaration.secret === true) return '–'
  const value = declaration.default
  if (value instanceof ModeDefault) {
    // A mode without a value of its own is described by defaultText, so the value is stated once.
    const side = (mode: unknown): string => (mode === undefined ? (declaration.defaultText ?? '–') : shown(mode))
    return `${side(value.development)} (dev), ${side(value.production)} (prod)`
  }
  if (declaration.defaultText !== undefined) return declaration.defaultText
  if (value === undefined) return '–'
  return shown(value)
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : `\`${value.join(',')}\``
  return `\`${String(value)}\``
}

function meaning(declaration: SettingDeclaration): string {
  return declaration.file === false ? `${declaration.description} No \`_FILE\` form.` : declaration.description
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = docsWithTable()
  if (files.length === 0) {
    console.error(`no doc file holds ${START}: put the markers where the table goes (${DOC_FILES.join(' or ')})`)
    process.exit(1)
  }
  const table = renderSettingsTable()
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    const updated = replaceBlock(text, table)
    if (updated !== text) writeFileSync(file, updated)
    console.log(`${file.slice(root.length)}: settings table ${updated === text ? 'unchanged' : 'rewritten'}`)
  }
}
