/**
 * Loaded first on the race page: counts the timers that the helper's own code (the `/helper.js`
 * script) has pending, by wrapping the page's setTimeout and clearTimeout. The SDKs' timers are not
 * counted: their frames come from another script.
 */
const live = new Set<unknown>()
const originalSet = window.setTimeout.bind(window)
const originalClear = window.clearTimeout.bind(window)

window.setTimeout = ((handler: TimerHandler, ms?: number, ...args: unknown[]): number => {
  // The caller's frame only: an SDK timer set while the helper calls into the SDK is the SDK's.
  const caller = (new Error().stack ?? '').split('\n')[2] ?? ''
  const fromHelper = /\/helper\.js:/.test(caller)
  const id: number = originalSet(
    (...callArgs: unknown[]) => {
      live.delete(id)
      if (typeof handler === 'function') handler(...callArgs)
    },
    ms,
    ...args,
  )
  if (fromHelper) live.add(id)
  return id
}) as unknown as typeof setTimeout

window.clearTimeout = ((id?: number) => {
  live.delete(id)
  originalClear(id)
}) as unknown as typeof clearTimeout

;(window as unknown as { helperTimers: () => number }).helperTimers = () => live.size
