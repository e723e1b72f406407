/**
 * JWT authentication with jose: tokens from the app's identity provider, signed with a shared
 * secret (HS*) or a key from a JWKS (inline, from a file, or fetched from a URL), with issuer,
 * audience and expiry checked.
 * @module
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose'
import { HttpError } from '../errors.js'
import type { Identity } from '../identity.js'

/** JWT settings, as validated by `loadConfig`. */
export interface JwtSettings {
  /** Shared secret for HS256/384/512. */
  secret?: string | undefined
  /** A JWKS given inline or read from a file (`loadConfig` allows this or `jwksUrl`, not both). */
  jwks?: JSONWebKeySet | undefined
  /** Where to fetch the JWKS from (cached; refetched at most every 30 s for unknown key ids). */
  jwksUrl?: string | undefined
  /** Required `iss`. */
  issuer?: string | undefined
  /** Accepted `aud` values (any one must be present). */
  audience?: readonly string[] | undefined
  /** Accepted `alg` values; default HS256/384/512 with a secret, the asymmetric ones with a JWKS. */
  algorithms?: readonly string[] | undefined
  /** Leeway for `exp`/`nbf`/`iat`, seconds. */
  clockTolerance: number
}

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512']
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]
// A bearer token longer than this is not a JWT we would accept; refuse it before parsing.
const MAX_JWT_LENGTH = 8192

/**
 * Verifies bearer JWTs. An `exp` claim is required, so a token cannot live forever.
 *
 * @example
 * ```ts
 * const jwt = new JwtAuthenticator({ secret, issuer: 'https://id.example', audience: ['agate'], clockTolerance: 5 })
 * const identity = await jwt.authenticate(bearer) // { kind: 'jwt', id: payload.sub, claims: payload }
 * ```
 */
export class JwtAuthenticator {
  readonly #getKey: JWTVerifyGetKey
  readonly #options: JWTVerifyOptions

  constructor(settings: JwtSettings) {
    const secret = settings.secret === undefined ? undefined : new TextEncoder().encode(settings.secret)
    const local = settings.jwks === undefined ? undefined : createLocalJWKSet(settings.jwks)
    const remote =
      settings.jwksUrl === undefined
        ? undefined
        : createRemoteJWKSet(new URL(settings.jwksUrl), {
            timeoutDuration: 5000,
            cooldownDuration: 30_000,
            cacheMaxAge: 600_000,
          })
    const keySet = local ?? remote
    this.#getKey = async (header, token) => {
      if (header.alg?.startsWith('HS') === true) {
        if (secret === undefined) {
          throw new HttpError('unauthenticated', 'invalid bearer token: HMAC-signed tokens are not accepted')
        }
        return secret
      }
      if (local !== undefined) return local(header, token)
      if (remote === undefined) {
        throw new HttpError('unauthenticated', 'invalid bearer token: only HMAC-signed tokens are accepted')
      }
      try {
        return await remote(header, token)
      } catch (error) {
        // A key the set does not have is the token's fault; anything else (network, HTTP status,
        // bad JSON, timeout) is the identity provider's, and must not read as a bad token.
        const code = (error as { code?: unknown }).code
        if (
          code === 'ERR_JWKS_NO_MATCHING_KEY' ||
          code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' ||
          code === 'ERR_JOSE_NOT_SUPPORTED'
        )
          throw error
        throw new HttpError('unavailable', 'the identity provider key set is unavailable', { cause: error })
      }
    }
    const algorithms = settings.algorithms ?? [
      ...(secret === undefined ? [] : HMAC_ALGORITHMS),
      ...(keySet === undefined ? [] : ASYMMETRIC_ALGORITHMS),
    ]
    const options: JWTVerifyOptions = {
      algorithms: [...algorithms],
      clockTolerance: settings.clockTolerance,
      requiredClaims: ['exp'],
    }
    if (settings.issuer !== undefined) options.issuer = settings.issuer
    if (settings.audience !== undefined) options.audience = [...settings.audience]
    this.#options = options
  }

  /**
   * Verifies a JWT and returns its identity.
   * @throws {HttpError} `unauthenticated` saying which check failed (never repeating the token);
   * `unavailable` when the JWKS URL cannot be fetched.
   */
  async authenticate(token: string): Promise<Identity> {
    if (token.length > MAX_JWT_LENGTH) throw new HttpError('unauthenticated', 'invalid bearer token: too long')
    let payload
    try {
      payload = (await jwtVerify(token, this.#getKey, this.#options)).payload
    } catch (error) {
      throw joseToHttp(error)
    }
    const id = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : 'unknown'
    return { kind: 'jwt', id, claims: payload }
  }
}

function joseToHttp(error: unknown): HttpError {
  if (error instanceof HttpError) return error
  const { code, claim, reason } = error as { code?: unknown; claim?: unknown; reason?: unknown }
  const fail = (message: string): HttpError =>
    new HttpError('unauthenticated', `invalid bearer token: ${message}`, { reason: 'invalid-jwt', cause: error })
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return fail('expired')
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return fail(`the "${String(claim)}" claim ${reason === 'missing' ? 'is missing' : 'check failed'}`)
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return fail('signature verification failed')
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return fail('signing algorithm not allowed')
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return fail('no matching key in the key set')
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return fail('malformed token')
    default:
      return fail('rejected')
  }
}
