/**
 * Keeps an Agora RTM 2.x client's token fresh: renew on tokenPrivilegeWillExpire, log in again when
 * the token expired, within the same lifecycle rules as the RTC session.
 * @module
 */
import type { RTMClient } from 'agora-rtm-sdk'
import { checkToken, type TokenFacts } from './check-token.js'
import type { TokenRequest } from './endpoints.js'
import { Emitter, type Listener } from './emitter.js'
import { aborted, invalidOption, TokenClientError } from './errors.js'
import { isFinal, joinTimeoutError, joinTimeoutOf, raceCall, sdkCode, type SessionState } from './lifecycle.js'
import { toFetcher } from './rtc-session.js'
import {
  DEFAULT_MIN_VALIDITY_SECONDS,
  expectationOf,
  sourceNow,
  type RetryInfo,
  type TokenFetcher,
  type TokenSource,
} from './token-source.js'

/** The part of the RTM 2.x client the helper uses; `RTMClient` from `agora-rtm-sdk` is one. */
export type RtmClientLike = Pick<
  RTMClient,
  'login' | 'logout' | 'renewToken' | 'addEventListener' | 'removeEventListener'
>

/** Why the session is fetching a token. */
export type RtmPhase = 'login' | 'renew' | 'relogin'

/**
 * Why a session stopped: the app logged out (`session.logout()` or `rtm.logout()`, also while the
 * login was connecting), its `signal` aborted, it was disposed, the link failed for good (`sdkReason`
 * holds the SDK's `reasonCode`, e.g. `SAME_UID_LOGIN`), or a login or relogin failed.
 */
export type RtmStopReason = 'logged-out' | 'aborted' | 'disposed' | 'disconnected' | 'failed'

/**
 * What the session reports. `channelName` is set for a stream channel's token (RTM 2.x stream
 * channels join with an RTC token for that channel and the RTM user id as account).
 */
export type RtmTokenEvent =
  | { type: 'state'; state: SessionState; previous: SessionState }
  | { type: 'fetching'; phase: RtmPhase; channelName?: string }
  | { type: 'retry'; phase: RtmPhase; retry: number; delayMs: number; error: TokenClientError }
  | { type: 'fetched'; phase: RtmPhase; version: '006' | '007'; expiresAt: number; channelName?: string }
  | { type: 'logged-in' }
  | { type: 'login-timeout'; phase: 'login' | 'relogin'; timeoutMs: number }
  | { type: 'will-expire'; renewing: boolean; channelName?: string }
  | { type: 'renewed'; expiresAt: number; channelName?: string }
  | { type: 'did-expire'; relogging: boolean }
  | { type: 'relogged-in' }
  | { type: 'error'; phase: RtmPhase; error: unknown; channelName?: string }
  | { type: 'stopped'; reason: RtmStopReason; sdkReason?: string }

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
  /** Log in again with a fresh token when the token expired (`linkState` TOKEN_EXPIRED, or the `token` event); default true. */
  autoRelogin?: boolean
  /** Refuse tokens with less life than this, seconds; default 30. */
  minValiditySeconds?: number
  /** How long `login()` may take to connect, ms; default 30000. Past it: `login-timeout`, `logout()`, `ERR_JOIN_TIMEOUT`. */
  loginTimeoutMs?: number
  /** Aborting it is `session.logout()`. */
  signal?: AbortSignal
  /** Called with every {@link RtmTokenEvent}. */
  onEvent?: (event: RtmTokenEvent) => void
}

/** What {@link keepRtmTokenFresh} returns. */
export interface RtmTokenSession {
  /** Fetches a token and logs in; called again while logging in, it shares that login. */
  login(): Promise<void>
  /** Logs out for good: cancels whatever is in flight, removes listeners and timers, then calls `logout()` if the helper had started to log in. */
  logout(): Promise<void>
  autoRenew: boolean
  autoRelogin: boolean
  /** Where the session is in its lifecycle (`joining` = logging in, `rejoining` = logging in again). */
  readonly state: SessionState
  /** When the RTM token stops working, Unix s; undefined before login. */
  readonly expiresAt: number | undefined
  /** True once the session reached `left` or `failed`. */
  readonly stopped: boolean
  on<T extends RtmTokenEvent['type'] | '*'>(type: T, listener: Listener<RtmTokenEvent, T>): () => void
  off<T extends RtmTokenEvent['type'] | '*'>(type: T, listener: Listener<RtmTokenEvent, T>): void
  /** Stops like `logout()` but does not log out (state `left`, reason `disposed`). */
  dispose(): void
}

/** The RTM SDK's code for a login cancelled by `logout()` (its `RTM_ERROR_LOGIN_CANCELED`). */
const RTM_ERROR_LOGIN_CANCELED = -10023

interface LinkStateEvent {
  currentState: string
  reasonCode: string
}

interface TokenEvent {
  eventType: string
}

/**
 * Keeps an RTM 2.x client's token fresh: on `tokenPrivilegeWillExpire` it fetches a fresh RTM token
 * (or, when the event names a stream channel, an RTC token for that channel and the user id) and
 * calls `renewToken`. When the token expired (`linkState` with `TOKEN_EXPIRED`, or the `token` event
 * with `WILL_EXPIRE` once the link is down, which the SDK raises for a client kicked out at expiry)
 * it fetches one and logs in again; a `token` event while connected renews. Tokens for another user
 * or with too little life are refused. The lifecycle rules are the RTC session's: after a logout or
 * an abort nothing is fetched, renewed or logged in; a logout while connecting stops quietly; a
 * `FAILED` link (other than token expiry) stops the session; a login that does not connect within
 * `loginTimeoutMs` emits `login-timeout` and rejects.
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
  if (typeof options.userId !== 'string' || options.userId === '')
    throw invalidOption('userId', 'must be the RTM user id')
  const { signal } = options
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidOption('signal', 'must be an AbortSignal')
  const fetchToken = toFetcher(options.tokenSource)
  const loginTimeoutMs = joinTimeoutOf(options.loginTimeoutMs, 'loginTimeoutMs')
  const minValidity = options.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS
  const now = (): number => sourceNow(options.tokenSource)
  const events = new Emitter<RtmTokenEvent>()
  if (options.onEvent !== undefined) events.on('*', options.onEvent)

  let state: SessionState = 'idle'
  let facts: TokenFacts | undefined
  let linkState: string | undefined
  // Above zero while the helper itself logs out (after a login timeout): not the app's logout.
  let helperLoggingOut = 0
  const operations = new Map<string, { phase: RtmPhase; controller: AbortController; promise: Promise<void> }>()

  function setState(next: SessionState): void {
    if (state === next) return
    const previous = state
    state = next
    events.emit({ type: 'state', state: next, previous })
  }

  function requestFor(channelName: string | undefined): TokenRequest {
    return channelName === undefined
      ? { service: 'rtm', userId: options.userId }
      : { service: 'rtc', channelName, account: options.userId }
  }

  async function fetchChecked(
    phase: RtmPhase,
    channelName: string | undefined,
    signal: AbortSignal,
  ): Promise<{ token: string; facts: TokenFacts }> {
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
    const checked = checkToken(token, expectationOf(request, options.appId), {
      now: now() / 1000,
      minValiditySeconds: minValidity,
    })
    events.emit({ type: 'fetched', phase, version: checked.version, expiresAt: checked.expiresAt, ...scope })
    return { token, facts: checked }
  }

  /** One operation per key (the RTM login, or one stream channel); the same key shares it. */
  function run(
    key: string,
    phase: RtmPhase,
    channelName: string | undefined,
    body: (signal: AbortSignal) => Promise<void>,
  ): Promise<void> {
    if (isFinal(state))
      return Promise.reject(new TokenClientError('ERR_ABORTED', `the token session has stopped (${state})`))
    const running = operations.get(key)
    if (running !== undefined) return running.promise
    const controller = new AbortController()
    const promise = body(controller.signal).catch((error: unknown) => {
      if (controller.signal.aborted) throw error
      events.emit({ type: 'error', phase, error, ...(channelName === undefined ? {} : { channelName }) })
      if (phase !== 'renew') stop('failed')
      else if (key === 'rtm' && state === 'renewing') setState('joined')
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
    if (phase === 'login' && running === undefined && state === 'joined') return Promise.resolve()
    if (phase === 'relogin' && running !== undefined && running.phase !== 'relogin') {
      // A renewal of the expired login is moot now.
      running.controller.abort(new TokenClientError('ERR_ABORTED', 'the token expired'))
      operations.delete('rtm')
    }
    return run('rtm', phase, undefined, async (signal) => {
      setState(phase === 'login' ? 'fetching' : 'rejoining')
      const fresh = await fetchChecked(phase, undefined, signal)
      if (phase === 'login') setState('joining')
      try {
        await raceCall(client.login({ token: fresh.token }), loginTimeoutMs, signal, () =>
          joinTimeoutError(loginTimeoutMs, 'loginTimeoutMs'),
        )
      } catch (error) {
        if (signal.aborted) throw aborted(signal)
        if (error instanceof TokenClientError && error.code === 'ERR_JOIN_TIMEOUT') {
          events.emit({ type: 'login-timeout', phase, timeoutMs: loginTimeoutMs })
          // Stop the SDK's own retries, or it may connect later with nobody keeping its token fresh.
          helperLoggingOut++
          await client.logout().catch(() => {})
          helperLoggingOut--
        } else if (sdkCode(error) === RTM_ERROR_LOGIN_CANCELED) {
          // The app logged out while the login was connecting: its own cancel, not a failure. (The
          // SDK rejects the login before it reports the link IDLE.)
          stop('logged-out')
          throw aborted(signal)
        }
        throw error
      }
      if (signal.aborted) throw aborted(signal)
      facts = fresh.facts
      setState('joined')
      events.emit({ type: phase === 'login' ? 'logged-in' : 'relogged-in' })
    })
  }

  function renew(channelName: string | undefined): Promise<void> {
    return run(channelName === undefined ? 'rtm' : `stream:${channelName}`, 'renew', channelName, async (signal) => {
      if (channelName === undefined) setState('renewing')
      const fresh = await fetchChecked('renew', channelName, signal)
      await (channelName === undefined
        ? client.renewToken(fresh.token)
        : client.renewToken(fresh.token, { channelName }))
      if (signal.aborted) throw aborted(signal)
      if (channelName === undefined) {
        facts = fresh.facts
        setState('joined')
      }
      events.emit({
        type: 'renewed',
        expiresAt: fresh.facts.expiresAt,
        ...(channelName === undefined ? {} : { channelName }),
      })
    })
  }

  const loggedIn = (): boolean => state === 'joined' || state === 'renewing'

  const onWillExpire = (channelName: string): void => {
    if (!loggedIn()) return
    // The SDK passes "" (or nothing) for the login token, a name for a stream channel's token.
    const channel = typeof channelName === 'string' && channelName !== '' ? channelName : undefined
    events.emit({
      type: 'will-expire',
      renewing: session.autoRenew,
      ...(channel === undefined ? {} : { channelName: channel }),
    })
    if (session.autoRenew) renew(channel).catch(() => {})
  }

  function onExpired(): void {
    if (!loggedIn()) return
    facts = undefined
    events.emit({ type: 'did-expire', relogging: session.autoRelogin })
    if (session.autoRelogin) loginWith('relogin').catch(() => {})
    else stop('disconnected', 'TOKEN_EXPIRED')
  }

  const onLinkState = (event: LinkStateEvent): void => {
    if (isFinal(state) || helperLoggingOut > 0) return
    linkState = event.currentState
    // Only a logout leads back to IDLE: the app's, also while the login was connecting.
    if (event.currentState === 'IDLE') return stop('logged-out')
    if (
      event.reasonCode === 'TOKEN_EXPIRED' &&
      (event.currentState === 'FAILED' || event.currentState === 'DISCONNECTED')
    )
      return onExpired()
    if (event.currentState === 'CONNECTED' && state === 'idle') return setState('joined') // logged in by the app itself
    // FAILED is final for the SDK; DISCONNECTED and SUSPENDED are its own reconnects. A failing login
    // is judged by its rejection instead.
    if (event.currentState === 'FAILED' && loggedIn()) stop('disconnected', event.reasonCode)
  }

  const onTokenEvent = (event: TokenEvent): void => {
    if (event?.eventType !== 'WILL_EXPIRE') return
    // The SDK raises it for a client kicked out at token expiry (its docs: log in again with a new
    // token); while the link is still up, a renewal is enough.
    if (linkState === undefined || linkState === 'CONNECTED') onWillExpire('')
    else onExpired()
  }

  const onAbort = (): void => {
    void logoutWith('aborted').catch(() => {})
  }

  function stop(reason: RtmStopReason, sdkReason?: string): void {
    if (isFinal(state)) return
    for (const op of operations.values())
      op.controller.abort(new TokenClientError('ERR_ABORTED', `the token session stopped (${reason})`))
    operations.clear()
    client.removeEventListener('tokenPrivilegeWillExpire', onWillExpire)
    client.removeEventListener('linkState', onLinkState)
    client.removeEventListener('token', onTokenEvent)
    signal?.removeEventListener('abort', onAbort)
    setState(reason === 'disconnected' || reason === 'failed' ? 'failed' : 'left')
    events.emit(sdkReason === undefined ? { type: 'stopped', reason } : { type: 'stopped', reason, sdkReason })
    events.clear()
  }

  async function logoutWith(reason: 'logged-out' | 'aborted'): Promise<void> {
    if (isFinal(state)) return
    const touched = state !== 'idle' && state !== 'fetching'
    stop(reason)
    if (touched) await client.logout()
  }

  client.addEventListener('tokenPrivilegeWillExpire', onWillExpire)
  client.addEventListener('linkState', onLinkState)
  client.addEventListener('token', onTokenEvent)

  const session: RtmTokenSession = {
    login: () => loginWith('login'),
    logout: () => logoutWith('logged-out'),
    autoRenew: options.autoRenew ?? true,
    autoRelogin: options.autoRelogin ?? true,
    get state() {
      return state
    },
    get expiresAt() {
      return facts?.expiresAt
    },
    get stopped() {
      return isFinal(state)
    },
    on: (type, listener) => events.on(type, listener),
    off: (type, listener) => events.off(type, listener),
    dispose: () => stop('disposed'),
  }
  if (signal?.aborted) stop('aborted')
  else signal?.addEventListener('abort', onAbort, { once: true })
  return session
}
