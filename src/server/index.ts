/**
 * The Agate token server: config, app, listener, rate-limit stores and the multi-process cluster.
 * @module
 */
export { createApp, type AppDeps } from './app.js'
export {
  ConfigError,
  loadConfig,
  loadConfigFromProcess,
  SETTINGS,
  type AppConfig,
  type LoadConfigOptions,
  type RouteGroup,
  type ServerConfig,
  type ServerMode,
  type SettingName,
  type TokenVersion,
} from './config.js'
export { runServer, startServer, type DemoSettings, type RunningServer, type StartOptions } from './listen.js'
export type { ReloadOutcome } from './reload.js'
export {
  clusterOptionsFor,
  resolveWorkerCount,
  runCluster,
  startCluster,
  type ClusterOptions,
  type ClusterServeOptions,
  type RunningCluster,
} from './cluster.js'
export { API_KEY_PREFIX, createApiKey, hashApiKey } from './auth/api-keys.js'
export type { ServerContext, ServerState } from './context.js'
export { ERROR_STATUS, HttpError, type ErrorKind } from './errors.js'
export type { Identity } from './identity.js'
export { createMetrics, type Metrics } from './metrics.js'
export { Policy, POLICY_PRESETS, type Grant, type PolicyRule } from './policy.js'
export { MemoryRateLimitStore, type RateLimitHit, type RateLimitStore } from './rate-limit.js'
export { createRateLimitStore, type RateLimitBackend, type RateLimitStoreSettings } from './rate-limit-store.js'
export {
  RedisRateLimitStore,
  type RedisFailureMode,
  type RedisRateLimitStoreOptions,
  type StoreLogger,
} from './redis-rate-limit-store.js'
export { openApiDocument } from './openapi.js'
