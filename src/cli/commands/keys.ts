/**
 * `agate keys create`: a new API key for the token server, and the hash the server stores.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { expectPositionals, parseFlags } from '../args.js'
import { type CliIo, EXIT, printJson, quoteSafe, UsageError } from '../io.js'

/** The help of `agate keys`. */
export const KEYS_HELP = `Usage: agate keys create [--name NAME] [--json]

Prints a new random API key for the token server and the hash to put in the server's
configuration. The key is shown once; the server only ever stores the hash.

Options:
  --name NAME   a label for the key (e.g. the client it is for)
  --json        print {name, key, hash}
  -h, --help    show this help`

/** Every key starts with this, so leaked keys are easy to recognise and scan for. */
export const API_KEY_PREFIX = 'agate_'

/**
 * A new API key: `agate_` and 32 base64url characters (24 random bytes, 192 bits).
 *
 * @example
 * ```ts
 * generateApiKey() // 'agate_4fJ0...'
 * ```
 */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(24).toString('base64url')
}

/**
 * The hash the server stores for `key`: `sha256:` and the lowercase hex SHA-256 of the key's UTF-8
 * bytes (the whole key, prefix included). A fast hash suffices: the key is 192 random bits, so
 * there is nothing to brute-force.
 *
 * @example
 * ```ts
 * hashApiKey('agate_abc') // 'sha256:...'
 * ```
 */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`
}

/**
 * Runs `agate keys <subcommand>`.
 * @returns the exit code.
 * @throws {UsageError} for an unknown subcommand or bad flags.
 */
export async function keysCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = argv
  if (subcommand === '--help' || subcommand === '-h') {
    io.stdout(`${KEYS_HELP}\n`)
    return EXIT.ok
  }
  if (subcommand === undefined) {
    io.stderr(`${KEYS_HELP}\n`)
    return EXIT.usage
  }
  if (subcommand !== 'create') throw new UsageError(`unknown subcommand ${quoteSafe(subcommand)} (expected create)`)
  const flags = parseFlags(rest, {
    name: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (flags.booleans.help === true) {
    io.stdout(`${KEYS_HELP}\n`)
    return EXIT.ok
  }
  expectPositionals(flags, 0)
  const name = flags.strings.name
  if (name === '') throw new UsageError('--name must not be empty')
  const key = generateApiKey()
  const hash = hashApiKey(key)
  if (flags.booleans.json === true) {
    printJson(io, { name: name ?? null, key, hash })
  } else {
    io.stdout(`${name === undefined ? '' : `name  ${name}\n`}key   ${key}\nhash  ${hash}\n`)
    io.stderr('The key is shown only now: give it to the client. Put the hash in the server configuration.\n')
  }
  return EXIT.ok
}
