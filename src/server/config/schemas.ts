/**
 * Value schemas shared by the settings: what environment text (or a config file's JSON value) may
 * hold, with the messages a bad value gets.
 * @module
 */
import { z } from 'zod'

/** An integer from `min` to `max`, given as a number or as decimal text. */
export function integer(min: number, max: number): z.ZodType<number> {
  const message = `must be an integer from ${min} to ${max}`
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message }),
  )
}

/** `true`/`false`, also as `1`/`0`, `yes`/`no`, `on`/`off`. */
export const boolean: z.ZodType<boolean> = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value
    const word = value.trim().toLowerCase()
    if (['true', '1', 'yes', 'on'].includes(word)) return true
    if (['false', '0', 'no', 'off'].includes(word)) return false
    return value
  },
  z.boolean({ error: 'must be true or false' }),
)

/** A comma-separated list (or a JSON array in the config file). */
export const list: z.ZodType<string[]> = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '')
      : value,
  z.array(z.string().min(1), { error: 'must be a comma-separated list' }).min(1, { error: 'must not be empty' }),
)

/** One of `words`, with a message listing them. */
export function oneOf<const T extends readonly [string, ...string[]]>(words: T): z.ZodType<T[number]> {
  const last = words.length > 1 ? ` or ${words[words.length - 1]}` : ''
  return z.enum(words, { error: `must be ${words.slice(0, -1).join(', ') || words[0]}${last}` })
}

export const version = z.enum(['006', '007'], { error: 'must be "006" or "007"' })
export const hex32 = z.string().regex(/^[0-9a-fA-F]{32}$/, { error: 'must be 32 hexadecimal characters' })
export const text = z.string().min(1)
