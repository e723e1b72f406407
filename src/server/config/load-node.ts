/**
 * The Node loader: reads what the pure resolver needs from this machine (the environment, the
 * config file, `NAME_FILE` secrets, development credentials) and resolves the configuration.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { loadDevCredentials } from '../dev-credentials.js'
import { ConfigError } from './errors.js'
import { developmentCredentialsFile, resolveConfig, secretFilesOf, type ConfigInput } from './resolve.js'
import type { ServerConfig, ServerMode } from './types.js'

/** Options of {@link loadConfig}; the first four are the flags of `agate serve`. */
export interface LoadConfigOptions {
  port?: number
  host?: string
  /** A JSON config file: an object whose keys are setting names (see the settings table). */
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
export async function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: LoadConfigOptions = {},
): Promise<ServerConfig> {
  const cwd = options.cwd ?? process.cwd()
  const overrides: Record<string, unknown> = { ...options.overrides }
  if (options.port !== undefined) overrides.AGATE_PORT = options.port
  if (options.host !== undefined) overrides.AGATE_HOST = options.host
  const configPath = options.configFile ?? env.AGATE_CONFIG
  const input: ConfigInput = {
    values: env,
    overrides,
    configFile:
      configPath === undefined || configPath === '' ? undefined : await readConfigFile(resolve(cwd, configPath)),
    mode: options.mode ?? (options.production === true ? 'production' : undefined),
    resolvePath: (path) => resolve(cwd, path),
  }
  const files: Record<string, string> = {}
  for (const { setting, path } of secretFilesOf(input)) {
    try {
      files[setting] = await readFile(resolve(cwd, path), 'utf8')
    } catch (error) {
      throw new ConfigError(setting, `cannot read the file (${(error as { code?: string }).code ?? 'error'})`)
    }
  }
  const withFiles = { ...input, files }
  const devFile = developmentCredentialsFile(withFiles)
  if (devFile === undefined) return resolveConfig(withFiles)
  let devCredentials
  try {
    devCredentials = await loadDevCredentials(devFile)
  } catch (error) {
    throw new ConfigError('AGATE_DEV_CREDENTIALS_FILE', (error as Error).message)
  }
  return resolveConfig({ ...withFiles, devCredentials })
}

/**
 * {@link loadConfig} on this process's environment: for entry points such as `runServer`, so that
 * no other module reads `process.env`.
 */
export function loadConfigFromProcess(options: LoadConfigOptions = {}): Promise<ServerConfig> {
  return loadConfig(process.env, options)
}

async function readConfigFile(path: string): Promise<NonNullable<ConfigInput['configFile']>> {
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
  return { path, settings: value as Record<string, unknown> }
}
