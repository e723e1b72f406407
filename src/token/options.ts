/**
 * Option types shared by the builders, and how their defaults are resolved.
 * @module
 */
import { invalidArgument } from './errors.js'
import { randomSalt } from './primitives/random.js'
import { assertInteger, assertLifetime, assertUint32 } from './validate.js'

/** Token format: AccessToken2 (`007`, the default) or the legacy AccessToken (`006`). */
export type TokenVersion = '006' | '007'

/** The project's credentials from Agora Console. */
export interface Credentials {
  /** The App ID: 32 hexadecimal characters. */
  appId: string
  /** The App Certificate: 32 hexadecimal characters. Keep it on the server. */
  appCertificate: string
}

/**
 * Inputs that make a build reproducible. Leave them out in production: the issue time defaults to
 * now and the salt to a cryptographically random value.
 */
export interface Reproducible {
  /** Issue time, Unix seconds. Default: now. */
  issuedAt?: number
  /** Salt, 1..2^32-1. Default: random. */
  salt?: number
}

/** The default token lifetime of the modern builders: one hour. */
export const DEFAULT_EXPIRE_SECONDS = 3600

/** Fills in the issue time and salt (the encoders check the credentials). */
export function resolveCommon(options: Credentials & Reproducible): { issuedAt: number; salt: number } {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be an object')
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000)
  assertUint32(issuedAt, 'issuedAt')
  const salt = options.salt ?? randomSalt()
  assertInteger(salt, 'salt', 1, 0xffff_ffff)
  return { issuedAt, salt }
}

/** Checks a lifetime option of the modern API, defaulting it. */
export function lifetime(value: number | undefined, field: string, fallback: number, min = 0): number {
  const resolved = value ?? fallback
  assertLifetime(resolved, field, min)
  return resolved
}
