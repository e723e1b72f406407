/**
 * FPA (Fusion/Full-Path Acceleration) tokens.
 * @module
 */
import { resolveCommon, type Credentials, type Reproducible } from '../options.js'
import { encodeToken007 } from '../v007/build.js'

/** Options of {@link buildFpaToken}. */
export interface FpaTokenOptions extends Credentials, Reproducible {}

/**
 * Builds an FPA token: valid for 24 hours with the login privilege, as Agora defines it.
 *
 * @example
 * ```ts
 * import { buildFpaToken } from 'agate-tokens'
 * const token = buildFpaToken({ appId, appCertificate })
 * ```
 * @throws {TokenError} `ERR_INVALID_ARGUMENT` naming the bad field.
 */
export function buildFpaToken(options: FpaTokenOptions): string {
  const { issuedAt, salt } = resolveCommon(options)
  return encodeToken007(
    {
      appId: options.appId,
      appCertificate: options.appCertificate,
      issuedAt,
      salt,
      expire: 86_400,
      services: [{ type: 'fpa', privileges: { login: 0 } }],
    },
    { strict: true },
  )
}
