/**
 * Flexible Classroom (APaaS, formerly Education) room-user, user and app tokens.
 * @module
 */
import { invalidArgument } from '../errors.js'
import { DEFAULT_EXPIRE_SECONDS, lifetime, resolveCommon, type Credentials, type Reproducible } from '../options.js'
import { utf8Bytes } from '../primitives/bytes.js'
import { md5Hex } from '../primitives/md5.js'
import { assertInteger, assertRoomUuid, assertRtmUserId } from '../validate.js'
import { encodeToken007, type ServiceSpec } from '../v007/build.js'

/** Flexible Classroom roles (AgoraIO/Tools PR #215): a name or the number itself. */
export const APAAS_ROLES = { invisible: 0, teacher: 1, student: 2, assistant: 3, observer: 4 } as const

/** Options of {@link buildApaasToken}. */
export interface ApaasTokenOptions extends Credentials, Reproducible {
  /**
   * The room. With `userUuid`, builds a room-user token. It is also the room's channel name, so
   * 1 to 63 characters of Agora's channel-name alphabet.
   */
  roomUuid?: string
  /**
   * The user. Alone, builds a user token; with neither, an app token. It is the user's RTM login
   * id, so it follows RTM's user-id rules (1 to 64 bytes of Agora's characters, no leading space):
   * Agora documents no rule of its own for it.
   */
  userUuid?: string
  /** The user's role in the room; required for room-user tokens, not allowed otherwise. */
  role?: keyof typeof APAAS_ROLES | number
  /** Lifetime in seconds, 1 to 86400. Default 3600. */
  expire?: number
}

/**
 * Builds an APaaS / Education token. A room-user token holds RTM login for the user, Chat for
 * `md5(userUuid)` and the room privilege, all for `expire` seconds (the documented semantics; the
 * Node reference leaves the room privilege out and Java misplaces the Chat one).
 *
 * @example
 * ```ts
 * import { buildApaasToken } from 'agate-tokens'
 * const token = buildApaasToken({ appId, appCertificate, roomUuid: 'room-1', userUuid: 'alice', role: 'teacher' })
 * ```
 * @throws {TokenError} `ERR_INVALID_ARGUMENT` naming the bad field.
 */
export function buildApaasToken(options: ApaasTokenOptions): string {
  const { issuedAt, salt } = resolveCommon(options)
  const expire = lifetime(options.expire, 'expire', DEFAULT_EXPIRE_SECONDS, 1)
  const { roomUuid, userUuid } = options
  let services: ServiceSpec[]
  if (roomUuid !== undefined) {
    assertRoomUuid(roomUuid)
    if (userUuid === undefined) throw invalidArgument('userUuid', 'is needed with roomUuid (a room-user token)')
    assertRtmUserId(userUuid, 'userUuid')
    const role = apaasRole(options.role)
    services = [
      { type: 'apaas', roomUuid, userUuid, role, privileges: { roomUser: expire } },
      { type: 'rtm', userId: userUuid, privileges: { login: expire } },
      { type: 'chat', userId: md5Hex(utf8Bytes(userUuid)), privileges: { user: expire } },
    ]
  } else if (userUuid !== undefined) {
    assertRtmUserId(userUuid, 'userUuid')
    if (options.role !== undefined) throw invalidArgument('role', 'applies to room-user tokens only; give roomUuid')
    services = [{ type: 'apaas', roomUuid: '', userUuid, role: -1, privileges: { user: expire } }]
  } else {
    if (options.role !== undefined) throw invalidArgument('role', 'applies to room-user tokens only; give roomUuid')
    services = [{ type: 'apaas', roomUuid: '', userUuid: '', role: -1, privileges: { app: expire } }]
  }
  return encodeToken007(
    { appId: options.appId, appCertificate: options.appCertificate, issuedAt, salt, expire, services },
    { strict: true },
  )
}

function apaasRole(role: ApaasTokenOptions['role']): number {
  if (role === undefined)
    throw invalidArgument(
      'role',
      `is needed for a room-user token (${Object.keys(APAAS_ROLES).join(', ')} or a number)`,
    )
  if (typeof role === 'string') {
    if (!Object.hasOwn(APAAS_ROLES, role))
      throw invalidArgument('role', `must be one of ${Object.keys(APAAS_ROLES).join(', ')} or a number`)
    return APAAS_ROLES[role]
  }
  assertInteger(role, 'role', -32768, 32767)
  return role
}
