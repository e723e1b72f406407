/**
 * Argument checks at the public boundary; each failure is `ERR_INVALID_ARGUMENT` naming the field.
 * @module
 */
import { invalidArgument } from './errors.js'
import { utf8Length } from './primitives/bytes.js'

/** The longest lifetime the modern API accepts, in seconds: Agora caps privileges at 24 hours. */
export const MAX_LIFETIME_SECONDS = 86_400

const HEX32 = /^[0-9a-fA-F]{32}$/
// Agora's documented channel-name alphabet: a-z A-Z 0-9 space ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,
const CHANNEL_CHARACTERS = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]*$/

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `a string of length ${value.length}`
  if (typeof value === 'number') return Number.isFinite(value) ? `${value}` : String(value)
  return `type ${typeof value}`
}

/** An App ID: 32 hex characters. */
export function assertAppId(value: unknown, field = 'appId'): asserts value is string {
  if (typeof value !== 'string' || !HEX32.test(value)) {
    throw invalidArgument(field, `must be 32 hexadecimal characters, got ${describe(value)}`)
  }
}

/** An App Certificate: 32 hex characters. Never echoed back, not even its length beyond that. */
export function assertCertificate(value: unknown, field = 'appCertificate'): asserts value is string {
  if (typeof value !== 'string' || !HEX32.test(value)) {
    throw invalidArgument(field, 'must be 32 hexadecimal characters')
  }
}

/** A channel name: under 64 bytes of Agora's documented characters; empty is the wildcard. */
export function assertChannelName(value: unknown, field = 'channelName'): asserts value is string {
  if (typeof value !== 'string') throw invalidArgument(field, `must be a string, got ${describe(value)}`)
  if (value.length >= 64) throw invalidArgument(field, `must be under 64 bytes, got ${value.length}`)
  if (!CHANNEL_CHARACTERS.test(value)) {
    throw invalidArgument(
      field,
      'may contain only a-z, A-Z, 0-9, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,',
    )
  }
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

/** A user account (RTC): at most 255 bytes; empty is the wildcard. */
export function assertAccount(value: unknown, field = 'account'): asserts value is string {
  assertString(value, field, 255)
}

/** An RTM user id: 1 to 64 bytes. */
export function assertRtmUserId(value: unknown, field = 'userId'): asserts value is string {
  assertString(value, field, 64)
  if (value.length === 0) throw invalidArgument(field, 'must not be empty')
}

/** A lifetime in seconds for the modern API: an integer from `min` to 24 hours. */
export function assertLifetime(value: unknown, field: string, min = 0): asserts value is number {
  assertInteger(value, field, min, MAX_LIFETIME_SECONDS)
}

/** A 32-bit unsigned field of the wire format (times, salts, compat lifetimes). */
export function assertUint32(value: unknown, field: string): asserts value is number {
  assertInteger(value, field, 0, 0xffff_ffff)
}
