/**
 * `AGATE_POLICY`: a preset or rules, checked against the apps and authenticators it names.
 * @module
 */
import { POLICY_PRESETS } from '../policy.js'
import { ConfigError } from './errors.js'
import type { Sources } from './sources.js'
import type { AppConfig, ServerConfig } from './types.js'

/** The policy's rules and where they came from (`preset:<name>` or `configured`). */
export function policySettings(
  source: Sources,
  apps: readonly AppConfig[],
  auth: ServerConfig['auth'],
): ServerConfig['policy'] {
  // Deny by default in production (the `deny-all` preset); development is for trying things out.
  const value = source.get('AGATE_POLICY')
  if (typeof value === 'string') return { rules: POLICY_PRESETS[value], source: `preset:${value}` }
  const name = source.nameOf('AGATE_POLICY')
  const seen = new Set<string>()
  for (const [index, rule] of value.rules.entries()) {
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
  return { rules: value.rules, source: 'configured' }
}
