/**
 * Shared by the server tests: credentials, configs, apps with captured logs, requests, and checks
 * of minted tokens by the library and by the npm reference package `agora-token`.
 * @module
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hono } from 'hono'
import type { Logger } from 'pino'
import { createApiKey } from '../../src/server/auth/api-keys.js'
import { createApp, type AppDeps } from '../../src/server/app.js'
import { loadConfig, type LoadConfigOptions, type ServerConfig } from '../../src/server/config.js'
import { createLoggerOn } from '../../src/server/logging.js'
import { createMetrics, type Metrics } from '../../src/server/metrics.js'

/** Agora's shared test App ID and certificate, and a second certificate of our own. */
export const APP_ID = '970CA35de60c44645bbae8a215061b33'
export const CERT = '5CFd2fd1755d40ecb72977518be15d3b'
export const SECONDARY = '0123456789abcdef0123456789abcdef'
export const OTHER_APP_ID = 'aaaabbbbccccddddeeeeffff00001111'
export const OTHER_CERT = '99998888777766665555444433332222'

/** Two API keys made for this test run; the server is configured with their hashes only. */
export const KEYS = { web: createApiKey(), admin: createApiKey() }
export const API_KEYS_SETTING = `web=${KEYS.web.hash},admin=${KEYS.admin.hash}`
/** A JWT shared secret (32+ bytes). */
export const JWT_SECRET = 'test-secret-test-secret-test-secret-0123'

/** A fresh temporary directory (dev credentials, secret files, config files). */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'agate-server-test-'))
}

/** A production policy exercising every kind of rule. */
export const POLICY = [
  {
    name: 'admin',
    who: { apiKeys: ['admin'] },
    wildcards: true,
  },
  {
    name: 'web',
    who: { apiKeys: ['web'] },
    apps: ['main'],
    services: ['rtc', 'rtm'],
    channels: ['room-*', 'ChannelA'],
    roles: ['publisher', 'subscriber'],
    maxExpire: 3600,
  },
  {
    name: 'members',
    who: { jwt: { role: 'member' } },
    services: ['rtc', 'rtm'],
    channels: ['room-{sub}-*'],
    users: ['{uid}', '{sub}'],
    roles: ['subscriber'],
    maxExpire: 600,
  },
  { name: 'other-jwt', who: { jwt: true }, channels: ['public-*'] },
]

/** Production settings: real credentials, API keys and a JWT secret, the policy above. */
export function productionEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    AGORA_APP_ID: APP_ID,
    AGORA_APP_CERTIFICATE: CERT,
    AGORA_APP_CERTIFICATE_SECONDARY: SECONDARY,
    AGORA_APP_NAME: 'main',
    AGATE_APPS: JSON.stringify([{ name: 'second', appId: OTHER_APP_ID, certificate: OTHER_CERT, tokenVersion: '006' }]),
    AGATE_API_KEYS: API_KEYS_SETTING,
    AGATE_JWT_SECRET: JWT_SECRET,
    AGATE_JWT_ISSUER: 'https://id.example',
    AGATE_JWT_AUDIENCE: 'agate',
    AGATE_POLICY: JSON.stringify(POLICY),
    AGATE_CORS_ORIGINS: 'https://app.example',
    AGATE_RATE_LIMIT_PER_ADDRESS: '0',
    AGATE_RATE_LIMIT_PER_IDENTITY: '0',
    AGATE_LOG_LEVEL: 'info',
    ...extra,
  }
}

/** loadConfig with a temporary working directory (so development credentials never land in the repo). */
export function config(env: Record<string, string>, options: LoadConfigOptions = {}): Promise<ServerConfig> {
  return loadConfig(env, { cwd: tempDir(), ...options })
}

/** Log lines captured in memory. */
export interface CapturedLogs {
  logger: Logger
  /** Everything written so far, raw. */
  text(): string
  /** The lines, parsed. */
  lines(): Record<string, any>[]
}

/** A logger in the server's format writing to memory. */
export function captureLogs(level = 'info'): CapturedLogs {
  const chunks: string[] = []
  const logger = createLoggerOn(level, { write: (chunk: string) => void chunks.push(chunk) })
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, any>),
  }
}

/** An app in process, with its logs and metrics. */
export interface TestApp {
  app: Hono
  config: ServerConfig
  logs: CapturedLogs
  metrics: Metrics
}

/** Builds an app from settings (development unless they say production). */
export async function makeApp(
  env: Record<string, string> = {},
  options: LoadConfigOptions = {},
  deps: AppDeps = {},
): Promise<TestApp> {
  const cfg = await config(env, options)
  const logs = captureLogs()
  const metrics = createMetrics()
  return { app: createApp(cfg, { logger: logs.logger, metrics, ...deps }), config: cfg, logs, metrics }
}

/** A JSON POST in process. */
export function post(app: Hono, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }) as Promise<Response>
}

/** The authorization header of a key. */
export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` }
}

const require = createRequire(import.meta.url)
const { AccessToken2 } = require('agora-token/src/AccessToken2.js') as { AccessToken2: new () => any }
const { AccessToken } = require('agora-token/src/AccessToken.js') as { AccessToken: new (...args: unknown[]) => any }

/** What `agora-token` reads from a 007 token, after checking its signature with `certificate`. */
export interface Reference007 {
  appId: string
  issueTs: number
  expire: number
  services: { type: number; channel?: string; uid?: string; userId?: string; privileges: Record<string, number> }[]
}

/**
 * Parses and verifies a 007 token with the npm reference implementation (`agora-token`'s
 * `AccessToken2.from_string` and `verifySignature`), independently of Agate's parser.
 */
export function referenceVerify007(token: string, certificate: string): Reference007 {
  const parsed = new AccessToken2()
  assert.equal(parsed.from_string(token), true, 'agora-token cannot parse the token')
  assert.equal(parsed.verifySignature(certificate), true, 'agora-token rejects the signature')
  return {
    appId: parsed.appId.toString(),
    issueTs: parsed.issueTs,
    expire: parsed.expire,
    services: parsed.services.map((service: any) => ({
      type: service.__type,
      channel: service.__channel_name?.toString(),
      uid: service.__uid?.toString(),
      userId: service.__user_id?.toString(),
      privileges: { ...service.__privileges },
    })),
  }
}

/**
 * Parses a 006 token with `agora-token`'s `AccessToken.fromString` and checks its signature the way
 * Agora's servers do: HMAC-SHA256(certificate, appId + channel + uid + message).
 */
export function referenceVerify006(
  token: string,
  certificate: string,
  channelName: string,
  uid: string,
): { appId: string; messages: Record<string, number> } {
  const parsed = new AccessToken('', '', '', '')
  assert.equal(parsed.fromString(token), true, 'agora-token cannot parse the 006 token')
  const expected = createHmac('sha256', certificate)
    .update(Buffer.concat([Buffer.from(parsed.appID), Buffer.from(channelName), Buffer.from(uid), parsed.m]))
    .digest()
  assert.ok(Buffer.compare(Buffer.from(parsed.signature), expected) === 0, 'the 006 signature does not match')
  return { appId: parsed.appID, messages: { ...parsed.messages } }
}

/** Reads a JSON response body, asserting the status first (with the body in the message). */
export async function json(response: Response, status: number): Promise<any> {
  const text = await response.text()
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${text}`)
  return JSON.parse(text)
}
