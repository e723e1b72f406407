/**
 * When a token stops letting its holder join: the one rule behind every "expires" Agate shows.
 * @module
 */
import type { ParsedToken } from './parse-token.js'

/** What {@link usableUntil} finds; times are Unix seconds. */
export interface UsableUntil {
  /**
   * When the token stops being usable: for a token that grants joining an RTC channel, the earlier of
   * its join privilege's end and the token's own end; for any other token, the token's own end.
   */
  until: number
  /** The token's own end: the message `ts` of a 006 token, `issuedAt + expire` of a 007 token. */
  tokenExpiresAt: number
  /**
   * When the RTC join privilege ends, never later than the token (a privilege with no limit of its
   * own ends with the token); undefined when the token grants no join (an RTM or Chat token, say).
   */
  joinExpiresAt: number | undefined
  /** `'join-privilege'` when the join privilege ends strictly before the token, else `'token'`. */
  limitedBy: 'join-privilege' | 'token'
}

/**
 * When a parsed token stops letting its holder join, and the two times that rule weighs.
 *
 * A 006 token carries two ends: the message `ts` (build time + 24 h in every reference builder) and
 * an absolute time per privilege. Agora refuses a join once either has passed, so a 006 token built
 * for one hour stops letting its holder join after that hour, though its `ts` is a day ahead. A 007
 * token's privileges are already capped by the token's lifetime when parsed. For a token with
 * several RTC services (rare), the first one's join privilege is taken.
 *
 * @example
 * ```ts
 * import { parseToken, usableUntil } from 'agate-tokens'
 * const { until, tokenExpiresAt, limitedBy } = usableUntil(parseToken(token))
 * if (limitedBy === 'join-privilege') console.log(`joins until ${until}; the token itself lasts until ${tokenExpiresAt}`)
 * ```
 */
export function usableUntil(token: ParsedToken): UsableUntil {
  const tokenExpiresAt = token.expiresAt
  const joinExpiresAt = joinPrivilegeEnd(token)
  const limitedBy = joinExpiresAt !== undefined && joinExpiresAt < tokenExpiresAt ? 'join-privilege' : 'token'
  return { until: joinExpiresAt ?? tokenExpiresAt, tokenExpiresAt, joinExpiresAt, limitedBy }
}

function joinPrivilegeEnd(token: ParsedToken): number | undefined {
  if (token.version === '007') {
    const rtc = token.services.find((service) => service.type === 'rtc')
    return rtc?.privileges.find((privilege) => privilege.name === 'joinChannel')?.expiresAt
  }
  const join = token.privileges.find((privilege) => privilege.name === 'joinChannel')
  if (join === undefined) return undefined
  // 006 privilege times are absolute; 0 means "as long as the token".
  return join.expiresAt === 0 ? token.expiresAt : Math.min(join.expiresAt, token.expiresAt)
}
