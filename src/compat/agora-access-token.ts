/**
 * Drop-in replacement for npm `agora-access-token` 2.0.4 (AccessToken "006", ABSOLUTE expiry
 * timestamps): the same exported names and call signatures, on Agate's encoder. See
 * docs/compat.md for the deliberate differences (a fresh salt per token; we throw a `TokenError`
 * where the reference signs bad input).
 * @module
 */
import { invalidArgument } from '../token/errors.js'
import { encodeNow006, priviledges } from './access-token.js'
import { toUint32, userIdText } from './coerce.js'

export { TokenError, type TokenErrorCode } from '../token/errors.js'
/** The signing-key cache the drop-in shares with the modern API; see its TSDoc in 'agate-tokens'. */
export { signingKeyCache, type SigningKeyCacheControl } from '../token/signing-keys.js'
export { AccessToken, priviledges } from './access-token.js'

/**
 * The 006 RTC roles. `ATTENDEE` and `ADMIN` are deprecated and publish like `PUBLISHER`;
 * `SUBSCRIBER` may only join (enforced only with co-host authentication).
 *
 * @example
 * ```ts
 * import { RtcRole, RtcTokenBuilder } from 'agate-tokens/compat/agora-access-token'
 * RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, 'ChannelA', 42, RtcRole.PUBLISHER, expiresAt)
 * ```
 */
export const RtcRole: {
  readonly ATTENDEE: number
  readonly PUBLISHER: number
  readonly SUBSCRIBER: number
  readonly ADMIN: number
} = { ATTENDEE: 0, PUBLISHER: 1, SUBSCRIBER: 2, ADMIN: 101 }

/**
 * The 006 RTM role (the only one).
 *
 * @example
 * ```ts
 * import { RtmRole, RtmTokenBuilder } from 'agate-tokens/compat/agora-access-token'
 * RtmTokenBuilder.buildToken(appId, appCertificate, 'alice', RtmRole.Rtm_User, expiresAt)
 * ```
 */
export const RtmRole: { readonly Rtm_User: number } = { Rtm_User: 1 }

/** agora-access-token compares roles with `==` (`role == Role.ATTENDEE || …`): "1" publishes too. */
function publishes(role: unknown): boolean {
  return role == 0 || role == 1 || role == 101
}

/**
 * RTC tokens (AccessToken 006). `privilegeExpiredTs` is an ABSOLUTE Unix time (0 = no expiry of
 * its own); the token's own `ts` is now + 24 h, as in the reference.
 *
 * @example
 * ```ts
 * import { RtcRole, RtcTokenBuilder } from 'agate-tokens/compat/agora-access-token'
 * const expiresAt = Math.floor(Date.now() / 1000) + 3600
 * const token = RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, 'ChannelA', 42, RtcRole.PUBLISHER, expiresAt)
 * ```
 */
export class RtcTokenBuilder {
  /** An RTC token for a numeric uid (0 = any uid): join, plus publish for every role but SUBSCRIBER. */
  static buildTokenWithUid(
    appID: string,
    appCertificate: string,
    channelName: string,
    uid: number,
    role: number,
    privilegeExpiredTs: number,
  ): string {
    return RtcTokenBuilder.buildTokenWithAccount(appID, appCertificate, channelName, uid, role, privilegeExpiredTs)
  }

  /** As {@link RtcTokenBuilder.buildTokenWithUid}, for a string user account. */
  static buildTokenWithAccount(
    appID: string,
    appCertificate: string,
    channelName: string,
    account: string | number,
    role: number,
    privilegeExpiredTs: number,
  ): string {
    const expiresAt = toUint32(privilegeExpiredTs, 'privilegeExpiredTs')
    const privileges: Array<[number, number]> = publishes(role)
      ? [
          [priviledges.kJoinChannel, expiresAt],
          [priviledges.kPublishAudioStream, expiresAt],
          [priviledges.kPublishVideoStream, expiresAt],
          [priviledges.kPublishDataStream, expiresAt],
        ]
      : [[priviledges.kJoinChannel, expiresAt]]
    return encodeNow006(appID, appCertificate, channelName, account, privileges)
  }
}

/**
 * RTM tokens (AccessToken 006): the user account goes in the channel slot, the uid is `''`.
 *
 * @example
 * ```ts
 * import { RtmRole, RtmTokenBuilder } from 'agate-tokens/compat/agora-access-token'
 * const token = RtmTokenBuilder.buildToken(appId, appCertificate, 'alice', RtmRole.Rtm_User, expiresAt)
 * ```
 */
export class RtmTokenBuilder {
  /** RTM login for `account` (a number becomes its decimal text) until `privilegeExpiredTs`; `role` is ignored. */
  static buildToken(
    appID: string,
    appCertificate: string,
    account: string | number,
    role: number,
    privilegeExpiredTs: number,
  ): string {
    void role
    const expiresAt = toUint32(privilegeExpiredTs, 'privilegeExpiredTs')
    // The reference crashes on a missing account; an empty one would be a token for user "".
    if (account === undefined || account === null) throw invalidArgument('account', 'is missing')
    return encodeNow006(appID, appCertificate, userIdText(account, 'account'), '', [[priviledges.kRtmLogin, expiresAt]])
  }
}
