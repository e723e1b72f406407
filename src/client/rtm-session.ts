/**
 * Keeps an Agora RTM 2.x client's token fresh: renew on tokenPrivilegeWillExpire, log in again when
 * the token expired.
 * @module
 */
import type { RTMClient } from 'agora-rtm-sdk'
import { checkToken, type TokenFacts } from './check-token.js'
import type { TokenRequest } from './endpoints.js'
import { Emitter, type Listener } from './emitter.js'
import { aborted, invalidOption, TokenClientError } from './errors.js'
import { toFetcher } from './rtc-session.js'
import { DEFAULT_MIN_VALIDITY_SECONDS, expectationOf, type RetryInfo, type TokenFetcher, type TokenSource } from './token-source.js'

/** The part of the RTM 2.x client the helper uses; `RTMClient` from `agora-rtm-sdk` is one. */
export type RtmClientLike = Pick<RTMClient, 'login' | 'renewToken' | 'addEventListener' | 'removeEventListener'>

/** Why the session is fetching a token. */
export type RtmPhase = 'login' | 'renew' | 'relogin'

/**
 * What the session reports. `channelName` is set for a stream channel's token (RTM 2.x stream
 * channels join with an RTC token for that channel and the RTM user id as account).
 */
export type RtmTokenEvent =
  | { type: 'fetching'; phase: RtmPhase; channelName?: string }
  | { type: 'retry'; phase: RtmPhase; retry: number; delayMs: number; error: TokenClientError }
  | { type: 'fetched'; phase: RtmPhase; version: '006' | '007'; expiresAt: number; channelName?: string }
  | { type: 'logged-in' }
  | { type: 'will-expire'; renewing: boolean; channelName?: string }
  | { type: 'renewed'; expiresAt: number; channelName?: string }
  | { type: 'did-expire'; relogging: boolean }
  | { type: 'relogged-in' }
  | { type: 'error'; phase: RtmPhase; error: unknown; channelName?: string }
  | { type: 'stopped'; reason: 'disposed' | 'logged-out' }

/** Options of {@link keepRtmTokenFresh}. */
export interface RtmTokenSessionOptions {
  /** The RTM user id the client was created with. */
  userId: string
  /** The App ID the client uses; fetched tokens must be for it. Optional. */
  appId?: string
  /** Where tokens come from. */
  tokenSource: TokenSource | TokenFetcher
  /** Renew on `tokenPrivilegeWillExpire`; default true. */
  autoRenew?: boolean
  /** Log in again with a fresh token when the link fails with TOKEN_EXPIRED; default true. */
  autoRelogin?: boolean
  /** Refuse tokens with less life than this, seconds; default 30. */
  minValiditySeconds?: number
  /** Called with every {@link RtmTokenEvent}. */
  onEvent?: (event: RtmTokenEvent) => void
}

/** What {@link keepRtmTokenFresh} returns. */
export interface RtmTokenSession {
  /** Fetches a token and logs in. */
  login(): Promise<void>
  autoRenew: boolean
  autoRelogin: boolean
  /** When the RTM token stops working, Unix s; undefined before login. */
  readonly expiresAt: number | undefined
  readonly stopped: boolean
  on<T extends RtmTokenEvent['type'] | '*'>(type: T, listener: Listener<RtmTokenEvent, T>): () => void
  off<T extends RtmTokenEvent['type'] | '*'>(type: T, listener: Listener<RtmTokenEvent, T>): void
  /** Stops listening and cancels fetches in flight. Does not log out. */
  dispose(): void
}

/**
 * Keeps an RTM 2.x client's token fresh: on `tokenPrivilegeWillExpire` it fetches a fresh RTM token
 * (or, when the event names a stream channel, an RTC token for that channel and the user id) and
 * calls `renewToken`; when the link fails with `TOKEN_EXPIRED` it fetches one and logs in again.
 * Tokens for another user or with too little life are refused. It stops when disposed or when the
 * app logs out.
 *
 * @example
 * ```ts
 * import AgoraRTM from 'agora-rtm-sdk'
 * const rtm = new AgoraRTM.RTM(appId, 'alice')
 * const session = keepRtmTokenFresh(rtm, { userId: 'alice', tokenSource: createTokenSource({ url: '/v1/tokens' }) })
 * await session.login()
 * ```
 * @throws {TokenClientError} `ERR_INVALID_ARGUMENT` for bad options.
 */
export function keepRtmTokenFresh(client: RtmClientLike, options: RtmTokenSessionOptions): RtmTokenSession {
  if (typeof client !== 'object' || client === null || typeof client.addEventListener !== 'function') {
    throw invalidOption('client', 'must be an Agora RTM 2.x client')
  }
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object')
  if (typeof options.userId !== 'string' || options.userId === '') throw invalidOption('userId', 'must be the RTM user id')
  const fetchToken = toFetcher(options.tokenSource)
  const minValidity = options.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS
  const now = (): number => (typeof options.tokenSource === 'object' ? options.tokenSource.serverTime?.() : undefined) ?? Date.now()
  const events = new Emitter<RtmTokenEvent>()
  if (options.onEvent !== undefined) events.on('*', options.onEvent)

  let stopped = false
  let facts: TokenFacts | undefined
  const operations = new Map<string, { phase: RtmPhase; controller: AbortController; promise: Promise<void> }>()

  function requestFor(channelName: string | undefined): TokenRequest {
    return channelName === undefined ? { service: 'rtm', userId: options.userId } : { service: 'rtc', channelName, account: options.userId }
  }

  async function fetchChecked(phase: RtmPhase, channelName: string | undefined, signal: AbortSignal): Promise<{ token: string; facts: TokenFacts }> {
    const scope = channelName === undefined ? {} : { channelName }
    events.emit({ type: 'fetching', phase, ...scope })
    const request = requestFor(channelName)
    const fetchOptions = {
      signal,
      onRetry: (info: RetryInfo) => events.emit({ type: 'retry', phase, ...info }),
      ...(options.appId === undefined ? {} : { appId: options.appId }),
    }
    const token = await fetchToken(request, fetchOptions)
    if (signal.aborted) throw aborted(signal)
    const checked = checkToken(token, expectationOf(request, options.appId), { now: now() / 1000, minValiditySeconds: minValidity })
    events.emit({ type: 'fetched', phase, version: checked.version, expiresAt: checked.expiresAt, ...scope })
    return { token, facts: checked }
  }

  /** One operation per key (the RTM login, or one stream channel); the same key shares it. */
  function run(key: string, phase: RtmPhase, channelName: string | undefined, body: (signal: AbortSignal) => Promise<void>): Promise<void> {
    if (stopped) return Promise.reject(new TokenClientError('ERR_ABORTED', 'the token session was disposed'))
    const running = operations.get(key)
    if (running !== undefined) return running.promise
    const controller = new AbortController()
    const promise = body(controller.signal).catch((error: unknown) => {
      if (!controller.signal.aborted) events.emit({ type: 'error', phase, error, ...(channelName === undefined ? {} : { channelName }) })
      throw error
    })
    const entry = { phase, controller, promise }
    operations.set(key, entry)
    const clear = (): void => {
      if (operations.get(key) === entry) operations.delete(key)
    }
    promise.then(clear, clear)
    return promise
  }

  function loginWith(phase: 'login' | 'relogin'): Promise<void> {
    const running = operations.get('rtm')
    if (phase === 'relogin' && running !== undefined && running.phase !== 'relogin') {
      // A renewal of the expired login is moot now.
      running.controller.abort(new TokenClientError('ERR_ABORTED', 'the token expired'))
      operations.delete('rtm')
    }
    return run('rtm', phase, undefined, async (signal) => {
      const fresh = await fetchChecked(phase, undefined, signal)
      await client.login({ token: fresh.token })
      if (signal.aborted) throw aborted(signal)
      facts = fresh.facts
      events.emit({ type: phase === 'login' ? 'logged-in' : 'relogged-in' })
    })
  }

  function renew(channelName: string | undefined): Promise<void> {
    return run(channelName === undefined ? 'rtm' : `stream:${channelName}`, 'renew', channelName, async (signal) => {
      const fresh = await fetchChecked('renew', channelName, signal)
      await (channelName === undefined ? client.renewToken(fresh.token) : client.renewToken(fresh.token, { channelName }))
      if (signal.aborted) throw aborted(signal)
      if (channelName === undefined) facts = fresh.facts
      events.emit({ type: 'renewed', expiresAt: fresh.facts.expiresAt, ...(channelName === undefined ? {} : { channelName }) })
    })
  }

  const onWillExpire = (channelName: string): void => {
    if (stopped) return
    // The SDK passes "" (or nothing) for the login token, a name for a stream channel's token.
    const channel = typeof channelName === 'string' && channelName !== '' ? channelName : undefined
    events.emit({ type: 'will-expire', renewing: session.autoRenew, ...(channel === undefined ? {} : { channelName: channel }) })
    if (session.autoRenew) renew(channel).catch(() => {})
  }

  const onLinkState = (event: { currentState: string; reasonCode: string }): void => {
    if (stopped) return
    if (event.reasonCode === 'TOKEN_EXPIRED' && (event.currentState === 'FAILED' || event.currentState === 'DISCONNECTED')) {
      facts = undefined
      events.emit({ type: 'did-expire', relogging: session.autoRelogin })
      if (session.autoRelogin) loginWith('relogin').catch(() => {})
    } else if (event.currentState === 'IDLE' && event.reasonCode === 'LOGOUT') {
      stop('logged-out')
    }
  }

  function stop(reason: 'disposed' | 'logged-out'): void {
    if (stopped) return
    stopped = true
    for (const op of operations.values()) op.controller.abort(new TokenClientError('ERR_ABORTED', `the token session was ${reason}`))
    operations.clear()
    client.removeEventListener('tokenPrivilegeWillExpire', onWillExpire)
    client.removeEventListener('linkState', onLinkState as never)
    events.emit({ type: 'stopped', reason })
    events.clear()
  }

  client.addEventListener('tokenPrivilegeWillExpire', onWillExpire)
  client.addEventListener('linkState', onLinkState as never)

  const session: RtmTokenSession = {
    login: () => loginWith('login'),
    autoRenew: options.autoRenew ?? true,
    autoRelogin: options.autoRelogin ?? true,
    get expiresAt() {
      return facts?.expiresAt
    },
    get stopped() {
      return stopped
    },
    on: (type, listener) => events.on(type, listener),
    off: (type, listener) => events.off(type, listener),
    dispose: () => stop('disposed'),
  }
  return session
}
