/**
 * RTM (Signaling) login tokens, with or without RTM2 permissions.
 * @module
 */
import { invalidArgument } from '../errors.js'
import {
  DEFAULT_EXPIRE_SECONDS,
  lifetime,
  resolveCommon,
  type Credentials,
  type Reproducible,
  type TokenVersion,
} from '../options.js'
import { assertRtmUserId } from '../validate.js'
import { encodeToken006 } from '../v006/build.js'
import { PRIVILEGES_006 } from '../v006/privileges.js'
import { encodeToken007 } from '../v007/build.js'
import type { Rtm2Permissions } from '../v007/services.js'

/** Options of {@link buildRtmToken}. */
export interface RtmTokenOptions extends Credentials, Reproducible {
  /** The RTM user id: 1 to 64 bytes of Agora's 89 characters (as a user account), not starting with a space. */
  userId: string
  /** Token (and login) lifetime in seconds, 1 to 86400. Default 3600. */
  expire?: number
  /**
   * RTM2 resource permissions. When given, the token holds an RTM2 service (type 8), which Agora
   * must enable for the project; without them it holds a plain RTM login.
   */
  permissions?: Rtm2Permissions
  /** Default `007`. In `006` the user id goes in the channel slot, as Agora's RTM 1.x expects. */
  version?: TokenVersion
}

/**
 * Builds an RTM login token.
 *
 * @example
 * ```ts
 * import { buildRtmToken } from 'agate-tokens'
 * const token = buildRtmToken({ appId, appCertificate, userId: 'alice', expire: 3600 })
 * ```
 * @throws {TokenError} `ERR_INVALID_ARGUMENT` naming the bad field.
 */
export function buildRtmToken(options: RtmTokenOptions): string {
  const { issuedAt, salt } = resolveCommon(options)
  assertRtmUserId(options.userId)
  const expire = lifetime(options.expire, 'expire', DEFAULT_EXPIRE_SECONDS, 1)
  const version = options.version ?? '007'
  if (version === '006') {
    if (options.permissions !== undefined) throw invalidArgument('permissions', 'need AccessToken2 (version 007)')
    return encodeToken006({
      appId: options.appId,
      appCertificate: options.appCertificate,
      channelName: options.userId,
      uid: '',
      salt,
      ts: issuedAt + 86_400,
      privileges: [[PRIVILEGES_006.rtmLogin, issuedAt + expire]],
    })
  }
  if (version !== '007') throw invalidArgument('version', 'must be "006" or "007"')
  const service =
    options.permissions === undefined
      ? { type: 'rtm' as const, userId: options.userId, privileges: { login: expire } }
      : {
          type: 'rtm2' as const,
          userId: options.userId,
          permissions: options.permissions,
          privileges: { login: expire },
        }
  return encodeToken007(
    { appId: options.appId, appCertificate: options.appCertificate, issuedAt, salt, expire, services: [service] },
    { strict: true },
  )
}
