/**
 * Chat user and app tokens.
 * @module
 */
import { DEFAULT_EXPIRE_SECONDS, lifetime, resolveCommon, type Credentials, type Reproducible } from '../options.js'
import { assertChatUserId } from '../validate.js'
import { invalidArgument } from '../errors.js'
import { encodeToken007 } from '../v007/build.js'

/** Options of {@link buildChatToken}. */
export interface ChatTokenOptions extends Credentials, Reproducible {
  /**
   * The Chat user id (a user token): 1 to 64 characters of a-z, 0-9, `_`, `-` and `.`, as Agora Chat
   * defines it. Leave it out for an app token (server REST calls).
   */
  userId?: string
  /** Lifetime in seconds, 1 to 86400. Default 3600. */
  expire?: number
}

/**
 * Builds a Chat token: a user token when `userId` is given, else an app token.
 *
 * @example
 * ```ts
 * import { buildChatToken } from 'agate-tokens'
 * const userToken = buildChatToken({ appId, appCertificate, userId: 'alice' })
 * const appToken = buildChatToken({ appId, appCertificate })
 * ```
 * @throws {TokenError} `ERR_INVALID_ARGUMENT` naming the bad field.
 */
export function buildChatToken(options: ChatTokenOptions): string {
  const { issuedAt, salt } = resolveCommon(options)
  const expire = lifetime(options.expire, 'expire', DEFAULT_EXPIRE_SECONDS, 1)
  let service
  if (options.userId === undefined) {
    service = { type: 'chat' as const, userId: '', privileges: { app: expire } }
  } else {
    if (options.userId === '') throw invalidArgument('userId', 'must not be empty; leave it out for an app token')
    assertChatUserId(options.userId)
    service = { type: 'chat' as const, userId: options.userId, privileges: { user: expire } }
  }
  return encodeToken007(
    { appId: options.appId, appCertificate: options.appCertificate, issuedAt, salt, expire, services: [service] },
    { strict: true },
  )
}
