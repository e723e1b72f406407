/**
 * A tiny typed event emitter for session reports.
 * @module
 */

/** Something with a `type` to dispatch on. */
export interface Typed {
  type: string
}

/** A listener of events of type `T` (or of every event, for `'*'`). */
export type Listener<E extends Typed, T extends E['type'] | '*'> = (
  event: T extends '*' ? E : Extract<E, { type: T }>,
) => void

/**
 * Dispatches events to listeners by type. A throwing listener cannot break the session that emits:
 * its error is rethrown asynchronously, where the page's error reporting sees it.
 */
export class Emitter<E extends Typed> {
  readonly #listeners = new Map<string, Set<(event: E) => void>>()

  /** Adds `listener` for `type` (`'*'` = every event); returns a function that removes it. */
  on<T extends E['type'] | '*'>(type: T, listener: Listener<E, T>): () => void {
    let set = this.#listeners.get(type)
    if (set === undefined) this.#listeners.set(type, (set = new Set()))
    set.add(listener as (event: E) => void)
    return () => this.off(type, listener)
  }

  /** Removes `listener` from `type`. */
  off<T extends E['type'] | '*'>(type: T, listener: Listener<E, T>): void {
    this.#listeners.get(type)?.delete(listener as (event: E) => void)
  }

  /** Calls the listeners of `event.type`, then those of `'*'`. */
  emit(event: E): void {
    for (const type of [event.type, '*']) {
      for (const listener of [...(this.#listeners.get(type) ?? [])]) {
        try {
          listener(event)
        } catch (error) {
          queueMicrotask(() => {
            throw error
          })
        }
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear()
  }
}
