/**
 * The mint form: one request to the modern endpoint, `POST /v1/tokens`, and its answer.
 * @module
 */
import type { DemoConfig } from '../../src/demo/config.js'
import { parseToken } from '../../src/token/parse-token.js'
import { byId, h } from './dom.js'
import { expiryRows, tickCountdowns } from './expiry.js'
import { describeError } from './format.js'

/** What the page needs from the mint panel. */
export interface MintPanel {
  /** Redraws the result's countdowns (called by the page's ticker). */
  tick(): void
}

/** Wires the mint form; `inspect` opens a minted token in the inspector. */
export function setupMint(
  config: DemoConfig,
  authHeader: () => string | undefined,
  inspect: (token: string) => void,
): MintPanel {
  const form = byId<HTMLFormElement>('mint-form')
  const output = byId('mint-output')
  const value = (id: string): string => byId<HTMLInputElement | HTMLSelectElement>(id).value.trim()

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void mint()
  })

  async function mint(): Promise<void> {
    const userText = value('mint-user')
    const rtc: Record<string, unknown> = { channelName: value('mint-channel'), role: value('mint-role') }
    if (/^\d+$/.test(userText)) rtc.uid = Number(userText)
    else rtc.account = userText
    const privilege = value('mint-privilege')
    if (privilege !== '') rtc.privilegeExpire = Number(privilege)
    const body: Record<string, unknown> = { version: value('mint-version'), expire: Number(value('mint-expire')), rtc }
    const rtm = value('mint-rtm')
    if (rtm !== '') body.rtm = { userId: rtm }
    output.replaceChildren(h('p', { class: 'help' }, `POST ${config.endpoints.v1}…`))
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, application/problem+json',
    }
    const auth = authHeader()
    if (auth !== undefined) headers.authorization = auth
    let answer: Record<string, unknown>
    let status: number
    try {
      const response = await fetch(config.endpoints.v1, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        cache: 'no-store',
      })
      status = response.status
      answer = (await response.json()) as Record<string, unknown>
    } catch (error) {
      output.replaceChildren(h('p', { class: 'error', role: 'alert' }, `The request failed: ${describeError(error)}`))
      return
    }
    if (status >= 400 || typeof answer.token !== 'string') {
      // problem+json: title, detail and a stable code.
      const code = typeof answer.code === 'string' ? ` (${answer.code})` : ''
      const text =
        typeof answer.detail === 'string'
          ? answer.detail
          : typeof answer.title === 'string'
            ? answer.title
            : `the server answered ${status}`
      output.replaceChildren(h('p', { class: 'error', role: 'alert' }, `${status}${code}: ${text}`))
      return
    }
    const token = answer.token
    const { token: _token, ...summary } = answer
    const field = h('textarea', {
      id: 'mint-token',
      rows: '3',
      readonly: '',
      'aria-label': 'The minted token',
      spellcheck: 'false',
    })
    field.value = token
    const open = h('button', { type: 'button' }, 'Open in the inspector')
    open.addEventListener('click', () => inspect(token))
    output.replaceChildren(
      h(
        'div',
        { class: 'result' },
        h('p', { class: 'verdict ok' }, `Minted (${status}).`),
        field,
        h('div', { class: 'actions' }, open),
        // Read from the token itself, with the inspector's rule: a 006 token's summary says when its
        // privileges end, while the token's own ts is a day later.
        h('h3', {}, 'When it ends'),
        expiryOf(token),
        h('h3', {}, 'The decoded summary the server sent'),
        h('pre', { id: 'mint-summary' }, JSON.stringify(summary, null, 2)),
      ),
    )
  }

  return { tick: () => tickCountdowns(output) }
}

/** The token's expiry rows, read from the token itself. */
function expiryOf(token: string): HTMLElement {
  try {
    return h('dl', { id: 'mint-expiry' }, ...expiryRows(parseToken(token)))
  } catch (error) {
    return h('p', { class: 'error' }, `The minted token does not decode here: ${describeError(error)}`)
  }
}
