/**
 * Keeps an Agora Web SDK 4.x client's token fresh: renew on will-expire, join again on did-expire.
 * @module
 */
import type { IAgoraRTCClient, UID } from 'agora-rtc-sdk-ng'
import { checkToken, type TokenFacts } from './check-token.js'
import type { RtcTokenRequest } from './endpoints.js'
import { Emitter, type Listener } from './emitter.js'
import { aborted, invalidOption, TokenClientError } from './errors.js'
import { DEFAULT_MIN_VALIDITY_SECONDS, expectationOf, type RetryInfo, type TokenFetcher, type TokenSource } from './token-source.js'

/**
 * The part of the SDK's client the helper uses. `IAgoraRTCClient` from `agora-rtc-sdk-ng` is one;
 * so is Agate's sandbox client.
 */
export type RtcClientLike = Pick<IAgoraRTCClient, 'on' | 'off' | 'join' | 'leave' | 'renewToken' | 'connectionState'>

/** Why the session is fetching a token. */
export type RtcPhase = 'join' | 'renew' | 'rejoin'

/** What the session reports, for the app's UI and logs. Tokens themselves are never in events. */
export type RtcTokenEvent =
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
  | { type: 'will-expire'; renewing: boolean }
  | { type: 'renewed'; expiresAt: number; trigger: 'will-expire' | 'watchdog' | 'manual' }
  | { type: 'did-expire'; rejoining: boolean }
  | { type: 'rejoined'; uid: UID }
  | { type: 'error'; phase: RtcPhase; error: unknown }
  | { type: 'stopped'; reason: 'disposed' | 'left' }

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
  /** Called with every {@link RtcTokenEvent}; the same as `session.on('*', listener)`. */
  onEvent?: (event: RtcTokenEvent) => void
}

/** What {@link keepRtcTokenFresh} returns. */
export interface RtcTokenSession {
  /** Fetches a token and joins the channel; resolves with the uid the SDK joined with. */
  join(): Promise<UID>
  /** Fetches a token and renews now (what will-expire does); shares a renewal already running. */
  renew(): Promise<void>
  /** Whether will-expire renews; turn off to watch did-expire and the rejoin. */
  autoRenew: boolean
  /** Whether did-expire joins again. */
  autoRejoin: boolean
  /** When the current token stops working for this session, Unix s; undefined before a join. */
  readonly expiresAt: number | undefined
  /** The token server's clock as the token source knows it, ms (for countdowns). */
  now(): number
  /** True once disposed or once the client left. */
  readonly stopped: boolean
  /** Adds a listener for one event type, or `'*'` for all; returns a function that removes it. */
  on<T extends RtcTokenEvent['type'] | '*'>(type: T, listener: Listener<RtcTokenEvent, T>): () => void
  /** Removes a listener. */
  off<T extends RtcTokenEvent['type'] | '*'>(type: T, listener: Listener<RtcTokenEvent, T>): void
  /** Stops: removes the SDK listeners, cancels any fetch in flight and the watchdog. Does not leave. */
  dispose(): void
}

/**
 * Keeps the token of an Agora Web SDK client fresh for one channel and user, as Agora's docs
 * describe: on `token-privilege-will-expire` it fetches a fresh token and calls `renewToken`; on
 * `token-privilege-did-expire` it fetches one and joins again. Every fetched token is checked
 * first: a token for another App ID, channel or uid, or one with less than `minValiditySeconds`
 * left, is refused (reported as an `error` event) and never handed to the SDK. It stops when
 * disposed or when the app calls `client.leave()`. Works with the real SDK and with Agate's
 * sandbox client alike.
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
 * ```
 * @throws {TokenClientError} `ERR_INVALID_ARGUMENT` for bad options.
 */
export function keepRtcTokenFresh(client: RtcClientLike, options: RtcTokenSessionOptions): RtcTokenSession {
  if (typeof client !== 'object' || client === null || typeof client.on !== 'function') throw invalidOption('client', 'must be an Agora RTC client')
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'must be an object')
  if (typeof options.appId !== 'string' || options.appId === '') throw invalidOption('appId', 'must be the App ID the client joins with')
  if (typeof options.channel !== 'string') throw invalidOption('channel', 'must be a string')
  const { uid } = options
  if (typeof uid === 'number' ? !Number.isInteger(uid) || uid < 0 || uid > 0xffffffff : typeof uid !== 'string' || uid === '') {
    throw invalidOption('uid', 'must be an integer in 0..4294967295 or a non-empty user account')
  }
  const fetchToken = toFetcher(options.tokenSource)
  const minValidity = options.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS
  const request: RtcTokenRequest = {
    service: 'rtc',
    channelName: options.channel,
    ...(typeof uid === 'number' ? { uid } : { account: uid }),
    role: options.role ?? 'publisher',
  }
  const now = (): number => (typeof options.tokenSource === 'object' ? options.tokenSource.serverTime?.() : undefined) ?? Date.now()
  const events = new Emitter<RtcTokenEvent>()
  if (options.onEvent !== undefined) events.on('*', options.onEvent)

  let stopped = false
  let facts: TokenFacts | undefined
  let operation: { phase: RtcPhase; controller: AbortController; promise: Promise<unknown> } | undefined
  let watchdog: ReturnType<typeof setTimeout> | undefined
  // Set while the helper itself leaves before a rejoin, so that leave is not taken for the app's.
  let leavingForRejoin = false

  async function fetchChecked(phase: RtcPhase, signal: AbortSignal): Promise<{ token: string; facts: TokenFacts }> {
    events.emit({ type: 'fetching', phase })
    const token = await fetchToken(request, {
      signal,
      appId: options.appId,
      onRetry: (info: RetryInfo) => events.emit({ type: 'retry', phase, ...info }),
    })
    if (signal.aborted) throw aborted(signal)
    // Checked here too: a plain function source may hand out anything.
    const checked = checkToken(token, expectationOf(request, options.appId), { now: now() / 1000, minValiditySeconds: minValidity })
    events.emit({ type: 'fetched', phase, version: checked.version, expiresAt: checked.expiresAt, tokenExpiresAt: checked.tokenExpiresAt })
    return { token, facts: checked }
  }

  /** Runs one operation at a time; a request for the same phase joins the one running. */
  function run<T>(phase: RtcPhase, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (stopped) return Promise.reject(new TokenClientError('ERR_ABORTED', 'the token session was disposed'))
    if (operation !== undefined) {
      if (operation.phase === phase || phase === 'renew') return operation.promise as Promise<T>
      // A rejoin (did-expire) supersedes a renewal in flight: the old token is gone anyway.
      operation.controller.abort(new TokenClientError('ERR_ABORTED', `superseded by ${phase}`))
    }
    const controller = new AbortController()
    const promise = body(controller.signal).then(
      (value) => value,
      (error: unknown) => {
        // Cancellation by dispose or by a newer operation is not a failure worth reporting.
        if (!controller.signal.aborted) events.emit({ type: 'error', phase, error })
        throw error
      },
    )
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
    if (options.watchdog === false || facts === undefined || stopped) return
    const left = facts.expiresAt * 1000 - now()
    // 10 s after the SDK's own will-expire would have come; never sooner than half the life left.
    const delay = Math.max(left - 20_000, left / 2, 1000)
    const armedFor = facts
    watchdog = setTimeout(() => {
      watchdog = undefined
      if (facts === armedFor && session.autoRenew && !stopped) renewWith('watchdog').catch(() => {})
    }, delay)
  }

  function renewWith(trigger: 'will-expire' | 'watchdog' | 'manual'): Promise<void> {
    return run('renew', async (signal) => {
      const fresh = await fetchChecked('renew', signal)
      if (signal.aborted) throw aborted(signal)
      await client.renewToken(fresh.token)
      if (signal.aborted) throw aborted(signal)
      facts = fresh.facts
      events.emit({ type: 'renewed', expiresAt: fresh.facts.expiresAt, trigger })
      armWatchdog()
    })
  }

  function joinWith(phase: 'join' | 'rejoin'): Promise<UID> {
    return run(phase, async (signal) => {
      const fresh = await fetchChecked(phase, signal)
      if (signal.aborted) throw aborted(signal)
      if (phase === 'rejoin' && client.connectionState !== 'DISCONNECTED') {
        // Some SDK builds stay connected after did-expire; join() refuses unless the client left.
        leavingForRejoin = true
        try {
          await client.leave()
        } finally {
          leavingForRejoin = false
        }
      }
      const joinedUid = await client.join(options.appId, options.channel, fresh.token, uid)
      if (signal.aborted) throw aborted(signal)
      facts = fresh.facts
      events.emit(phase === 'join' ? { type: 'joined', uid: joinedUid } : { type: 'rejoined', uid: joinedUid })
      armWatchdog()
      return joinedUid
    })
  }

  const onWillExpire = (): void => {
    if (stopped) return
    events.emit({ type: 'will-expire', renewing: session.autoRenew })
    if (session.autoRenew) renewWith('will-expire').catch(() => {})
  }

  const onDidExpire = (): void => {
    if (stopped) return
    facts = undefined
    clearTimeout(watchdog)
    events.emit({ type: 'did-expire', rejoining: session.autoRejoin })
    if (operation?.phase === 'renew') operation.controller.abort(new TokenClientError('ERR_ABORTED', 'the token expired'))
    if (session.autoRejoin) joinWith('rejoin').catch(() => {})
  }

  const onStateChange = (current: string, _previous: string, reason?: string): void => {
    if (stopped || leavingForRejoin) return
    if (current === 'DISCONNECTED' && reason === 'LEAVE') stop('left')
  }

  function stop(reason: 'disposed' | 'left'): void {
    if (stopped) return
    stopped = true
    clearTimeout(watchdog)
    watchdog = undefined
    operation?.controller.abort(new TokenClientError('ERR_ABORTED', `the token session was ${reason === 'left' ? 'left' : 'disposed'}`))
    client.off('token-privilege-will-expire', onWillExpire)
    client.off('token-privilege-did-expire', onDidExpire)
    client.off('connection-state-change', onStateChange)
    events.emit({ type: 'stopped', reason })
    events.clear()
  }

  client.on('token-privilege-will-expire', onWillExpire)
  client.on('token-privilege-did-expire', onDidExpire)
  client.on('connection-state-change', onStateChange)

  const session: RtcTokenSession = {
    join: () => joinWith('join'),
    renew: () => renewWith('manual'),
    autoRenew: options.autoRenew ?? true,
    autoRejoin: options.autoRejoin ?? true,
    get expiresAt() {
      return facts?.expiresAt
    },
    now,
    get stopped() {
      return stopped
    },
    on: (type, listener) => events.on(type, listener),
    off: (type, listener) => events.off(type, listener),
    dispose: () => stop('disposed'),
  }
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
