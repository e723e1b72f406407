/**
 * What every route shares: the config and the services built from it once per app.
 * @module
 */
import type { Logger } from 'pino'
import type { RequestLineWriter } from './logging.js'
import type { Authenticator } from './auth/authenticate.js'
import type { AppConfig, ServerConfig } from './config.js'
import type { Cors } from './cors.js'
import { HttpError } from './errors.js'
import type { Metrics } from './metrics.js'
import type { Policy } from './policy.js'
import type { RateLimitStore } from './rate-limit.js'

/** Mutable run state the listener shares with the app. */
export interface ServerState {
  /** Set when shutdown begins: `/readyz` answers 503 so load balancers stop sending traffic. */
  draining: boolean
  /**
   * Why the server cannot serve right now, or undefined when it can: while it returns a reason,
   * `/readyz` answers 503 `{status: "unavailable", reason}`. The listener sets it when the Redis
   * rate-limit store is in `refuse` mode (reason `rate-limit-store` while Redis is unreachable).
   */
  unavailable?: () => string | undefined
}

/** The per-app services every route uses. */
export interface ServerContext {
  readonly config: ServerConfig
  readonly logger: Logger
  /** The per-request line (the audit event), written cheaply in the logger's format. */
  readonly requestLog: RequestLineWriter
  readonly metrics: Metrics
  readonly auth: Authenticator
  readonly policy: Policy
  readonly rateLimits: RateLimitStore
  readonly cors: Cors
  readonly state: ServerState
  /** The clock, Unix milliseconds (injectable for tests). */
  readonly now: () => number
}

/**
 * Finds an app by name or App ID; without one, the default (first) app.
 * @throws {HttpError} `invalid-argument` naming `field` when there is no such app.
 */
export function findApp(config: ServerConfig, name: string | undefined, field = 'app'): AppConfig {
  if (name === undefined) return config.apps[0]!
  const lower = name.toLowerCase()
  const app = config.apps.find((candidate) => candidate.name === name || candidate.appId.toLowerCase() === lower)
  if (app === undefined) throw new HttpError('invalid-argument', `${field}: no such app is configured`, { field })
  return app
}
