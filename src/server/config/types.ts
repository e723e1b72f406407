/**
 * The validated configuration's types: what `createApp`, `startServer` and the routes read.
 * @module
 */
import type { AuthSettings } from '../auth/authenticate.js'
import type { LogSettings } from '../logging.js'
import type { PolicyRule } from '../policy.js'
import type { RateLimitSettings } from '../rate-limit.js'
// Types only: the values (the Redis client, the cluster) stay out of the Workers bundle.
import type { RateLimitStoreSettings } from '../rate-limit-store.js'

/** `development` (the default) or `production`. */
export type ServerMode = 'development' | 'production'
/** A token format. */
export type TokenVersion = '006' | '007'
/** The route families a token version can be set for. */
export type RouteGroup = 'fetchRtcToken' | 'compat' | 'v1'

/** One configured Agora project. */
export interface AppConfig {
  /** How policies, requests and logs name the app. */
  readonly name: string
  readonly appId: string
  /** Tokens are minted with this one. */
  readonly certificate: string
  /** Accepted by verification too (for certificate rotation). */
  readonly secondaryCertificate: string | undefined
  /** The token version each route family mints for this app. */
  readonly versions: Readonly<Record<RouteGroup, TokenVersion>>
  /** Default token lifetime, seconds. */
  readonly expire: number
  /** Default privilege lifetime, seconds (at most `expire`). */
  readonly privilegeExpire: number
  /** Hard cap on any lifetime, seconds (at most 86400). */
  readonly maxExpire: number
  /** True for generated development credentials. */
  readonly development: boolean
}

/** Socket and request limits of the listener. */
export interface LimitSettings {
  readonly bodyBytes: number
  readonly headerBytes: number
  /** Idle time before a keep-alive connection is closed; above the load balancer's own idle timeout. */
  readonly keepAliveTimeoutMs: number
  /** Time to receive a request's head; greater than `keepAliveTimeoutMs`. */
  readonly headersTimeoutMs: number
  /** Time to receive a whole request; at least `headersTimeoutMs` (Node refuses less). */
  readonly requestTimeoutMs: number
  /** On SIGTERM, how long the server keeps accepting after `/readyz` turns 503. */
  readonly drainDelayMs: number
  readonly shutdownTimeoutMs: number
}

/** The validated configuration `createApp` and `startServer` take. */
export interface ServerConfig {
  readonly mode: ServerMode
  readonly host: string
  readonly port: number
  /** The first app is the default one (used by routes whose requests cannot name an app). */
  readonly apps: readonly AppConfig[]
  readonly auth: AuthSettings & { readonly openAccess: boolean }
  /** `source` is `preset:<name>` or `configured`. */
  readonly policy: { readonly rules: readonly PolicyRule[]; readonly source: string }
  /** `'*'` or exact origins; empty sends no CORS headers. */
  readonly cors: '*' | readonly string[]
  /** Lifetime of `POST /fetch_rtc_token`'s tokens, seconds; undefined: the app's token lifetime. */
  readonly fetchRtcTokenExpire: number | undefined
  /**
   * `trustProxy`: how many proxies in front append to `X-Forwarded-For` (0 = use the socket address).
   * `store`: where the limits are counted (in memory, or in Redis shared by a fleet).
   */
  readonly rateLimit: RateLimitSettings & { readonly trustProxy: number; readonly store: RateLimitStoreSettings }
  readonly limits: LimitSettings
  readonly log: LogSettings
  /** When set, `/metrics` wants `Authorization: Bearer <this>`. */
  readonly metricsToken: string | undefined
  /**
   * Worker processes for `agate serve` (`AGATE_WORKERS`): 0 = one per usable CPU; undefined = the
   * mode's default (see `resolveWorkerCount`). `startServer` itself always runs one process.
   */
  readonly workers: number | undefined
  /** Things to say at every start (open access, missing policy …). */
  readonly warnings: readonly string[]
  /** Where the development credentials were read or created, when they are in use. */
  readonly devCredentialsFile: string | undefined
}
