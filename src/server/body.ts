/**
 * JSON request bodies with a size limit: the rules both exchanges apply (a declared length over
 * the limit is refused before reading, a body is counted as it arrives, parse errors never quote
 * the input) and the Hono side's reader.
 * @module
 */
import type { Context } from 'hono'
import { HttpError } from './errors.js'

/**
 * Checks a declared `Content-Length` against the limit.
 * @throws {HttpError} `invalid-request` when it is not a number, `payload-too-large` past `limit`.
 */
export function checkDeclaredLength(declared: string, limit: number): void {
  const length = Number(declared)
  if (!Number.isSafeInteger(length) || length < 0)
    throw new HttpError('invalid-request', 'Content-Length is not a number')
  if (length > limit) throw tooLarge(limit)
}

/**
 * Parses a body's text. A leading byte-order mark is dropped, as fetch's `text()` drops it. Parse
 * errors say only that the body is not JSON: JSON.parse's own message quotes the input, and the
 * input may hold something secret.
 * @throws {HttpError} `invalid-json`.
 */
export function parseJsonBody(text: string): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (json.length === 0) throw new HttpError('invalid-json', 'the body is empty: send a JSON object')
  try {
    return JSON.parse(json)
  } catch {
    throw new HttpError('invalid-json', 'the body is not valid JSON')
  }
}

/** The error for a body past the limit. */
export function tooLarge(limit: number): HttpError {
  return new HttpError('payload-too-large', `the body is larger than ${limit} bytes`)
}

/**
 * Reads and parses a Hono request's JSON body, refusing more than `limit` bytes. A chunked body is
 * abandoned as soon as it passes the limit.
 *
 * @throws {HttpError} `payload-too-large`, `invalid-json`, `invalid-request`.
 */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const declared = c.req.header('content-length')
  if (declared !== undefined) {
    checkDeclaredLength(declared, limit)
    // @hono/node-server reads a sized body straight from the socket (its fast path).
    return parseJsonBody(await c.req.text())
  }
  return parseJsonBody(await readLimited(c.req.raw.body, limit))
}

async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (body === null) return ''
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(bytes)
}
