/**
 * Flag parsing over `node:util` parseArgs, with one-line usage errors that never echo a value
 * that could be a secret.
 * @module
 */
import { parseArgs } from 'node:util'
import { quoteSafe, UsageError } from './io.js'

/** A command's flags, in parseArgs' own shape. */
export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>

/** One flag occurrence, in command-line order. */
export interface FlagUse {
  name: string
  value: string | undefined
}

/** The result of {@link parseFlags}. */
export interface ParsedFlags {
  /** Last value of each single string flag; booleans are `true` when given. */
  strings: Record<string, string | undefined>
  booleans: Record<string, boolean>
  /** Every value of each repeatable flag, in order. */
  lists: Record<string, string[]>
  positionals: string[]
  /** All flag occurrences in order, e.g. to keep `--certificate` and `--certificate-file` interleaved. */
  order: FlagUse[]
}

const OPTION_NAME = /^-{1,2}[a-zA-Z][\w-]{0,24}$/

/**
 * Parses `args` against `spec`. Unlike parseArgs' strict mode, the errors name the flag and never
 * repeat its value, and a string flag followed by another option (`--channel --uid 1`) is an error
 * rather than a channel named "--uid".
 * @throws {UsageError} for an unknown flag, a missing value, a value on a boolean flag or a
 * repeated single flag.
 */
export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags {
  const { tokens } = parseArgs({ args: [...args], options: spec, strict: false, allowPositionals: true, tokens: true })
  const parsed: ParsedFlags = { strings: {}, booleans: {}, lists: {}, positionals: [], order: [] }
  for (const token of tokens) {
    if (token.kind === 'positional') {
      parsed.positionals.push(token.value)
      continue
    }
    if (token.kind !== 'option') continue
    const flag = spec[token.name]
    if (flag === undefined) {
      throw new UsageError(
        `unknown option ${OPTION_NAME.test(token.rawName) ? token.rawName : quoteSafe(token.rawName)}`,
      )
    }
    const name = `--${token.name}`
    if (flag.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${name} takes no value`)
      parsed.booleans[token.name] = true
      parsed.order.push({ name: token.name, value: undefined })
      continue
    }
    const value = token.value
    if (value === undefined) throw new UsageError(`${name} needs a value`)
    if (!token.inlineValue && value.startsWith('-') && value !== '-' && !/^-\d+$/.test(value)) {
      throw new UsageError(`${name} needs a value (to give one that starts with "-", write ${name}=VALUE)`)
    }
    if (flag.multiple === true) {
      ;(parsed.lists[token.name] ??= []).push(value)
    } else {
      if (parsed.strings[token.name] !== undefined) throw new UsageError(`${name} is given more than once`)
      parsed.strings[token.name] = value
    }
    parsed.order.push({ name: token.name, value })
  }
  return parsed
}

/** Rejects positional arguments beyond `max`. */
export function expectPositionals(parsed: ParsedFlags, max: number): void {
  const extra = parsed.positionals[max]
  if (extra !== undefined) throw new UsageError(`unexpected argument ${quoteSafe(extra)}`)
}

/**
 * Reads a non-negative decimal integer flag. Range checks beyond "safe integer" are left to the
 * library, whose error then names the flag.
 * @throws {UsageError} when the text is not such an integer.
 */
export function integerFlag(parsed: ParsedFlags, name: string): number | undefined {
  const text = parsed.strings[name]
  if (text === undefined) return undefined
  return parseInteger(text, `--${name}`)
}

/** Parses a non-negative decimal integer, naming `label` on failure. */
export function parseInteger(text: string, label: string): number {
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new UsageError(`${label} must be a non-negative integer, got ${quoteSafe(text)}`)
  }
  return value
}
