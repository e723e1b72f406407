/**
 * The apps: the default one (`AGORA_APP_ID`, `AGORA_APP_CERTIFICATE`), more from `AGATE_APPS`, their
 * lifetimes and token versions, and the development app.
 * @module
 */
import { z } from 'zod'
import { ConfigError } from './errors.js'
import { hex32, version } from './schemas.js'
import type { Sources } from './sources.js'
import type { AppConfig, RouteGroup, TokenVersion } from './types.js'

const lifetime = z.number().int().min(1).max(86_400)

export const appName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be 1 to 64 characters of A-Z a-z 0-9 _ . -' })

/** One entry of `AGATE_APPS`. */
export const appSchema = z.strictObject({
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

export const appsSchema = z.array(appSchema).min(1, { error: 'must list at least one app' })

interface Lifetimes {
  expire: number
  /** `AGATE_PRIVILEGE_EXPIRE` when set; unset, privileges follow each app's token lifetime. */
  privilegeExpire: number | undefined
  maxExpire: number
}

interface GlobalVersions {
  all: TokenVersion
  fetchRtcToken: TokenVersion | undefined
  compat: TokenVersion | undefined
}

/** The configured apps (none when no credentials are set: then development credentials may serve). */
export class AppSettings {
  readonly #lifetimes: Lifetimes
  readonly #versions: GlobalVersions

  constructor(source: Sources) {
    this.#lifetimes = lifetimes(source)
    this.#versions = {
      all: source.get('AGATE_TOKEN_VERSION'),
      fetchRtcToken: source.get('AGATE_FETCH_RTC_TOKEN_VERSION'),
      compat: source.get('AGATE_COMPAT_TOKEN_VERSION'),
    }
  }

  /** The apps of `AGORA_APP_ID` and `AGATE_APPS`, in that order. */
  configured(source: Sources): AppConfig[] {
    const apps: AppConfig[] = []
    const appId = source.get('AGORA_APP_ID')
    const certificate = source.get('AGORA_APP_CERTIFICATE')
    const secondary = source.get('AGORA_APP_CERTIFICATE_SECONDARY')
    if (appId !== undefined || certificate !== undefined) {
      if (appId === undefined) throw new ConfigError('AGORA_APP_ID', 'is required with AGORA_APP_CERTIFICATE')
      if (certificate === undefined) throw new ConfigError('AGORA_APP_CERTIFICATE', 'is required with AGORA_APP_ID')
      apps.push(this.#globalApp(source.get('AGORA_APP_NAME'), appId, certificate, secondary, false))
    } else if (secondary !== undefined) {
      throw new ConfigError('AGORA_APP_CERTIFICATE_SECONDARY', 'needs AGORA_APP_ID and AGORA_APP_CERTIFICATE')
    }
    const defaults = this.#lifetimes
    for (const [index, app] of (source.get('AGATE_APPS') ?? []).entries()) {
      const where = `${source.nameOf('AGATE_APPS')}[${index}]`
      if (apps.some((other) => other.name === app.name))
        throw new ConfigError(where, `app name "${app.name}" is used twice`)
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
          versions: resolveVersions(app.tokenVersion, app.routeVersions, this.#versions),
          expire,
          privilegeExpire,
          maxExpire,
          development: false,
        }),
      )
    }
    return apps
  }

  /** The app `default` of development credentials. */
  development(credentials: { appId: string; appCertificate: string }): AppConfig {
    return this.#globalApp('default', credentials.appId, credentials.appCertificate, undefined, true)
  }

  #globalApp(
    name: string,
    appId: string,
    certificate: string,
    secondaryCertificate: string | undefined,
    development: boolean,
  ): AppConfig {
    const { expire, privilegeExpire, maxExpire } = this.#lifetimes
    return Object.freeze({
      name,
      appId,
      certificate,
      secondaryCertificate,
      versions: resolveVersions(undefined, undefined, this.#versions),
      expire,
      privilegeExpire: privilegeExpire ?? expire,
      maxExpire,
      development,
    })
  }
}

function lifetimes(source: Sources): Lifetimes {
  const maxExpire = source.get('AGATE_MAX_EXPIRE')
  // Unset, the default lifetime is cut to the cap rather than refused.
  const expire = source.has('AGATE_TOKEN_EXPIRE')
    ? source.get('AGATE_TOKEN_EXPIRE')
    : Math.min(source.get('AGATE_TOKEN_EXPIRE'), maxExpire)
  if (expire > maxExpire) {
    throw new ConfigError(source.nameOf('AGATE_TOKEN_EXPIRE'), `must be at most AGATE_MAX_EXPIRE (${maxExpire})`)
  }
  const privilegeExpire = source.get('AGATE_PRIVILEGE_EXPIRE')
  // A token that outlives its privileges is fine; privileges that outlive the token make SDKs miss
  // their expiry callbacks (Agora docs), so they may not be longer.
  if (privilegeExpire !== undefined && privilegeExpire > expire) {
    throw new ConfigError(source.nameOf('AGATE_PRIVILEGE_EXPIRE'), `must be at most the token lifetime (${expire})`)
  }
  return { expire, privilegeExpire, maxExpire }
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
