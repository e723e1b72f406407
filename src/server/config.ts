/**
 * The server's configuration: the only place that reads environment variables and config files.
 * Every setting is validated at start, and a bad one stops the server with an error naming it.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { createLocalJWKSet, type JSONWebKeySet } from 'jose'
import { z } from 'zod'
import { API_KEY_HASH, API_KEY_PREFIX, type ApiKeyEntry } from './auth/api-keys.js'
import type { AuthSettings } from './auth/authenticate.js'
import type { JwtSettings } from './auth/jwt.js'
import { DEV_CREDENTIALS_FILE, loadDevCredentials } from './dev-credentials.js'
import type { LogSettings } from './logging.js'
import { POLICY_PRESETS, policySchema, type PolicyRule } from './policy.js'
import type { RateLimitSettings } from './rate-limit.js'
// Types only: the values (the Redis client, the cluster) stay out of the Workers bundle, which
// includes this file.
import type { RateLimitStoreSettings } from './rate-limit-store.js'
import { checkRedisUrl } from './redis-url.js'

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
  readonly requestTimeoutMs: number
  readonly headersTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  readonly shutdownTimeoutMs: number
  readonly drainDelayMs: number
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

/** Options of {@link loadConfig}; the first four are the flags of `agate serve`. */
export interface LoadConfigOptions {
  port?: number
  host?: string
  /** A JSON config file: an object whose keys are setting names (see the token server section of `README.md`). */
  configFile?: string
  /** Same as `mode: 'production'`. */
  production?: boolean
  /** Forces the mode; otherwise `AGATE_MODE` or `NODE_ENV=production` decide (production wins). */
  mode?: ServerMode
  /** Base for relative paths; default `process.cwd()`. */
  cwd?: string
  /** Settings by name, above everything else (tests, embedders). */
  overrides?: Readonly<Record<string, unknown>>
}

/** A setting is missing or invalid; `setting` names it (e.g. `AGATE_PORT` or `AGATE_POLICY_FILE`). */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG'
  readonly setting: string

  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`)
    this.name = 'ConfigError'
    this.setting = setting
  }
}

/**
 * Every setting, with its default and meaning: the source of the settings table in the token server section of `README.md`.
 * Any of them can also be given as `NAME_FILE`, the path of a file holding the value (container
 * secrets); `secret` marks the ones that should be.
 */
export const SETTINGS = {
  AGATE_CONFIG: {
    default: '-',
    doc: 'Path of a JSON config file whose keys are these setting names (environment wins over it).',
  },
  AGATE_MODE: { default: 'development', doc: '`development` or `production`; `NODE_ENV=production` also selects production.' },
  AGATE_HOST: { default: '127.0.0.1 (dev), 0.0.0.0 (prod)', doc: 'Interface to listen on.' },
  AGATE_PORT: { default: '8080', doc: 'Port (alias `PORT`); 0 picks a free port.' },
  AGORA_APP_ID: { default: '-', doc: 'App ID of the default app (alias `APP_ID`).' },
  AGORA_APP_CERTIFICATE: {
    default: '-',
    secret: true,
    doc: 'Primary App Certificate of the default app (alias `APP_CERTIFICATE`).',
  },
  AGORA_APP_CERTIFICATE_SECONDARY: {
    default: '-',
    secret: true,
    doc: 'Secondary certificate: accepted by `/v1/tokens/verify`, never used to mint.',
  },
  AGORA_APP_NAME: { default: 'default', doc: 'Name of the default app in policies, requests and logs.' },
  AGATE_APPS: {
    default: '-',
    secret: true,
    doc: 'More apps: JSON array of `{name, appId, certificate, secondaryCertificate?, tokenVersion?, routeVersions?, expire?, privilegeExpire?, maxExpire?}`.',
  },
  AGATE_TOKEN_VERSION: {
    default: '007',
    doc: 'Token version of every app and route unless set more specifically (`006` for SDKs older than Web 4.8.0).',
  },
  AGATE_FETCH_RTC_TOKEN_VERSION: { default: 'AGATE_TOKEN_VERSION', doc: 'Version minted by `POST /fetch_rtc_token`.' },
  AGATE_COMPAT_TOKEN_VERSION: {
    default: 'AGATE_TOKEN_VERSION',
    doc: 'Version minted by the agora-token-service / Node token server routes (`006` for clients of the Node token server).',
  },
  AGATE_TOKEN_EXPIRE: { default: '3600', doc: 'Default token lifetime, seconds.' },
  AGATE_PRIVILEGE_EXPIRE: {
    default: 'AGATE_TOKEN_EXPIRE',
    doc: "Default privilege lifetime, seconds (at most the token lifetime). Unset, each app's privileges last as long as its tokens.",
  },
  AGATE_MAX_EXPIRE: { default: '86400', doc: 'Hard cap on any lifetime, seconds (at most 86400).' },
  AGATE_API_KEYS: {
    default: '-',
    secret: true,
    doc: 'API keys by hash: `name=sha256:<hex>,…` or JSON `{"name": "sha256:<hex>"}` (from `agate keys create`).',
  },
  AGATE_JWT_SECRET: { default: '-', secret: true, doc: 'Shared secret for HS256/384/512 JWTs (at least 32 bytes).' },
  AGATE_JWT_JWKS: { default: '-', doc: 'A JWKS (JSON) for asymmetric JWTs; usually given as `AGATE_JWT_JWKS_FILE`.' },
  AGATE_JWT_JWKS_URL: { default: '-', doc: 'URL of the identity provider JWKS (cached, refetched for unknown key ids).' },
  AGATE_JWT_ISSUER: { default: '- (required in production)', doc: 'Required `iss` of JWTs.' },
  AGATE_JWT_AUDIENCE: { default: '- (required in production)', doc: 'Accepted `aud` values, comma-separated.' },
  AGATE_JWT_ALGORITHMS: { default: 'by key type', doc: 'Accepted `alg` values, comma-separated.' },
  AGATE_JWT_CLOCK_TOLERANCE: { default: '5', doc: 'Leeway for `exp`/`nbf`, seconds.' },
  AGATE_OPEN_ACCESS: { default: 'false', doc: 'Production without caller authentication (warned about at every start).' },
  AGATE_POLICY: {
    default: '`allow-all` (dev), none (prod)',
    doc: 'The authorization policy: JSON rules, or a preset `allow-all`, `allow-authenticated`, `deny-all`.',
  },
  AGATE_CORS_ORIGINS: { default: '`*` (dev), none (prod)', doc: 'Origins allowed by CORS: `*` or a comma-separated list.' },
  AGATE_RATE_LIMIT_WINDOW: { default: '60', doc: 'Rate-limit window, seconds.' },
  AGATE_RATE_LIMIT_PER_IDENTITY: { default: '600', doc: 'Requests per window per authenticated caller (0 = off).' },
  AGATE_RATE_LIMIT_PER_ADDRESS: { default: '300', doc: 'Requests per window per client address (0 = off).' },
  AGATE_TRUST_PROXY: {
    default: '0',
    doc: 'Number of proxies in front that append to `X-Forwarded-For` (0 = use the socket address).',
  },
  AGATE_REDIS_URL: {
    default: '- (limits counted in memory)',
    secret: true,
    doc: 'Redis that counts the rate limits of every instance and worker (alias `REDIS_URL`): `redis://[user:password@]host:6379[/db]` or `rediss://…` (TLS).',
  },
  AGATE_RATE_LIMIT_REDIS_FAILURE: {
    default: 'allow',
    doc: 'While Redis is unreachable: `allow` serves requests uncounted, `refuse` answers 503 and fails `/readyz` (alias `RATE_LIMIT_REDIS_FAILURE`).',
  },
  AGATE_REDIS_KEY_PREFIX: { default: 'agate:rl:', doc: 'Prefix of the rate-limit keys in Redis (one per deployment sharing a Redis).' },
  AGATE_REDIS_TIMEOUT_MS: { default: '250', doc: 'Longest wait for one Redis command, ms (10 to 10000); then the failure mode applies.' },
  AGATE_WORKERS: {
    default: '1 (dev), one per CPU (prod)',
    doc: 'Worker processes of `agate serve` (alias `WORKERS`; flag `--workers`), 0 to 256; 0 = one per usable CPU.',
  },
  AGATE_BODY_LIMIT: { default: '8192', doc: 'Largest request body, bytes.' },
  AGATE_MAX_HEADER_SIZE: { default: '8192', doc: 'Largest request head (all headers), bytes.' },
  AGATE_REQUEST_TIMEOUT_MS: { default: '70000', doc: 'Time to receive a whole request, ms (at least the headers timeout).' },
  AGATE_HEADERS_TIMEOUT_MS: { default: '66000', doc: 'Time to receive a request head, ms (more than the keep-alive timeout).' },
  AGATE_KEEP_ALIVE_TIMEOUT_MS: {
    default: '65000',
    doc: 'Idle keep-alive connection timeout, ms; above the 60 s of load balancers in front (ALB, ingress-nginx).',
  },
  AGATE_DRAIN_DELAY_MS: {
    default: '5000',
    doc: 'After SIGTERM, how long the server keeps accepting (with `/readyz` at 503) while load balancers notice, ms; none on SIGINT.',
  },
  AGATE_SHUTDOWN_TIMEOUT_MS: {
    default: '10000',
    doc: 'How long shutdown waits for in-flight requests before closing connections, ms.',
  },
  AGATE_LOG_LEVEL: { default: 'info', doc: 'pino level (alias `LOG_LEVEL`); `silent` turns logs off.' },
  AGATE_LOG_DESTINATION: { default: 'stdout', doc: '`stdout`, `stderr` or a file path.' },
  AGATE_METRICS_TOKEN: { default: '-', secret: true, doc: 'If set, `GET /metrics` requires `Authorization: Bearer <token>`.' },
  AGATE_DEV_CREDENTIALS_FILE: { default: DEV_CREDENTIALS_FILE, doc: 'Where development credentials are kept.' },
} as const satisfies Record<string, { default: string; doc: string; secret?: boolean }>

/** A setting name. */
export type SettingName = keyof typeof SETTINGS

const ALIASES: Partial<Record<SettingName, string>> = {
  AGATE_PORT: 'PORT',
  AGORA_APP_ID: 'APP_ID',
  AGORA_APP_CERTIFICATE: 'APP_CERTIFICATE',
  AGATE_LOG_LEVEL: 'LOG_LEVEL',
  AGATE_REDIS_URL: 'REDIS_URL',
  AGATE_RATE_LIMIT_REDIS_FAILURE: 'RATE_LIMIT_REDIS_FAILURE',
  AGATE_WORKERS: 'WORKERS',
}

type Env = Readonly<Record<string, string | undefined>>

/**
 * Builds the validated configuration from environment variables, an optional JSON config file and
 * the options. In development it creates (or reuses) development credentials when no app is
 * configured; in production it refuses to start without real credentials and a caller
 * authenticator (unless `AGATE_OPEN_ACCESS=true`).
 *
 * @example
 * ```ts
 * import { loadConfig, startServer } from './server/index.js'
 * const server = await startServer(await loadConfig(process.env, { port: 8080 }))
 * ```
 * @throws {ConfigError} naming the first bad or missing setting; its message never contains a secret.
 */
export async function loadConfig(env: Env, options: LoadConfigOptions = {}): Promise<ServerConfig> {
  const cwd = options.cwd ?? process.cwd()
  const overrides: Record<string, unknown> = { ...options.overrides }
  if (options.port !== undefined) overrides.AGATE_PORT = options.port
  if (options.host !== undefined) overrides.AGATE_HOST = options.host
  const configPath = options.configFile ?? env.AGATE_CONFIG
  const file = configPath === undefined || configPath === '' ? {} : await readConfigFile(resolve(cwd, configPath))
  const source = new Settings(env, file, overrides, cwd)
  await source.loadFiles()
  for (const name of Object.keys(env)) {
    const base = name.endsWith('_FILE') && !Object.hasOwn(SETTINGS, name) ? name.slice(0, -5) : name
    if (base.startsWith('AGATE_') && !Object.hasOwn(SETTINGS, base)) {
      source.warnings.push(`${name} is not an Agate setting (typo?); it is ignored`)
    }
  }

  const mode = resolveMode(env, options, source)
  const production = mode === 'production'
  const host = source.get('AGATE_HOST', z.string().min(1)) ?? (production ? '0.0.0.0' : '127.0.0.1')
  const port = source.get('AGATE_PORT', integer(0, 65_535)) ?? 8080

  const defaults = lifetimes(source)
  const versions = routeVersions(source)
  const apps = readApps(source, defaults, versions)
  const auth = readAuth(source, production)
  const policy = readPolicy(source, production, apps, auth)

  if (production) {
    if (apps.length === 0) {
      throw new ConfigError(
        'AGORA_APP_ID',
        'production mode needs real credentials: set AGORA_APP_ID and AGORA_APP_CERTIFICATE, or AGATE_APPS',
      )
    }
    if (auth.apiKeys.length === 0 && auth.jwt === undefined && !auth.openAccess) {
      throw new ConfigError(
        'AGATE_API_KEYS',
        'production mode needs a caller authenticator: set AGATE_API_KEYS, or AGATE_JWT_SECRET / AGATE_JWT_JWKS / AGATE_JWT_JWKS_URL; or set AGATE_OPEN_ACCESS=true to serve anyone',
      )
    }
    if (auth.openAccess) {
      source.warnings.push(
        'AGATE_OPEN_ACCESS=true: callers are not authenticated; anyone who can reach this server can get the tokens the policy allows anonymous callers',
      )
    }
    if (policy.rules.length === 0) {
      source.warnings.push(
        'no policy rule allows anything: every token request will be denied (set AGATE_POLICY, e.g. to allow-authenticated)',
      )
    }
  } else if (!isLoopback(host)) {
    source.warnings.push(
      `development mode on ${source.nameOf('AGATE_HOST')}=${host}: anyone who can reach this host gets tokens without authentication; use production mode beyond this machine`,
    )
  }

  const corsOrigins = source.get('AGATE_CORS_ORIGINS', list)
  const cors: '*' | string[] = corsOrigins === undefined ? (production ? [] : '*') : corsOrigins.includes('*') ? '*' : corsOrigins
  if (cors !== '*') {
    for (const origin of cors) {
      if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
        throw new ConfigError(
          source.nameOf('AGATE_CORS_ORIGINS'),
          'each origin must look like https://host[:port], without a path',
        )
      }
    }
  }

  let devCredentialsFile: string | undefined
  if (apps.length === 0) {
    devCredentialsFile = resolve(cwd, source.get('AGATE_DEV_CREDENTIALS_FILE', z.string().min(1)) ?? DEV_CREDENTIALS_FILE)
    let credentials
    try {
      credentials = await loadDevCredentials(devCredentialsFile)
    } catch (error) {
      throw new ConfigError('AGATE_DEV_CREDENTIALS_FILE', (error as Error).message)
    }
    apps.push(
      Object.freeze({
        name: 'default',
        appId: credentials.appId,
        certificate: credentials.appCertificate,
        secondaryCertificate: undefined,
        versions: resolveVersions(undefined, undefined, versions),
        ...appLifetimes(defaults),
        development: true,
      }),
    )
  }

  const config: ServerConfig = {
    mode,
    host,
    port,
    apps,
    auth,
    policy,
    cors,
    rateLimit: {
      windowMs: (source.get('AGATE_RATE_LIMIT_WINDOW', integer(1, 86_400)) ?? 60) * 1000,
      perIdentity: source.get('AGATE_RATE_LIMIT_PER_IDENTITY', integer(0, 1e9)) ?? 600,
      perAddress: source.get('AGATE_RATE_LIMIT_PER_ADDRESS', integer(0, 1e9)) ?? 300,
      trustProxy: source.get('AGATE_TRUST_PROXY', integer(0, 10)) ?? 0,
      store: readRateLimitStore(source),
    },
    limits: {
      bodyBytes: source.get('AGATE_BODY_LIMIT', integer(64, 1_048_576)) ?? 8192,
      headerBytes: source.get('AGATE_MAX_HEADER_SIZE', integer(1024, 65_536)) ?? 8192,
      requestTimeoutMs: source.get('AGATE_REQUEST_TIMEOUT_MS', integer(100, 600_000)) ?? 70_000,
      headersTimeoutMs: source.get('AGATE_HEADERS_TIMEOUT_MS', integer(100, 600_000)) ?? 66_000,
      keepAliveTimeoutMs: source.get('AGATE_KEEP_ALIVE_TIMEOUT_MS', integer(100, 600_000)) ?? 65_000,
      shutdownTimeoutMs: source.get('AGATE_SHUTDOWN_TIMEOUT_MS', integer(0, 600_000)) ?? 10_000,
      drainDelayMs: source.get('AGATE_DRAIN_DELAY_MS', integer(0, 600_000)) ?? 5000,
    },
    log: {
      level:
        source.get(
          'AGATE_LOG_LEVEL',
          z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
            error: 'must be fatal, error, warn, info, debug, trace or silent',
          }),
        ) ?? 'info',
      destination: logDestination(source.get('AGATE_LOG_DESTINATION', z.string().min(1)) ?? 'stdout', cwd),
    },
    metricsToken: source.get('AGATE_METRICS_TOKEN', z.string().min(16, { error: 'must be at least 16 characters' })),
    workers: source.get('AGATE_WORKERS', integer(0, 256)),
    warnings: source.warnings,
    devCredentialsFile,
  }
  return deepFreeze(config)
}

function logDestination(destination: string, cwd: string): string {
  return destination === 'stdout' || destination === 'stderr' || isAbsolute(destination) ? destination : resolve(cwd, destination)
}

/**
 * {@link loadConfig} on this process's environment: for entry points such as `runServer`, so that
 * no other module reads `process.env`.
 */
export function loadConfigFromProcess(options: LoadConfigOptions = {}): Promise<ServerConfig> {
  return loadConfig(process.env, options)
}

// ---------------------------------------------------------------------------------------------
// Sources

/** Where setting values come from, in precedence order: overrides, environment, config file. */
class Settings {
  readonly warnings: string[] = []
  readonly #env: Env
  readonly #file: Readonly<Record<string, unknown>>
  readonly #overrides: Readonly<Record<string, unknown>>
  readonly #cwd: string
  readonly #from = new Map<string, string>()
  readonly #fileValues = new Map<string, string>()

  constructor(env: Env, file: Readonly<Record<string, unknown>>, overrides: Readonly<Record<string, unknown>>, cwd: string) {
    this.#env = env
    this.#file = file
    this.#overrides = overrides
    this.#cwd = cwd
  }

  /** Reads the `NAME_FILE` files up front, so `get` can stay synchronous. */
  async loadFiles(): Promise<void> {
    for (const name of Object.keys(SETTINGS)) {
      const from = this.#filePath(name as SettingName)
      if (from === undefined) continue
      try {
        this.#fileValues.set(name, (await readFile(resolve(this.#cwd, from.path), 'utf8')).replace(/\r?\n$/, ''))
      } catch (error) {
        throw new ConfigError(from.setting, `cannot read the file (${(error as { code?: string }).code ?? 'error'})`)
      }
    }
  }

  /** The name a value actually came from (an alias, or `NAME_FILE`), for error messages. */
  nameOf(name: SettingName): string {
    return this.#from.get(name) ?? name
  }

  /** The raw value of a setting, or undefined when it is not set (empty strings count as not set). */
  raw(name: SettingName): unknown {
    const candidates: [string, unknown][] = []
    const alias = ALIASES[name]
    if (Object.hasOwn(this.#overrides, name)) candidates.push([name, this.#overrides[name]])
    else {
      const fromEnv = present(this.#env[name]) ? name : alias !== undefined && present(this.#env[alias]) ? alias : undefined
      const envFile = this.#envFileSetting(name)
      if (fromEnv !== undefined && envFile !== undefined) throw new ConfigError(name, `set ${fromEnv} or ${envFile}, not both`)
      if (fromEnv !== undefined) candidates.push([fromEnv, this.#env[fromEnv]])
      else if (envFile !== undefined) candidates.push([envFile, this.#fileValues.get(name)])
      else if (Object.hasOwn(this.#file, name) && Object.hasOwn(this.#file, `${name}_FILE`)) {
        throw new ConfigError(name, `the config file sets ${name} and ${name}_FILE; keep one`)
      } else if (Object.hasOwn(this.#file, name)) candidates.push([name, this.#file[name]])
      else if (Object.hasOwn(this.#file, `${name}_FILE`)) candidates.push([`${name}_FILE`, this.#fileValues.get(name)])
    }
    const found = candidates[0]
    if (found === undefined || !present(found[1])) return undefined
    this.#from.set(name, found[0])
    return found[1]
  }

  /** A setting parsed with `schema`, or undefined when not set. */
  get<T>(name: SettingName, schema: z.ZodType<T>): T | undefined {
    const value = this.raw(name)
    if (value === undefined) return undefined
    const result = schema.safeParse(value)
    if (!result.success) throw new ConfigError(this.nameOf(name), describeIssue(result.error.issues[0]))
    return result.data
  }

  /** A setting holding JSON (a string in the environment, or a value in the config file). */
  json<T>(name: SettingName, schema: z.ZodType<T>, allowWords: readonly string[] = []): T | string | undefined {
    let value = this.raw(name)
    if (value === undefined) return undefined
    if (typeof value === 'string') {
      const text = value.trim()
      if (allowWords.includes(text)) return text
      try {
        value = JSON.parse(text)
      } catch {
        const words = allowWords.length > 0 ? ` or one of ${allowWords.join(', ')}` : ''
        throw new ConfigError(this.nameOf(name), `must be JSON${words}`)
      }
    }
    const result = schema.safeParse(value)
    if (!result.success) throw new ConfigError(this.nameOf(name), describeIssue(result.error.issues[0]))
    return result.data
  }

  /** Where a setting's secret file is named: `NAME_FILE`, or the alias's (`APP_CERTIFICATE_FILE`), in the environment. */
  #envFileSetting(name: SettingName): string | undefined {
    const alias = ALIASES[name]
    if (present(this.#env[`${name}_FILE`])) return `${name}_FILE`
    if (alias !== undefined && present(this.#env[`${alias}_FILE`])) return `${alias}_FILE`
    return undefined
  }

  /** The path of a setting's secret file and the setting that named it, if any. */
  #filePath(name: SettingName): { path: string; setting: string } | undefined {
    if (Object.hasOwn(this.#overrides, name)) return undefined
    const envFile = this.#envFileSetting(name)
    if (envFile !== undefined) return { path: this.#env[envFile]!, setting: envFile }
    const fromFile = this.#file[`${name}_FILE`]
    if (typeof fromFile === 'string' && fromFile !== '') return { path: fromFile, setting: `${name}_FILE` }
    return undefined
  }
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== ''
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError('AGATE_CONFIG', `cannot read ${path} (${(error as { code?: string }).code ?? 'error'})`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ConfigError('AGATE_CONFIG', `${path} is not valid JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('AGATE_CONFIG', `${path} must hold a JSON object of settings`)
  }
  for (const key of Object.keys(value)) {
    const base = key.endsWith('_FILE') && !Object.hasOwn(SETTINGS, key) ? key.slice(0, -5) : key
    if (!Object.hasOwn(SETTINGS, base)) throw new ConfigError(key, `is not a setting (in ${path})`)
  }
  return value as Record<string, unknown>
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'is invalid'
  const path = issue.path.length === 0 ? '' : `${issue.path.map(String).join('.')}: `
  return `${path}${issue.message}`
}

// ---------------------------------------------------------------------------------------------
// Value schemas

/** An integer from `min` to `max`, given as a number or as decimal text. */
function integer(min: number, max: number): z.ZodType<number> {
  const message = `must be an integer from ${min} to ${max}`
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message }),
  )
}

const boolean: z.ZodType<boolean> = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value
    const word = value.trim().toLowerCase()
    if (['true', '1', 'yes', 'on'].includes(word)) return true
    if (['false', '0', 'no', 'off'].includes(word)) return false
    return value
  },
  z.boolean({ error: 'must be true or false' }),
)

/** A comma-separated list (or a JSON array in the config file). */
const list: z.ZodType<string[]> = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '')
      : value,
  z.array(z.string().min(1), { error: 'must be a comma-separated list' }).min(1, { error: 'must not be empty' }),
)

const version = z.enum(['006', '007'], { error: 'must be "006" or "007"' })
const hex32 = z.string().regex(/^[0-9a-fA-F]{32}$/, { error: 'must be 32 hexadecimal characters' })
const lifetime = z.number().int().min(1).max(86_400)
const appName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be 1 to 64 characters of A-Z a-z 0-9 _ . -' })

const appSchema = z.strictObject({
  name: appName,
  appId: hex32,
  certificate: hex32,
  secondaryCertificate: hex32.optional(),
  tokenVersion: version.optional(),
  routeVersions: z.strictObject({ fetchRtcToken: version.optional(), compat: version.optional() }).optional(),
  expire: lifetime.optional(),
  privilegeExpire: lifetime.optional(),
  maxExpire: lifetime.optional(),
})

// ---------------------------------------------------------------------------------------------
// Sections

function resolveMode(env: Env, options: LoadConfigOptions, source: Settings): ServerMode {
  if (options.mode !== undefined) return options.mode
  if (options.production === true) return 'production'
  const configured = source.get(
    'AGATE_MODE',
    z.enum(['development', 'production'], { error: 'must be development or production' }),
  )
  // Either signal selects production: a NODE_ENV=production deployment never silently runs in dev mode.
  return configured === 'production' || env.NODE_ENV === 'production' ? 'production' : 'development'
}

interface Lifetimes {
  expire: number
  /** `AGATE_PRIVILEGE_EXPIRE` when set; unset, privileges follow each app's token lifetime. */
  privilegeExpire: number | undefined
  maxExpire: number
}

function lifetimes(source: Settings): Lifetimes {
  const maxExpire = source.get('AGATE_MAX_EXPIRE', integer(1, 86_400)) ?? 86_400
  const expire = source.get('AGATE_TOKEN_EXPIRE', integer(1, 86_400)) ?? Math.min(3600, maxExpire)
  if (expire > maxExpire) {
    throw new ConfigError(source.nameOf('AGATE_TOKEN_EXPIRE'), `must be at most AGATE_MAX_EXPIRE (${maxExpire})`)
  }
  const privilegeExpire = source.get('AGATE_PRIVILEGE_EXPIRE', integer(1, 86_400))
  // A token that outlives its privileges is fine; privileges that outlive the token make SDKs miss
  // their expiry callbacks (Agora docs), so they may not be longer.
  if (privilegeExpire !== undefined && privilegeExpire > expire) {
    throw new ConfigError(source.nameOf('AGATE_PRIVILEGE_EXPIRE'), `must be at most the token lifetime (${expire})`)
  }
  return { expire, privilegeExpire, maxExpire }
}

/** The lifetimes an app configured by the global settings has. */
function appLifetimes({
  expire,
  privilegeExpire,
  maxExpire,
}: Lifetimes): Pick<AppConfig, 'expire' | 'privilegeExpire' | 'maxExpire'> {
  return { expire, privilegeExpire: privilegeExpire ?? expire, maxExpire }
}

interface GlobalVersions {
  all: TokenVersion
  fetchRtcToken: TokenVersion | undefined
  compat: TokenVersion | undefined
}

function routeVersions(source: Settings): GlobalVersions {
  return {
    all: source.get('AGATE_TOKEN_VERSION', version) ?? '007',
    fetchRtcToken: source.get('AGATE_FETCH_RTC_TOKEN_VERSION', version),
    compat: source.get('AGATE_COMPAT_TOKEN_VERSION', version),
  }
}

/** Most specific wins: the app's route setting, the global route setting, the app's, the global one. */
function resolveVersions(
  appVersion: TokenVersion | undefined,
  appRoutes: { fetchRtcToken?: TokenVersion | undefined; compat?: TokenVersion | undefined } | undefined,
  global: GlobalVersions,
): Record<RouteGroup, TokenVersion> {
  const base = appVersion ?? global.all
  return {
    fetchRtcToken: appRoutes?.fetchRtcToken ?? global.fetchRtcToken ?? base,
    compat: appRoutes?.compat ?? global.compat ?? base,
    v1: base,
  }
}

function readApps(source: Settings, defaults: Lifetimes, versions: GlobalVersions): AppConfig[] {
  const apps: AppConfig[] = []
  const appId = source.get('AGORA_APP_ID', hex32)
  const certificate = source.get('AGORA_APP_CERTIFICATE', hex32)
  const secondary = source.get('AGORA_APP_CERTIFICATE_SECONDARY', hex32)
  if (appId !== undefined || certificate !== undefined) {
    if (appId === undefined) throw new ConfigError('AGORA_APP_ID', 'is required with AGORA_APP_CERTIFICATE')
    if (certificate === undefined) throw new ConfigError('AGORA_APP_CERTIFICATE', 'is required with AGORA_APP_ID')
    apps.push(
      Object.freeze({
        name: source.get('AGORA_APP_NAME', appName) ?? 'default',
        appId,
        certificate,
        secondaryCertificate: secondary,
        versions: resolveVersions(undefined, undefined, versions),
        ...appLifetimes(defaults),
        development: false,
      }),
    )
  } else if (secondary !== undefined) {
    throw new ConfigError('AGORA_APP_CERTIFICATE_SECONDARY', 'needs AGORA_APP_ID and AGORA_APP_CERTIFICATE')
  }
  const more = source.json('AGATE_APPS', z.array(appSchema).min(1, { error: 'must list at least one app' }))
  for (const [index, app] of ((more ?? []) as z.infer<typeof appSchema>[]).entries()) {
    const where = `${source.nameOf('AGATE_APPS')}[${index}]`
    if (apps.some((other) => other.name === app.name)) throw new ConfigError(where, `app name "${app.name}" is used twice`)
    const maxExpire = Math.min(app.maxExpire ?? defaults.maxExpire, 86_400)
    const expire = app.expire ?? Math.min(defaults.expire, maxExpire)
    if (expire > maxExpire) throw new ConfigError(where, 'expire: must be at most maxExpire')
    // Privileges last as long as the app's tokens unless a privilege lifetime was set, for the app
    // or for all apps (then cut to the app's token lifetime).
    const privilegeExpire = app.privilegeExpire ?? Math.min(defaults.privilegeExpire ?? expire, expire)
    if (privilegeExpire > expire) throw new ConfigError(where, 'privilegeExpire: must be at most expire')
    apps.push(
      Object.freeze({
        name: app.name,
        appId: app.appId,
        certificate: app.certificate,
        secondaryCertificate: app.secondaryCertificate,
        versions: resolveVersions(app.tokenVersion, app.routeVersions, versions),
        expire,
        privilegeExpire,
        maxExpire,
        development: false,
      }),
    )
  }
  return apps
}

function readAuth(source: Settings, production: boolean): ServerConfig['auth'] {
  const apiKeys = readApiKeys(source)
  const secret = source.get('AGATE_JWT_SECRET', z.string().min(32, { error: 'must be at least 32 characters' }))
  const text = z.string({ error: 'must be a base64url string' }).min(1)
  const jwk = z
    .looseObject({
      kty: z.enum(['RSA', 'EC', 'OKP'], { error: 'must be RSA, EC or OKP (public keys; use AGATE_JWT_SECRET for HMAC)' }),
    })
    .and(
      z.union(
        [
          z.looseObject({ kty: z.literal('RSA'), n: text, e: text }),
          z.looseObject({ kty: z.literal('EC'), crv: text, x: text, y: text }),
          z.looseObject({ kty: z.literal('OKP'), crv: text, x: text }),
        ],
        { error: 'is missing the fields of its key type' },
      ),
    )
    .refine((key) => !Object.hasOwn(key, 'd'), { error: 'holds a private key; publish only public keys' })
  const jwksValue = source.json(
    'AGATE_JWT_JWKS',
    z.object({ keys: z.array(jwk).min(1, { error: 'must not be empty' }) }, { error: 'must be a JWKS: {"keys": [...]}' }),
  )
  const jwks = jwksValue as JSONWebKeySet | undefined
  if (jwks !== undefined) {
    try {
      createLocalJWKSet(jwks)
    } catch {
      throw new ConfigError(source.nameOf('AGATE_JWT_JWKS'), 'is not a valid JWKS')
    }
  }
  const jwksUrl = source.get(
    'AGATE_JWT_JWKS_URL',
    z
      .string()
      .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), { error: 'must be an http(s) URL' }),
  )
  if (jwks !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('AGATE_JWT_JWKS_URL', 'set AGATE_JWT_JWKS or AGATE_JWT_JWKS_URL, not both')
  }
  if (production && jwksUrl !== undefined && new URL(jwksUrl).protocol !== 'https:' && !isLoopback(new URL(jwksUrl).hostname)) {
    throw new ConfigError('AGATE_JWT_JWKS_URL', 'must use https in production')
  }
  const issuer = source.get('AGATE_JWT_ISSUER', z.string().min(1))
  const audience = source.get('AGATE_JWT_AUDIENCE', list)
  const algorithms = source.get('AGATE_JWT_ALGORITHMS', list)
  const clockTolerance = source.get('AGATE_JWT_CLOCK_TOLERANCE', integer(0, 300)) ?? 5
  let jwt: JwtSettings | undefined
  if (secret !== undefined || jwks !== undefined || jwksUrl !== undefined) {
    if (production && issuer === undefined) {
      throw new ConfigError('AGATE_JWT_ISSUER', 'is required in production when JWTs are accepted')
    }
    if (production && audience === undefined) {
      throw new ConfigError('AGATE_JWT_AUDIENCE', 'is required in production when JWTs are accepted')
    }
    if (algorithms !== undefined) {
      for (const algorithm of algorithms) {
        if (algorithm === 'none') throw new ConfigError('AGATE_JWT_ALGORITHMS', '"none" is never accepted')
        if (algorithm.startsWith('HS') && secret === undefined) {
          throw new ConfigError('AGATE_JWT_ALGORITHMS', `${algorithm} needs AGATE_JWT_SECRET`)
        }
      }
    }
    jwt = { secret, jwks, jwksUrl, issuer, audience, algorithms, clockTolerance }
  } else {
    for (const name of ['AGATE_JWT_ISSUER', 'AGATE_JWT_AUDIENCE', 'AGATE_JWT_ALGORITHMS'] as const) {
      if (source.raw(name) !== undefined) {
        throw new ConfigError(name, 'needs AGATE_JWT_SECRET, AGATE_JWT_JWKS or AGATE_JWT_JWKS_URL')
      }
    }
  }
  const openAccess = source.get('AGATE_OPEN_ACCESS', boolean) ?? false
  return { apiKeys, jwt, openAccess, allowAnonymous: !production || openAccess }
}

function readApiKeys(source: Settings): ApiKeyEntry[] {
  const raw = source.raw('AGATE_API_KEYS')
  if (raw === undefined) return []
  const name = source.nameOf('AGATE_API_KEYS')
  let pairs: [string, unknown][]
  if (typeof raw === 'string' && !raw.trim().startsWith('{')) {
    pairs = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map((item) => {
        const equals = item.indexOf('=')
        if (equals <= 0) throw new ConfigError(name, 'each entry must be name=sha256:<hex>')
        return [item.slice(0, equals).trim(), item.slice(equals + 1).trim()]
      })
  } else {
    let value = raw
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value)
      } catch {
        throw new ConfigError(name, 'must be name=sha256:<hex>,… or a JSON object')
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(name, 'must be a JSON object of name: hash')
    }
    pairs = Object.entries(value)
  }
  if (pairs.length === 0) throw new ConfigError(name, 'must not be empty')
  const seen = new Set<string>()
  return pairs.map(([keyName, hash]) => {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(keyName)) {
      throw new ConfigError(name, 'key names must be 1 to 64 characters of A-Z a-z 0-9 _ . : -')
    }
    if (seen.has(keyName)) throw new ConfigError(name, `key name "${keyName}" is used twice`)
    seen.add(keyName)
    // Never echo the value: it might be a key pasted by mistake.
    if (typeof hash === 'string' && hash.startsWith(API_KEY_PREFIX)) {
      throw new ConfigError(
        name,
        `"${keyName}" holds an API key; configure its hash (agate keys create prints it), never the key`,
      )
    }
    if (typeof hash !== 'string' || !API_KEY_HASH.test(hash)) {
      throw new ConfigError(name, `"${keyName}" must be sha256: and 64 lowercase hex digits`)
    }
    return { name: keyName, hash }
  })
}

function readPolicy(
  source: Settings,
  production: boolean,
  apps: readonly AppConfig[],
  auth: ServerConfig['auth'],
): ServerConfig['policy'] {
  const presets = Object.keys(POLICY_PRESETS)
  const value = source.json('AGATE_POLICY', policySchema, presets)
  let rules: readonly PolicyRule[]
  let origin: string
  if (value === undefined) {
    // Deny by default in production; development is for trying things out.
    rules = production ? [] : POLICY_PRESETS['allow-all']
    origin = production ? 'preset:deny-all' : 'preset:allow-all'
  } else if (typeof value === 'string') {
    rules = POLICY_PRESETS[value as keyof typeof POLICY_PRESETS]
    origin = `preset:${value}`
  } else {
    rules = (value as { rules: PolicyRule[] }).rules
    origin = 'configured'
  }
  const name = source.nameOf('AGATE_POLICY')
  const seen = new Set<string>()
  for (const [index, rule] of rules.entries()) {
    if (seen.has(rule.name)) throw new ConfigError(name, `rules[${index}]: rule name "${rule.name}" is used twice`)
    seen.add(rule.name)
    for (const app of rule.apps ?? []) {
      // Without configured apps, development credentials become the app "default".
      const known =
        (apps.length === 0 && app === 'default') ||
        apps.some((candidate) => candidate.name === app || candidate.appId.toLowerCase() === app.toLowerCase())
      if (!known) throw new ConfigError(name, `rules[${index}].apps: no app is named "${app}"`)
    }
    if (typeof rule.who === 'object') {
      for (const key of rule.who.apiKeys ?? []) {
        if (key !== '*' && !auth.apiKeys.some((entry) => entry.name === key)) {
          throw new ConfigError(name, `rules[${index}].who.apiKeys: no API key is named "${key}"`)
        }
      }
      if (rule.who.jwt !== undefined && auth.jwt === undefined) {
        throw new ConfigError(name, `rules[${index}].who.jwt: JWT authentication is not configured`)
      }
    }
  }
  return { rules, source: origin }
}

function readRateLimitStore(source: Settings): RateLimitStoreSettings {
  // The message of checkRedisUrl never repeats the URL (it may hold a password); neither does zod's.
  const redisUrl = source.get(
    'AGATE_REDIS_URL',
    z.string().superRefine((text, context) => {
      const problem = checkRedisUrl(text.trim())
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem })
    }),
  )
  const settings: RateLimitStoreSettings = {
    redisUrl: redisUrl?.trim(),
    redisFailure:
      source.get('AGATE_RATE_LIMIT_REDIS_FAILURE', z.enum(['allow', 'refuse'], { error: 'must be allow or refuse' })) ?? 'allow',
    redisKeyPrefix:
      source.get(
        'AGATE_REDIS_KEY_PREFIX',
        z.string().regex(/^[\x21-\x7e]{1,64}$/, { error: 'must be 1 to 64 printable ASCII characters without spaces' }),
      ) ?? 'agate:rl:',
    redisTimeoutMs: source.get('AGATE_REDIS_TIMEOUT_MS', integer(10, 10_000)) ?? 250,
  }
  if (redisUrl === undefined) {
    for (const name of ['AGATE_RATE_LIMIT_REDIS_FAILURE', 'AGATE_REDIS_KEY_PREFIX', 'AGATE_REDIS_TIMEOUT_MS'] as const) {
      if (source.raw(name) !== undefined) {
        source.warnings.push(`${source.nameOf(name)} has no effect without AGATE_REDIS_URL (REDIS_URL): rate limits are counted in memory`)
      }
    }
  }
  return settings
}

/** Whether a host (a listen address, or a URL's hostname) is reachable from this machine only. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
