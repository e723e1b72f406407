/**
 * Reading a JSON request body with a size limit.
 * @module
 */
import type { Context } from 'hono'
import { HttpError } from './errors.js'

/**
 * Reads and parses the JSON body, refusing more than `limit` bytes. A declared `Content-Length`
 * over the limit is refused before reading anything; a chunked body is counted as it arrives and
 * abandoned as soon as it passes the limit.
 *
 * Parse errors say only that the body is not JSON: JSON.parse's own message quotes the input, and
 * the input may hold something secret.
 *
 * @throws {HttpError} `payload-too-large`, `invalid-json`.
 */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const declared = c.req.header('content-length')
  let text: string
  if (declared !== undefined) {
    const length = Number(declared)
    if (!Number.isSafeInteger(length) || length < 0) throw new HttpError('invalid-request', 'Content-Length is not a number')
    if (length > limit) throw tooLarge(limit)
    // @hono/node-server reads a sized body straight from the socket (its fast path).
    text = await c.req.text()
  } else {
    text = await readLimited(c.req.raw.body, limit)
  }
  if (text.length === 0) throw new HttpError('invalid-json', 'the body is empty: send a JSON object')
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError('invalid-json', 'the body is not valid JSON')
  }
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

function tooLarge(limit: number): HttpError {
  return new HttpError('payload-too-large', `the body is larger than ${limit} bytes`)
}
