/**
 * Where setting values come from, in precedence order: overrides (flags, embedders), the
 * environment (a setting's name, then its alias, or either's `NAME_FILE`), then the config file
 * (`NAME` or `NAME_FILE`). Pure: file contents are handed in already read.
 * @module
 */
import type { z } from 'zod'
import { ConfigError } from './errors.js'
import { ModeDefault, SETTINGS, type SettingDeclaration, type SettingName, type SettingValue } from './settings.js'
import type { ServerMode } from './types.js'

/** What the resolver reads settings from; every field is plain data, so any runtime can provide it. */
export interface ConfigInput {
  /** Raw values by name: the environment, or a Worker's bindings. Empty strings count as unset. */
  readonly values: Readonly<Record<string, unknown>>
  /** Values above everything else (flags, tests, embedders), by setting name. */
  readonly overrides?: Readonly<Record<string, unknown>> | undefined
  /** The config file's settings (its JSON object) and its path, for messages. */
  readonly configFile?: { readonly path: string; readonly settings: Readonly<Record<string, unknown>> } | undefined
  /** The contents of the files `NAME_FILE` settings name, by that setting (`APP_CERTIFICATE_FILE`). */
  readonly files?: Readonly<Record<string, string>> | undefined
  /** Forces the mode; otherwise `AGATE_MODE` or `NODE_ENV=production` decide (production wins). */
  readonly mode?: ServerMode | undefined
  /** Makes a relative path absolute (the log file, the development credentials); default: as given. */
  readonly resolvePath?: ((path: string) => string) | undefined
  /** The development credentials, when {@link developmentCredentialsFile} asks for them. */
  readonly devCredentials?: { readonly appId: string; readonly appCertificate: string } | undefined
}

/** A `NAME_FILE` setting to read: the setting naming the file, and its path as given. */
export interface SecretFile {
  readonly setting: string
  readonly path: string
}

type Table = typeof SETTINGS
/** A setting's value: its default when unset, or undefined for settings without one. */
export type Resolved<N extends SettingName> = Table[N] extends { default: unknown }
  ? SettingValue<N>
  : SettingValue<N> | undefined

/** The settings of one resolution, read by name; remembers which name each value came from. */
export class Sources {
  readonly warnings: string[] = []
  /** Set once the mode is known; defaults that differ by mode need it. */
  mode: ServerMode | undefined
  readonly #values: Readonly<Record<string, unknown>>
  readonly #overrides: Readonly<Record<string, unknown>>
  readonly #file: Readonly<Record<string, unknown>>
  readonly #files: Readonly<Record<string, string>>
  readonly #from = new Map<SettingName, string>()

  constructor(input: ConfigInput) {
    this.#values = input.values
    this.#overrides = input.overrides ?? {}
    this.#file = input.configFile?.settings ?? {}
    this.#files = input.files ?? {}
    if (input.configFile !== undefined) checkConfigFileKeys(input.configFile)
    this.mode = input.mode
  }

  /** The name a value actually came from (an alias, or `NAME_FILE`), for error messages. */
  nameOf(name: SettingName): string {
    return this.#from.get(name) ?? name
  }

  /** Whether a setting is set anywhere. */
  has(name: SettingName): boolean {
    return this.#raw(name) !== undefined
  }

  /**
   * A setting's value, validated by its schema; its default when unset.
   * @throws {ConfigError} naming the setting (as it was given: alias, `NAME_FILE`) when invalid.
   */
  get<N extends SettingName>(name: N): Resolved<N> {
    const declaration = declarationOf(name)
    let value = this.#raw(name)
    if (value === undefined) return this.#default(name) as Resolved<N>
    if (declaration.json !== undefined && typeof value === 'string') {
      const text = value.trim()
      const words: readonly string[] = typeof declaration.json === 'object' ? declaration.json.words : []
      if (!words.includes(text)) {
        try {
          value = JSON.parse(text)
        } catch {
          const wordList = words.length > 0 ? ` or one of ${words.join(', ')}` : ''
          throw new ConfigError(this.nameOf(name), `must be JSON${wordList}`)
        }
      } else value = text
    }
    const result = declaration.schema.safeParse(value)
    if (!result.success) throw new ConfigError(this.nameOf(name), describeIssue(result.error.issues[0]))
    return result.data as Resolved<N>
  }

  /** Adds a warning to say at every start. */
  warn(message: string): void {
    this.warnings.push(message)
  }

  /** The `NAME_FILE` settings in use, whose files must be read before resolving. */
  secretFiles(): SecretFile[] {
    const files: SecretFile[] = []
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const from = this.#filePath(name)
      if (from !== undefined) files.push(from)
    }
    return files
  }

  #default(name: SettingName): unknown {
    const value = declarationOf(name).default
    if (!(value instanceof ModeDefault)) return value
    if (this.mode === undefined) throw new Error(`the default of ${name} depends on the mode, which is not known yet`)
    return value[this.mode]
  }

  /** The raw value of a setting, or undefined when it is not set. */
  #raw(name: SettingName): unknown {
    if (Object.hasOwn(this.#overrides, name)) return this.#found(name, name, this.#overrides[name])
    const aliases: readonly string[] = aliasesOf(name)
    const fromEnv = [name, ...aliases].find((candidate) => present(this.#values[candidate]))
    const envFile = this.#envFileSetting(name)
    if (fromEnv !== undefined && envFile !== undefined)
      throw new ConfigError(name, `set ${fromEnv} or ${envFile}, not both`)
    if (fromEnv !== undefined) return this.#found(name, fromEnv, this.#values[fromEnv])
    if (envFile !== undefined) return this.#found(name, envFile, this.#fileContents(envFile))
    const inFile = Object.hasOwn(this.#file, name)
    const fileFile = takesFile(name) && Object.hasOwn(this.#file, `${name}_FILE`)
    if (inFile && fileFile) throw new ConfigError(name, `the config file sets ${name} and ${name}_FILE; keep one`)
    if (inFile) return this.#found(name, name, this.#file[name])
    if (fileFile) return this.#found(name, `${name}_FILE`, this.#fileContents(`${name}_FILE`))
    return undefined
  }

  #found(name: SettingName, from: string, value: unknown): unknown {
    if (!present(value)) return undefined
    this.#from.set(name, from)
    return value
  }

  /** A secret file's contents, one trailing newline dropped. */
  #fileContents(setting: string): string {
    const contents = this.#files[setting]
    if (contents === undefined) throw new ConfigError(setting, 'files cannot be read here; set the value itself')
    return contents.replace(/\r?\n$/, '')
  }

  /** Where a setting's secret file is named in the environment: `NAME_FILE`, or an alias's (`APP_CERTIFICATE_FILE`). */
  #envFileSetting(name: SettingName): string | undefined {
    if (!takesFile(name)) return undefined
    return [name, ...aliasesOf(name)]
      .map((candidate) => `${candidate}_FILE`)
      .find((setting) => present(this.#values[setting]))
  }

  #filePath(name: SettingName): SecretFile | undefined {
    if (Object.hasOwn(this.#overrides, name)) return undefined
    const envFile = this.#envFileSetting(name)
    if (envFile !== undefined) return { setting: envFile, path: String(this.#values[envFile]) }
    const fromFile = takesFile(name) ? this.#file[`${name}_FILE`] : undefined
    if (typeof fromFile === 'string' && fromFile !== '') return { setting: `${name}_FILE`, path: fromFile }
    return undefined
  }
}

function declarationOf(name: SettingName): SettingDeclaration {
  return SETTINGS[name]
}

function aliasesOf(name: SettingName): readonly string[] {
  return declarationOf(name).aliases ?? []
}

function takesFile(name: SettingName): boolean {
  return declarationOf(name).file !== false
}

/** The setting a variable or config key sets: `NAME`, or `NAME` of a `NAME_FILE`; undefined if none. */
export function settingOf(key: string): SettingName | undefined {
  if (Object.hasOwn(SETTINGS, key)) return key as SettingName
  if (!key.endsWith('_FILE')) return undefined
  const base = key.slice(0, -'_FILE'.length)
  return Object.hasOwn(SETTINGS, base) && takesFile(base as SettingName) ? (base as SettingName) : undefined
}

function checkConfigFileKeys(configFile: NonNullable<ConfigInput['configFile']>): void {
  for (const key of Object.keys(configFile.settings)) {
    if (settingOf(key) === undefined) throw new ConfigError(key, `is not a setting (in ${configFile.path})`)
  }
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== ''
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'is invalid'
  const path = issue.path.length === 0 ? '' : `${issue.path.map(String).join('.')}: `
  return `${path}${issue.message}`
}
