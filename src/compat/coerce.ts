/**
 * Argument conversions of the compat layer: accept what the Node references accept, byte for byte,
 * and throw a {@link TokenError} where they crash, write garbage or return `''`.
 * @module
 */
import { invalidArgument } from '../token/errors.js'

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `a string of length ${value.length}`
  if (typeof value === 'number') return String(value)
  return `type ${typeof value}`
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value
  // Node's Buffer#writeUInt32LE coerces with unary plus, so "600" (a query-string value) works there.
  if (typeof value === 'string' && value.trim() !== '') return Number(value)
  return Number.NaN
}

/**
 * A u32 wire field (a lifetime, timestamp or salt) as Node's `Buffer#writeUInt32LE` takes it: a
 * number or numeric string from 0 to 2^32-1, any fraction truncated. `undefined`, `NaN` and
 * negative values throw (Node writes 0 for the first two and throws a RangeError for the last).
 */
export function toUint32(value: unknown, field: string): number {
  const number = toNumber(value)
  if (!(number >= 0 && number < 0x1_0000_0000)) {
    throw invalidArgument(field, `must be a number from 0 to 4294967295, got ${describe(value)}`)
  }
  return Math.trunc(number)
}

/** A signed 16-bit wire field (the APaaS role), as `Buffer#writeInt16LE` takes it. */
export function toInt16(value: unknown, field: string): number {
  const number = toNumber(value)
  if (!(number > -32769 && number < 32768)) {
    throw invalidArgument(field, `must be a number from -32768 to 32767, got ${describe(value)}`)
  }
  return Math.trunc(number)
}

/** A privilege or permission type id: an integer 0..65535, or its decimal text (object keys). */
export function toUint16Id(value: unknown, field: string): number {
  const number = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 0xffff) {
    throw invalidArgument(field, `must be an integer id from 0 to 65535, got ${describe(value)}`)
  }
  return number
}

function uidText(value: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw invalidArgument(field, `a numeric uid must be an integer from 0 to 4294967295, got ${describe(value)}`)
  }
  return value === 0 ? '' : String(value)
}

/**
 * The account text of an RTC, streaming or FCDN service: numeric 0 is the wildcard `''`, other
 * numbers their decimal text, strings verbatim (`'0'` stays `'0'`). `undefined` and `null` come
 * back as `undefined` for the caller to reject or default: the Node reference would write the
 * strings "undefined" / "null" into the token.
 */
export function accountText(value: unknown, field: string): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return uidText(value, field)
  if (value === undefined || value === null) return undefined
  throw invalidArgument(field, `must be a uid number or an account string, got ${describe(value)}`)
}

/**
 * A user id as the references' `userId || ''`: a missing or falsy id is `''`, a string is kept,
 * and a number (where Node crashes on `Buffer.from(number)`) becomes its decimal text.
 */
export function userIdText(value: unknown, field: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return value === 0 || Number.isNaN(value) ? '' : uidText(value, field)
  if (value === undefined || value === null || value === false) return ''
  throw invalidArgument(field, `must be a string or a number, got ${describe(value)}`)
}

/** A string argument that is packed as is (channel names, room ids). */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalidArgument(field, `must be a string, got ${describe(value)}`)
  return value
}
