/**
 * The lifecycle races of issue 13, run in Chromium on the real SDK client objects (agora-rtc-sdk-ng
 * and agora-rtm-sdk, bundled, offline: every request off the machine fails). The helper comes from
 * its own script (`/helper.js`) so that `timers.ts` can count its pending timers; SDK events the
 * network cannot produce here are raised with the client's own `emit`. Each race returns plain facts
 * for the Node test to check.
 * @module
 */
import type { IAgoraRTC, IAgoraRTCClient } from 'agora-rtc-sdk-ng'
import type { IAgoraRTMCompat } from './sdk.js'
import type * as Agate from '../../../src/client/index.js'

declare global {
  interface Window {
    AgoraRTC: IAgoraRTC
    AgoraRTM: IAgoraRTMCompat
    AgateClient: typeof Agate
    helperTimers(): number
  }
}

export interface Tokens {
  appId: string
  rtc: string
  /** An RTM token for `userId` (each race has its own: the SDK allows one instance per user id). */
  rtm: string
  userId: string
}

const RTC_EVENTS = ['connection-state-change', 'token-privilege-will-expire', 'token-privilege-did-expire']

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A token fetcher that answers `token` after `delayMs`, or rejects when its signal aborts. */
function slowFetcher(token: string, delayMs: number): Agate.TokenFetcher {
  return (_request, options) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(token), delayMs)
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer)
        reject(options.signal!.reason)
      })
    })
}

/** Listeners on the RTC client, through the SDK's public `getListeners`. */
function rtcListeners(client: IAgoraRTCClient): number {
  return RTC_EVENTS.reduce((sum, event) => sum + client.getListeners(event).length, 0)
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await sleep(20)
  }
}

const codeOf = (error: unknown): string => String((error as { code?: unknown })?.code ?? error)

function rtcClient(): { client: IAgoraRTCClient; seen: string[] } {
  const client = window.AgoraRTC.createClient({ mode: 'rtc', codec: 'vp8' })
  const seen: string[] = []
  client.on('connection-state-change', (current: string, _previous: string, reason?: string) =>
    seen.push(reason === undefined ? current : `${current}:${reason}`),
  )
  return { client, seen }
}

function rtcSession(
  client: IAgoraRTCClient,
  tokens: Tokens,
  extra: Partial<Agate.RtcTokenSessionOptions> & { delayMs?: number } = {},
) {
  const events: string[] = []
  const stops: unknown[] = []
  const { delayMs = 0, ...options } = extra
  const session = window.AgateClient.keepRtcTokenFresh(client, {
    appId: tokens.appId,
    channel: 'ChannelA',
    uid: 42,
    tokenSource: slowFetcher(tokens.rtc, delayMs),
    onEvent: (event) => {
      events.push(event.type === 'state' ? `state:${event.state}` : event.type)
      if (event.type === 'stopped') stops.push(event)
    },
    ...options,
  })
  return { session, events, stops }
}

/** The app leaves (session.leave() or its signal) 100 ms into a 300 ms token fetch. */
export async function leaveDuringFetch(tokens: Tokens, how: 'leave' | 'abort') {
  const { client, seen } = rtcClient()
  const baseline = rtcListeners(client)
  const controller = new AbortController()
  const { session, events, stops } = rtcSession(client, tokens, { delayMs: 300, signal: controller.signal })
  const during = rtcListeners(client)
  const join = session.join().then(() => 'joined', codeOf)
  await sleep(100)
  if (how === 'leave') await session.leave()
  else controller.abort()
  const joinResult = await join
  await sleep(600)
  return {
    joinResult,
    seen,
    state: session.state,
    connectionState: client.connectionState,
    baseline,
    during,
    after: rtcListeners(client),
    timers: window.helperTimers(),
    events,
    stops,
  }
}

/** The real join stays CONNECTING offline; the app leaves then, with client.leave() or session.leave(). */
export async function leaveWhileConnecting(tokens: Tokens, how: 'client' | 'session') {
  const { client, seen } = rtcClient()
  const baseline = rtcListeners(client)
  const { session, events, stops } = rtcSession(client, tokens)
  const join = session.join().then(() => 'joined', codeOf)
  await until(() => client.connectionState === 'CONNECTING')
  const stateWhileConnecting = session.state
  if (how === 'client') await client.leave()
  else await session.leave()
  const joinResult = await join
  await sleep(300)
  return {
    joinResult,
    seen,
    stateWhileConnecting,
    state: session.state,
    connectionState: client.connectionState,
    baseline,
    after: rtcListeners(client),
    timers: window.helperTimers(),
    events,
    stops,
  }
}

/** Offline, the SDK retries its gateways for minutes: the helper gives up after joinTimeoutMs. */
export async function joinTimeout(tokens: Tokens) {
  const { client, seen } = rtcClient()
  const baseline = rtcListeners(client)
  const { session, events, stops } = rtcSession(client, tokens, { joinTimeoutMs: 1500 })
  const started = Date.now()
  const joinResult = await session.join().then(() => 'joined', codeOf)
  const tookMs = Date.now() - started
  await sleep(300)
  return {
    joinResult,
    tookMs,
    seen,
    state: session.state,
    connectionState: client.connectionState,
    baseline,
    after: rtcListeners(client),
    timers: window.helperTimers(),
    events,
    stops,
  }
}

/**
 * Joined, then the SDK reports a reconnect and then `DISCONNECTED` with `reason`. Joining needs
 * Agora's servers, so this client's join (and renewToken) is replaced on the instance: it raises
 * CONNECTING and CONNECTED through the client's own emitter and resolves, as the SDK does online.
 */
export async function disconnectAfterJoin(tokens: Tokens, reason: string) {
  const { client, seen } = rtcClient()
  const emit = (...args: unknown[]): void => (client as unknown as { emit(...args: unknown[]): void }).emit(...args)
  const renewals: string[] = []
  Object.assign(client, {
    join: async (_appId: string, _channel: string, _token: string, uid: number) => {
      emit('connection-state-change', 'CONNECTING', 'DISCONNECTED')
      emit('connection-state-change', 'CONNECTED', 'CONNECTING')
      return uid
    },
    renewToken: async (token: string) => void renewals.push(token),
  })
  const baseline = rtcListeners(client)
  const { session, events, stops } = rtcSession(client, tokens)
  await session.join()
  const timersJoined = window.helperTimers()
  emit('connection-state-change', 'RECONNECTING', 'CONNECTED')
  emit('connection-state-change', 'CONNECTED', 'RECONNECTING')
  const stateAfterReconnect = session.state
  const timersAfterReconnect = window.helperTimers()
  emit('connection-state-change', 'DISCONNECTED', 'CONNECTED', reason)
  emit('token-privilege-will-expire')
  await sleep(300)
  return {
    seen,
    timersJoined,
    stateAfterReconnect,
    timersAfterReconnect,
    state: session.state,
    baseline,
    after: rtcListeners(client),
    timers: window.helperTimers(),
    renewals: renewals.length,
    events,
    stops,
  }
}

/** The RTM client, with its event listener calls counted (its public emitter is not the one they go to). */
function rtmClient(tokens: Tokens) {
  const rtm = new window.AgoraRTM.RTM(tokens.appId, tokens.userId)
  let listeners = 0
  let logins = 0
  const add = rtm.addEventListener.bind(rtm)
  const remove = rtm.removeEventListener.bind(rtm)
  const login = rtm.login.bind(rtm)
  Object.assign(rtm, {
    addEventListener: (event: string, listener: never) => {
      listeners++
      add(event as never, listener)
    },
    removeEventListener: (event: string, listener: never) => {
      listeners--
      remove(event as never, listener)
    },
    login: (options?: never) => {
      logins++
      return login(options)
    },
  })
  const links: string[] = []
  rtm.addEventListener('linkState', (event: { currentState: string; reasonCode: string }) =>
    links.push(`${event.currentState}:${event.reasonCode}`),
  )
  return { rtm, links, listeners: () => listeners, logins: () => logins }
}

function rtmSession(
  rtm: Agate.RtmClientLike,
  tokens: Tokens,
  extra: Partial<Agate.RtmTokenSessionOptions> & { delayMs?: number } = {},
) {
  const events: string[] = []
  const stops: unknown[] = []
  const { delayMs = 0, ...options } = extra
  const session = window.AgateClient.keepRtmTokenFresh(rtm, {
    userId: tokens.userId,
    appId: tokens.appId,
    tokenSource: slowFetcher(tokens.rtm, delayMs),
    onEvent: (event) => {
      events.push(event.type === 'state' ? `state:${event.state}` : event.type)
      if (event.type === 'stopped') stops.push(event)
    },
    ...options,
  })
  return { session, events, stops }
}

/** RTM: the app logs out while the login connects (rtm.logout()), or 100 ms into the fetch (session.logout()). */
export async function rtmLogout(tokens: Tokens, when: 'connecting' | 'fetching') {
  const { rtm, links, listeners, logins } = rtmClient(tokens)
  const baseline = listeners()
  const { session, events, stops } = rtmSession(rtm, tokens, { delayMs: when === 'fetching' ? 300 : 0 })
  const during = listeners()
  const login = session.login().then(() => 'logged-in', codeOf)
  if (when === 'connecting') {
    await until(() => links.includes('CONNECTING:LOGIN'))
    await rtm.logout()
  } else {
    await sleep(100)
    await session.logout()
  }
  const loginResult = await login
  await sleep(600)
  return {
    loginResult,
    links,
    logins: logins(),
    state: session.state,
    baseline,
    during,
    after: listeners(),
    timers: window.helperTimers(),
    events,
    stops,
  }
}

/** RTM offline: the login never connects; the helper gives up after loginTimeoutMs and logs out. */
export async function rtmLoginTimeout(tokens: Tokens) {
  const { rtm, links, listeners } = rtmClient(tokens)
  const baseline = listeners()
  const { session, events, stops } = rtmSession(rtm, tokens, { loginTimeoutMs: 1500 })
  const loginResult = await session.login().then(() => 'logged-in', codeOf)
  await sleep(300)
  return {
    loginResult,
    links,
    state: session.state,
    baseline,
    after: listeners(),
    timers: window.helperTimers(),
    events,
    stops,
  }
}

Object.assign(window, {
  races: { leaveDuringFetch, leaveWhileConnecting, joinTimeout, disconnectAfterJoin, rtmLogout, rtmLoginTimeout },
})
