/**
 * Request schemas shared by the routes (zod; the OpenAPI document is generated from the same
 * schemas), and the one function that turns a validation failure into a 400 naming the field.
 * @module
 */
import { z } from 'zod'
import { AGORA_CHARACTERS, AGORA_CHARACTERS_TEXT, CHAT_CHARACTERS } from '../../token/validate.js'
import { HttpError } from '../errors.js'

/** Agora's channel-name alphabet (the library checks the same, and the byte length). */
export const CHANNEL_CHARACTERS = /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]*$/
const CHANNEL_MESSAGE = 'may contain only a-z, A-Z, 0-9, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,'

/** A channel name: under 64 characters of Agora's alphabet; "" is the wildcard (any channel). */
export const channelName = z
  .string({ error: 'must be a string' })
  .max(63, { error: 'must be under 64 characters' })
  .regex(CHANNEL_CHARACTERS, { error: CHANNEL_MESSAGE })
  .meta({
    description:
      'Channel name: under 64 characters of a-z A-Z 0-9 space ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ , ("" = any channel)',
  })

const UID_MESSAGE = 'must be an integer from 0 to 4294967295'
/** A numeric uid: 0 to 2^32-1; 0 is the wildcard (any uid). */
export const uid = z
  .number({ error: UID_MESSAGE })
  .int({ error: UID_MESSAGE })
  .min(0, { error: UID_MESSAGE })
  .max(4_294_967_295, { error: UID_MESSAGE })
  .meta({ description: 'Numeric uid, 0 to 4294967295 (0 = any uid)' })

// The identifiers follow the library's rules (src/token/validate.ts, which cites Agora's pages):
// the server says what is wrong before the library is called, naming the request's own field.
const AGORA_MESSAGE = `may contain only ${AGORA_CHARACTERS_TEXT}`

/** A user account (string uid): at most 255 of Agora's 89 characters; "" is the wildcard. */
export const account = z
  .string({ error: 'must be a string' })
  .max(255, { error: 'must be at most 255 characters' })
  .regex(AGORA_CHARACTERS, { error: AGORA_MESSAGE })
  .meta({
    description: `User account (string uid), at most 255 characters of ${AGORA_CHARACTERS_TEXT} ("" = any user)`,
  })

/** An RTM user id: 1 to 64 of Agora's 89 characters, not starting with a space. */
export const rtmUserId = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(64, { error: 'must be at most 64 characters' })
  .regex(AGORA_CHARACTERS, { error: AGORA_MESSAGE })
  .regex(/^(?! )/, { error: 'must not start with a space' })
  .meta({ description: `RTM user id: 1 to 64 characters of ${AGORA_CHARACTERS_TEXT}, not starting with a space` })

/** An Agora Chat user id: 1 to 64 characters of a-z, 0-9, "_", "-" and ".". */
export const chatUserId = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(64, { error: 'must be at most 64 characters' })
  .regex(CHAT_CHARACTERS, {
    error: 'may contain only a-z, 0-9, "_", "-" and "." (Agora Chat user ids have no capitals)',
  })
  .meta({ description: 'Chat user id: 1 to 64 characters of a-z 0-9 _ - .' })

/** A Flexible Classroom room id: also the room's channel name, so 1 to 63 of its characters. */
export const roomUuid = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(63, { error: 'must be under 64 characters' })
  .regex(AGORA_CHARACTERS, { error: AGORA_MESSAGE })
  .meta({ description: `Flexible Classroom room id: 1 to 63 characters of ${AGORA_CHARACTERS_TEXT}` })

/** A Flexible Classroom user id: the user's RTM login, so an RTM user id. */
export const userUuid = rtmUserId.meta({
  description: 'Flexible Classroom user id: an RTM user id (1 to 64 characters, no leading space)',
})

const LIFETIME_MESSAGE = 'must be an integer number of seconds from 1 to 86400'
/** A lifetime in seconds: 1 to 24 hours. */
export const lifetime = z
  .number({ error: LIFETIME_MESSAGE })
  .int({ error: LIFETIME_MESSAGE })
  .min(1, { error: LIFETIME_MESSAGE })
  .max(86_400, { error: LIFETIME_MESSAGE })
  .meta({ description: 'Seconds from now, 1 to 86400' })

/** `006` or `007`. */
export const version = z.enum(['006', '007'], { error: 'must be "006" or "007"' })

/**
 * Validates `value` with `schema`.
 * @throws {HttpError} `invalid-argument` with the first problem as `<field>: <message>`, e.g.
 * `rtc.uid: must be an integer from 0 to 4294967295` or `rtc.channel: is not a known field`.
 * Messages describe the problem and never repeat the value.
 */
export function validate<T>(schema: z.ZodType<T>, value: unknown, root = ''): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const path = issue.path.map(String)
  let message = issue.message
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!
    // Name a mistyped field (the common case), but repeat only what looks like a field name: a
    // caller's key could be anything, a secret included.
    if (/^[A-Za-z][A-Za-z0-9_]{0,23}$/.test(key)) {
      path.push(key)
      message = 'is not a known field'
    } else {
      message = 'has a field that is not known'
    }
  } else if (issue.code !== 'custom' && path.length > 0 && valueAt(value, path) === undefined) {
    message = 'is required'
  }
  const field = [root, ...path].filter((part) => part !== '').join('.')
  if (field === '') throw new HttpError('invalid-argument', message)
  throw new HttpError('invalid-argument', `${field}: ${message}`, { field })
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/**
 * Renames the keys of a JSON object to their canonical spelling, matching case-insensitively (Go's
 * `encoding/json` does so, and the docs' own web client sends `channelName` for `ChannelName`).
 * Unknown keys are dropped, as Go drops them.
 * @throws {HttpError} when the body is not an object, or names a field twice in different cases.
 */
export function canonicalKeys(body: unknown, canonical: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError('invalid-argument', 'the body must be a JSON object')
  }
  const byKey = keyIndex(canonical)
  const result: Record<string, unknown> = {}
  for (const key of Object.keys(body)) {
    // Most callers spell the keys as documented: those are found without lower-casing them.
    const name = byKey.get(key) ?? byKey.get(key.toLowerCase())
    if (name === undefined) continue
    if (Object.hasOwn(result, name)) {
      throw new HttpError('invalid-argument', `${name}: is given twice (keys match case-insensitively)`, {
        field: name,
      })
    }
    result[name] = (body as Record<string, unknown>)[key]
  }
  return result
}

/** Each route's key list, lower-cased once, and as given: the lookup runs for every key of every request. */
const keyIndexes = new WeakMap<readonly string[], ReadonlyMap<string, string>>()

function keyIndex(canonical: readonly string[]): ReadonlyMap<string, string> {
  let index = keyIndexes.get(canonical)
  if (index === undefined) {
    index = new Map(canonical.flatMap((name) => [[name.toLowerCase(), name] as const, [name, name] as const]))
    keyIndexes.set(canonical, index)
  }
  return index
}
