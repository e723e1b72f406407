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

/** Where a logger made by {@link createLoggerOn} writes, and its base bindings as pino writes them. */
interface OwnLogger {
  readonly stream: DestinationStream
  /** `,"pid":…,"hostname":"…"`: pino's base bindings, which follow `time` in every line. */
  readonly bindings: string
}

/** The loggers made here: their request lines are written straight to the stream they were made on. */
const ownLoggers = new WeakMap<Logger, OwnLogger>()

/**
 * A logger with the server's format on any stream (tests pass an in-memory one): level names
 * (`"level":"info"`) and pino's default epoch-millisecond `time`, which costs a fraction of an ISO
 * date string per line (`new Date().toISOString()` took ~4 µs per request under load).
 */
export function createLoggerOn(level: string, stream: DestinationStream): Logger {
  // pino hands its base bindings ({pid, hostname} by default) to `formatters.bindings` once, when
  // the logger is made (documented): kept, so request lines can carry the same ones.
  let base: Record<string, unknown> = {}
  const logger = pino(
    {
      level,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => {
          base = bindings
          return bindings
        },
      },
    },
    stream,
  )
  const bindings = Object.entries(base)
    .map(([key, value]) => `,${JSON.stringify(key)}:${JSON.stringify(value)}`)
    .join('')
  ownLoggers.set(logger, { stream, bindings })
  return logger
}

/** A field value of a request line: only strings and finite numbers are written; undefined is left out. */
export type LineValue = string | number | undefined

/** Writes the one line logged per request. */
export type RequestLineWriter = (fields: Readonly<Record<string, LineValue>>, message: string) => void

/**
 * A writer for the one line logged per request, in exactly the format `logger.info(fields, msg)`
 * gives, made cheap for the hot path (measured under load: pino's generic serialiser ~9 µs and
 * SonicBoom's per-line bookkeeping ~5 µs, of a ~150 µs request):
 * - the fields are a fixed set of strings and numbers, serialised here with one `JSON.stringify`;
 * - on a SonicBoom destination (`pino.destination()`: files, stdout), the lines of one event-loop
 *   turn are handed over in one write at the end of the turn: SonicBoom measures the byte length of
 *   its whole pending buffer on every write, so many small writes cost far more than one large one.
 *   (A line logged through pino directly in the same turn may therefore come first.) Other streams
 *   get each line at once.
 * Only loggers made by {@link createLoggerOn} (or {@link createLogger}) get this: the line is
 * written to the stream they were made on, with the base bindings pino gave them. Any other logger
 * (a child, an embedder's, pino's browser build on Workers) gets `logger.info`.
 *
 * @example
 * ```ts
 * const write = requestLineWriter(logger)
 * write({ event: 'token.issued', reqId, status: 200 }, 'token issued')
 * ```
 */
export function requestLineWriter(logger: Logger): RequestLineWriter {
  const own = ownLoggers.get(logger)
  if (own === undefined) return (fields, message) => logger.info(fields, message)
  const { stream, bindings } = own
  const batch = typeof (stream as { flushSync?: unknown }).flushSync === 'function'
  let pending = ''
  const flush = (): void => {
    const lines = pending
    pending = ''
    stream.write(lines)
  }
  return (fields, message) => {
    if (!logger.isLevelEnabled('info')) return
    // The record's fields as JSON.stringify writes them (undefined ones left out, as pino leaves
    // them), without its braces: one native call, and a flat string, cheaper than building the line
    // field by field.
    const record = JSON.stringify(fields)
    const line = `{"level":"info","time":${Date.now()}${bindings}${record.length > 2 ? `,${record.slice(1, -1)}` : ''},"msg":${JSON.stringify(message)}}\n`
    if (!batch) {
      stream.write(line)
      return
    }
    if (pending === '') setImmediate(flush)
    pending += line
  }
}
