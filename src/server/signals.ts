/**
 * Graceful stop on SIGTERM / SIGINT for the entry points (one process or a cluster), an exit at
 * once on a second signal, and a reload of the settings on SIGHUP.
 * @module
 */

/** What a server or cluster offers to the signal handlers. */
export interface Stoppable {
  /** Drains and stops; `drainDelayMs` is how long to keep accepting first, with `/readyz` at 503. */
  close(options?: { drainDelayMs?: number }): Promise<void>
  /** Called before an exit at once (the cluster kills its workers); optional. */
  halt?(): void
}

/** The signals that stop the server. */
export type StopSignal = 'SIGTERM' | 'SIGINT'

/**
 * Calls `first` on the first SIGTERM or SIGINT and `again` on every later one. The handlers stay
 * installed: without one, a second signal would take the default action, which for a process
 * running as PID 1 (a container without an init) is to ignore it. Returns a function that removes
 * them.
 */
export function onStopSignals(first: (signal: StopSignal) => void, again: (signal: StopSignal) => void): () => void {
  let seen = false
  const handle = (signal: StopSignal): void => {
    if (seen) return again(signal)
    seen = true
    first(signal)
  }
  process.on('SIGTERM', handle)
  process.on('SIGINT', handle)
  return () => {
    process.off('SIGTERM', handle)
    process.off('SIGINT', handle)
  }
}

/**
 * The delay a stop signal asks for: SIGTERM (an orchestrator taking the instance out of service)
 * waits `drainDelayMs` for load balancers to see `/readyz` fail; SIGINT (Ctrl-C at a terminal)
 * does not wait.
 */
export function drainDelayFor(signal: StopSignal, drainDelayMs: number): number {
  return signal === 'SIGINT' ? 0 : drainDelayMs
}

/**
 * On the first SIGTERM or SIGINT, closes `running` gracefully (see {@link drainDelayFor}) and exits
 * 0 (1 if closing fails); a second signal exits 1 at once, even as PID 1. Returns a function that
 * removes the handlers.
 */
export function stopOnSignals(
  running: Stoppable,
  drainDelayMs: number,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  return onStopSignals(
    (signal) => {
      running.close({ drainDelayMs: drainDelayFor(signal, drainDelayMs) }).then(
        () => exit(0),
        () => exit(1),
      )
    },
    () => {
      running.halt?.()
      exit(1)
    },
  )
}

/**
 * Calls `reload` on every SIGHUP (`kill -HUP`, `docker kill -s HUP`, `systemctl reload`), whose
 * default action would otherwise end the process. Returns a function that removes the handler.
 */
export function onReloadSignal(reload: () => void): () => void {
  const handle = (): void => reload()
  process.on('SIGHUP', handle)
  return () => process.off('SIGHUP', handle)
}
