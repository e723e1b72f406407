/**
 * Caller authentication: picks the authenticator for the credentials a request carries.
 * @module
 */
import { HttpError } from '../errors.js'
import { ANONYMOUS, type Identity } from '../identity.js'
import { API_KEY_PREFIX, ApiKeyAuthenticator, type ApiKeyEntry } from './api-keys.js'
import { JwtAuthenticator, type JwtSettings } from './jwt.js'

/** Authentication settings, as validated by `loadConfig`. */
export interface AuthSettings {
  apiKeys: readonly ApiKeyEntry[]
  jwt: JwtSettings | undefined
  /** Callers without credentials are let through as {@link ANONYMOUS} (development, or open access). */
  allowAnonymous: boolean
}

/** The credential headers of a request. */
export interface Credentials {
  /** The `Authorization` header. */
  authorization: string | undefined
  /** The `X-API-Key` header. */
  apiKey: string | undefined
}

/**
 * Establishes who is calling. Credentials, when sent, are always checked, even where anonymous
 * callers are allowed: a bad key is a 401, never a silent downgrade to anonymous.
 *
 * - `X-API-Key: <key>`, or `Authorization: Bearer <key>` for keys (they start with `agate_`);
 * - `Authorization: Bearer <JWT>` for the identity provider's tokens.
 */
export class Authenticator {
  readonly #apiKeys: ApiKeyAuthenticator
  readonly #jwt: JwtAuthenticator | undefined
  readonly #allowAnonymous: boolean

  constructor(settings: AuthSettings) {
    this.#apiKeys = new ApiKeyAuthenticator(settings.apiKeys)
    this.#jwt = settings.jwt === undefined ? undefined : new JwtAuthenticator(settings.jwt)
    this.#allowAnonymous = settings.allowAnonymous
  }

  /**
   * @throws {HttpError} `unauthenticated` when credentials are missing (and required) or invalid;
   * `unavailable` when a JWKS cannot be fetched.
   */
  authenticate(credentials: Credentials): Identity | Promise<Identity> {
    const { authorization, apiKey } = credentials
    if (apiKey !== undefined) {
      if (authorization !== undefined) throw unauthenticated('send either Authorization or X-API-Key, not both')
      return this.#key(apiKey)
    }
    if (authorization === undefined) {
      if (this.#allowAnonymous) return ANONYMOUS
      throw unauthenticated(
        'credentials required: send Authorization: Bearer <API key or JWT>, or X-API-Key',
        'missing-credentials',
      )
    }
    const space = authorization.indexOf(' ')
    if (space === -1 || authorization.slice(0, space).toLowerCase() !== 'bearer') {
      throw unauthenticated('the Authorization header must use the Bearer scheme')
    }
    const credential = authorization.slice(space + 1).trim()
    if (credential.startsWith(API_KEY_PREFIX)) return this.#key(credential)
    if (this.#jwt === undefined) throw unauthenticated('unknown credential: JWT authentication is not configured')
    return this.#jwt.authenticate(credential)
  }

  #key(key: string): Identity {
    if (!this.#apiKeys.enabled) throw unauthenticated('API keys are not configured')
    return this.#apiKeys.authenticate(key)
  }
}

function unauthenticated(message: string, reason = 'invalid-credentials'): HttpError {
  return new HttpError('unauthenticated', message, { reason })
}
