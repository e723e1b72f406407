/**
 * Keeps an Agora Web SDK 4.x client's token fresh: renew on will-expire, join again on did-expire,
 * within a session lifecycle that a leave, an abort or a terminal disconnect ends for good.
 * @module
 */
import type { IAgoraRTCClient, UID } from 'agora-rtc-sdk-ng'
import { checkToken, type TokenFacts } from './check-token.js'
import { Emitter, type Listener } from './emitter.js'
import { aborted, invalidOption, TokenClientError } from './errors.js'
import {
  isFinal,
  joinTimeoutError,
  joinTimeoutOf,
  MAX_TIMER_MS,
  raceCall,
  sdkCode,
  type SessionState,
} from './lifecycle.js'
import { rtcTokenRequest } from './rtc-request.js'
import {
  DEFAULT_MIN_VALIDITY_SECONDS,
  expectationOf,
  sourceNow,
  type RetryInfo,
  type TokenFetcher,
  type TokenSource,
} from './token-source.js'

/**
 * The part of the SDK's client the helper uses. `IAgoraRTCClient` from `agora-rtc-sdk-ng` is one;
 * so is Agate's sandbox client.
 */
export type RtcClientLike = Pick<IAgoraRTCClient, 'on' | 'off' | 'join' | 'leave' | 'renewToken' | 'connectionState'>

/** Why the session is fetching a token. */
export type RtcPhase = 'join' | 'renew' | 'rejoin'

/**
 * Why a session stopped: the app left (`session.leave()`, `client.leave()`, also while the SDK was
 * connecting), its `signal` aborted, it was disposed, the SDK disconnected for good (`sdkReason`
 * says why: `UID_BANNED`, `SERVER_ERROR`…), or a join or rejoin failed (the `error` event before says why).
 */
export type RtcStopReason = 'left' | 'aborted' | 'disposed' | 'disconnected' | 'failed'

/** What the session reports, for the app's UI and logs. Tokens themselves are never in events. */
export type RtcTokenEvent =
  | { type: 'state'; state: SessionState; previous: SessionState }
  | { type: 'fetching'; phase: RtcPhase }
  | { type: 'retry'; phase: RtcPhase; retry: number; delayMs: number; error: TokenClientError }
  | {
      type: 'fetched'
      phase: RtcPhase
      version: '006' | '007'
      /** When the token stops working for this session (the earlier of token and join privilege), Unix s. */
      expiresAt: number
      /** The token's own expiry, Unix s. */
      tokenExpiresAt: number
    }
  | { type: 'joined'; uid: UID }
  | { type: 'join-timeout'; phase: 'join' | 'rejoin'; timeoutMs: number }
  | { type: 'will-expire'; renewing: boolean }
  | { type: 'renewed'; expiresAt: number; trigger: 'will-expire' | 'watchdog' | 'manual' }
  | { type: 'did-expire'; rejoining: boolean }
  | { type: 'rejoined'; uid: UID }
  | { type: 'error'; phase: RtcPhase; error: unknown }
  | { type: 'stopped'; reason: RtcStopReason; sdkReason?: string }

/** Options of {@link keepRtcTokenFresh}. */
export interface RtcTokenSessionOptions {
  /** The App ID the client joins with; fetched tokens must be for it. */
  appId: string
  /** The channel. */
  channel: string
  /** The uid (number) or user account (string) the client joins with; 0 lets the SDK pick (wildcard token). */
  uid: number | string
  /** The role to ask the token server for; default `publisher`. */
  role?: 'publisher' | 'subscriber'
  /** Where tokens come from: {@link createTokenSource}'s result, or any function. */
  tokenSource: TokenSource | TokenFetcher
  /** Renew on `token-privilege-will-expire`; default true. Can be changed later with {@link RtcTokenSession.autoRenew}. */
  autoRenew?: boolean
  /** Join again with a fresh token on `token-privilege-did-expire`; default true. */
  autoRejoin?: boolean
  /**
   * Also renew on the helper's own clock, 20 s before the token (or its join privilege) ends, when the
   * SDK has not asked for it; default true. This covers tokens whose privileges outlive the token,
   * for which the SDK raises no will-expire.
   */
  watchdog?: boolean
  /** Refuse tokens with less life than this, seconds; default 30. */
  minValiditySeconds?: number
  /**
   * How long `client.join()` may take to connect, ms; default 30000. Past it the helper emits
   * `join-timeout`, calls `client.leave()` to stop the SDK's retries, and the join rejects with
   * `ERR_JOIN_TIMEOUT`. (Fetching the token has its own timeout, in the token source.)
   */
  joinTimeoutMs?: number
  /** Aborting it is `session.leave()`: nothing in flight goes on, and the client leaves if the helper joined it. */
  signal?: AbortSignal
  /** Called with every {@link RtcTokenEvent}; the same as `session.on('*', listener)`. */
  onEvent?: (event: RtcTokenEvent) => void
}

/** What {@link keepRtcTokenFresh} returns. */
export interface RtcTokenSession {
  /**
   * Fetches a token and joins the channel; resolves with the uid the SDK joined with. Called again
   * while joining it shares that join; once joined it resolves with the uid at once.
   */
  join(): Promise<UID>
  /**
   * Leaves for good: cancels whatever is in flight (fetch, join, renewal, rejoin), removes the SDK
   * listeners and timers, then calls `client.leave()` if the helper had started to join. Use it rather
   * than `client.leave()` while a token is being fetched: the client is not connecting yet then, and
   * the SDK raises no event for the helper to see.
   */
  leave(): Promise<void>
  /** Fetches a token and renews now (what will-expire does); shares a renewal already running. */
  renew(): Promise<void>
  /** Whether will-expire renews; turn off to watch did-expire and the rejoin. */
  autoRenew: boolean
  /** Whether did-expire joins again. */
  autoRejoin: boolean
  /** Where the session is in its lifecycle; every change is also a `state` event. */
  readonly state: SessionState
  /** When the current token stops working for this session, Unix s; undefined before a join. */
  readonly expiresAt: number | undefined
  /** The token server's clock as the token source knows it, ms (for countdowns). */
  now(): number
  /** True once the session reached `left` or `failed`. */
  readonly stopped: boolean
  /** Adds a listener for one event type, or `'*'` for all; returns a function that removes it. */
  on<T extends RtcTokenEvent['type'] | '*'>(type: T, listener: Listener<RtcTokenEvent, T>): () => void
  /** Removes a listener. */
  off<T extends RtcTokenEvent['type'] | '*'>(type: T, listener: Listener<RtcTokenEvent, T>): void
  /** Stops like `leave()` but does not leave the channel (state `left`, reason `disposed`). */
  dispose(): void
}

/**
 * Keeps the token of an Agora Web SDK client fresh for one channel and user, as Agora's docs
 * describe: on `token-privilege-will-expire` it fetches a fresh token and calls `renewToken`; on
 * `token-privilege-did-expire` it fetches one and joins again. Every fetched token is checked
 * first: a token for another App ID, channel or uid, or one with less than `minValiditySeconds`
 * left, is refused (reported as an `error` event) and never handed to the SDK.
 *
 * The session has a lifecycle (`session.state`, see {@link SessionState}) with these rules: after a
 * leave or an abort it never joins nor renews; a leave while the SDK connects ends it quietly; every
 * terminal disconnect (leave, banned uid/IP/channel, server or network error…) removes its timers and
 * listeners, while the SDK's own reconnects do not; a join that does not connect within
 * `joinTimeoutMs` emits `join-timeout` and rejects. A client that the app joined itself (e.g. with
 * agora-rtc-react's `useJoin`) is adopted when it connects: its token is then kept fresh too.
 *
 * @example
 * ```ts
 * import AgoraRTC from 'agora-rtc-sdk-ng'
 * import { createTokenSource, keepRtcTokenFresh } from 'agate-tokens/client'
 * const client = AgoraRTC.createClient({ mode: 'rtc', codec: 'vp8' })
 * const session = keepRtcTokenFresh(client, {
 *   appId, channel: 'ChannelA', uid: 42,
 *   tokenSource: createTokenSource({ url: '/fetch_rtc_token' }),
 *   onEvent: (event) => console.log(event.type),
 * })
 * await session.join()
 * // later
 * await session.leave()
 * ```
 * @throws {TokenClientError} `ERR_INVALID_ARGUMENT` for bad options.
 */
export function keepRtcTokenFresh(client: RtcClientLike, options: RtcTokenSessionOptions): RtcTokenSession {
  if (typeof client !== 'object' || client === null || typeof client.on !== 'function')
    throw invalidOption('client', 'must be an Agora RTC client')
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object')
  if (typeof options.appId !== 'string' || options.appId === '')
    throw invalidOption('appId', 'must be the App ID the client joins with')
  if (typeof options.channel !== 'string') throw invalidOption('channel', 'must be a string')
  const { uid, signal } = options
  if (
    typeof uid === 'number'
      ? !Number.isInteger(uid) || uid < 0 || uid > 0xffffffff
      : typeof uid !== 'string' || uid === ''
  ) {
    throw invalidOption('uid', 'must be an integer in 0..4294967295 or a non-empty user account')
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidOption('signal', 'must be an AbortSignal')
  const fetchToken = toFetcher(options.tokenSource)
  const joinTimeoutMs = joinTimeoutOf(options.joinTimeoutMs, 'joinTimeoutMs')
  const minValidity = options.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS
  const request = rtcTokenRequest(options)
  const now = (): number => sourceNow(options.tokenSource)
  const events = new Emitter<RtcTokenEvent>()
  if (options.onEvent !== undefined) events.on('*', options.onEvent)

  let state: SessionState = 'idle'
  let facts: TokenFacts | undefined
  let joinedUid: UID | undefined
  let operation: { phase: RtcPhase; controller: AbortController; promise: Promise<unknown> } | undefined
  let watchdog: ReturnType<typeof setTimeout> | undefined
  // Above zero while the helper itself leaves (before a rejoin, after a join timeout): not the app's leave.
  let helperLeaving = 0
  // While client.join() runs: the DISCONNECTED the SDK reported meanwhile, if any (the join's outcome decides).
  let joinAttempt: { disconnected: boolean; reason: string | undefined } | undefined

  function setState(next: SessionState): void {
    if (state === next) return
    const previous = state
    state = next
    events.emit({ type: 'state', state: next, previous })
  }

  async function fetchChecked(phase: RtcPhase, signal: AbortSignal): Promise<{ token: string; facts: TokenFacts }> {
    events.emit({ type: 'fetching', phase })
    const token = await fetchToken(request, {
      signal,
      appId: options.appId,
      onRetry: (info: RetryInfo) => events.emit({ type: 'retry', phase, ...info }),
    })
    if (signal.aborted) throw aborted(signal)
    // Checked here too: a plain function source may hand out anything.
    const checked = checkToken(token, expectationOf(request, options.appId), {
      now: now() / 1000,
      minValiditySeconds: minValidity,
    })
    events.emit({
      type: 'fetched',
      phase,
      version: checked.version,
      expiresAt: checked.expiresAt,
      tokenExpiresAt: checked.tokenExpiresAt,
    })
    return { token, facts: checked }
  }

  /** Runs one operation at a time; a request for the same phase joins the one running. */
  function run<T>(phase: RtcPhase, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (isFinal(state))
      return Promise.reject(new TokenClientError('ERR_ABORTED', `the token session has stopped (${state})`))
    if (operation !== undefined) {
      if (operation.phase === phase || phase === 'renew') return operation.promise as Promise<T>
      // A rejoin (did-expire) supersedes a renewal in flight: the old token is gone anyway.
      operation.controller.abort(new TokenClientError('ERR_ABORTED', `superseded by ${phase}`))
    }
    const controller = new AbortController()
    const promise = body(controller.signal).catch((error: unknown) => {
      // Cancellation by a leave, an abort or a newer operation is not a failure worth reporting.
      if (controller.signal.aborted) throw error
      events.emit({ type: 'error', phase, error })
      if (phase === 'renew') {
        // The session goes on: the watchdog or did-expire gives the token another chance.
        if (state === 'renewing') setState('joined')
      } else {
        stop('failed')
      }
      throw error
    })
    const current = { phase, controller, promise }
    operation = current
    const clear = (): void => {
      if (operation === current) operation = undefined
    }
    promise.then(clear, clear)
    return promise
  }

  function armWatchdog(): void {
    clearTimeout(watchdog)
    watchdog = undefined
    if (options.watchdog === false || facts === undefined || isFinal(state)) return
    const left = facts.expiresAt * 1000 - now()
    // 10 s after the SDK's own will-expire would have come; never sooner than half the life left.
    // Capped: setTimeout fires a delay over 2^31 - 1 ms at once (a token valid for weeks).
    const delay = Math.min(Math.max(left - 20_000, left / 2, 1000), MAX_TIMER_MS)
    const armedFor = facts
    watchdog = setTimeout(() => {
      watchdog = undefined
      if (facts === armedFor && session.autoRenew && state === 'joined') renewWith('watchdog').catch(() => {})
    }, delay)
  }

  function renewWith(trigger: 'will-expire' | 'watchdog' | 'manual'): Promise<void> {
    if (operation?.phase !== 'renew' && state !== 'joined' && !isFinal(state)) {
      return Promise.reject(
        new TokenClientError('ERR_INVALID_STATE', `renew() needs a joined session (state ${state})`),
      )
    }
    return run('renew', async (signal) => {
      setState('renewing')
      const fresh = await fetchChecked('renew', signal)
      await client.renewToken(fresh.token)
      if (signal.aborted) throw aborted(signal)
      facts = fresh.facts
      setState('joined')
      events.emit({ type: 'renewed', expiresAt: fresh.facts.expiresAt, trigger })
      armWatchdog()
    })
  }

  /** Leaves on the helper's own account: its state changes are not taken for the app's. */
  async function leaveForHelper(): Promise<void> {
    helperLeaving++
    try {
      await client.leave()
    } finally {
      helperLeaving--
    }
  }

  function joinWith(phase: 'join' | 'rejoin'): Promise<UID> {
    if (phase === 'join' && operation?.phase !== 'join' && joinedUid !== undefined && !isFinal(state))
      return Promise.resolve(joinedUid)
    return run(phase, async (signal) => {
      setState(phase === 'join' ? 'fetching' : 'rejoining')
      const fresh = await fetchChecked(phase, signal)
      if (phase === 'join') setState('joining')
      if (phase === 'rejoin' && client.connectionState !== 'DISCONNECTED') {
        // Some SDK builds stay connected after did-expire; join() refuses unless the client left.
        await leaveForHelper()
        if (signal.aborted) throw aborted(signal)
      }
      const attempt: { disconnected: boolean; reason: string | undefined } = { disconnected: false, reason: undefined }
      joinAttempt = attempt
      let joined: UID
      try {
        joined = await raceCall(
          client.join(options.appId, options.channel, fresh.token, uid),
          joinTimeoutMs,
          signal,
          () => joinTimeoutError(joinTimeoutMs, 'joinTimeoutMs'),
        )
      } catch (error) {
        if (signal.aborted) throw aborted(signal)
        if (error instanceof TokenClientError && error.code === 'ERR_JOIN_TIMEOUT') {
          events.emit({ type: 'join-timeout', phase, timeoutMs: joinTimeoutMs })
          // Stop the SDK's own retries, or it may connect later with nobody keeping its token fresh.
          await leaveForHelper().catch(() => {})
        } else if (attempt.disconnected && (attempt.reason === 'LEAVE' || sdkCode(error) === 'OPERATION_ABORTED')) {
          // The app left while the SDK was connecting: its own cancel, not a failure.
          stop('left')
          throw aborted(signal)
        }
        throw error
      } finally {
        if (joinAttempt === attempt) joinAttempt = undefined
      }
      if (signal.aborted) throw aborted(signal)
      facts = fresh.facts
      joinedUid = joined
      setState('joined')
      events.emit(phase === 'join' ? { type: 'joined', uid: joined } : { type: 'rejoined', uid: joined })
      armWatchdog()
      return joined
    })
  }

  const onWillExpire = (): void => {
    if (state !== 'joined' && state !== 'renewing') return
    events.emit({ type: 'will-expire', renewing: session.autoRenew })
    if (session.autoRenew) renewWith('will-expire').catch(() => {})
  }

  const onDidExpire = (): void => {
    if (state !== 'joined' && state !== 'renewing') return
    facts = undefined
    clearTimeout(watchdog)
    watchdog = undefined
    events.emit({ type: 'did-expire', rejoining: session.autoRejoin })
    if (operation?.phase === 'renew')
      operation.controller.abort(new TokenClientError('ERR_ABORTED', 'the token expired'))
    if (session.autoRejoin) joinWith('rejoin').catch(() => {})
    else stop('disconnected', 'TOKEN_EXPIRE')
  }

  const onStateChange = (current: string, _previous: string, reason?: string): void => {
    if (isFinal(state) || helperLeaving > 0) return
    if (current === 'CONNECTED' && state === 'idle') {
      // Joined by the app itself (e.g. agora-rtc-react's useJoin): keep its token fresh from now on.
      setState('joined')
      return
    }
    // Connecting, reconnecting and disconnecting are the SDK's own business; it comes back or disconnects.
    if (current !== 'DISCONNECTED') return
    // did-expire follows and decides (rejoin, or stop when rejoin is off).
    if (reason === 'TOKEN_EXPIRE') return
    if (joinAttempt !== undefined) {
      joinAttempt.disconnected = true
      joinAttempt.reason = reason
      return
    }
    if (state === 'idle' || state === 'fetching') return
    if (reason === undefined || reason === 'LEAVE') stop('left')
    else stop('disconnected', reason)
  }

  const onAbort = (): void => {
    void leaveWith('aborted').catch(() => {})
  }

  function stop(reason: RtcStopReason, sdkReason?: string): void {
    if (isFinal(state)) return
    clearTimeout(watchdog)
    watchdog = undefined
    operation?.controller.abort(new TokenClientError('ERR_ABORTED', `the token session stopped (${reason})`))
    client.off('token-privilege-will-expire', onWillExpire)
    client.off('token-privilege-did-expire', onDidExpire)
    client.off('connection-state-change', onStateChange)
    signal?.removeEventListener('abort', onAbort)
    setState(reason === 'disconnected' || reason === 'failed' ? 'failed' : 'left')
    events.emit(sdkReason === undefined ? { type: 'stopped', reason } : { type: 'stopped', reason, sdkReason })
    events.clear()
  }

  async function leaveWith(reason: 'left' | 'aborted'): Promise<void> {
    if (isFinal(state)) return
    // Past the fetch the helper has handed the client a join (or it is joined): take it back out.
    const touched = state !== 'idle' && state !== 'fetching'
    stop(reason)
    if (touched) await client.leave()
  }

  client.on('token-privilege-will-expire', onWillExpire)
  client.on('token-privilege-did-expire', onDidExpire)
  client.on('connection-state-change', onStateChange)

  const session: RtcTokenSession = {
    join: () => joinWith('join'),
    leave: () => leaveWith('left'),
    renew: () => renewWith('manual'),
    autoRenew: options.autoRenew ?? true,
    autoRejoin: options.autoRejoin ?? true,
    get state() {
      return state
    },
    get expiresAt() {
      return facts?.expiresAt
    },
    now,
    get stopped() {
      return isFinal(state)
    },
    on: (type, listener) => events.on(type, listener),
    off: (type, listener) => events.off(type, listener),
    dispose: () => stop('disposed'),
  }
  // A client the app already joined is adopted as joined, unless the signal has already ended the session.
  if (client.connectionState === 'CONNECTED') state = 'joined'
  if (signal?.aborted) stop('aborted')
  else signal?.addEventListener('abort', onAbort, { once: true })
  return session
}

/** Accepts a {@link TokenSource} or a plain function. */
export function toFetcher(source: TokenSource | TokenFetcher): TokenFetcher {
  if (typeof source === 'function') return source
  if (typeof source === 'object' && source !== null && typeof source.getToken === 'function') {
    return (request, options) => source.getToken(request, options)
  }
  throw invalidOption('tokenSource', 'must be a token source (createTokenSource) or a function returning a token')
}
