/**
 * The few `node:crypto` calls the token server makes, for the Cloudflare Workers bundle (which has
 * no Node APIs): SHA-256 hashing of API keys, constant-time comparison and random bytes. The build
 * (`scripts/build-worker.mjs`) maps `node:crypto` here; Node never loads this file.
 * @module
 */
import { bytesToHex, constantTimeEqual, utf8Bytes } from '../../token/primitives/bytes.js'
import { sha256 } from '../../token/primitives/sha256.js'

type Input = string | Uint8Array

/** `createHash('sha256')`: `update` strings (UTF-8) or bytes, then `digest('hex')` or `digest()`. */
export function createHash(algorithm: string): { update(data: Input, encoding?: string): ReturnType<typeof createHash>; digest(encoding?: string): string | Uint8Array } {
  if (algorithm.toLowerCase() !== 'sha256') throw new Error(`createHash: only sha256 is available on Workers, not ${algorithm}`)
  const parts: Uint8Array[] = []
  const hash = {
    update(data: Input) {
      parts.push(typeof data === 'string' ? utf8Bytes(data) : data)
      return hash
    },
    digest(encoding?: string) {
      const total = parts.reduce((sum, part) => sum + part.byteLength, 0)
      const all = new Uint8Array(total)
      let offset = 0
      for (const part of parts) {
        all.set(part, offset)
        offset += part.byteLength
      }
      const digest = sha256(all)
      if (encoding === undefined) return digest
      if (encoding === 'hex') return bytesToHex(digest)
      throw new Error(`digest: only hex is available on Workers, not ${encoding}`)
    },
  }
  return hash
}

/** Same contract as Node's: throws on different lengths, compares in constant time otherwise. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) throw new RangeError('Input buffers must have the same byte length')
  return constantTimeEqual(a, b)
}

/** Random bytes from Web Crypto. */
export function randomBytes(size: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(size))
}
