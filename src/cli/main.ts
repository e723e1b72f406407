#!/usr/bin/env node
/**
 * The `agate` command line: build, inspect and verify tokens, run the token server, make API keys.
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { inspectCommand, INSPECT_HELP } from './commands/inspect.js'
import { keysCommand, KEYS_HELP } from './commands/keys.js'
import { serveCommand, SERVE_HELP } from './commands/serve.js'
import { tokenCommand, TOKEN_HELP, TOKEN_SERVICES } from './commands/token.js'
import { verifyCommand, VERIFY_HELP } from './commands/verify.js'
import { CliError, type CliIo, EXIT, quoteSafe } from './io.js'

export { type CliIo, EXIT } from './io.js'

const COMMANDS: Readonly<
  Record<string, { run: (argv: readonly string[], io: CliIo) => Promise<number>; help: string }>
> = {
  token: { run: tokenCommand, help: TOKEN_HELP },
  inspect: { run: inspectCommand, help: INSPECT_HELP },
  verify: { run: verifyCommand, help: VERIFY_HELP },
  serve: { run: (argv, io) => serveCommand(argv, io), help: SERVE_HELP },
  keys: { run: keysCommand, help: KEYS_HELP },
}

/** The top-level help. */
export const HELP = `Usage: agate <command> [options]

Agora access tokens (AccessToken 006 and AccessToken2 007) from the command line.

Commands:
  token <service>    build a token: ${TOKEN_SERVICES.join(', ')}
  inspect <token|->  decode a token and show its contents and remaining time
  verify <token|->   check a token's signature, claims and expiry (exit code 0 = valid)
  serve              run the token server
  keys create        make an API key for the token server

Options:
  -h, --help         show help (also "agate <command> --help")
  --version          print the version

Environment:
  AGORA_APP_ID, AGORA_APP_CERTIFICATE, AGORA_APP_CERTIFICATE_FILE,
  AGORA_APP_CERTIFICATE_SECONDARY, AGORA_APP_CERTIFICATE_SECONDARY_FILE

Exit codes: 0 success, 1 invalid token or failure, 2 usage error.`

/**
 * Runs the CLI with `argv` (the arguments after the program name) against `io`.
 *
 * @example
 * ```ts
 * const code = await main(['token', 'rtc', '--channel', 'a', '--uid', '1'], {
 *   stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: process.env,
 * })
 * ```
 * @returns the exit code: 0 success, 1 invalid token or failure, 2 usage error. Never throws.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined) {
    io.stderr(`${HELP}\n`)
    return EXIT.usage
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic =
      command === 'help' && rest[0] !== undefined && Object.hasOwn(COMMANDS, rest[0]) ? COMMANDS[rest[0]] : undefined
    io.stdout(`${topic?.help ?? HELP}\n`)
    return EXIT.ok
  }
  if (command === '--version') {
    io.stdout(`${version()}\n`)
    return EXIT.ok
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined
  if (entry === undefined) {
    io.stderr(`agate: unknown command ${quoteSafe(command)}; run "agate --help"\n`)
    return EXIT.usage
  }
  const label = commandLabel(command, rest)
  try {
    return await entry.run(rest, io)
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`${label}: ${error.message}\n`)
      return error.exitCode
    }
    // Not expected: library errors are mapped by the commands. Show the message, not the stack.
    io.stderr(`${label}: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`)
    return EXIT.failure
  }
}

/** "agate token rtc", "agate keys create", "agate verify": the prefix of error lines. */
function commandLabel(command: string, rest: readonly string[]): string {
  const sub = rest[0]
  if (command === 'token' && sub !== undefined && TOKEN_SERVICES.includes(sub)) return `agate token ${sub}`
  if (command === 'keys' && sub === 'create') return 'agate keys create'
  return `agate ${command}`
}

/** The package version, from the package.json two levels up (from src/cli or dist/cli alike). */
function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}

/** The real process as a {@link CliIo}. */
function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stdin: async () => {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
    env: process.env,
  }
}

function isEntryFile(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    // npm links the bin, so compare real paths.
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryFile()) {
  // A closed pipe (`agate inspect x | head -1`) is not an error of ours.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
  process.exitCode = await main(process.argv.slice(2), processIo())
}
