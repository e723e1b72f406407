/**
 * JWT authentication settings: a shared secret, a JWKS or a JWKS URL, and the claims checked.
 * @module
 */
import { createLocalJWKSet, type JSONWebKeySet } from 'jose'
import { z } from 'zod'
import type { JwtSettings } from '../auth/jwt.js'
import { ConfigError } from './errors.js'
import { isLoopback } from './hosts.js'
import type { Sources } from './sources.js'

const base64url = z.string({ error: 'must be a base64url string' }).min(1)
const publicJwk = z
  .looseObject({
    kty: z.enum(['RSA', 'EC', 'OKP'], { error: 'must be RSA, EC or OKP (public keys; use AGATE_JWT_SECRET for HMAC)' }),
  })
  .and(
    z.union(
      [
        z.looseObject({ kty: z.literal('RSA'), n: base64url, e: base64url }),
        z.looseObject({ kty: z.literal('EC'), crv: base64url, x: base64url, y: base64url }),
        z.looseObject({ kty: z.literal('OKP'), crv: base64url, x: base64url }),
      ],
      { error: 'is missing the fields of its key type' },
    ),
  )
  .refine((key) => !Object.hasOwn(key, 'd'), { error: 'holds a private key; publish only public keys' })

/** A JWKS of public keys that jose accepts. */
export const jwksSchema: z.ZodType<JSONWebKeySet> = z
  .object(
    { keys: z.array(publicJwk).min(1, { error: 'must not be empty' }) },
    { error: 'must be a JWKS: {"keys": [...]}' },
  )
  .superRefine((jwks, context) => {
    try {
      createLocalJWKSet(jwks)
    } catch {
      context.addIssue({ code: 'custom', message: 'is not a valid JWKS' })
    }
  })

export const jwksUrlSchema = z
  .string()
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), { error: 'must be an http(s) URL' })

export const jwtSecretSchema = z.string().min(32, { error: 'must be at least 32 characters' })

/** The JWT settings, or undefined when no key source is set (then the claim settings must not be either). */
export function jwtSettings(source: Sources, production: boolean): JwtSettings | undefined {
  const secret = source.get('AGATE_JWT_SECRET')
  const jwks = source.get('AGATE_JWT_JWKS')
  const jwksUrl = source.get('AGATE_JWT_JWKS_URL')
  if (jwks !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('AGATE_JWT_JWKS_URL', 'set AGATE_JWT_JWKS or AGATE_JWT_JWKS_URL, not both')
  }
  if (
    production &&
    jwksUrl !== undefined &&
    new URL(jwksUrl).protocol !== 'https:' &&
    !isLoopback(new URL(jwksUrl).hostname)
  ) {
    throw new ConfigError('AGATE_JWT_JWKS_URL', 'must use https in production')
  }
  const issuer = source.get('AGATE_JWT_ISSUER')
  const audience = source.get('AGATE_JWT_AUDIENCE')
  const algorithms = source.get('AGATE_JWT_ALGORITHMS')
  const clockTolerance = source.get('AGATE_JWT_CLOCK_TOLERANCE')
  if (secret === undefined && jwks === undefined && jwksUrl === undefined) {
    for (const name of ['AGATE_JWT_ISSUER', 'AGATE_JWT_AUDIENCE', 'AGATE_JWT_ALGORITHMS'] as const) {
      if (source.has(name)) throw new ConfigError(name, 'needs AGATE_JWT_SECRET, AGATE_JWT_JWKS or AGATE_JWT_JWKS_URL')
    }
    return undefined
  }
  if (production && issuer === undefined) {
    throw new ConfigError('AGATE_JWT_ISSUER', 'is required in production when JWTs are accepted')
  }
  if (production && audience === undefined) {
    throw new ConfigError('AGATE_JWT_AUDIENCE', 'is required in production when JWTs are accepted')
  }
  for (const algorithm of algorithms ?? []) {
    if (algorithm === 'none') throw new ConfigError('AGATE_JWT_ALGORITHMS', '"none" is never accepted')
    if (algorithm.startsWith('HS') && secret === undefined) {
      throw new ConfigError('AGATE_JWT_ALGORITHMS', `${algorithm} needs AGATE_JWT_SECRET`)
    }
  }
  return { secret, jwks, jwksUrl, issuer, audience, algorithms, clockTolerance }
}
