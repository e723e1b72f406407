/**
 * Turns a library `TokenError` into a CLI error that names the flag the bad value came from.
 * @module
 */
import { TokenError } from '../token/index.js'
import { CliError, EXIT, UsageError } from './io.js'

/** Library option (or field prefix) → the flag that sets it. */
export type FieldFlags = Readonly<Record<string, string>>

/**
 * Maps `error` for the CLI: `ERR_INVALID_ARGUMENT` becomes a usage error (exit 2) worded
 * "--flag (field): reason"; any other `TokenError` a failure (exit 1) worded "CODE: message".
 * Other errors are returned unchanged. Library messages never contain a certificate or a token.
 */
export function fromTokenError(error: unknown, flags: FieldFlags = {}): unknown {
  if (!(error instanceof TokenError)) return error
  if (error.code !== 'ERR_INVALID_ARGUMENT') return new CliError(`${error.code}: ${error.message}`, EXIT.failure)
  const field = error.field ?? ''
  const reason = error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message
  const flag = flagFor(field, flags)
  return new UsageError(flag === undefined ? `${field}: ${reason}` : `${flag} (${field}): ${reason}`)
}

/** The flag for `field`, trying the field itself, then shorter dotted prefixes and known tails. */
function flagFor(field: string, flags: FieldFlags): string | undefined {
  // Low-level fields look like "services[1].permissions.users.read[0]"; the part after the
  // service index is what a flag sets.
  const bare = field.replace(/^services\[\d+\]\./, '')
  for (let key = bare; key !== ''; key = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '') {
    const flag = flags[key]
    if (flag !== undefined) return flag
  }
  return undefined
}
