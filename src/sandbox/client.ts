/**
 * The sandbox's browser client: the Agora Web SDK client's surface, talking to the sandbox over HTTP.
 * @module
 */
import type { ConnectionState, UID } from 'agora-rtc-sdk-ng'
import type {
  EventsAnswer,
  JoinAnswer,
  MediaKind,
  SandboxErrorBody,
  SandboxErrorCode,
  SessionEvent,
  SessionTiming,
} from './wire.js'

/**
 * An error shaped like the Web SDK's `AgoraRTCError`: `code` is the SDK's error code and `data`
 * carries the sandbox's reason (`data.reason`, Agora's `ERR_*` name) and which check failed
 * (`data.detail`).
 */
export class SandboxRtcError extends Error {
  readonly code: SandboxErrorCode | 'NETWORK_ERROR' | 'OPERATION_ABORTED'
  readonly data: SandboxErrorBody['data'] | undefined

  constructor(code: SandboxRtcError['code'], message: string, data?: SandboxErrorBody['data']) {
    super(message)
    this.name = 'AgoraRTCError'
    this.code = code
    this.data = data
  }

  override toString(): string {
    return `AgoraRTCError ${this.code}: ${this.message}`
  }
}

/** Options of {@link createSandboxClient}. */
export interface SandboxClientOptions {
  /** Where the sandbox routes are; default `/sandbox` on the page's origin. */
  baseUrl?: string
  /** Sandbox seconds per real second for this client's sessions; default the sandbox's. */
  timeScale?: number
  /** How long one events request may wait, ms; default 25000. */
  pollTimeoutMs?: number
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch
}

/** Something `publish` accepts: a track (its `trackMediaType`), or a medium by name. */
export type PublishTarget = { trackMediaType: 'audio' | 'video' } | MediaKind

type Listener = (...args: never[]) => unknown

/**
 * A stand-in for `IAgoraRTCClient` that joins Agate's sandbox instead of Agora: the same `join`,
 * `leave`, `renewToken`, `publish`, `unpublish`, `on`/`off`/`once` and the same events with the same
 * arguments (`connection-state-change`, `token-privilege-will-expire`,
 * `token-privilege-did-expire`), so app code, the renewal helper included, runs unchanged. Extra:
 * `publish-privilege-did-expire` (kinds) when co-host authentication ends a publication, and
 * {@link SandboxRtcClient.timing} for countdowns.
 */
export class SandboxRtcClient {
  readonly #base: string
  readonly #timeScale: number | undefined
  readonly #pollTimeoutMs: number
  readonly #fetch: typeof fetch
  readonly #listeners = new Map<string, Set<Listener>>()
  #state: ConnectionState = 'DISCONNECTED'
  #uid: UID | undefined
  #channel: string | undefined
  #session: string | undefined
  #timing: SessionTiming | undefined
  #skewMs = 0
  #published = new Set<MediaKind>()
  #poll: AbortController | undefined

  constructor(options: SandboxClientOptions = {}) {
    this.#base = (options.baseUrl ?? '/sandbox').replace(/\/+$/, '')
    this.#timeScale = options.timeScale
    this.#pollTimeoutMs = options.pollTimeoutMs ?? 25_000
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init))
  }

  /**
   * The SDK client's published local tracks: none, as the sandbox carries no media. agora-rtc-react's
   * `useJoin` stops and unpublishes them before it leaves, so the property must be there.
   */
  readonly localTracks: readonly never[] = []

  /** The connection state, as the SDK reports it. */
  get connectionState(): ConnectionState {
    return this.#state
  }

  /** The uid joined with (assigned by the sandbox when joined with 0 or null). */
  get uid(): UID | undefined {
    return this.#uid
  }

  get channelName(): string | undefined {
    return this.#channel
  }

  /** The media being published. */
  get publishedKinds(): MediaKind[] {
    return [...this.#published]
  }

  /**
   * When the current token's will-expire and did-expire come, in this page's clock (ms), and the
   * session's time scale; undefined when not joined.
   */
  get timing(): SessionTiming | undefined {
    if (this.#timing === undefined) return undefined
    const local = (at: number): number => at - this.#skewMs
    return {
      willExpireAt: this.#timing.willExpireAt === undefined ? undefined : local(this.#timing.willExpireAt),
      didExpireAt: local(this.#timing.didExpireAt),
      timeScale: this.#timing.timeScale,
    }
  }

  on(event: string, listener: Listener): void {
    let set = this.#listeners.get(event)
    if (set === undefined) this.#listeners.set(event, (set = new Set()))
    set.add(listener)
  }

  once(event: string, listener: Listener): void {
    const wrapper = (...args: never[]): void => {
      this.off(event, wrapper)
      listener(...args)
    }
    this.on(event, wrapper)
  }

  off(event: string, listener: Listener): void {
    this.#listeners.get(event)?.delete(listener)
  }

  removeAllListeners(event?: string): void {
    if (event === undefined) this.#listeners.clear()
    else this.#listeners.delete(event)
  }

  /** Joins `channel` in the sandbox; refusals reject with the SDK's error codes. */
  async join(appid: string, channel: string, token: string | null, uid?: UID | null): Promise<UID> {
    if (this.#state !== 'DISCONNECTED') {
      throw new SandboxRtcError('INVALID_OPERATION', `Client already in ${this.#state} state`)
    }
    this.#setState('CONNECTING')
    let answer: JoinAnswer & { serverNow?: number }
    try {
      const body = {
        appId: appid,
        channel,
        token,
        uid: uid ?? null,
        ...(this.#timeScale === undefined ? {} : { timeScale: this.#timeScale }),
      }
      answer = await this.#request<JoinAnswer>('POST', '/rtc/join', body)
    } catch (error) {
      this.#setState('DISCONNECTED')
      throw error
    }
    this.#session = answer.sessionId
    this.#uid = answer.uid
    this.#channel = channel
    this.#timing = answer.timing
    this.#published.clear()
    this.#setState('CONNECTED')
    this.#startPolling(answer.sessionId)
    return answer.uid
  }

  /** Leaves the channel; resolves at once when not in one. */
  async leave(): Promise<void> {
    const session = this.#session
    this.#stopPolling()
    if (session === undefined || this.#state === 'DISCONNECTED') {
      this.#reset()
      return
    }
    this.#setState('DISCONNECTING')
    try {
      await this.#request('POST', `/rtc/sessions/${encodeURIComponent(session)}/leave`, {})
    } catch {
      // Leaving cannot fail for the app: the sandbox drops sessions nobody polls anyway.
    }
    this.#reset()
    this.#setState('DISCONNECTED', 'LEAVE')
  }

  /** Renews the session's token; the sandbox checks it as on join, for the same channel and uid. */
  async renewToken(token: string): Promise<void> {
    const session = this.#session
    if (session === undefined || this.#state !== 'CONNECTED') {
      throw new SandboxRtcError('INVALID_OPERATION', 'renewToken should not be called before user join')
    }
    this.#timing = await this.#request<SessionTiming>('POST', `/rtc/sessions/${encodeURIComponent(session)}/renew`, {
      token,
    })
  }

  /** Publishes tracks (by their `trackMediaType`) or media by name; default audio and video. */
  async publish(targets?: PublishTarget | PublishTarget[]): Promise<void> {
    const session = this.#session
    if (session === undefined || this.#state !== 'CONNECTED') {
      throw new SandboxRtcError('INVALID_OPERATION', "Can't publish stream, haven't joined yet!")
    }
    const kinds = kindsOf(targets)
    await this.#request('POST', `/rtc/sessions/${encodeURIComponent(session)}/publish`, { kinds })
    for (const kind of kinds) this.#published.add(kind)
  }

  /** Stops publishing the given tracks or media; default all. */
  async unpublish(targets?: PublishTarget | PublishTarget[]): Promise<void> {
    const session = this.#session
    if (session === undefined || this.#state !== 'CONNECTED') return
    const kinds = targets === undefined ? [...this.#published] : kindsOf(targets)
    await this.#request('POST', `/rtc/sessions/${encodeURIComponent(session)}/unpublish`, { kinds })
    for (const kind of kinds) this.#published.delete(kind)
  }

  #emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        ;(listener as (...a: unknown[]) => unknown)(...args)
      } catch (error) {
        // As the SDK does: a listener's error must not break the client.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  #setState(next: ConnectionState, reason?: string): void {
    const previous = this.#state
    if (previous === next) return
    this.#state = next
    if (reason === undefined) this.#emit('connection-state-change', next, previous)
    else this.#emit('connection-state-change', next, previous, reason)
  }

  #reset(): void {
    this.#session = undefined
    this.#uid = undefined
    this.#channel = undefined
    this.#timing = undefined
    this.#published.clear()
  }

  async #request<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response
    try {
      const init: RequestInit = { method, headers: { accept: 'application/json' }, cache: 'no-store' }
      if (body !== undefined) {
        init.body = JSON.stringify(body)
        init.headers = { accept: 'application/json', 'content-type': 'application/json' }
      }
      if (signal !== undefined) init.signal = signal
      const sentAt = Date.now()
      response = await this.#fetch(`${this.#base}${path}`, init)
      const json = (await response.json().catch(() => undefined)) as
        (T & { serverNow?: number; error?: SandboxErrorBody }) | undefined
      if (!response.ok || json === undefined) {
        const error = json?.error
        if (error !== undefined) throw new SandboxRtcError(error.code, error.message, error.data)
        throw new SandboxRtcError('UNEXPECTED_RESPONSE', `the sandbox answered ${response.status}`)
      }
      if (typeof json.serverNow === 'number') this.#skewMs = json.serverNow - (sentAt + Date.now()) / 2
      return json
    } catch (error) {
      if (error instanceof SandboxRtcError) throw error
      if (signal?.aborted) throw new SandboxRtcError('OPERATION_ABORTED', 'cancelled')
      throw new SandboxRtcError(
        'NETWORK_ERROR',
        `cannot reach the sandbox: ${(error as Error)?.message ?? String(error)}`,
      )
    }
  }

  #startPolling(session: string): void {
    this.#stopPolling()
    const controller = new AbortController()
    this.#poll = controller
    void this.#pollLoop(session, controller.signal)
  }

  #stopPolling(): void {
    this.#poll?.abort()
    this.#poll = undefined
  }

  async #pollLoop(session: string, signal: AbortSignal): Promise<void> {
    let after = 0
    let failures = 0
    while (!signal.aborted) {
      let answer: EventsAnswer
      try {
        const path = `/rtc/sessions/${encodeURIComponent(session)}/events?after=${after}&wait=${this.#pollTimeoutMs}`
        answer = await this.#request<EventsAnswer>('GET', path, undefined, signal)
        failures = 0
      } catch (error) {
        if (signal.aborted) return
        if (error instanceof SandboxRtcError && error.data?.reason === 'ERR_NOT_IN_CHANNEL') {
          // The sandbox dropped the session (restarted, or evicted it): as a server-side disconnect.
          this.#stopPolling()
          this.#reset()
          this.#setState('DISCONNECTED', 'SERVER_ERROR')
          return
        }
        failures++
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** Math.min(failures, 5))))
        continue
      }
      if (signal.aborted || this.#session !== session) return
      for (const event of answer.events) {
        after = Math.max(after, event.seq)
        this.#deliver(event)
        if (this.#session !== session) return
      }
      if (!answer.open) {
        if (this.#session === session) {
          this.#stopPolling()
          this.#reset()
          this.#setState('DISCONNECTED', 'SERVER_ERROR')
        }
        return
      }
    }
  }

  #deliver(event: SessionEvent): void {
    switch (event.type) {
      case 'token-privilege-will-expire':
        if (this.#timing !== undefined) this.#timing = { ...this.#timing, willExpireAt: undefined }
        this.#emit('token-privilege-will-expire')
        break
      case 'token-privilege-did-expire':
        // As the SDK: it leaves the channel (reason TOKEN_EXPIRE), then reports did-expire.
        this.#stopPolling()
        this.#reset()
        this.#setState('DISCONNECTED', 'TOKEN_EXPIRE')
        this.#emit('token-privilege-did-expire')
        break
      case 'publish-privilege-did-expire':
        for (const kind of event.kinds ?? []) this.#published.delete(kind)
        this.#emit('publish-privilege-did-expire', event.kinds ?? [])
        break
    }
  }
}

/** Creates a {@link SandboxRtcClient}, as `AgoraRTC.createClient` creates the SDK's. */
export function createSandboxClient(options: SandboxClientOptions = {}): SandboxRtcClient {
  return new SandboxRtcClient(options)
}

function kindsOf(targets: PublishTarget | PublishTarget[] | undefined): MediaKind[] {
  if (targets === undefined) return ['audio', 'video']
  const list = Array.isArray(targets) ? targets : [targets]
  const kinds = list.map((target) => (typeof target === 'string' ? target : target.trackMediaType))
  for (const kind of kinds) {
    if (kind !== 'audio' && kind !== 'video' && kind !== 'data')
      throw new SandboxRtcError('INVALID_PARAMS', `cannot publish ${String(kind)}`)
  }
  return [...new Set(kinds)]
}
