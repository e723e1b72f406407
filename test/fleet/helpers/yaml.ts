/**
 * A parser for the small subset of YAML the repository's deploy files are written in (block
 * mappings and sequences, `- key: value` items, JSON-style flow collections, quoted and plain
 * scalars, comments, `---` between documents). Anything else (anchors, block scalars, multi-line
 * flow) throws, so a file that leaves the subset fails its test instead of being half-read.
 * No dependency: the repository adds none for tests.
 * @module
 */

interface Line {
  indent: number
  text: string
  number: number
}

/** Parses every document of `source`. */
export function parseYamlDocuments(source: string): unknown[] {
  const documents: Line[][] = [[]]
  source.split('\n').forEach((raw, index) => {
    if (/^---\s*$/.test(raw)) {
      documents.push([])
      return
    }
    const text = stripComment(raw).trimEnd()
    if (text.trim() === '') return
    if (/\t/.test(raw.slice(0, raw.length - raw.trimStart().length))) throw new SyntaxError(`line ${index + 1}: tab in indentation`)
    documents[documents.length - 1]!.push({ indent: text.length - text.trimStart().length, text: text.trim(), number: index + 1 })
  })
  return documents
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const [value, next] = parseBlock(lines, 0, lines[0]!.indent)
      if (next !== lines.length) throw new SyntaxError(`line ${lines[next]!.number}: unexpected indentation`)
      return value
    })
}

function stripComment(line: string): string {
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const char = line[i]
    if (quote !== undefined) {
      if (char === '\\' && quote === '"') i++
      else if (char === quote) quote = undefined
    } else if (char === '"' || char === "'") quote = char
    else if (char === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i)
  }
  return line
}

const isItem = (line: Line | undefined): boolean => line !== undefined && (line.text === '-' || line.text.startsWith('- '))

function parseBlock(lines: Line[], start: number, indent: number): [unknown, number] {
  return isItem(lines[start]) ? parseSequence(lines, start, indent) : parseMapping(lines, start, indent)
}

function parseSequence(lines: Line[], start: number, indent: number): [unknown[], number] {
  const items: unknown[] = []
  let i = start
  while (i < lines.length && lines[i]!.indent === indent && isItem(lines[i])) {
    const line = lines[i]!
    const content = line.text.slice(1).trim()
    if (content === '') {
      const next = lines[i + 1]
      if (next === undefined || next.indent <= indent) throw new SyntaxError(`line ${line.number}: empty sequence item`)
      const [value, after] = parseBlock(lines, i + 1, next.indent)
      items.push(value)
      i = after
    } else if (splitKey(content) !== undefined) {
      // `- key: value`: a mapping whose first line starts after the dash.
      const inner = [...lines]
      inner[i] = { indent: indent + 2, text: content, number: line.number }
      const [value, after] = parseMapping(inner, i, indent + 2)
      items.push(value)
      i = after
    } else {
      items.push(scalar(content, line.number))
      i++
    }
  }
  return [items, i]
}

function parseMapping(lines: Line[], start: number, indent: number): [Record<string, unknown>, number] {
  const map: Record<string, unknown> = {}
  let i = start
  while (i < lines.length && lines[i]!.indent === indent && !isItem(lines[i])) {
    const line = lines[i]!
    const split = splitKey(line.text)
    if (split === undefined) throw new SyntaxError(`line ${line.number}: expected "key: value"`)
    const [key, rest] = split
    if (Object.hasOwn(map, key)) throw new SyntaxError(`line ${line.number}: duplicate key ${key}`)
    if (rest === '') {
      const next = lines[i + 1]
      if (next !== undefined && (next.indent > indent || (next.indent === indent && isItem(next)))) {
        const [value, after] = parseBlock(lines, i + 1, next.indent)
        map[key] = value
        i = after
        continue
      }
      map[key] = null
    } else {
      map[key] = scalar(rest, line.number)
    }
    i++
  }
  if (i < lines.length && lines[i]!.indent > indent) throw new SyntaxError(`line ${lines[i]!.number}: unexpected indentation`)
  return [map, i]
}

/** `key: rest` → [key, rest]; undefined when the line is not a mapping entry. */
function splitKey(text: string): [string, string] | undefined {
  const quoted = /^("(?:[^"\\]|\\.)*"|'[^']*')\s*:(?:\s+(.*))?$/.exec(text)
  if (quoted !== null) return [scalar(quoted[1]!, 0) as string, quoted[2] ?? '']
  const match = /^([^\s"'{[\]][^:]*?|[^\s"'{[\]][^\s]*?):(?:\s+(.*))?$/.exec(text)
  if (match === null) return undefined
  return [match[1]!, match[2] ?? '']
}

function scalar(text: string, number: number): unknown {
  if (/^[|>]/.test(text) || /^[&*!]/.test(text)) throw new SyntaxError(`line ${number}: block scalars, anchors and tags are outside the subset`)
  if (text.startsWith('"')) return JSON.parse(text)
  if (text.startsWith("'")) {
    if (!text.endsWith("'")) throw new SyntaxError(`line ${number}: unterminated string`)
    return text.slice(1, -1).replaceAll("''", "'")
  }
  if (text.startsWith('[') || text.startsWith('{')) {
    try {
      return JSON.parse(text)
    } catch {
      throw new SyntaxError(`line ${number}: flow collections must be JSON-shaped`)
    }
  }
  if (text === 'true' || text === 'false') return text === 'true'
  if (text === 'null' || text === '~') return null
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  return text
}
