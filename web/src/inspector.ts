/**
 * The token inspector: decodes a pasted 006 or 007 token in the browser, with privilege countdowns,
 * and asks the sandbox whether its signature matches the development certificate.
 * @module
 */
import type { DemoConfig } from '../../src/demo/config.js'
import type { InspectAnswer, InspectRequest } from '../../src/sandbox/wire.js'
import { parseToken, type ParsedToken } from '../../src/token/parse-token.js'
import { byId, h } from './dom.js'
import { countdown, descriptionRow as row, expiryRows, tickCountdowns } from './expiry.js'
import { describeError, formatUnix } from './format.js'

/** What the page needs from the inspector. */
export interface Inspector {
  /** Puts `token` in the inspector and decodes it. */
  show(token: string): void
  /** Redraws the countdowns (called by the page's ticker). */
  tick(): void
}

/** Wires the inspector form. */
export function setupInspector(config: DemoConfig, currentToken: () => string | undefined): Inspector {
  const form = byId<HTMLFormElement>('inspect-form')
  const input = byId<HTMLTextAreaElement>('inspect-token')
  const channel = byId<HTMLInputElement>('inspect-channel')
  const user = byId<HTMLInputElement>('inspect-uid')
  const output = byId('inspect-output')
  const current = byId<HTMLButtonElement>('inspect-current')
  let check = 0

  const decode = (): void => {
    const token = input.value.trim()
    output.replaceChildren()
    if (token === '') return
    let parsed: ParsedToken
    try {
      parsed = parseToken(token)
    } catch (error) {
      output.append(h('p', { class: 'error', role: 'alert' }, `Not a token: ${describeError(error)}`))
      return
    }
    const verdict = h(
      'p',
      { class: 'verdict', role: 'status', 'data-signature': 'checking' },
      'Checking the signature against the development certificate…',
    )
    output.append(render(parsed), h('h3', {}, 'Signature'), verdict)
    void checkSignature(token, parsed, verdict, ++check)
  }

  async function checkSignature(token: string, parsed: ParsedToken, verdict: HTMLElement, id: number): Promise<void> {
    const request: InspectRequest = { token }
    if (parsed.version === '006') {
      if (channel.value !== '') request.channelName = channel.value
      const text = user.value.trim()
      if (text !== '') {
        if (/^\d+$/.test(text)) request.uid = Number(text)
        else request.account = text
      }
    }
    let answer: InspectAnswer
    try {
      const response = await fetch(`${config.sandbox.base}/inspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request),
      })
      const body = (await response.json()) as InspectAnswer & { error?: { message?: string } }
      if (!response.ok) throw new Error(body.error?.message ?? `the sandbox answered ${response.status}`)
      answer = body
    } catch (error) {
      if (id === check) setVerdict(verdict, 'warn', 'error', `Could not check the signature: ${describeError(error)}`)
      return
    }
    if (id !== check) return
    switch (answer.signature) {
      case 'valid':
        return setVerdict(
          verdict,
          'ok',
          'valid',
          `Genuine: signed with the server's ${answer.certificate ?? 'primary'} certificate.`,
        )
      case 'invalid':
        return setVerdict(
          verdict,
          'bad',
          'invalid',
          `Not signed by this server's certificates: ${answer.detail ?? 'the signature does not match'}.`,
        )
      case 'needs-claims':
        // Open the channel and uid fields the check needs.
        byId<HTMLDetailsElement>('inspect-claims').open = true
        return setVerdict(
          verdict,
          'warn',
          'needs-claims',
          'A 006 token signs its channel and uid: fill them in above and decode again to check it.',
        )
      case 'unknown-app':
        return setVerdict(
          verdict,
          'warn',
          'unknown-app',
          'Built for an App ID this server has no certificate for, so its signature cannot be checked here.',
        )
      case 'malformed':
        return setVerdict(verdict, 'bad', 'malformed', answer.detail ?? 'The server could not decode it.')
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    decode()
  })
  let timer: ReturnType<typeof setTimeout> | undefined
  input.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(decode, 300)
  })
  current.addEventListener('click', () => {
    const token = currentToken()
    if (token !== undefined) show(token)
  })

  function show(token: string): void {
    input.value = token
    decode()
    input.scrollIntoView({ block: 'nearest' })
  }

  return {
    show,
    tick(): void {
      current.disabled = currentToken() === undefined
      tickCountdowns(output)
    },
  }
}

function setVerdict(element: HTMLElement, tone: 'ok' | 'bad' | 'warn', state: string, text: string): void {
  element.className = `verdict ${tone}`
  element.dataset.signature = state
  element.textContent = text
}

/** The decoded token as a description list and a privileges table. */
function render(parsed: ParsedToken): HTMLElement {
  const result = h('div', { class: 'result', 'data-version': parsed.version })
  if (parsed.version === '007') {
    result.append(
      h(
        'dl',
        {},
        ...row('Version', '007 (AccessToken2)'),
        ...row('App ID', h('code', { 'data-field': 'appId' }, parsed.appId)),
        ...row('Issued', formatUnix(parsed.issuedAt)),
        ...expiryRows(parsed),
        ...row('Salt', String(parsed.salt)),
      ),
      h('h3', {}, `Services (${parsed.services.length})`),
    )
    // Explicit roles: on a phone the stylesheet lays the table out as blocks, which would otherwise
    // take its table semantics away in some browsers.
    const table = h(
      'table',
      { role: 'table' },
      h(
        'caption',
        { class: 'help' },
        "Privileges end at the earlier of their own time and the token's. Countdowns are in real time (Agora's clock), not the sandbox's.",
      ),
    )
    const header = (text: string): HTMLElement => h('th', { scope: 'col', role: 'columnheader' }, text)
    table.append(
      h(
        'thead',
        { role: 'rowgroup' },
        h('tr', { role: 'row' }, header('Service'), header('For'), header('Privileges')),
      ),
    )
    const body = h('tbody', { role: 'rowgroup' })
    for (const service of parsed.services) {
      const privileges = h('ul', {})
      for (const privilege of service.privileges) {
        privileges.append(
          h(
            'li',
            { 'data-privilege': privilege.name },
            `${privilege.name}: `,
            countdown(privilege.expiresAt),
            privilege.expire === 0 ? ' (as long as the token)' : '',
          ),
        )
      }
      if (service.privileges.length === 0) privileges.append(h('li', {}, 'none'))
      body.append(
        h(
          'tr',
          { 'data-service': service.type, role: 'row' },
          h('th', { scope: 'row', role: 'rowheader' }, service.type.toUpperCase()),
          h('td', { 'data-label': 'For', role: 'cell' }, describeService(service)),
          h('td', { 'data-label': 'Privileges', role: 'cell' }, privileges),
        ),
      )
    }
    table.append(body)
    result.append(table)
    if (parsed.unknownServiceType !== undefined)
      result.append(
        h(
          'p',
          { class: 'help' },
          `It also holds service type ${parsed.unknownServiceType}, which this parser does not know; the rest of that token is not shown.`,
        ),
      )
    return result
  }
  result.append(
    h(
      'dl',
      {},
      ...row('Version', '006 (AccessToken)'),
      ...row('App ID', h('code', { 'data-field': 'appId' }, parsed.appId)),
      ...expiryRows(parsed),
      ...row(
        'Channel and uid',
        `only their CRC-32s: ${parsed.crcChannelName.toString(16).padStart(8, '0')} and ${parsed.crcUid.toString(16).padStart(8, '0')}${parsed.crcUid === 0 ? ' (any uid)' : ''}`,
      ),
      ...row('Salt', String(parsed.salt)),
    ),
    h('h3', {}, 'Privileges'),
  )
  const list = h('ul', {})
  for (const privilege of parsed.privileges) {
    list.append(
      h(
        'li',
        { 'data-privilege': privilege.name },
        `${privilege.name}: `,
        privilege.expiresAt === 0 ? 'no limit of its own (as long as the token)' : countdown(privilege.expiresAt),
      ),
    )
  }
  result.append(list)
  return result
}

function describeService(service: Extract<ParsedToken, { version: '007' }>['services'][number]): string {
  if ('channelName' in service)
    return `channel ${service.channelName === '' ? '(any)' : `"${service.channelName}"`}, ${service.account === '' ? 'any uid' : service.uid !== undefined ? `uid ${service.uid}` : `account "${service.account}"`}`
  if ('userId' in service) return `user "${service.userId}"`
  if ('roomUuid' in service) return `room "${service.roomUuid}", user "${service.userUuid}", role ${service.role}`
  return '–'
}
