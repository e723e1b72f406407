/**
 * The demo's React page: agora-rtc-react's `useJoin` fed by `useFreshJoinOptions`, the token kept
 * fresh by `useTokenRenewal`, under StrictMode, on the sandbox client (the Web SDK client's surface).
 * Written with `createElement` so that it builds without a JSX setup.
 * @module
 */
import { AgoraRTCProvider, useJoin, useRTCClient, type IAgoraRTCClient } from 'agora-rtc-react'
import { createElement as h, StrictMode, useState, type ReactElement } from 'react'
import { createRoot } from 'react-dom/client'
import { createTokenSource, useFreshJoinOptions, useTokenRenewal, type RtcTokenEvent } from '../../src/react/index.js'
import type { DemoConfig } from '../../src/demo/config.js'
import { createSandboxClient } from '../../src/sandbox/client.js'
import { describeError, formatDuration } from './format.js'

interface LogEntry {
  id: number
  text: string
}

function Call({ config }: { config: DemoConfig }): ReactElement {
  const [inCall, setInCall] = useState(false)
  const [uid] = useState(() => 1000 + Math.floor(Math.random() * 9000))
  const [log, setLog] = useState<LogEntry[]>([])
  const [tokenSource] = useState(() =>
    createTokenSource({ url: config.endpoints.v1, kind: 'v1', expire: config.tokenLifetimeSeconds }),
  )
  const options = {
    appId: config.sandbox.appId,
    channel: config.channel,
    uid,
    tokenSource,
    onEvent: (event: RtcTokenEvent) => {
      if (event.type === 'fetching' || event.type === 'state') return
      const text = event.type === 'error' ? `error (${event.phase}): ${describeError(event.error)}` : event.type
      setLog((entries) => [{ id: (entries[0]?.id ?? 0) + 1, text }, ...entries].slice(0, 30))
    },
  }
  const join = useFreshJoinOptions(options, inCall)
  const joined = useJoin(join.fetchArgs, join.ready)
  const renewal = useTokenRenewal(useRTCClient(), { ...options, ready: inCall })
  const left =
    renewal.expiresAt === undefined ? undefined : Math.round(renewal.expiresAt - tokenSource.serverTime!() / 1000)

  return h(
    'div',
    null,
    h(
      'p',
      null,
      h(
        'button',
        { type: 'button', id: 'react-join', onClick: () => setInCall((value) => !value) },
        inCall ? 'Leave' : 'Join',
      ),
    ),
    h(
      'dl',
      { className: 'facts' },
      h('dt', null, 'Connection'),
      h(
        'dd',
        { id: 'react-connected', 'data-connected': String(joined.isConnected) },
        joined.isConnected ? `connected as uid ${joined.data}` : joined.isLoading ? 'joining…' : 'not connected',
      ),
      h('dt', null, 'Renewal'),
      h('dd', { id: 'react-renewal', 'data-state': renewal.state }, renewal.state),
      h('dt', null, 'Token'),
      h('dd', null, left === undefined ? '–' : `ends in about ${formatDuration(Math.max(0, left))} (sandbox clock)`),
    ),
    joined.error === null ? null : h('p', { className: 'error' }, describeError(joined.error)),
    h(
      'ol',
      { id: 'react-log', 'aria-live': 'polite' },
      ...log.map((entry) => h('li', { key: entry.id, 'data-event': entry.text }, entry.text)),
    ),
  )
}

async function start(): Promise<void> {
  const mount = document.getElementById('react-root')!
  const config = (await (await fetch('/demo/config.json')).json()) as DemoConfig
  const client = createSandboxClient({ baseUrl: config.sandbox.base, timeScale: config.sandbox.timeScale })
  createRoot(mount).render(
    h(StrictMode, null, h(AgoraRTCProvider, { client: client as unknown as IAgoraRTCClient }, h(Call, { config }))),
  )
}

start().catch((error: unknown) => {
  document.getElementById('react-root')!.textContent = `The page could not start: ${describeError(error)}`
})
