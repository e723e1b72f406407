/**
 * Agate's browser helper (`agate-tokens/client`): fetch fresh tokens from a token server and keep an Agora
 * RTC or RTM client's token fresh. Browser code only: no Node APIs and no secrets.
 * @module
 */
export { TokenClientError, type TokenClientErrorCode, type TokenClientErrorOptions } from './errors.js'
export {
  createTokenSource,
  DEFAULT_MIN_VALIDITY_SECONDS,
  type TokenSource,
  type TokenFetcher,
  type TokenSourceOptions,
  type GetTokenOptions,
  type RetryInfo,
} from './token-source.js'
export type { TokenRequest, RtcTokenRequest, RtmTokenRequest, EndpointKind } from './endpoints.js'
export { backoffDelay, type BackoffOptions } from './backoff.js'
export { checkToken, type TokenExpectation, type TokenFacts, type CheckTokenOptions } from './check-token.js'
export {
  keepRtcTokenFresh,
  type RtcClientLike,
  type RtcTokenSession,
  type RtcTokenSessionOptions,
  type RtcTokenEvent,
  type RtcPhase,
  type RtcStopReason,
} from './rtc-session.js'
export {
  keepRtmTokenFresh,
  type RtmClientLike,
  type RtmTokenSession,
  type RtmTokenSessionOptions,
  type RtmTokenEvent,
  type RtmPhase,
  type RtmStopReason,
} from './rtm-session.js'
export { DEFAULT_JOIN_TIMEOUT_MS, type SessionState } from './lifecycle.js'
export type { Listener } from './emitter.js'
