/**
 * Agate: build, parse and verify Agora AccessToken (006) and AccessToken2 (007) tokens for every
 * service, byte-identical to Agora's reference implementations, in Node, browsers, Deno and Workers.
 * @module
 */
export { TokenError, type TokenErrorCode, type TokenErrorOptions } from './errors.js'
export type { Credentials, Reproducible, TokenVersion } from './options.js'
export { DEFAULT_EXPIRE_SECONDS } from './options.js'
export { MAX_LIFETIME_SECONDS } from './validate.js'
export { signingKeyCache, type SigningKeyCacheControl } from './signing-keys.js'
export { buildToken, type BuildTokenOptions } from './build-token.js'
export { buildRtcToken, type RtcTokenOptions, type RtcRole, type RtcPrivilegeLifetimes } from './builders/rtc.js'
export { buildRtmToken, type RtmTokenOptions } from './builders/rtm.js'
export { buildChatToken, type ChatTokenOptions } from './builders/chat.js'
export { buildApaasToken, APAAS_ROLES, type ApaasTokenOptions } from './builders/apaas.js'
export { buildFpaToken, type FpaTokenOptions } from './builders/fpa.js'
export { parseToken, type ParsedToken } from './parse-token.js'
export { verifyToken, type VerifyTokenOptions, type VerifiedToken } from './verify-token.js'
export { usableUntil, type UsableUntil } from './usable-until.js'
export type {
  ServiceSpec,
  RtcServiceSpec,
  ChannelServiceSpec,
  RtmServiceSpec,
  Rtm2ServiceSpec,
  ChatServiceSpec,
  ApaasServiceSpec,
  PlainServiceSpec,
} from './v007/build.js'
export {
  SERVICE_TYPES,
  PRIVILEGES,
  RTM2_RESOURCES,
  RTM2_PERMISSIONS,
  type ServiceName,
  type PrivilegeName,
  type PrivilegeInput,
  type Rtm2Permissions,
  type Rtm2Resource,
  type Rtm2Permission,
} from './v007/services.js'
export type {
  ParsedToken007,
  ParsedService,
  ParsedPrivilege,
  ParsedChannelService,
  ParsedUserService,
  ParsedRtm2Service,
  ParsedApaasService,
} from './v007/parse.js'
export type { ParsedToken006, ParsedPrivilege006 } from './v006/parse.js'
export { PRIVILEGES_006, ROLES_006, type Role006 } from './v006/privileges.js'
