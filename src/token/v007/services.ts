/**
 * The AccessToken2 service catalogue: type numbers, privilege ids and the RTM2 permission names.
 * @module
 */

/** Service type numbers as packed on the wire (spec §3.3; 9 and 10 as in npm `agora-token` 2.0.6). */
export const SERVICE_TYPES = {
  rtc: 1,
  rtm: 2,
  streaming: 3,
  fpa: 4,
  chat: 5,
  fcdn: 6,
  apaas: 7,
  rtm2: 8,
  convoai: 9,
  stt: 10,
} as const

/** A service's name in this library. */
export type ServiceName = keyof typeof SERVICE_TYPES

/** Privilege ids per service. */
export const PRIVILEGES = {
  rtc: { joinChannel: 1, publishAudioStream: 2, publishVideoStream: 3, publishDataStream: 4 },
  rtm: { login: 1 },
  streaming: { publishMixStream: 1, publishRawStream: 2 },
  fpa: { login: 1 },
  chat: { user: 1, app: 2 },
  fcdn: { publish: 1, play: 2 },
  apaas: { roomUser: 1, user: 2, app: 3 },
  rtm2: { login: 1 },
  convoai: {},
  stt: {},
} as const satisfies Record<ServiceName, Record<string, number>>

/** The privilege names of service `S`. */
export type PrivilegeName<S extends ServiceName> = keyof (typeof PRIVILEGES)[S] & string

/**
 * Privileges to grant: name (or numeric id) → lifetime in seconds relative to the issue time.
 * 0 means the privilege has no limit of its own and lasts as long as the token.
 */
export type PrivilegeInput<S extends ServiceName> = { readonly [K in PrivilegeName<S>]?: number } & {
  readonly [id: number]: number
}

/** RTM2 resource types (spec §3.3 permission block). */
export const RTM2_RESOURCES = {
  messageChannels: 0,
  streamChannels: 1,
  groupChannels: 2,
  serverGroups: 3,
  users: 4,
} as const

/** RTM2 permission types. */
export const RTM2_PERMISSIONS = { read: 0, write: 1 } as const

/** An RTM2 resource type name. */
export type Rtm2Resource = keyof typeof RTM2_RESOURCES
/** An RTM2 permission type name. */
export type Rtm2Permission = keyof typeof RTM2_PERMISSIONS

/**
 * RTM2 permissions: resource type → permission type → resource names (kept in the given order).
 * Parsed tokens use the same shape; unknown type numbers appear as their decimal string.
 *
 * @example
 * ```ts
 * const permissions: Rtm2Permissions = { messageChannels: { read: ['lobby'] }, users: { write: ['bob'] } }
 * ```
 */
export type Rtm2Permissions = {
  readonly [R in Rtm2Resource]?: { readonly [P in Rtm2Permission]?: readonly string[] }
}

/** Finds the name for a number in a name→number table, or undefined. */
export function nameOf(table: Readonly<Record<string, number>>, value: number): string | undefined {
  for (const name in table) if (table[name] === value) return name
  return undefined
}
