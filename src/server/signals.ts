/**
 * Graceful stop on SIGTERM / SIGINT for the entry points (one process or a cluster).
 * @module
 */

/**
 * On the first SIGTERM or SIGINT, closes `running` gracefully and exits 0 (1 if closing fails);
 * a second signal exits at once.
 */
export function stopOnSignals(running: { close(): Promise<void> }): void {
  const stop = (signal: NodeJS.Signals): void => {
    process.off('SIGTERM', stop)
    process.off('SIGINT', stop)
    process.once(signal, () => process.exit(1))
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
