/**
 * A small React app as the docs' flow goes with agora-rtc-react: `useJoin` gets its token from
 * `useFreshJoinOptions`, `useTokenRenewal` keeps it fresh, all under StrictMode, against the sandbox
 * (whose client has the SDK client's surface). It counts what the client is asked to do.
 * @module
 */
import type * as AgoraRTCReactType from 'agora-rtc-react'
import type * as ReactType from 'react'
import type * as ReactDOMClientType from 'react-dom/client'
import type * as AgateType from './agate.js'

declare global {
  interface Window {
    React: typeof ReactType
    ReactDOMClient: typeof ReactDOMClientType
    AgoraRTCReact: typeof AgoraRTCReactType
    Agate: typeof AgateType
    helperTimers(): number
  }
}

const { React, ReactDOMClient, AgoraRTCReact, Agate } = window
const h = React.createElement
const params = new URLSearchParams(location.search)
const appId = params.get('appId') ?? ''

const counts = {
  joins: 0,
  leaves: 0,
  fetches: 0,
  secondSourceFetches: 0,
  failedFetches: 0,
  renewals: 0,
  rejoins: 0,
  errors: [] as string[],
  listeners: {} as Record<string, number>,
  events: [] as string[],
}
const client = Agate.createSandboxClient({ baseUrl: '/sandbox', timeScale: 8 })
const join = client.join.bind(client)
const leave = client.leave.bind(client)
const on = client.on.bind(client)
const off = client.off.bind(client)
Object.assign(client, {
  join: (...args: Parameters<typeof client.join>) => {
    counts.joins++
    return join(...args)
  },
  leave: () => {
    counts.leaves++
    return leave()
  },
  on: (event: string, listener: never) => {
    counts.listeners[event] = (counts.listeners[event] ?? 0) + 1
    on(event, listener)
  },
  off: (event: string, listener: never) => {
    counts.listeners[event] = (counts.listeners[event] ?? 0) - 1
    off(event, listener)
  },
})

let fetchDelayMs = 0
const source = Agate.createTokenSource({ url: '/v1/tokens', kind: 'v1', expire: 40 })
/** A token source that counts its fetches under `name` (the app can switch to a second one). */
function countingSource(name: 'fetches' | 'secondSourceFetches'): AgateType.TokenSource {
  return {
    getToken: async (request, options) => {
      counts[name]++
      await new Promise((resolve) => setTimeout(resolve, fetchDelayMs))
      return source.getToken(request, options)
    },
    serverTime: () => source.serverTime!(),
  }
}
/** A token source whose server is down: every fetch fails, as a fetch to an unreachable server does. */
const failingSource: AgateType.TokenSource = {
  getToken: async () => {
    counts.failedFetches++
    throw new Agate.TokenClientError('ERR_TOKEN_FETCH_NETWORK', 'the token server is down')
  },
}
const sources = [countingSource('fetches'), countingSource('secondSourceFetches'), failingSource]
/** The app's controls, set by the mounted component: whether it wants to be in the call, and which source. */
let setInCall: (inCall: boolean) => void = () => undefined
let setSourceIndex: (index: number) => void = () => undefined

function Call(): ReactType.ReactElement {
  const [inCall, changeInCall] = React.useState(true)
  const [sourceIndex, changeSourceIndex] = React.useState(0)
  setInCall = changeInCall
  setSourceIndex = changeSourceIndex
  const options = {
    appId,
    channel: 'ChannelA',
    uid: 4242,
    tokenSource: sources[sourceIndex]!,
    onEvent: (event: AgateType.RtcTokenEvent) => {
      counts.events.push(event.type === 'state' ? `state:${event.state}` : event.type)
      if (event.type === 'renewed') counts.renewals++
      if (event.type === 'rejoined') counts.rejoins++
      if (event.type === 'error') counts.errors.push(String((event.error as { code?: string }).code ?? event.error))
    },
  }
  const join = Agate.useFreshJoinOptions(options, inCall)
  const joined = AgoraRTCReact.useJoin(join.fetchArgs, join.ready)
  const renewal = Agate.useTokenRenewal(AgoraRTCReact.useRTCClient(), { ...options, ready: inCall })
  return h(
    'p',
    {
      id: 'status',
      'data-connected': String(joined.isConnected),
      'data-state': renewal.state,
      'data-error':
        renewal.error === undefined ? '' : String((renewal.error as { code?: string }).code ?? renewal.error),
    },
    `${renewal.state}, ${joined.isConnected ? 'connected' : 'not connected'}`,
  )
}

let root: ReactDOMClientType.Root | undefined

Object.assign(window, {
  app: {
    mount(delayMs = 0): void {
      fetchDelayMs = delayMs
      root = ReactDOMClient.createRoot(document.getElementById('root')!)
      root.render(h(React.StrictMode, null, h(AgoraRTCReact.AgoraRTCProvider, { client: client as never }, h(Call))))
    },
    setInCall(inCall: boolean): void {
      setInCall(inCall)
    },
    useSecondSource(): void {
      setSourceIndex(1)
    },
    useFailingSource(): void {
      setSourceIndex(2)
    },
    useFirstSource(): void {
      setSourceIndex(0)
    },
    unmount(): void {
      root?.unmount()
      root = undefined
    },
    stats() {
      const status = document.getElementById('status')
      return {
        ...counts,
        connectionState: client.connectionState,
        helperTimers: window.helperTimers(),
        state: status?.dataset.state,
        connected: status?.dataset.connected,
        error: status?.dataset.error,
      }
    },
  },
})
