/**
 * The policy's channel and user patterns: literal text, `*` for any text, and `{claim}` for a
 * claim of the caller, inserted as literal text.
 *
 * A claim next to a `*` is where patterns go wrong. With `room-{sub}-*`, the caller `alice` would
 * get `room-alice-bob-1`, which is also the room of the caller `alice-bob`. So, where a pattern has
 * a `*`, a claim's namespace must end at a separator the claim cannot contain:
 * - in the text before the first `*`, a claim must be followed by literal text, whose first
 *   character is its separator (`-` in `room-{sub}-*`);
 * - in the text after the last `*`, a claim must be preceded by literal text, whose last character
 *   is its separator (`-` in `*-{sub}`);
 * - between two `*`s a claim could be anywhere in the value, and the pattern is refused.
 * A caller whose claim contains its separator is denied (`reason: "claim"`): the namespaces of
 * callers whose claims have no separator in them cannot overlap. Patterns without `*` are compared
 * whole, and any claim value is fine there.
 * @module
 */
import { claimText, type Identity } from './identity.js'

/** A claim in a pattern, and the character its value may not contain ('' for none). */
interface ClaimPart {
  claim: string
  separator: string
}

type Part = { text: string } | ClaimPart | '*'

/** A compiled pattern. */
export interface Pattern {
  source: string
  parts: readonly Part[]
  /** A pattern without `*` or templates is compared as a plain string. */
  exact: string | undefined
}

/** Why a pattern cannot be used with claims (undefined: it can), for config validation. */
export function patternProblem(source: string): string | undefined {
  const parts = compileParts(source)
  return typeof parts === 'string' ? describeProblem(source, parts) : undefined
}

const describeProblem = (source: string, problem: string): string => `pattern ${JSON.stringify(source)}: ${problem}`

/**
 * Compiles a pattern.
 * @throws {Error} for a pattern {@link patternProblem} refuses (config validation refuses it first).
 */
export function compilePattern(source: string): Pattern {
  const parts = compileParts(source)
  if (typeof parts === 'string') throw new Error(`policy ${describeProblem(source, parts)}`)
  const literal = parts.every((part) => part !== '*' && 'text' in part)
  return { source, parts, exact: literal ? source : undefined }
}

/** The parts of a pattern with each claim's separator, or why the pattern is ambiguous. */
function compileParts(source: string): Part[] | string {
  const raw: ({ text: string } | { claim: string } | '*')[] = []
  const re = /\{([^{}]+)\}|\*/g
  let last = 0
  for (let match = re.exec(source); match !== null; match = re.exec(source)) {
    if (match.index > last) raw.push({ text: source.slice(last, match.index) })
    raw.push(match[1] === undefined ? '*' : { claim: match[1] })
    last = match.index + match[0].length
  }
  if (last < source.length) raw.push({ text: source.slice(last) })
  const firstStar = raw.indexOf('*')
  const lastStar = raw.lastIndexOf('*')
  const parts: Part[] = []
  for (const [index, part] of raw.entries()) {
    if (part === '*' || 'text' in part) {
      parts.push(part)
      continue
    }
    const name = `{${part.claim}}`
    if (firstStar === -1) {
      parts.push({ claim: part.claim, separator: '' })
    } else if (index < firstStar) {
      const next = raw[index + 1]
      if (next === undefined || next === '*' || !('text' in next))
        return `${name} needs a separator after it (as in room-${name}-*): with a * or a claim right after it, the values it allows would overlap other callers'`
      parts.push({ claim: part.claim, separator: next.text[0]! })
    } else if (index > lastStar) {
      const previous = raw[index - 1]
      if (previous === undefined || previous === '*' || !('text' in previous))
        return `${name} needs a separator before it (as in *-${name}): with a * or a claim right before it, the values it allows would overlap other callers'`
      parts.push({ claim: part.claim, separator: previous.text.at(-1)! })
    } else {
      return `${name} between two * could stand anywhere in a value, so the values it allows would overlap other callers'`
    }
  }
  return parts
}

/** A pattern's literal segments (the text between its `*`s), with the caller's claims in them. */
export type Expansion =
  | { segments: string[] }
  /** The caller has no such claim (or not a string or integer). */
  | { missing: string }
  /** The caller's claim contains the separator the pattern puts after or before it. */
  | { unsafe: string; separator: string }

/** Turns a pattern into its literal segments with the caller's claims substituted as plain text. */
export function expand(pattern: Pattern, identity: Identity): Expansion {
  const segments: string[] = ['']
  for (const part of pattern.parts) {
    if (part === '*') {
      segments.push('')
    } else if ('text' in part) {
      segments[segments.length - 1] += part.text
    } else {
      const value = claimText(identity.claims, part.claim)
      if (value === undefined) return { missing: part.claim }
      if (part.separator !== '' && value.includes(part.separator))
        return { unsafe: part.claim, separator: part.separator }
      segments[segments.length - 1] += value
    }
  }
  return { segments }
}

/** Glob match: `segments` are the literal pieces around each `*`. */
export function globMatch(segments: readonly string[], value: string): boolean {
  const first = segments[0]!
  if (segments.length === 1) return value === first
  const last = segments[segments.length - 1]!
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false
  let position = first.length
  const end = value.length - last.length
  for (let index = 1; index < segments.length - 1; index++) {
    const segment = segments[index]!
    const found = value.indexOf(segment, position)
    if (found === -1 || found + segment.length > end) return false
    position = found + segment.length
  }
  return true
}
