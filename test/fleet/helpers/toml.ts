/**
 * A reader for the subset of TOML that `wrangler.toml` uses: `key = value` lines (strings,
 * booleans, integers, JSON-like arrays) under `[table]` and `[[array.of.tables]]` headers, and
 * comments. Anything else throws.
 * @module
 */

/** Tables by name; top-level keys are under `''`, the n-th `[[name]]` under `name[n]`. */
export function readToml(source: string): Record<string, Record<string, unknown>> {
  const tables: Record<string, Record<string, unknown>> = { '': {} }
  let current = tables['']!
  for (const [index, raw] of source.split('\n').entries()) {
    const line = raw.replace(/\s+#.*$/, '').trim()
    if (line === '' || line.startsWith('#')) continue
    const element = /^\[\[([A-Za-z0-9_.-]+)\]\]$/.exec(line)
    if (element !== null) {
      const name = element[1]!
      current = tables[`${name}[${Object.keys(tables).filter((key) => key.startsWith(`${name}[`)).length}]`] = {}
      continue
    }
    const header = /^\[([A-Za-z0-9_.-]+)\]$/.exec(line)
    if (header !== null) {
      current = tables[header[1]!] = {}
      continue
    }
    const entry = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line)
    if (entry === null) throw new SyntaxError(`line ${index + 1}: outside the subset`)
    const value = entry[2]!
    current[entry[1]!] = value === 'true' || value === 'false' ? value === 'true' : /^-?\d+$/.test(value) ? Number(value) : JSON.parse(value)
  }
  return tables
}
