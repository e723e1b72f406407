/**
 * The live timeline of what the renewal helper and the client did.
 * @module
 */
import type { RtcTokenEvent } from '../../src/client/index.js'
import { h } from './dom.js'
import { describeError, formatClock, formatDuration } from './format.js'

const KEPT_ENTRIES = 200

/** How an entry looks: its label and colour. */
type Tone = 'ok' | 'warn' | 'bad' | 'info'

/** Appends entries to an ordered list (announced politely to screen readers). */
export class Timeline {
  readonly #list: HTMLOListElement

  constructor(list: HTMLOListElement) {
    this.#list = list
  }

  /** Adds one entry; `type` becomes `data-event`, which tests and styles select on. */
  add(type: string, label: string, detail: string, tone: Tone = 'info'): void {
    const now = Date.now()
    const item = h(
      'li',
      { 'data-event': type, 'data-tone': tone },
      h('time', { datetime: new Date(now).toISOString() }, formatClock(now)),
      h('span', { class: 'what' }, label),
      h('span', { class: 'detail' }, detail),
    )
    this.#list.append(item)
    while (this.#list.children.length > KEPT_ENTRIES) this.#list.firstElementChild?.remove()
    this.#list.scrollTop = this.#list.scrollHeight
  }

  clear(): void {
    this.#list.replaceChildren()
  }

  /** Adds the entry for one of the session's events; `fetching` is left out as noise. */
  addSessionEvent(event: RtcTokenEvent, nowSeconds: number): void {
    switch (event.type) {
      case 'fetching':
        return
      case 'fetched':
        return this.add('fetched', 'Fetched', `a ${event.version} token (for ${event.phase}) with ${formatDuration(Math.round(event.expiresAt - nowSeconds))} to live`, 'info')
      case 'retry':
        return this.add('retry', 'Retrying', `${describeError(event.error)}; retry ${event.retry} in ${(event.delayMs / 1000).toFixed(1)} s`, 'warn')
      case 'joined':
        return this.add('joined', 'Joined', `as uid ${event.uid}`, 'ok')
      case 'will-expire':
        return this.add('will-expire', 'Will expire', event.renewing ? 'token-privilege-will-expire: renewing' : 'token-privilege-will-expire: renewal is off, so the token will run out', 'warn')
      case 'renewed':
        return this.add('renewed', 'Renewed', `renewToken accepted (${event.trigger}); the new token ends in ${formatDuration(Math.round(event.expiresAt - nowSeconds))}`, 'ok')
      case 'did-expire':
        return this.add('did-expire', 'Expired', `token-privilege-did-expire: the client left the channel${event.rejoining ? '; joining again with a fresh token' : ''}`, 'bad')
      case 'rejoined':
        return this.add('rejoined', 'Rejoined', `as uid ${event.uid}, with a fresh token`, 'ok')
      case 'error':
        return this.add('error', 'Error', `${event.phase}: ${describeError(event.error)}`, 'bad')
      case 'stopped':
        return this.add('stopped', 'Stopped', event.reason === 'left' ? 'the client left the channel; the helper stopped' : 'the helper was disposed', 'info')
    }
  }
}
