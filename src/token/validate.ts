/**
 * Argument checks at the public boundary; each failure is `ERR_INVALID_ARGUMENT` naming the field.
 * @module
 */
import { invalidArgument } from './errors.js'
import { utf8Length } from './primitives/bytes.js'
import { isNewestSigningCertificate } from './signing-keys.js'

/** The longest lifetime the modern API accepts, in seconds: Agora caps privileges at 24 hours. */
export const MAX_LIFETIME_SECONDS = 86_400

// Agora's documented alphabet of channel names, user accounts and RTM user ids (89 characters):
// a-z A-Z 0-9 space ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,
// Channel names and user accounts: https://docs.agora.io/en/Video/API%20Reference/flutter/agora_rtc_engine/RtcEngine/joinChannelWithUserAccount.html
// RTM user ids: https://pub.dev/documentation/agora_rtm/latest/agora_rtm/AgoraRtmClient/login.html
export const AGORA_CHARACTERS = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]*$/
export const AGORA_CHARACTERS_TEXT = 'a-z, A-Z, 0-9, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,'
// Agora Chat user ids: "64 characters or less", a-z 0-9 _ - . and no uppercase letters (the service
// lowercases them, so a token for "Alice" would not match the user):
// https://docs.agora.io/en/api-reference/api-ref/im/user-system-registration
export const CHAT_CHARACTERS = /^[a-z0-9_.-]*$/

/**
 * Whether `value` is 32 hexadecimal characters. A loop, not a RegExp: V8 keeps the last RegExp
 * input reachable (`RegExp.input`), and a certificate must not stay behind that way.
 */
export function isHex32(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 32) return false
  for (let i = 0; i < 32; i++) {
    const c = value.charCodeAt(i) | 0x20 // ASCII letters to lowercase; digits keep their codes
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false
  }
  return true
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `a string of length ${value.length}`
  if (typeof value === 'number') return Number.isFinite(value) ? `${value}` : String(value)
  return `type ${typeof value}`
}

/** The App ID that passed last: a server mints with one, and checks it once. Not a secret. */
let lastAppId: string | undefined

/** An App ID: 32 hex characters. */
export function assertAppId(value: unknown, field = 'appId'): asserts value is string {
  if (value === lastAppId && value !== undefined) return
  if (!isHex32(value)) {
    throw invalidArgument(field, `must be 32 hexadecimal characters, got ${describe(value)}`)
  }
  lastAppId = value
}

/** An App Certificate: 32 hex characters. Never echoed back, not even its length beyond that. */
export function assertCertificate(value: unknown, field = 'appCertificate'): asserts value is string {
  // The certificate signed with last passed this check when it was first used: a server mints with
  // one, and the check walks 32 characters. The cache's own entry is the reference, so nothing here
  // keeps a certificate.
  if (isNewestSigningCertificate(value)) return
  if (!isHex32(value)) {
    throw invalidArgument(field, 'must be 32 hexadecimal characters')
  }
}

/** A channel name: under 64 bytes of Agora's documented characters; empty is the wildcard. */
export function assertChannelName(value: unknown, field = 'channelName'): asserts value is string {
  if (typeof value !== 'string') throw invalidArgument(field, `must be a string, got ${describe(value)}`)
  if (value.length >= 64) throw invalidArgument(field, `must be under 64 bytes, got ${value.length}`)
  if (!AGORA_CHARACTERS.test(value)) throw invalidArgument(field, `may contain only ${AGORA_CHARACTERS_TEXT}`)
}

/** An integer in `min..max`. */
export function assertInteger(value: unknown, field: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, `must be an integer from ${min} to ${max}, got ${describe(value)}`)
  }
}

/** A numeric uid: an unsigned 32-bit integer; 0 is the wildcard. */
export function assertUid(value: unknown, field = 'uid'): asserts value is number {
  assertInteger(value, field, 0, 0xffff_ffff)
}

/** A string of at most `maxBytes` UTF-8 bytes. */
export function assertString(value: unknown, field: string, maxBytes: number): asserts value is string {
  if (typeof value !== 'string') throw invalidArgument(field, `must be a string, got ${describe(value)}`)
  const length = utf8Length(value)
  if (length > maxBytes) throw invalidArgument(field, `must be at most ${maxBytes} bytes, got ${length}`)
}

/**
 * A user account (RTC string uid): at most 255 bytes of Agora's 89 characters (the alphabet of
 * channel names; see the links above); empty is the wildcard, as uid 0 is.
 */
export function assertAccount(value: unknown, field = 'account'): asserts value is string {
  assertAgoraText(value, field, 255)
}

/**
 * An RTM user id: 1 to 64 bytes of Agora's 89 characters, not starting with a space (RTM's login
 * docs, linked above). Those docs say "less than 64 bytes", the token builders' "at most 64 bytes";
 * we take the builders' bound. Also the rule for an APaaS `userUuid`, which logs in to RTM.
 */
export function assertRtmUserId(value: unknown, field = 'userId'): asserts value is string {
  assertAgoraText(value, field, 64)
  if (value.length === 0) throw invalidArgument(field, 'must not be empty')
  if (value.charCodeAt(0) === 0x20) throw invalidArgument(field, 'must not start with a space')
}

/** An Agora Chat user id: 1 to 64 characters of a-z, 0-9, "_", "-" and "." (see the link above). */
export function assertChatUserId(value: unknown, field = 'userId'): asserts value is string {
  if (typeof value !== 'string') throw invalidArgument(field, `must be a string, got ${describe(value)}`)
  if (value.length === 0) throw invalidArgument(field, 'must not be empty')
  if (!CHAT_CHARACTERS.test(value)) {
    throw invalidArgument(field, 'may contain only a-z, 0-9, "_", "-" and "." (Agora Chat user ids have no capitals)')
  }
  if (value.length > 64) throw invalidArgument(field, `must be at most 64 characters, got ${value.length}`)
}

/**
 * A Flexible Classroom room id: it is also the RTC and RTM channel name, so 1 to 63 characters of
 * the channel alphabet ("less than 64 characters":
 * https://docs.agora.io/en/flexible-classroom/restful-api/classroom-api).
 */
export function assertRoomUuid(value: unknown, field = 'roomUuid'): asserts value is string {
  assertChannelName(value, field)
  if (value.length === 0) throw invalidArgument(field, 'must not be empty')
}

/** A string of Agora's 89 characters, at most `maxBytes` long (each of them is one byte). */
function assertAgoraText(value: unknown, field: string, maxBytes: number): asserts value is string {
  if (typeof value !== 'string') throw invalidArgument(field, `must be a string, got ${describe(value)}`)
  if (!AGORA_CHARACTERS.test(value)) throw invalidArgument(field, `may contain only ${AGORA_CHARACTERS_TEXT}`)
  if (value.length > maxBytes) throw invalidArgument(field, `must be at most ${maxBytes} bytes, got ${value.length}`)
}

/** A lifetime in seconds for the modern API: an integer from `min` to 24 hours. */
export function assertLifetime(value: unknown, field: string, min = 0): asserts value is number {
  assertInteger(value, field, min, MAX_LIFETIME_SECONDS)
}

/** A 32-bit unsigned field of the wire format (times, salts, compat lifetimes). */
export function assertUint32(value: unknown, field: string): asserts value is number {
  assertInteger(value, field, 0, 0xffff_ffff)
}
