/**
 * Where the App ID and App Certificates come from: flags, then the environment, then files; with
 * none of those, the development credentials a development server (`npm start`) keeps.
 * Certificate values are never put in a message.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ConfigError } from '../server/config/errors.js'
import { developmentCredentialsFile } from '../server/config/resolve.js'
import { SETTINGS, type SettingDeclaration } from '../server/config/settings.js'
import { readDevCredentials } from '../server/dev-credentials.js'
import { isHex32 } from '../token/validate.js'
import type { ParsedFlags } from './args.js'
import { type CliIo, UsageError } from './io.js'

/** A credential with the flag or variable it came from, so errors can name the right source. */
export interface Sourced {
  value: string
  source: string
}

/** The App ID and the certificate a builder signs with. */
export interface Credentials {
  appId: Sourced
  certificate: Sourced
}

/**
 * The App ID ({@link resolveAppId}) and the certificate ({@link resolveCertificate}) a builder
 * signs with. When no flag or variable gives either, the development credentials are used if their
 * file exists, with a note on stderr: `npm start` makes them, and the quick start's
 * `agate token rtc ... | agate inspect -` works right after it.
 * @throws {UsageError} as those two, or when the development credentials file is unreadable.
 */
export async function resolveCredentials(flags: ParsedFlags, io: CliIo): Promise<Credentials> {
  const given =
    flags.strings['app-id'] !== undefined ||
    flags.strings.certificate !== undefined ||
    flags.strings['certificate-file'] !== undefined
  if (!given) {
    const development = await developmentCredentials(io)
    if (development !== undefined) return development
  }
  return { appId: resolveAppId(flags, io), certificate: await resolveCertificate(flags, io) }
}

/**
 * The App ID from `--app-id`, else `AGORA_APP_ID` or its alias `APP_ID` (as the server reads them).
 * @throws {UsageError} when none is set.
 */
export function resolveAppId(flags: ParsedFlags, io: CliIo): Sourced {
  const flag = flags.strings['app-id']
  if (flag !== undefined) return { value: flag, source: '--app-id' }
  for (const name of namesOf('AGORA_APP_ID')) {
    if (isSet(io, name)) return { value: io.env[name]!, source: name }
  }
  throw new UsageError('--app-id is required (or set AGORA_APP_ID)')
}

/**
 * The one certificate a builder signs with: `--certificate` or `--certificate-file`, else
 * `AGORA_APP_CERTIFICATE` or `AGORA_APP_CERTIFICATE_FILE` (or the alias `APP_CERTIFICATE[_FILE]`).
 * @throws {UsageError} when none or two sources are given, the file cannot be read, or the value
 * is not 32 hex characters.
 */
export async function resolveCertificate(flags: ParsedFlags, io: CliIo): Promise<Sourced> {
  const value = flags.strings.certificate
  const file = flags.strings['certificate-file']
  if (value !== undefined && file !== undefined)
    throw new UsageError('give --certificate or --certificate-file, not both')
  if (value !== undefined) return checked({ value, source: '--certificate' })
  if (file !== undefined) return checked(await fromFile(file, '--certificate-file'))
  const fromEnv = await envCertificate(io, 'AGORA_APP_CERTIFICATE')
  if (fromEnv !== undefined) return fromEnv
  throw new UsageError(
    '--certificate or --certificate-file is required (or set AGORA_APP_CERTIFICATE or AGORA_APP_CERTIFICATE_FILE)',
  )
}

/**
 * The certificates a verifier tries, in order (the first is "certificate #1"): every
 * `--certificate` and `--certificate-file` in command-line order; without flags, the primary from
 * `AGORA_APP_CERTIFICATE[_FILE]` then the secondary from `AGORA_APP_CERTIFICATE_SECONDARY[_FILE]`.
 * @throws {UsageError} as {@link resolveCertificate}.
 */
export async function resolveCertificates(flags: ParsedFlags, io: CliIo): Promise<Sourced[]> {
  const found: Sourced[] = []
  for (const use of flags.order) {
    if (use.value === undefined) continue
    if (use.name === 'certificate')
      found.push(checked({ value: use.value, source: `--certificate #${found.length + 1}` }))
    if (use.name === 'certificate-file')
      found.push(checked(await fromFile(use.value, `--certificate-file #${found.length + 1}`)))
  }
  if (found.length > 0) return found
  for (const name of ['AGORA_APP_CERTIFICATE', 'AGORA_APP_CERTIFICATE_SECONDARY'] as const) {
    const certificate = await envCertificate(io, name)
    if (certificate !== undefined) found.push(certificate)
  }
  if (found.length > 0) return found
  // A configured app (an App ID, or AGATE_APPS) means its certificate is missing, not wanted from
  // elsewhere: then there are no development credentials to fall back on.
  const development = await developmentCredentials(io)
  if (development !== undefined) return [development.certificate]
  throw new UsageError(
    '--certificate or --certificate-file is required (or set AGORA_APP_CERTIFICATE or AGORA_APP_CERTIFICATE_FILE)',
  )
}

/**
 * The development credentials, where the server would use them (its own rule,
 * `developmentCredentialsFile`: development mode and no app configured under any of its names),
 * from `AGATE_DEV_CREDENTIALS_FILE` or `.agate/dev-credentials.json` in the working directory, when
 * that file exists. Never creates it: credentials the server does not know would make tokens
 * nothing accepts.
 */
async function developmentCredentials(io: CliIo): Promise<Credentials | undefined> {
  let file: string | undefined
  try {
    file = developmentCredentialsFile({ values: io.env })
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message)
    throw error
  }
  if (file === undefined) return undefined
  let stored
  try {
    stored = await readDevCredentials(resolve(io.cwd ?? process.cwd(), file))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(code === undefined ? (error as Error).message : `cannot read ${file} (${code})`)
  }
  if (stored === undefined) return undefined
  const note = `agate: using the development credentials in ${file} (App ID ${stored.appId})`
  io.stderr(`${note}; Agora does not know them, only Agate's server and sandbox do\n`)
  return {
    appId: { value: stored.appId, source: `${file} (appId)` },
    certificate: { value: stored.appCertificate, source: `${file} (appCertificate)` },
  }
}

function isSet(io: CliIo, name: string): boolean {
  const value = io.env[name]
  return value !== undefined && value !== ''
}

/** A setting's name and its aliases (`AGORA_APP_ID`, `APP_ID`), in the order the server reads them. */
function namesOf(setting: 'AGORA_APP_ID' | 'AGORA_APP_CERTIFICATE' | 'AGORA_APP_CERTIFICATE_SECONDARY'): string[] {
  const declaration: SettingDeclaration = SETTINGS[setting]
  return [setting, ...(declaration.aliases ?? [])]
}

/**
 * `NAME` or `NAME_FILE` from the environment, else the same of the setting's alias (as the server
 * reads them); `NAME` and `NAME_FILE` both set is ambiguous.
 */
async function envCertificate(
  io: CliIo,
  setting: 'AGORA_APP_CERTIFICATE' | 'AGORA_APP_CERTIFICATE_SECONDARY',
): Promise<Sourced | undefined> {
  for (const name of namesOf(setting)) {
    const hasValue = isSet(io, name)
    const hasFile = isSet(io, `${name}_FILE`)
    if (hasValue && hasFile) throw new UsageError(`set ${name} or ${name}_FILE, not both`)
    if (hasValue) return checked({ value: io.env[name]!.trim(), source: name })
    if (hasFile) return checked(await fromFile(io.env[`${name}_FILE`]!, `${name}_FILE`))
  }
  return undefined
}

async function fromFile(path: string, source: string): Promise<Sourced> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    // The path is the user's own input; the error code says why (ENOENT, EACCES, ...).
    const code = (error as NodeJS.ErrnoException).code ?? 'read error'
    // A certificate pasted in place of the path must not be echoed back.
    const shown = /[0-9a-fA-F]{32}/.test(path) ? 'the file (its name looks like a certificate, not shown)' : path
    throw new UsageError(`${source}: cannot read ${shown} (${code})`)
  }
  return { value: text.trim(), source }
}

function checked(certificate: Sourced): Sourced {
  // isHex32, not a RegExp: a regex would keep the certificate in RegExp.input.
  if (!isHex32(certificate.value))
    throw new UsageError(`${certificate.source}: a certificate must be 32 hexadecimal characters`)
  return certificate
}
