/**
 * The pure resolver: settings in, a validated `ServerConfig` out. It reads no environment and no
 * file and imports nothing of Node, so the Node loader, a Cloudflare Worker and tests all use it:
 * whatever has to be read (secret files, the config file, development credentials) is read by the
 * caller and handed in.
 * @module
 */
import { AppSettings } from './app-settings.js'
import { ConfigError } from './errors.js'
import { isLoopback } from './hosts.js'
import { jwtSettings } from './jwt-settings.js'
import { limitSettings } from './limit-settings.js'
import { policySettings } from './policy-settings.js'
import { rateLimitStoreSettings } from './redis-settings.js'
import { settingOf, Sources, type ConfigInput, type SecretFile } from './sources.js'
import type { ServerConfig, ServerMode } from './types.js'

export type { ConfigInput, SecretFile } from './sources.js'

/**
 * Builds the validated configuration from plain settings. In production it refuses to start
 * without real credentials and a caller authenticator (unless `AGATE_OPEN_ACCESS=true`); in
 * development without configured apps it serves `input.devCredentials` as the app `default`.
 *
 * @example
 * ```ts
 * const config = resolveConfig({ values: { AGORA_APP_ID: appId, AGORA_APP_CERTIFICATE: certificate }, mode: 'production' })
 * ```
 * @throws {ConfigError} naming the first bad or missing setting; its message never contains a secret.
 */
export function resolveConfig(input: ConfigInput): ServerConfig {
  const source = new Sources(input)
  warnUnknown(input.values, source)
  if (input.configFile === undefined && source.has('AGATE_CONFIG')) {
    throw new ConfigError(
      source.nameOf('AGATE_CONFIG'),
      'config files cannot be read here; set the settings themselves',
    )
  }
  const mode = resolveMode(input, source)
  const production = mode === 'production'
  const host = source.get('AGATE_HOST')
  const port = source.get('AGATE_PORT')

  const appSettings = new AppSettings(source)
  const apps = appSettings.configured(source)
  const apiKeys = source.get('AGATE_API_KEYS') ?? []
  const jwt = jwtSettings(source, production)
  const openAccess = source.get('AGATE_OPEN_ACCESS')
  const auth = { apiKeys, jwt, openAccess, allowAnonymous: !production || openAccess }
  const policy = policySettings(source, apps, auth)

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
      source.warn(
        'AGATE_OPEN_ACCESS=true: callers are not authenticated; anyone who can reach this server can get the tokens the policy allows anonymous callers',
      )
    }
    if (policy.rules.length === 0) {
      source.warn(
        'no policy rule allows anything: every token request will be denied (set AGATE_POLICY, e.g. to allow-authenticated)',
      )
    }
  } else if (!isLoopback(host)) {
    source.warn(
      `development mode on ${source.nameOf('AGATE_HOST')}=${host}: anyone who can reach this host gets tokens without authentication; use production mode beyond this machine`,
    )
  }

  const corsOrigins = source.get('AGATE_CORS_ORIGINS')
  const cors = corsOrigins.includes('*') ? '*' : corsOrigins
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

  const resolvePath = input.resolvePath ?? ((path: string) => path)
  const devCredentialsFile = developmentCredentialsFileOf(source, apps.length)
  if (devCredentialsFile !== undefined) {
    if (input.devCredentials === undefined) {
      throw new ConfigError(
        'AGORA_APP_ID',
        'development credentials are kept in a file, which cannot be written here: set AGORA_APP_ID and AGORA_APP_CERTIFICATE',
      )
    }
    apps.push(appSettings.development(input.devCredentials))
  }

  const destination = source.get('AGATE_LOG_DESTINATION')
  const config: ServerConfig = {
    mode,
    host,
    port,
    apps,
    auth,
    policy,
    cors,
    fetchRtcTokenExpire: source.get('AGATE_FETCH_RTC_TOKEN_EXPIRE'),
    rateLimit: {
      windowMs: source.get('AGATE_RATE_LIMIT_WINDOW') * 1000,
      perIdentity: source.get('AGATE_RATE_LIMIT_PER_IDENTITY'),
      perAddress: source.get('AGATE_RATE_LIMIT_PER_ADDRESS'),
      trustProxy: source.get('AGATE_TRUST_PROXY'),
      store: rateLimitStoreSettings(source),
    },
    limits: limitSettings(source),
    log: {
      level: source.get('AGATE_LOG_LEVEL'),
      destination: destination === 'stdout' || destination === 'stderr' ? destination : resolvePath(destination),
    },
    metricsToken: source.get('AGATE_METRICS_TOKEN'),
    workers: source.get('AGATE_WORKERS'),
    warnings: source.warnings,
    devCredentialsFile: devCredentialsFile === undefined ? undefined : resolvePath(devCredentialsFile),
  }
  return deepFreeze(config)
}

/** The `NAME_FILE` settings whose files the caller must read and pass as `input.files`. */
export function secretFilesOf(input: ConfigInput): SecretFile[] {
  return new Sources(input).secretFiles()
}

/**
 * Where the development credentials are to be read or created (resolved with `input.resolvePath`),
 * or undefined when they are not needed: only in development mode with no app configured.
 */
export function developmentCredentialsFile(input: ConfigInput): string | undefined {
  const source = new Sources(input)
  resolveMode(input, source)
  const configured = source.has('AGORA_APP_ID') || source.has('AGORA_APP_CERTIFICATE') || source.has('AGATE_APPS')
  const file = developmentCredentialsFileOf(source, configured ? 1 : 0)
  return file === undefined ? undefined : (input.resolvePath ?? ((path: string) => path))(file)
}

function developmentCredentialsFileOf(source: Sources, appCount: number): string | undefined {
  return source.mode === 'development' && appCount === 0 ? source.get('AGATE_DEV_CREDENTIALS_FILE') : undefined
}

function resolveMode(input: ConfigInput, source: Sources): ServerMode {
  const configured = source.get('AGATE_MODE')
  // Either signal selects production: a NODE_ENV=production deployment never silently runs in dev mode.
  source.mode =
    input.mode ?? (configured === 'production' || input.values.NODE_ENV === 'production' ? 'production' : 'development')
  return source.mode
}

/** Unknown `AGATE_*` variables are warnings, not errors: typos, or settings of a newer version. */
function warnUnknown(values: ConfigInput['values'], source: Sources): void {
  for (const name of Object.keys(values)) {
    if (name.startsWith('AGATE_') && settingOf(name) === undefined) {
      source.warn(`${name} is not an Agate setting (typo?); it is ignored`)
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
