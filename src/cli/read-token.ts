/**
 * The `<token|->` argument of `inspect` and `verify`.
 * @module
 */
import type { ParsedFlags } from './args.js'
import { type CliIo, UsageError } from './io.js'

/**
 * The token from the first positional argument, or from stdin when it is `-`, with surrounding
 * whitespace (a pasted newline) removed.
 * @throws {UsageError} when the argument is missing, stdin cannot be read or holds nothing.
 */
export async function readTokenArgument(flags: ParsedFlags, io: CliIo): Promise<string> {
  const argument = flags.positionals[0]
  if (argument === undefined) throw new UsageError('a token is required (or "-" to read it from stdin)')
  if (argument !== '-') return argument.trim()
  if (io.stdin === undefined) throw new UsageError('cannot read stdin here')
  const text = (await io.stdin()).trim()
  if (text === '') throw new UsageError('stdin holds no token')
  return text
}
