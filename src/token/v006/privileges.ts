/**
 * AccessToken ("006") privilege ids and the legacy RTC roles.
 * @module
 */

/** 006 privilege ids (spec §2.3). Values in a 006 token are absolute Unix expiry times. */
export const PRIVILEGES_006 = {
  joinChannel: 1,
  publishAudioStream: 2,
  publishVideoStream: 3,
  publishDataStream: 4,
  administrateChannel: 101,
  rtmLogin: 1000,
} as const

/** The name of a 006 privilege. */
export type Privilege006Name = keyof typeof PRIVILEGES_006

/**
 * The 006 RTC roles. Agora documents `attendee` and `admin` as deprecated aliases of `publisher`;
 * Java and Ruby references give publish rights to subscribers instead (PR #177): we follow the docs.
 */
export const ROLES_006 = { attendee: 0, publisher: 1, subscriber: 2, admin: 101 } as const

/** A 006 RTC role name. */
export type Role006 = keyof typeof ROLES_006

/** Whether a 006 role is granted the three publish privileges. */
export function rolePublishes006(role: Role006): boolean {
  return role !== 'subscriber'
}
