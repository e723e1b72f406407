/**
 * The token request of an RTC session: the one place its defaults (role `publisher`) are stated.
 * @module
 */
import type { RtcTokenRequest } from './endpoints.js'

/** What an RTC token request is made from. */
export interface RtcRequestOptions {
  channel: string
  /** A number is a uid; a string is a user account. */
  uid: number | string
  /** Default `publisher`. */
  role?: 'publisher' | 'subscriber' | undefined
}

/** The token request for `options`. */
export function rtcTokenRequest(options: RtcRequestOptions): RtcTokenRequest {
  const { uid } = options
  return {
    service: 'rtc',
    channelName: options.channel,
    ...(typeof uid === 'number' ? { uid } : { account: uid }),
    role: options.role ?? 'publisher',
  }
}
