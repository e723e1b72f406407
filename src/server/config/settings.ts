/**
 * Every setting, declared once: its schema, default, whether it is secret, its aliases, whether it
 * can be given as `NAME_FILE`, and its meaning. The resolver reads values through this table, and
 * `npm run docs:settings` renders it as the settings table of the docs.
 * @module
 */
import { z } from 'zod'
import { POLICY_PRESETS, policySchema } from '../policy.js'
import { apiKeysSchema } from './api-key-settings.js'
import { appName, appsSchema } from './app-settings.js'
import { jwksSchema, jwksUrlSchema, jwtSecretSchema } from './jwt-settings.js'
import { redisKeyPrefixSchema, redisUrlSchema } from './redis-settings.js'
import { boolean, hex32, integer, list, oneOf, text, version } from './schemas.js'

/** A default that differs by mode. */
export class ModeDefault<T> {
  readonly development: T
  readonly production: T

  constructor(development: T, production: T) {
    this.development = development
    this.production = production
  }
}

function byMode<T>(development: T, production: T): ModeDefault<T> {
  return new ModeDefault(development, production)
}

/** The declaration of one setting. */
export interface SettingDeclaration<T = unknown> {
  /** Validates (and converts) the value: text from the environment, JSON values from a config file. */
  readonly schema: z.ZodType<T>
  /** The value when the setting is not set; without one, the setting is undefined when unset. */
  readonly default?: T | ModeDefault<T>
  /**
   * For the docs, when the default is not a value of its own (it follows another setting, or another
   * module decides); with a per-mode default, what the mode without a value of its own gets.
   */
  readonly defaultText?: string
  /** Certificates, keys, passwords: never logged, never shown as defaults; best given as `NAME_FILE`. */
  readonly secret?: boolean
  /** Other names the environment may use (the community servers' and hosting platforms'). */
  readonly aliases?: readonly string[]
  /** Whether `NAME_FILE` may hold the value instead. Default true. */
  readonly file?: boolean
  /** Text in the environment is JSON, apart from these words. */
  readonly json?: true | { readonly words: readonly string[] }
  /** The meaning, for the docs (Markdown). */
  readonly description: string
}

const PRESETS = Object.keys(POLICY_PRESETS) as (keyof typeof POLICY_PRESETS)[]
/** A preset's name, or rules (whose errors keep their paths, such as `rules.0.who`). */
const policySetting: z.ZodType<keyof typeof POLICY_PRESETS | z.output<typeof policySchema>> = z
  .unknown()
  .transform((value, context) => {
    if (typeof value === 'string' && (PRESETS as string[]).includes(value)) return value as keyof typeof POLICY_PRESETS
    const result = policySchema.safeParse(value)
    if (result.success) return result.data
    for (const issue of result.error.issues)
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path })
    return z.NEVER
  })

const milliseconds = integer(100, 600_000)

export const SETTINGS = {
  AGATE_CONFIG: {
    schema: text,
    file: false,
    description: 'Path of a JSON config file whose keys are these setting names (environment wins over it).',
  },
  AGATE_MODE: {
    schema: oneOf(['development', 'production']),
    default: 'development',
    description: '`development` or `production`; `NODE_ENV=production` also selects production.',
  },
  AGATE_HOST: { schema: text, default: byMode('127.0.0.1', '0.0.0.0'), description: 'Interface to listen on.' },
  AGATE_PORT: {
    schema: integer(0, 65_535),
    default: 8080,
    aliases: ['PORT'],
    description:
      'Port: `AGATE_PORT` if set, else `PORT` (what hosting platforms inject), else the default; 0 picks a free port.',
  },
  AGORA_APP_ID: { schema: hex32, aliases: ['APP_ID'], description: 'App ID of the default app.' },
  AGORA_APP_CERTIFICATE: {
    schema: hex32,
    secret: true,
    aliases: ['APP_CERTIFICATE'],
    description: 'Primary App Certificate of the default app.',
  },
  AGORA_APP_CERTIFICATE_SECONDARY: {
    schema: hex32,
    secret: true,
    description: 'Secondary certificate: accepted by `/v1/tokens/verify`, never used to mint.',
  },
  AGORA_APP_NAME: {
    schema: appName,
    default: 'default',
    description: 'Name of the default app in policies, requests and logs.',
  },
  AGATE_APPS: {
    schema: appsSchema,
    json: true,
    secret: true,
    description:
      'More apps: JSON array of `{name, appId, certificate, secondaryCertificate?, tokenVersion?, routeVersions?, expire?, privilegeExpire?, maxExpire?}`.',
  },
  AGATE_TOKEN_VERSION: {
    schema: version,
    default: '007',
    description:
      'Token version of every app and route unless set more specifically (`006` for SDKs older than Web 4.8.0).',
  },
  AGATE_FETCH_RTC_TOKEN_VERSION: {
    schema: version,
    defaultText: '`AGATE_TOKEN_VERSION`',
    description: 'Version minted by `POST /fetch_rtc_token`.',
  },
  AGATE_FETCH_RTC_TOKEN_EXPIRE: {
    schema: integer(1, 86_400),
    default: byMode<number | undefined>(40, undefined),
    defaultText: "the app's token lifetime",
    description:
      "Lifetime of the tokens `POST /fetch_rtc_token` mints, seconds. The docs' sample server hands out 40 s tokens so that the renewal flow shows within a minute; development mode does the same.",
  },
  AGATE_COMPAT_TOKEN_VERSION: {
    schema: version,
    defaultText: '`AGATE_TOKEN_VERSION`',
    description:
      'Version minted by the agora-token-service / Node token server routes (`006` for clients of the Node token server).',
  },
  AGATE_TOKEN_EXPIRE: {
    schema: integer(1, 86_400),
    default: 3600,
    description: 'Default token lifetime, seconds (unset, at most `AGATE_MAX_EXPIRE`).',
  },
  AGATE_PRIVILEGE_EXPIRE: {
    schema: integer(1, 86_400),
    defaultText: '`AGATE_TOKEN_EXPIRE`',
    description:
      "Default privilege lifetime, seconds (at most the token lifetime). Unset, each app's privileges last as long as its tokens.",
  },
  AGATE_MAX_EXPIRE: {
    schema: integer(1, 86_400),
    default: 86_400,
    description: 'Hard cap on any lifetime, seconds (at most 86400).',
  },
  AGATE_API_KEYS: {
    schema: apiKeysSchema,
    secret: true,
    description:
      'API keys by hash: `name=sha256:<hex>,…` or JSON `{"name": "sha256:<hex>"}` (from `agate keys create`).',
  },
  AGATE_JWT_SECRET: {
    schema: jwtSecretSchema,
    secret: true,
    description: 'Shared secret for HS256/384/512 JWTs (at least 32 bytes).',
  },
  AGATE_JWT_JWKS: {
    schema: jwksSchema,
    json: true,
    description: 'A JWKS (JSON, public keys only) for asymmetric JWTs; usually given as `AGATE_JWT_JWKS_FILE`.',
  },
  AGATE_JWT_JWKS_URL: {
    schema: jwksUrlSchema,
    description:
      'URL of the identity provider JWKS (cached 10 min, refetched at most every 30 s for unknown key ids; https in production).',
  },
  AGATE_JWT_ISSUER: { schema: text, defaultText: '– (required in production)', description: 'Required `iss` of JWTs.' },
  AGATE_JWT_AUDIENCE: {
    schema: list,
    defaultText: '– (required in production)',
    description: 'Accepted `aud` values, comma-separated.',
  },
  AGATE_JWT_ALGORITHMS: {
    schema: list,
    defaultText: 'by key type',
    description: 'Accepted `alg` values, comma-separated (`none` is never accepted).',
  },
  AGATE_JWT_CLOCK_TOLERANCE: { schema: integer(0, 300), default: 5, description: 'Leeway for `exp`/`nbf`, seconds.' },
  AGATE_OPEN_ACCESS: {
    schema: boolean,
    default: false,
    description: 'Production without caller authentication (warned about at every start).',
  },
  AGATE_POLICY: {
    schema: policySetting,
    json: { words: PRESETS },
    default: byMode<keyof typeof POLICY_PRESETS | z.output<typeof policySchema>>('allow-all', 'deny-all'),
    description: 'The authorization policy: JSON rules, or a preset `allow-all`, `allow-authenticated`, `deny-all`.',
  },
  AGATE_CORS_ORIGINS: {
    schema: list,
    default: byMode<string[]>(['*'], []),
    description: 'Origins allowed by CORS: `*` or a comma-separated list of `https://host[:port]`.',
  },
  AGATE_RATE_LIMIT_WINDOW: { schema: integer(1, 86_400), default: 60, description: 'Rate-limit window, seconds.' },
  AGATE_RATE_LIMIT_PER_IDENTITY: {
    schema: integer(0, 1e9),
    default: 600,
    description: 'Requests per window per authenticated caller (0 = off).',
  },
  AGATE_RATE_LIMIT_PER_ADDRESS: {
    schema: integer(0, 1e9),
    default: 300,
    description: 'Requests per window per client address (0 = off).',
  },
  AGATE_TRUST_PROXY: {
    schema: integer(0, 10),
    default: 0,
    description: 'Number of proxies in front that append to `X-Forwarded-For` (0 = use the socket address).',
  },
  AGATE_REDIS_URL: {
    schema: redisUrlSchema,
    secret: true,
    aliases: ['REDIS_URL'],
    description:
      'Redis that counts the rate limits of every instance and worker: `redis://[user:password@]host:6379[/db]` or `rediss://…` (TLS). Unset, limits are counted in memory.',
  },
  AGATE_RATE_LIMIT_REDIS_FAILURE: {
    schema: oneOf(['allow', 'refuse']),
    default: 'allow',
    aliases: ['RATE_LIMIT_REDIS_FAILURE'],
    description:
      'While Redis is unreachable: `allow` serves requests uncounted, `refuse` answers 503 and fails `/readyz`.',
  },
  AGATE_RATE_LIMIT_STORE_FAILURE: {
    schema: oneOf(['allow', 'refuse']),
    default: 'allow',
    description:
      'Cloudflare Workers only: when a rate-limit Durable Object fails, `allow` serves requests uncounted, `refuse` answers 503.',
  },
  AGATE_REDIS_KEY_PREFIX: {
    schema: redisKeyPrefixSchema,
    default: 'agate:rl:',
    description: 'Prefix of the rate-limit keys in Redis (one per deployment sharing a Redis).',
  },
  AGATE_REDIS_TIMEOUT_MS: {
    schema: integer(10, 10_000),
    default: 250,
    description: 'Longest wait for one Redis command, ms (10 to 10000); then the failure mode applies.',
  },
  AGATE_WORKERS: {
    schema: integer(0, 256),
    defaultText: '1 (dev), one per CPU (prod)',
    aliases: ['WORKERS'],
    description:
      "Worker processes of `agate serve` (flag `--workers`), 0 to 256; 0 = one per usable CPU (a container's CPU limit counts).",
  },
  AGATE_BODY_LIMIT: { schema: integer(64, 1_048_576), default: 8192, description: 'Largest request body, bytes.' },
  AGATE_MAX_HEADER_SIZE: {
    schema: integer(1024, 65_536),
    default: 8192,
    description: 'Largest request head (all headers), bytes.',
  },
  AGATE_KEEP_ALIVE_TIMEOUT_MS: {
    schema: milliseconds,
    default: 65_000,
    description:
      "Idle keep-alive connection timeout, ms. Above the load balancer's idle timeout (60 s on AWS ALB and ingress-nginx), so it never closes a connection the balancer is reusing (a 502).",
  },
  AGATE_HEADERS_TIMEOUT_MS: {
    schema: milliseconds,
    default: 66_000,
    description: 'Time to receive a request head, ms; greater than `AGATE_KEEP_ALIVE_TIMEOUT_MS`.',
  },
  AGATE_REQUEST_TIMEOUT_MS: {
    schema: milliseconds,
    default: 70_000,
    description: 'Time to receive a whole request, ms; at least `AGATE_HEADERS_TIMEOUT_MS` (Node refuses less).',
  },
  AGATE_DRAIN_DELAY_MS: {
    schema: integer(0, 600_000),
    default: 5000,
    description:
      'On SIGTERM, how long the server keeps accepting requests after `/readyz` turns 503, ms, so load balancers notice before it stops.',
  },
  AGATE_SHUTDOWN_TIMEOUT_MS: {
    schema: integer(0, 600_000),
    default: 10_000,
    description: 'How long shutdown waits for in-flight requests before closing connections, ms.',
  },
  AGATE_LOG_LEVEL: {
    schema: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    aliases: ['LOG_LEVEL'],
    description: 'pino level; `silent` turns logs off.',
  },
  AGATE_LOG_DESTINATION: { schema: text, default: 'stdout', description: '`stdout`, `stderr` or a file path.' },
  AGATE_METRICS_TOKEN: {
    schema: z.string().min(16, { error: 'must be at least 16 characters' }),
    secret: true,
    description: 'If set, `GET /metrics` requires `Authorization: Bearer <token>`.',
  },
  AGATE_DEV_CREDENTIALS_FILE: {
    schema: text,
    default: '.agate/dev-credentials.json',
    file: false,
    description: 'Where development credentials are kept (relative to the working directory).',
  },
  // Each setting has its own value type; `any` lets `satisfies` check every declaration's shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
} satisfies Record<string, SettingDeclaration<any>>

/** A setting name. */
export type SettingName = keyof typeof SETTINGS
/** The value type of a setting. */
export type SettingValue<N extends SettingName> = z.output<(typeof SETTINGS)[N]['schema']>
