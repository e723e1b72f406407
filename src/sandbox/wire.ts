/**
 * The sandbox's HTTP contract: request and answer shapes shared by the routes and the browser client.
 * @module
 */

/** The media a session publishes; each needs its publish privilege under co-host authentication. */
export type MediaKind = 'audio' | 'video' | 'data'

/**
 * Why the sandbox refused, in Agora's platform error names (the native SDKs' `ERR_*` codes, with
 * their numbers in {@link SANDBOX_REASONS}).
 */
export type SandboxReason =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_APP_ID'
  | 'ERR_INVALID_CHANNEL_NAME'
  | 'ERR_INVALID_USER_ID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_INVALID_TOKEN'
  | 'ERR_NO_PERMISSION'
  | 'ERR_NOT_IN_CHANNEL'

/**
 * Each reason with Agora's error number (where the platform has one) and the text the Web SDK shows
 * for it, so a refusal reads the same in the sandbox as against Agora's edge.
 */
export const SANDBOX_REASONS: Readonly<Record<SandboxReason, { agoraCode: number | undefined; desc: string }>> = {
  ERR_INVALID_ARGUMENT: { agoraCode: 2, desc: 'invalid argument' },
  ERR_INVALID_APP_ID: { agoraCode: 101, desc: 'invalid vendor key, can not find appid' },
  ERR_INVALID_CHANNEL_NAME: { agoraCode: 102, desc: 'invalid channel name' },
  ERR_TOKEN_EXPIRED: { agoraCode: 109, desc: 'dynamic key expired' },
  ERR_INVALID_TOKEN: { agoraCode: 110, desc: 'invalid token, authorized failed' },
  ERR_NOT_IN_CHANNEL: { agoraCode: 113, desc: 'not in channel' },
  ERR_INVALID_USER_ID: { agoraCode: 121, desc: 'invalid user id' },
  ERR_NO_PERMISSION: { agoraCode: undefined, desc: 'no permission to publish' },
}

/**
 * The `AgoraRTCErrorCode` the Web SDK raises for a refusal: `CAN_NOT_GET_GATEWAY_SERVER` when a join
 * is refused by Agora's edge, `INVALID_PARAMS` for arguments the SDK itself rejects,
 * `INVALID_OPERATION` for calls in the wrong state, `UNEXPECTED_RESPONSE` for a refused renewal or
 * publication.
 */
export type SandboxErrorCode =
  'CAN_NOT_GET_GATEWAY_SERVER' | 'INVALID_PARAMS' | 'INVALID_OPERATION' | 'UNEXPECTED_RESPONSE'

/** A refusal as it travels over HTTP (the body's `error`). Never contains the token. */
export interface SandboxErrorBody {
  name: 'AgoraRTCError'
  code: SandboxErrorCode
  message: string
  data: {
    reason: SandboxReason
    agoraCode?: number
    /** The SDK's text for the reason. */
    desc: string
    /** Which check failed, in plain words: the sandbox's addition to what Agora says. */
    detail: string
  }
}

/** `POST /sandbox/rtc/join` */
export interface JoinRequest {
  appId: string
  channel: string
  token: string | null
  /** A uid (number), a user account (string), or null/0 to let the sandbox pick a uid. */
  uid?: number | string | null
  /** Sandbox seconds per real second for this session; default the sandbox's. */
  timeScale?: number
}

/** The answer to a join. */
export interface JoinAnswer {
  sessionId: string
  uid: number | string
  timeScale: number
  /** The sandbox clock's view of the token: when its session ends and when will-expire comes, real ms. */
  timing: SessionTiming
}

/** When the current token's events come, in real ms since the epoch (server clock). */
export interface SessionTiming {
  willExpireAt: number | undefined
  didExpireAt: number
  /** The scale in use. */
  timeScale: number
}

/** An event the sandbox pushes to a session. */
export interface SessionEvent {
  seq: number
  type: 'token-privilege-will-expire' | 'token-privilege-did-expire' | 'publish-privilege-did-expire'
  /** Real ms since the epoch when the sandbox raised it. */
  at: number
  /** For `publish-privilege-did-expire`: the media whose publication ended. */
  kinds?: MediaKind[]
}

/** `GET /sandbox/rtc/sessions/:id/events?after=<seq>` */
export interface EventsAnswer {
  events: SessionEvent[]
  /** False once the session is over (left or expired): stop polling. */
  open: boolean
}

/** `POST /sandbox/inspect`: does a token's signature match the sandbox's certificates? */
export interface InspectRequest {
  token: string
  /** 006 tokens sign the channel and uid, so checking one needs them. */
  channelName?: string
  uid?: number
  account?: string
  userId?: string
}

/** The answer to an inspection. Never contains a certificate. */
export interface InspectAnswer {
  /** Whether the token's App ID is one the sandbox has certificates for. */
  appKnown: boolean
  /**
   * `valid`: a configured certificate produced the signature; `invalid`: none did; `needs-claims`:
   * a 006 token, whose signature also covers the channel and uid (or RTM user id), so give them;
   * `unknown-app`: no certificate for this App ID; `malformed`: the token could not be decoded.
   */
  signature: 'valid' | 'invalid' | 'needs-claims' | 'unknown-app' | 'malformed'
  /** Which certificate matched: the primary or the secondary. */
  certificate?: 'primary' | 'secondary'
  /** A short explanation when the signature is not valid. */
  detail?: string
}

/** `GET /sandbox/config` */
export interface SandboxConfigAnswer {
  appIds: string[]
  timeScale: number
  maxTimeScale: number
  coHostAuthentication: boolean
  willExpireSeconds: number
}
