/**
 * A manual clock for the sandbox: time moves only when the test says, and due timers fire in order.
 * @module
 */
import type { SandboxClock } from '../../src/sandbox/index.js'

/** Starts on a whole second, so tokens issued "now" begin exactly at the clock's origin. */
export const START_MS = 1_800_000_000_000

export class ManualClock implements SandboxClock {
  #now: number
  #next = 1
  readonly #timers = new Map<number, { at: number; callback: () => void }>()

  constructor(now = START_MS) {
    this.#now = now
  }

  now(): number {
    return this.#now
  }

  /** Now in Unix seconds, for building tokens. */
  seconds(): number {
    return Math.floor(this.#now / 1000)
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    const target = this.#now + ms
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined
      for (const entry of this.#timers)
        if (entry[1].at <= target && (due === undefined || entry[1].at < due[1].at)) due = entry
      if (due === undefined) break
      this.#timers.delete(due[0])
      this.#now = due[1].at
      due[1].callback()
    }
    this.#now = target
  }

  /** How many timers are pending (a closed sandbox leaves none). */
  get pending(): number {
    return this.#timers.size
  }
}
