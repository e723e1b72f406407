/**
 * Who is calling: the identity an authenticator establishes and the policy decides on.
 * @module
 */

/**
 * An authenticated (or anonymous) caller.
 * - `api-key`: `id` is the key's configured name; `claims` is `{ sub: name, name }`.
 * - `jwt`: `id` is the token's `sub` claim (or `"unknown"`); `claims` is the verified payload.
 * - `anonymous`: no credentials were sent and the server allows that (development mode or
 *   explicit open access); `claims` is empty.
 */
export interface Identity {
  readonly kind: 'api-key' | 'jwt' | 'anonymous'
  readonly id: string
  readonly claims: Readonly<Record<string, unknown>>
}

/** The identity of a caller that sent no credentials. */
export const ANONYMOUS: Identity = Object.freeze({ kind: 'anonymous', id: 'anonymous', claims: Object.freeze({}) })

/** How an identity appears in logs, metrics-free: `api-key:web`, `jwt:alice`, `anonymous`. */
export function describeIdentity(identity: Identity): string {
  return identity.kind === 'anonymous' ? 'anonymous' : `${identity.kind}:${identity.id}`
}

/**
 * Reads a claim by name, with dots for nesting (`app_metadata.room`). Only strings and integers
 * count as values: anything else (objects, floats, booleans) is treated as missing, so a template
 * can never expand to `[object Object]`.
 */
export function claimText(claims: Readonly<Record<string, unknown>>, path: string): string | undefined {
  let value: unknown = claims
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
  return undefined
}
