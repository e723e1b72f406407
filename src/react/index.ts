/**
 * Agate for apps built on Agora's React SDK (`agate-tokens/react`): hooks that give agora-rtc-react's
 * `useJoin` a fresh token and keep the client's token fresh. Needs `react` and `agora-rtc-react`
 * (optional peer dependencies of `agate-tokens`); the rest of Agate has no framework code.
 * @module
 */
export { useFreshJoinOptions, type FreshJoinArgs, type FreshTokenOptions } from './fresh-join-options.js'
export { useTokenRenewal, type TokenRenewalOptions, type TokenRenewalStatus } from './token-renewal.js'
export {
  createTokenSource,
  TokenClientError,
  type SessionState,
  type RtcTokenEvent,
  type TokenSource,
} from '../client/index.js'
