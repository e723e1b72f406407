/**
 * The sandbox: a local stand-in for Agora's edge that judges tokens and runs sessions on a scalable clock.
 * @module
 */
import { parseToken, TokenError, verifyToken, type ParsedToken } from '../token/index.js'
import { SandboxError } from './errors.js'
import { isValidChannelName, isValidUser, issuedAtOf, judgeToken, type Grant, type SandboxApp } from './judge.js'
import type {
  EventsAnswer,
  InspectAnswer,
  InspectRequest,
  JoinAnswer,
  JoinRequest,
  MediaKind,
  SandboxConfigAnswer,
  SessionEvent,
  SessionTiming,
} from './wire.js'

/** The clock and timers the sandbox runs on; tests pass a manual one. */
export interface SandboxClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Options of {@link createSandbox}. */
export interface SandboxOptions {
  /** The apps the sandbox judges tokens for, each with its certificates (primary first). */
  apps: readonly SandboxApp[]
  /**
   * Sandbox seconds per real second, counted from each token's issue time; default 1 (Agora's own
   * rule). With 4, a 40 s token lives 10 real seconds. A join may ask for its own scale.
   */
  timeScale?: number
  /** The largest scale a join may ask for; default 100. */
  maxTimeScale?: number
  /** Co-host authentication: publishing needs the token's publish privileges; default false, as in Agora's Console. */
  coHostAuthentication?: boolean
  /** How long before the end will-expire comes, sandbox seconds; default 30, as in the SDKs. */
  willExpireSeconds?: number
  /** The most sessions kept; the least recently seen is dropped beyond it. Default 1000. */
  maxSessions?: number
  /** A session nobody polled for this long is dropped, ms; default 120000. */
  idleMs?: number
  /** Default: the real clock. */
  clock?: SandboxClock
}

/** What {@link createSandbox} returns: the operations the routes expose. */
export interface Sandbox {
  join(request: JoinRequest): JoinAnswer
  renewToken(sessionId: string, token: string): SessionTiming
  publish(sessionId: string, kinds: readonly MediaKind[]): void
  unpublish(sessionId: string, kinds?: readonly MediaKind[]): void
  leave(sessionId: string): void
  /** The events after `after` (a seq), at once. */
  events(sessionId: string, after: number): EventsAnswer
  /** The events after `after`, waiting up to `timeoutMs` for one (long polling). */
  waitForEvents(sessionId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<EventsAnswer>
  /** Whether a token's signature matches the sandbox's certificates. */
  inspect(request: InspectRequest): InspectAnswer
  config(): SandboxConfigAnswer
  /** The sandbox's real clock, ms (answers carry it so clients can correct for skew). */
  now(): number
  /** How many sessions are open. */
  readonly size: number
  /** Ends every session and timer. */
  close(): void
}

interface TokenState {
  grant: Grant
  /** Where this token's sandbox clock starts, real ms: its issue time, as precisely as known. */
  origin: number
  willExpireSent: boolean
}

interface Session {
  id: string
  app: SandboxApp
  channel: string
  uid: number | string
  scale: number
  token: TokenState
  published: Set<MediaKind>
  events: SessionEvent[]
  seq: number
  open: boolean
  closedAt: number
  lastSeen: number
  timer: unknown
  waiters: Set<() => void>
}

const MEDIA_KINDS: readonly MediaKind[] = ['audio', 'video', 'data']
const KEPT_EVENTS = 100
const KEPT_AFTER_CLOSE_MS = 30_000
const FIRST_SEEN_CAP = 10_000

const realClock: SandboxClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/**
 * Creates a sandbox that judges tokens as Agora's edge does and runs sessions:
 *
 * - **join** checks the App ID, the channel name and uid, then the token: present, decodable, for
 *   this App ID, signed by one of the app's certificates, for this channel and uid or account (or
 *   the wildcards), with neither the token nor its join privilege expired.
 * - **during a session** it raises `token-privilege-will-expire` `willExpireSeconds` before the
 *   session's end (the earlier of the token's expiry and its join privilege, and, under co-host
 *   authentication, the publish privileges in use), and `token-privilege-did-expire` at the end,
 *   which closes the session. A publish privilege that ends first stops that publication.
 * - **renewToken** accepts only a token that passes the join checks for the same channel and uid.
 * - **publish** under co-host authentication needs the publish privilege of each medium.
 *
 * Time: each token has its own sandbox clock that runs `timeScale` times faster than real time
 * from the token's issue time: sandbox now = issued + (real now − issued) × timeScale. With 1 it is
 * exactly Agora's rule. The issue time is known to the second; the sandbox refines it with when it
 * first saw the token (never earlier than the stated second, never later than its end).
 *
 * @example
 * ```ts
 * const sandbox = createSandbox({ apps: [{ appId, certificates: [certificate] }], timeScale: 4 })
 * const { sessionId } = sandbox.join({ appId, channel: 'ChannelA', token, uid: 42 })
 * ```
 */
export function createSandbox(options: SandboxOptions): Sandbox {
  const clock = options.clock ?? realClock
  const apps = new Map(options.apps.map((app) => [app.appId.toLowerCase(), app]))
  if (apps.size === 0) throw new TypeError('createSandbox: give at least one app (App ID and certificates)')
  const maxTimeScale = options.maxTimeScale ?? 100
  const defaultScale = options.timeScale ?? 1
  if (!validScale(defaultScale, maxTimeScale))
    throw new RangeError(`createSandbox: timeScale must be in (0, ${maxTimeScale}]`)
  const coHost = options.coHostAuthentication ?? false
  const warnSeconds = options.willExpireSeconds ?? 30
  const maxSessions = options.maxSessions ?? 1000
  const idleMs = options.idleMs ?? 120_000
  const sessions = new Map<string, Session>()
  const firstSeen = new Map<string, number>()

  /** This token's clock origin, real ms: its issue second, refined by when the sandbox first saw it. */
  function originOf(parsed: ParsedToken): number {
    const issued = issuedAtOf(parsed) * 1000
    let seen = firstSeen.get(parsed.signature)
    if (seen === undefined) {
      seen = clock.now()
      if (firstSeen.size >= FIRST_SEEN_CAP) firstSeen.delete(firstSeen.keys().next().value!)
      firstSeen.set(parsed.signature, seen)
    }
    return Math.min(Math.max(seen, issued), issued + 999)
  }

  const sandboxNow = (origin: number, scale: number): number => origin + (clock.now() - origin) * scale
  /** The real time, ms, at which this token's sandbox clock reads `seconds`. */
  const realAt = (token: TokenState, scale: number, seconds: number): number =>
    token.origin + (seconds * 1000 - token.origin) / scale

  function tokenState(
    token: string | null,
    session: Pick<Session, 'app' | 'channel' | 'uid' | 'scale'>,
    code: 'CAN_NOT_GET_GATEWAY_SERVER' | 'UNEXPECTED_RESPONSE',
  ): TokenState {
    let origin = 0
    const grant = judgeToken(token, {
      app: session.app,
      channel: session.channel,
      user: typeof session.uid === 'number' ? { uid: session.uid } : { account: session.uid },
      clock: (parsed) => {
        origin = originOf(parsed)
        return sandboxNow(origin, session.scale) / 1000
      },
      code,
    })
    return { grant, origin, willExpireSent: false }
  }

  function get(sessionId: string, operation: string): Session {
    const session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined
    if (session === undefined) {
      throw new SandboxError(
        'INVALID_OPERATION',
        'ERR_NOT_IN_CHANNEL',
        `${operation}: no such session (left, expired or never joined)`,
        404,
      )
    }
    session.lastSeen = clock.now()
    return session
  }

  function openSession(sessionId: string, operation: string, message: string): Session {
    const session = get(sessionId, operation)
    if (!session.open) throw new SandboxError('INVALID_OPERATION', 'ERR_NOT_IN_CHANNEL', message)
    return session
  }

  function push(session: Session, event: Omit<SessionEvent, 'seq' | 'at'>): void {
    session.events.push({ seq: ++session.seq, at: clock.now(), ...event })
    if (session.events.length > KEPT_EVENTS) session.events.splice(0, session.events.length - KEPT_EVENTS)
    for (const wake of session.waiters) wake()
  }

  function close(session: Session): void {
    session.open = false
    session.closedAt = clock.now()
    session.published.clear()
    clock.clearTimeout(session.timer)
    session.timer = undefined
    for (const wake of session.waiters) wake()
  }

  /** The session's deadlines in real ms. */
  function timing(session: Session): {
    willExpireAt: number
    didExpireAt: number
    publishEnds: Map<MediaKind, number>
  } {
    const { token, scale } = session
    const publishEnds = new Map<MediaKind, number>()
    let warnFrom = token.grant.endsAt
    if (coHost) {
      for (const kind of session.published) {
        const end = token.grant.publish[kind] ?? 0
        publishEnds.set(kind, realAt(token, scale, end))
        warnFrom = Math.min(warnFrom, end)
      }
    }
    return {
      willExpireAt: realAt(token, scale, warnFrom - warnSeconds),
      didExpireAt: realAt(token, scale, token.grant.endsAt),
      publishEnds,
    }
  }

  /** Raises what is due and sets the timer for what comes next. */
  function tick(session: Session): void {
    if (!session.open) return
    clock.clearTimeout(session.timer)
    session.timer = undefined
    const now = clock.now()
    const due = timing(session)
    if (now >= due.didExpireAt) {
      push(session, { type: 'token-privilege-did-expire' })
      close(session)
      return
    }
    const ended = [...due.publishEnds].filter(([, end]) => now >= end).map(([kind]) => kind)
    if (ended.length > 0) {
      for (const kind of ended) session.published.delete(kind)
      push(session, { type: 'publish-privilege-did-expire', kinds: ended })
    }
    if (!session.token.willExpireSent && now >= due.willExpireAt) {
      session.token.willExpireSent = true
      push(session, { type: 'token-privilege-will-expire' })
    }
    const after = timing(session)
    const next = Math.min(
      after.didExpireAt,
      ...after.publishEnds.values(),
      session.token.willExpireSent ? Infinity : after.willExpireAt,
    )
    // Timers can fire a little early; never spin on a zero delay.
    session.timer = clock.setTimeout(() => tick(session), Math.max(1, Math.ceil(next - now)))
  }

  function sweep(): void {
    const now = clock.now()
    for (const session of sessions.values()) {
      const stale = session.open ? now - session.lastSeen > idleMs : now - session.closedAt > KEPT_AFTER_CLOSE_MS
      if (stale) drop(session)
    }
    while (sessions.size >= maxSessions) {
      let oldest: Session | undefined
      for (const session of sessions.values())
        if (oldest === undefined || session.lastSeen < oldest.lastSeen) oldest = session
      drop(oldest!)
    }
  }

  function drop(session: Session): void {
    close(session)
    sessions.delete(session.id)
  }

  function publicTiming(session: Session): SessionTiming {
    const due = timing(session)
    return {
      willExpireAt: session.token.willExpireSent ? undefined : due.willExpireAt,
      didExpireAt: due.didExpireAt,
      timeScale: session.scale,
    }
  }

  return {
    join(request: JoinRequest): JoinAnswer {
      if (typeof request !== 'object' || request === null)
        throw invalidParams('ERR_INVALID_ARGUMENT', 'the join request must be an object')
      const app = typeof request.appId === 'string' ? apps.get(request.appId.toLowerCase()) : undefined
      if (app === undefined)
        throw new SandboxError(
          'CAN_NOT_GET_GATEWAY_SERVER',
          'ERR_INVALID_APP_ID',
          'the sandbox has no app with this App ID',
        )
      if (!isValidChannelName(request.channel)) {
        throw invalidParams(
          'ERR_INVALID_CHANNEL_NAME',
          'a channel name is 1..63 characters of a-z A-Z 0-9 space ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,',
        )
      }
      const requested = request.uid ?? 0
      if (!isValidUser(requested))
        throw invalidParams('ERR_INVALID_USER_ID', 'a uid is an integer in 0..4294967295, an account 1..255 bytes')
      const scale = request.timeScale ?? defaultScale
      if (!validScale(scale, maxTimeScale))
        throw invalidParams('ERR_INVALID_ARGUMENT', `timeScale must be a number in (0, ${maxTimeScale}]`)
      // Like Agora, uid 0 (or none) means "assign one"; the token must then be a wildcard.
      const uid = requested === 0 ? randomUid() : requested
      const token = tokenState(
        request.token,
        { app, channel: request.channel, uid, scale },
        'CAN_NOT_GET_GATEWAY_SERVER',
      )
      sweep()
      const now = clock.now()
      const session: Session = {
        id: randomId(),
        app,
        channel: request.channel,
        uid,
        scale,
        token,
        published: new Set(),
        events: [],
        seq: 0,
        open: true,
        closedAt: 0,
        lastSeen: now,
        timer: undefined,
        waiters: new Set(),
      }
      sessions.set(session.id, session)
      tick(session)
      return { sessionId: session.id, uid, timeScale: scale, timing: publicTiming(session) }
    },

    renewToken(sessionId: string, token: string): SessionTiming {
      const session = openSession(sessionId, 'renewToken', 'renewToken should not be called before user join')
      session.token = tokenState(token, session, 'UNEXPECTED_RESPONSE')
      // Under co-host authentication a publication the new token does not cover ends now.
      if (coHost) {
        const sandboxSeconds = sandboxNow(session.token.origin, session.scale) / 1000
        const lost = [...session.published].filter((kind) => (session.token.grant.publish[kind] ?? 0) <= sandboxSeconds)
        if (lost.length > 0) {
          for (const kind of lost) session.published.delete(kind)
          push(session, { type: 'publish-privilege-did-expire', kinds: lost })
        }
      }
      tick(session)
      return publicTiming(session)
    },

    publish(sessionId: string, kinds: readonly MediaKind[]): void {
      const session = openSession(sessionId, 'publish', "Can't publish stream, haven't joined yet!")
      if (!isKindList(kinds)) {
        throw new SandboxError(
          'INVALID_PARAMS',
          'ERR_INVALID_ARGUMENT',
          'publish takes one or more of audio, video, data',
        )
      }
      if (coHost) {
        const sandboxSeconds = sandboxNow(session.token.origin, session.scale) / 1000
        for (const kind of kinds) {
          const end = session.token.grant.publish[kind]
          const problem =
            end === undefined
              ? `the token does not grant publishing ${kind}`
              : end <= sandboxSeconds
                ? `the token's ${kind} publish privilege has expired`
                : undefined
          if (problem !== undefined)
            throw new SandboxError(
              'UNEXPECTED_RESPONSE',
              'ERR_NO_PERMISSION',
              `co-host authentication is on and ${problem}`,
            )
        }
      }
      for (const kind of kinds) session.published.add(kind)
      tick(session)
    },

    unpublish(sessionId: string, kinds?: readonly MediaKind[]): void {
      const session = openSession(sessionId, 'unpublish', "Can't unpublish stream, haven't joined yet!")
      for (const kind of kinds ?? MEDIA_KINDS) session.published.delete(kind)
      tick(session)
    },

    leave(sessionId: string): void {
      const session = sessions.get(sessionId)
      if (session !== undefined) drop(session)
    },

    events(sessionId: string, after: number): EventsAnswer {
      const session = get(sessionId, 'events')
      return { events: session.events.filter((event) => event.seq > after), open: session.open }
    },

    waitForEvents(sessionId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<EventsAnswer> {
      const session = get(sessionId, 'events')
      const ready = (): EventsAnswer | undefined => {
        const events = session.events.filter((event) => event.seq > after)
        return events.length > 0 || !session.open ? { events, open: session.open } : undefined
      }
      const now = ready()
      if (now !== undefined || timeoutMs <= 0) return Promise.resolve(now ?? { events: [], open: session.open })
      return new Promise((resolve) => {
        const finish = (): void => {
          clock.clearTimeout(timer)
          session.waiters.delete(wake)
          signal?.removeEventListener('abort', finish)
          session.lastSeen = clock.now()
          resolve(ready() ?? { events: [], open: session.open })
        }
        const wake = (): void => finish()
        const timer = clock.setTimeout(finish, timeoutMs)
        session.waiters.add(wake)
        signal?.addEventListener('abort', finish, { once: true })
      })
    },

    inspect(request: InspectRequest): InspectAnswer {
      let parsed: ParsedToken
      try {
        parsed = parseToken(request.token)
      } catch (error) {
        const code = error instanceof TokenError ? error.code : 'unknown error'
        return { appKnown: false, signature: 'malformed', detail: `the token cannot be decoded (${code})` }
      }
      const app = apps.get(parsed.appId.toLowerCase())
      if (app === undefined)
        return { appKnown: false, signature: 'unknown-app', detail: 'the sandbox has no certificate for this App ID' }
      const claims: { channelName?: string; uid?: number; account?: string; userId?: string } = {}
      if (parsed.version === '006') {
        // 006 signs the channel and uid (or the RTM user id): without them there is nothing to check.
        if (request.userId !== undefined) claims.userId = request.userId
        else if (request.channelName !== undefined && (request.uid !== undefined || request.account !== undefined)) {
          claims.channelName = request.channelName
          if (request.account !== undefined) claims.account = request.account
          else claims.uid = request.uid!
        } else {
          return {
            appKnown: true,
            signature: 'needs-claims',
            detail: 'a 006 token signs its channel and uid: give them to check the signature',
          }
        }
      }
      try {
        const { certificateIndex } = verifyToken(request.token, {
          certificates: app.certificates,
          ...claims,
          now: false,
        })
        return { appKnown: true, signature: 'valid', certificate: certificateIndex === 0 ? 'primary' : 'secondary' }
      } catch (error) {
        if (!(error instanceof TokenError)) throw error
        if (error.code === 'ERR_INVALID_ARGUMENT')
          throw invalidParams('ERR_INVALID_ARGUMENT', `${error.field ?? 'request'}: invalid value`)
        const detail =
          error.code === 'ERR_TOKEN_CLAIM_MISMATCH'
            ? `the token is not for this ${error.field === 'channelName' ? 'channel' : error.field === 'userId' ? 'user id' : 'uid'}`
            : 'no sandbox certificate produced this signature'
        return { appKnown: true, signature: 'invalid', detail }
      }
    },

    config(): SandboxConfigAnswer {
      return {
        appIds: options.apps.map((app) => app.appId),
        timeScale: defaultScale,
        maxTimeScale,
        coHostAuthentication: coHost,
        willExpireSeconds: warnSeconds,
      }
    },

    now: () => clock.now(),

    get size() {
      let open = 0
      for (const session of sessions.values()) if (session.open) open++
      return open
    },

    close(): void {
      for (const session of [...sessions.values()]) drop(session)
      firstSeen.clear()
    },
  }
}

function invalidParams(
  reason: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_CHANNEL_NAME' | 'ERR_INVALID_USER_ID',
  detail: string,
): SandboxError {
  return new SandboxError('INVALID_PARAMS', reason, detail)
}

function isKindList(kinds: unknown): kinds is readonly MediaKind[] {
  return Array.isArray(kinds) && kinds.length > 0 && kinds.every((kind) => MEDIA_KINDS.includes(kind as MediaKind))
}

function validScale(scale: unknown, max: number): scale is number {
  return typeof scale === 'number' && Number.isFinite(scale) && scale > 0 && scale <= max
}

function randomUid(): number {
  const [value] = crypto.getRandomValues(new Uint32Array(1))
  return value === 0 ? 1 : value!
}

function randomId(): string {
  return crypto.randomUUID()
}
