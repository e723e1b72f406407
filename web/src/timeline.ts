/**
 * The live timeline of what the renewal helper and the client did.
 * @module
 */
import type { RtcTokenEvent } from '../../src/client/index.js'
import { h } from './dom.js'
import { formatClock, formatDuration } from './format.js'
import { describeDisconnect, describeErrorCode, describeStop } from './stop-reasons.js'

const KEPT_ENTRIES = 200

/** How an entry looks: its label and colour. */
type Tone = 'ok' | 'warn' | 'bad' | 'info'

const PHASES: Record<string, string> = { join: 'Joining', renew: 'Renewing', rejoin: 'Joining again' }

/** Appends entries to an ordered list (announced politely to screen readers). */
export class Timeline {
  readonly #list: HTMLOListElement

  constructor(list: HTMLOListElement) {
    this.#list = list
  }

  /**
   * Adds one entry; `type` becomes `data-event`, which tests and styles select on. `code` is the
   * event or reason code behind the sentence, shown next to it for those who look it up.
   */
  add(type: string, label: string, detail: string, tone: Tone = 'info', code?: string): void {
    const now = Date.now()
    const item = h(
      'li',
      { 'data-event': type, 'data-tone': tone },
      h('time', { datetime: new Date(now).toISOString() }, formatClock(now)),
      h('span', { class: 'what' }, label),
      h(
        'span',
        { class: 'detail' },
        detail,
        code === undefined ? null : ' ',
        code === undefined ? null : h('code', { class: 'reason' }, code),
      ),
    )
    this.#list.append(item)
    while (this.#list.children.length > KEPT_ENTRIES) this.#list.firstElementChild?.remove()
    this.#list.scrollTop = this.#list.scrollHeight
  }

  clear(): void {
    this.#list.replaceChildren()
  }

  /**
   * Adds an entry when the SDK (or the sandbox client) reports a disconnection with a reason; for
   * the session's `connection-state-change` handler.
   */
  addConnectionChange(state: string, reason: string | undefined): void {
    if (state !== 'DISCONNECTED' || reason === undefined) return
    this.add('disconnected', 'Disconnected', describeDisconnect(reason), reason === 'LEAVE' ? 'info' : 'bad', reason)
  }

  /** Adds the entry for one of the session's events; `fetching` is left out as noise. */
  addSessionEvent(event: RtcTokenEvent, nowSeconds: number): void {
    switch (event.type) {
      case 'fetching':
        return
      case 'fetched':
        return this.add(
          'fetched',
          'Fetched',
          `a ${event.version} token (for ${event.phase}) with ${formatDuration(Math.round(event.expiresAt - nowSeconds))} to live`,
          'info',
        )
      case 'retry':
        return this.add(
          'retry',
          'Retrying',
          `${errorText(event.error)} Trying again (${event.retry}) in ${(event.delayMs / 1000).toFixed(1)} s.`,
          'warn',
          codeOf(event.error),
        )
      case 'joined':
        return this.add('joined', 'Joined', `as uid ${event.uid}`, 'ok')
      case 'will-expire':
        return event.renewing
          ? this.add(
              'will-expire',
              'Will expire',
              'The token ends soon: fetching a new one.',
              'warn',
              'token-privilege-will-expire',
            )
          : this.add(
              'will-expire',
              'Will expire',
              'The token ends soon, and renewal is off: it will run out.',
              'warn',
              'token-privilege-will-expire',
            )
      case 'renewed':
        return this.add(
          'renewed',
          'Renewed',
          `The client took the new token (renewToken, on ${event.trigger}); it ends in ${formatDuration(Math.round(event.expiresAt - nowSeconds))}.`,
          'ok',
        )
      case 'did-expire':
        return this.add(
          'did-expire',
          'Expired',
          `The token ran out and the client was removed from the channel${event.rejoining ? '; joining again with a fresh token.' : '.'}`,
          'bad',
          'token-privilege-did-expire',
        )
      case 'rejoined':
        return this.add('rejoined', 'Rejoined', `as uid ${event.uid}, with a fresh token`, 'ok')
      case 'error':
        return this.add(
          'error',
          'Error',
          `${PHASES[event.phase] ?? event.phase}: ${errorText(event.error)}`,
          'bad',
          codeOf(event.error),
        )
      case 'stopped':
        return this.add('stopped', 'Stopped', describeStop(event.reason), 'info', event.reason)
    }
  }
}

/** The most specific code of an error: the sandbox's reason (Agora's `ERR_*` name), else its own code. */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code, data } = error as { code?: unknown; data?: { reason?: unknown } }
  if (typeof data?.reason === 'string') return data.reason
  return typeof code === 'string' ? code : undefined
}

/** A plain sentence for a known code, then the error's own message. */
function errorText(error: unknown): string {
  const { message } = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown }
  const text = typeof message === 'string' ? message : String(error)
  const plain = describeErrorCode(codeOf(error))
  return plain === undefined ? `${capitalize(text)}.` : `${plain} (${text})`
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
