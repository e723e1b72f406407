/**
 * The error every bad or missing setting becomes.
 * @module
 */

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
