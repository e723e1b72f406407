/**
 * The low-level AccessToken2 builder: any services, as data.
 * @module
 */
import { resolveCommon, type Credentials, type Reproducible } from './options.js'
import { assertLifetime } from './validate.js'
import { encodeToken007, type ServiceSpec } from './v007/build.js'

/** Options of {@link buildToken}. */
export interface BuildTokenOptions extends Credentials, Reproducible {
  /** Token lifetime in seconds, 1 to 86400. */
  expire: number
  /** The services, in any order: they are packed sorted by type, as Agora's references do. */
  services: readonly ServiceSpec[]
}

/**
 * Builds an AccessToken2 (`007…`) holding any combination of services. Privilege lifetimes are
 * seconds from the issue time (0 = as long as the token), each at most 24 hours.
 *
 * @example
 * ```ts
 * import { buildToken } from 'agate-tokens'
 * const token = buildToken({
 *   appId, appCertificate, expire: 3600,
 *   services: [
 *     { type: 'rtc', channelName: 'ChannelA', uid: 42, privileges: { joinChannel: 3600 } },
 *     { type: 'rtm', userId: 'alice', privileges: { login: 3600 } },
 *   ],
 * })
 * ```
 * @throws {TokenError} `ERR_INVALID_ARGUMENT` naming the bad field.
 */
export function buildToken(options: BuildTokenOptions): string {
  const { issuedAt, salt } = resolveCommon(options)
  const expire = options.expire
  assertLifetime(expire, 'expire', 1)
  return encodeToken007(
    {
      appId: options.appId,
      appCertificate: options.appCertificate,
      issuedAt,
      salt,
      expire,
      services: options.services,
    },
    { strict: true },
  )
}
