/**
 * The CLI's view of the outside world, its exit codes and the errors that carry them.
 * @module
 */

/**
 * Everything a command may touch. Tests pass an in-memory implementation; the entry file passes
 * the real process streams.
 */
export interface CliIo {
  /** Writes data (the command's result). Callers include the trailing newline. */
  stdout: (text: string) => void
  /** Writes diagnostics: errors, warnings, progress. */
  stderr: (text: string) => void
  /** Reads all of standard input, for `-` arguments. Absent when there is no stdin to read. */
  stdin?: () => Promise<string>
  /** The environment (`AGORA_APP_ID`, `AGORA_APP_CERTIFICATE`, ...). */
  env: Record<string, string | undefined>
  /** The working directory relative paths start from (the development credentials); default `process.cwd()`. */
  cwd?: string
  /** The current time in milliseconds, like `Date.now`; tests fix it. */
  now?: () => number
  /** Aborting it stops a long-running command (`serve`); without it `serve` stops on SIGINT/SIGTERM. */
  signal?: AbortSignal
}

/** Exit codes: success, a negative answer or failure (invalid token, server error), bad usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const

/** A failure with the exit code it maps to. The message is one line and holds no secret. */
export class CliError extends Error {
  readonly exitCode: number

  constructor(message: string, exitCode: number) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** Bad flags or arguments: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage)
    this.name = 'UsageError'
  }
}

/** The current Unix time in seconds from `io.now` (or the clock). */
export function nowSeconds(io: CliIo): number {
  return Math.floor((io.now ?? Date.now)() / 1000)
}

/** Writes a value as indented JSON on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`)
}

/**
 * Echoes a user-supplied word in an error only when it cannot be a secret: short and not a long
 * hex or base64 run (certificates are 32 hex characters, tokens and API keys are longer).
 */
export function quoteSafe(value: string): string {
  if (value.length <= 24 && !/[0-9a-fA-F]{16}/.test(value)) return `'${value}'`
  return `(${value.length} characters, not shown)`
}
