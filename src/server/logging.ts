/**
 * JSON logs with pino: one line per token request (the audit event), written asynchronously.
 * @module
 */
import { pino, type DestinationStream, type Logger } from 'pino'

/** Log settings, as validated by `loadConfig`. */
export interface LogSettings {
  /** pino level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  level: string
  /** `stdout`, `stderr`, or a file path (appended to; its directory is created). */
  destination: string
}

/** A logger and the means to write out everything before the process exits. */
export interface ServerLogger {
  logger: Logger
  /**
   * Writes out what is buffered, synchronously and at once (best effort: right before
   * `process.exit`). A write already in flight may land after it.
   */
  flush(): void
  /** Writes out everything, in order, and closes the destination; call it last on shutdown. */
  close(): Promise<void>
}

/**
 * Creates the server's logger. Writes are asynchronous (pino's SonicBoom): a request never waits
 * for the disk, and under load lines are written in batches.
 *
 * @example
 * ```ts
 * const { logger, close } = createLogger({ level: 'info', destination: 'stdout' })
 * ```
 */
export function createLogger(settings: LogSettings): ServerLogger {
  const dest = settings.destination === 'stdout' ? 1 : settings.destination === 'stderr' ? 2 : settings.destination
  const destination = pino.destination({ dest, sync: false, mkdir: typeof dest === 'string' })
  const logger = createLoggerOn(settings.level, destination)
  return {
    logger,
    flush() {
      try {
        destination.flushSync()
      } catch {
        // Not open yet, or busy with an asynchronous write: nothing can be forced out now.
      }
    },
    // SonicBoom's flush(cb) does not wait for a write in flight; end() does, and emits 'close' once
    // everything is out (stdout and stderr stay open). One turn first, for batched request lines.
    close: () =>
      new Promise((resolve) => {
        setImmediate(() => {
          destination.once('close', () => resolve())
          destination.end()
        })
      }),
  }
}

/**
 * Waits until what was logged so far has reached the logger's stream, for loggers the server did
 * not create (tests pass in-memory ones).
 */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    // One turn first, so request lines batched by requestLineWriter reach the stream.
    setImmediate(() => {
      try {
        logger.flush(() => resolve())
      } catch {
        resolve()
      }
    })
  })
}

/**
 * A logger with the server's format on any stream (tests pass an in-memory one): level names
 * (`"level":"info"`) and pino's default epoch-millisecond `time`, which costs a fraction of an ISO
 * date string per line (`new Date().toISOString()` took ~4 µs per request under load).
 */
export function createLoggerOn(level: string, stream: DestinationStream): Logger {
  return pino({ level, formatters: { level: (label) => ({ level: label }) } }, stream)
}

/**
 * Printable ASCII without `"` and `\`: a string JSON writes as it is. Most values of a request line
 * (ids, routes, channels, roles) are such strings and skip `JSON.stringify` (~a fifth of the
 * line's cost); anything else, non-ASCII included, still goes through it.
 */
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

/** A field value of a request line: only strings and finite numbers are written; undefined is left out. */
export type LineValue = string | number | undefined

/** Writes the one line logged per request. */
export type RequestLineWriter = (fields: Readonly<Record<string, LineValue>>, message: string) => void

/**
 * A writer for the one line logged per request, in exactly the format `logger.info(fields, msg)`
 * gives, made cheap for the hot path (measured under load: pino's generic serialiser ~9 µs and
 * SonicBoom's per-line bookkeeping ~5 µs, of a ~150 µs request):
 * - the fields are a fixed set of strings and numbers, serialised by hand;
 * - on a SonicBoom destination (files, stdout), the lines of one event-loop turn are handed over
 *   in one write at the end of the turn: SonicBoom measures the byte length of its whole pending
 *   buffer on every write, so many small writes cost far more than one large one. (A line logged
 *   through pino directly in the same turn may therefore come first.) Other streams get each line
 *   at once.
 * Level, bindings and destination are still pino's.
 *
 * @example
 * ```ts
 * const write = requestLineWriter(logger)
 * write({ event: 'token.issued', reqId, status: 200 }, 'token issued')
 * ```
 */
export function requestLineWriter(logger: Logger): RequestLineWriter {
  const internals = logger as unknown as Record<symbol, unknown>
  // pino's browser build (the Workers bundle) has neither the symbols nor a destination stream:
  // there the line goes through pino itself.
  const symbols = (pino as { symbols?: typeof pino.symbols }).symbols
  const stream = (symbols === undefined ? undefined : internals[symbols.streamSym]) as
    | { write(line: string): unknown; flushSync?: unknown }
    | undefined
  if (symbols === undefined || typeof stream?.write !== 'function') {
    return (fields, message) => logger.info(fields, message)
  }
  // pino's pre-serialised bindings: `,"pid":…,"hostname":"…"` plus any child bindings.
  const bindings = String(internals[symbols.chindingsSym] ?? '')
  const batch = typeof stream.flushSync === 'function'
  let pending = ''
  const flush = (): void => {
    const lines = pending
    pending = ''
    stream.write(lines)
  }
  return (fields, message) => {
    if (!logger.isLevelEnabled('info')) return
    let line = `{"level":"info","time":${Date.now()}${bindings}`
    for (const key in fields) {
      const value = fields[key]
      if (value === undefined) continue
      line +=
        typeof value === 'string'
          ? `,"${key}":${PLAIN_JSON_TEXT.test(value) ? `"${value}"` : JSON.stringify(value)}`
          : `,"${key}":${Number.isFinite(value) ? value : null}`
    }
    line += `,"msg":${JSON.stringify(message)}}\n`
    if (!batch) {
      stream.write(line)
      return
    }
    if (pending === '') setImmediate(flush)
    pending += line
  }
}
