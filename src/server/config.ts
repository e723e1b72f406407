/**
 * The server's configuration: the only place that reads environment variables and config files.
 * Every setting is declared once (`config/settings.ts`), resolved by a pure resolver that any
 * runtime can run (`config/resolve.ts`), and loaded on Node by `config/load-node.ts`. A bad
 * setting stops the server with an error naming it.
 * @module
 */
export { ConfigError } from './config/errors.js'
export { loadConfig, loadConfigFromProcess, type LoadConfigOptions } from './config/load-node.js'
export {
  developmentCredentialsFile,
  resolveConfig,
  secretFilesOf,
  type ConfigInput,
  type SecretFile,
} from './config/resolve.js'
export { SETTINGS, type SettingDeclaration, type SettingName, type SettingValue } from './config/settings.js'
export type { AppConfig, LimitSettings, RouteGroup, ServerConfig, ServerMode, TokenVersion } from './config/types.js'
