/**
 * Just enough Markdown reading for the documentation tests: which files are the docs, their fenced
 * code blocks, their links and the anchors GitHub gives their headings.
 * @module
 */
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** The repository's root directory. */
export const repoRoot = resolve(import.meta.dirname, '../..')

/** The documentation the tests hold to account: README.md and every docs/*.md, repo-relative. */
export function documentationFiles(root = repoRoot): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`)
  return ['README.md', ...docs]
}

/** A fenced code block: its info string split into language and flags, and where its code starts. */
export interface CodeBlock {
  lang: string
  flags: string[]
  /** 1-based line of the block's first code line (the line after the opening fence). */
  line: number
  code: string
  /** The nearest non-blank line before the opening fence, trimmed ('' at the top of the file). */
  lineBefore: string
}

/** A Markdown file taken apart: its code blocks, and its other text with every code block blanked. */
export interface ScannedMarkdown {
  blocks: CodeBlock[]
  /** The text outside code blocks, with code lines emptied so that line numbers still match. */
  prose: string
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/

/** Splits Markdown into fenced code blocks and prose (CommonMark fences, indented ones included). */
export function scanMarkdown(text: string): ScannedMarkdown {
  const lines = text.split('\n')
  const blocks: CodeBlock[] = []
  const prose: string[] = []
  let open: { indent: number; fence: string; info: string; start: number; lineBefore: string } | undefined
  let code: string[] = []
  let lastNonBlank = ''
  for (const [index, line] of lines.entries()) {
    const fence = FENCE.exec(line)
    if (open === undefined) {
      if (fence !== null && !(fence[2]!.startsWith('`') && fence[3]!.includes('`'))) {
        const [, indent = '', marker = '', info = ''] = fence
        open = { indent: indent.length, fence: marker, info: info.trim(), start: index + 2, lineBefore: lastNonBlank }
        code = []
        prose.push('')
      } else {
        prose.push(line)
        if (line.trim() !== '') lastNonBlank = line.trim()
      }
      continue
    }
    prose.push('')
    const closes =
      fence !== null &&
      fence[2]![0] === open.fence[0] &&
      fence[2]!.length >= open.fence.length &&
      fence[3]!.trim() === ''
    if (!closes) {
      // Code inside an indented fence (a list item's) loses up to the fence's own indentation.
      code.push(line.replace(new RegExp(`^ {0,${open.indent}}`), ''))
      continue
    }
    const [lang = '', ...flags] = open.info.split(/\s+/).filter((word) => word !== '')
    blocks.push({ lang, flags, line: open.start, code: code.join('\n'), lineBefore: open.lineBefore })
    open = undefined
    lastNonBlank = line.trim()
  }
  return { blocks, prose: prose.join('\n') }
}

/** A link or image target found in prose, with its 1-based line. */
export interface Link {
  target: string
  line: number
}

/** Blanks code spans and HTML comments, keeping newlines, so that nothing in them reads as a link. */
function blankCodeAndComments(prose: string): string {
  const blank = (match: string) => match.replace(/[^\n]/g, ' ')
  return prose.replace(/<!--[\s\S]*?-->/g, blank).replace(/(`+)[\s\S]*?\1/g, blank)
}

/** Every inline link, image and reference definition in the prose of a Markdown file. */
export function findLinks(prose: string): Link[] {
  const text = blankCodeAndComments(prose)
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length
  const links: Link[] = []
  for (const match of text.matchAll(/\[[^[\]]*\]\(\s*<?([^()\s<>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
    links.push({ target: match[1]!, line: lineOf(match.index) })
  }
  for (const match of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) {
    links.push({ target: match[1]!, line: lineOf(match.index) })
  }
  return links.sort((a, b) => a.line - b.line)
}

/**
 * The anchor GitHub gives a heading (github-slugger's rule): the rendered text lowercased, every
 * character that is not a letter, mark, number, connector (`_`), space or `-` dropped, and each
 * space turned into `-`.
 */
export function githubSlug(heading: string): string {
  // Outside code spans, links and images render as their text and HTML tags as nothing; inside a
  // code span everything is literal text (`agate token <service>`).
  const rendered = heading
    .split(/(`+[^`]*`+)/)
    .map((part, index) =>
      index % 2 === 1 ? part.replace(/`/g, '') : part.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, ''),
    )
    .join('')
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/**
 * Every anchor a Markdown file offers: one per ATX heading (a repeated slug gets `-1`, `-2`, … as on
 * GitHub), and explicit `<a id="…">` / `<a name="…">` anchors.
 */
export function headingAnchors(prose: string): Set<string> {
  const anchors = new Set<string>()
  const occurrences = new Map<string, number>()
  for (const match of prose.matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/gm)) {
    const original = githubSlug(match[1]!)
    let slug = original
    // As github-slugger does: count up from the original slug until the result is free.
    while (occurrences.has(slug)) {
      const count = occurrences.get(original)! + 1
      occurrences.set(original, count)
      slug = `${original}-${count}`
    }
    occurrences.set(slug, 0)
    anchors.add(slug)
  }
  for (const match of prose.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!)
  return anchors
}
