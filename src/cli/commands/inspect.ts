/**
 * `agate inspect <token|->`: decodes a token of either version for people (or `--json`).
 * @module
 */
import {
  APAAS_ROLES,
  parseToken,
  type ParsedPrivilege,
  type ParsedService,
  type ParsedToken006,
  type ParsedToken007,
  usableUntil,
  type UsableUntil,
} from '../../token/index.js'
import { expectPositionals, parseFlags } from '../args.js'
import { type CliIo, EXIT, nowSeconds, printJson } from '../io.js'
import { readTokenArgument } from '../read-token.js'
import { agoText, expiryText, formatDuration, isoTime } from '../time.js'
import { fromTokenError } from '../token-errors.js'

/** The help of `agate inspect`. */
export const INSPECT_HELP = `Usage: agate inspect <token|-> [--json]

Decodes a 006 or 007 token and shows its App ID, times, salt, signature, services and privileges.
When the join privilege ends before the token, "Usable until" shows when joining stops and
"Token expires" the token's own end (for 006, the message ts, a day after the build).
Parsing does not check the signature: use "agate verify" for that.

Arguments:
  <token>      the token, or "-" to read it from stdin

Options:
  --json       print the parsed token as JSON, with "usableUntil" (when joining stops, and
               why), "expired" and "remainingSeconds" (both measured to usableUntil.until)
  -h, --help   show this help

Exit codes: 0 parsed, 1 malformed or unsupported token, 2 usage error.`

/**
 * Runs `agate inspect`.
 * @returns 0 when the token parsed.
 * @throws {CliError} exit 1 for a malformed token (with its error code), exit 2 for bad usage.
 */
export async function inspectCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } })
  if (flags.booleans.help === true) {
    io.stdout(`${INSPECT_HELP}\n`)
    return EXIT.ok
  }
  expectPositionals(flags, 1)
  const token = await readTokenArgument(flags, io)
  let parsed
  try {
    parsed = parseToken(token)
  } catch (error) {
    throw fromTokenError(error)
  }
  const now = nowSeconds(io)
  const usable = usableUntil(parsed)
  if (flags.booleans.json === true) {
    printJson(io, {
      ...parsed,
      usableUntil: usable,
      expired: now >= usable.until,
      remainingSeconds: usable.until - now,
    })
  } else {
    const lines = parsed.version === '007' ? describe007(parsed, usable, now) : describe006(parsed, usable, now)
    io.stdout(`${lines.join('\n')}\n`)
  }
  return EXIT.ok
}

/** Label/value rows with the values aligned. */
function rows(entries: ReadonlyArray<readonly [string, string]>, indent = ''): string[] {
  const width = Math.max(...entries.map(([label]) => label.length)) + 2
  return entries.map(([label, value]) => `${indent}${label.padEnd(width)}${value}`)
}

/**
 * The expiry rows: one when the token and its join privilege end together, else "Usable until" (when
 * joining stops) and "Token expires", so no one reads the later time as the one that counts.
 */
function expiryRows(usable: UsableUntil, now: number, tokenNote = ''): Array<[string, string]> {
  const at = (time: number, note: string): string => `${isoTime(time)} (${expiryText(time, now)}${note})`
  if (usable.limitedBy === 'token') return [['Expires at', at(usable.tokenExpiresAt, tokenNote)]]
  return [
    ['Usable until', at(usable.until, '; the joinChannel privilege ends first')],
    ['Token expires', at(usable.tokenExpiresAt, tokenNote)],
  ]
}

function describe007(token: ParsedToken007, usable: UsableUntil, now: number): string[] {
  const lines = rows([
    ['Version', '007 (AccessToken2)'],
    ['App ID', token.appId],
    ['Issued at', `${isoTime(token.issuedAt)} (${agoText(token.issuedAt, now)})`],
    ...expiryRows(usable, now),
    ['Lifetime', lifetimeText(token.expire)],
    ['Salt', String(token.salt)],
    ['Signature', token.signature],
  ])
  token.services.forEach((service, index) => {
    lines.push('', `Service ${index + 1}: ${service.type} (type ${service.serviceType})`)
    const fields = serviceFields(service)
    if (fields.length > 0) lines.push(...rows(fields, '  '))
    lines.push('  Privileges')
    if (service.privileges.length === 0) lines.push('    (none)')
    lines.push(...privilegeRows(service.privileges, now))
  })
  if (token.unknownServiceType !== undefined) {
    lines.push(
      '',
      `Service ${token.services.length + 1}: unknown type ${token.unknownServiceType}; reading stops there (its length is unknown)`,
    )
  }
  return lines
}

function lifetimeText(seconds: number): string {
  return seconds === 0 ? '0 s' : `${seconds} s (${formatDuration(seconds)})`
}

/** One aligned row per privilege: name, lifetime from issue, absolute expiry, remaining time. */
function privilegeRows(privileges: readonly ParsedPrivilege[], now: number): string[] {
  const table = privileges.map((privilege) => [
    privilege.name,
    privilege.expire === 0 ? '+0 (as long as the token)' : `+${privilege.expire} s`,
    isoTime(privilege.expiresAt),
    expiryText(privilege.expiresAt, now),
  ])
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column]!.length)) + 2)
  return table.map(
    (row) => `    ${row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join('')}`,
  )
}

const APAAS_ROLE_NAMES = new Map<number, string>(Object.entries(APAAS_ROLES).map(([name, id]) => [id, name]))

function serviceFields(service: ParsedService): Array<[string, string]> {
  switch (service.type) {
    case 'rtc':
    case 'streaming':
    case 'fcdn':
      return [
        ['Channel', service.channelName === '' ? '"" (any channel)' : service.channelName],
        [
          'Account',
          service.account === ''
            ? '"" (uid 0: any user)'
            : service.uid === undefined
              ? service.account
              : `${service.account} (uid)`,
        ],
      ]
    case 'rtm':
      return [['User ID', service.userId]]
    case 'chat':
      return [['User ID', service.userId === '' ? '"" (app token)' : service.userId]]
    case 'rtm2': {
      const fields: Array<[string, string]> = [['User ID', service.userId]]
      for (const [resource, byPermission] of Object.entries(service.permissions)) {
        for (const [permission, names] of Object.entries(byPermission)) {
          fields.push([`${resource} ${permission}`, names.join(', ')])
        }
      }
      return fields
    }
    case 'apaas':
      return [
        ['Room', service.roomUuid === '' ? '""' : service.roomUuid],
        ['User', service.userUuid === '' ? '""' : service.userUuid],
        [
          'Role',
          service.role === -1
            ? '-1 (none)'
            : `${service.role}${APAAS_ROLE_NAMES.has(service.role) ? ` (${APAAS_ROLE_NAMES.get(service.role)})` : ''}`,
        ],
      ]
    default:
      return []
  }
}

function describe006(token: ParsedToken006, usable: UsableUntil, now: number): string[] {
  const lines = rows([
    ['Version', '006 (AccessToken)'],
    ['App ID', token.appId],
    ...expiryRows(usable, now, '; the message ts'),
    ['Salt', String(token.salt)],
    ['Signature', token.signature],
    // 006 stores only CRC-32s: verify with the expected channel and uid to learn more.
    ['Channel CRC', hex32(token.crcChannelName)],
    ['Uid CRC', token.crcUid === 0 ? `${hex32(0)} (uid "" or 0: any user)` : hex32(token.crcUid)],
  ])
  lines.push('', 'Privileges')
  if (token.privileges.length === 0) lines.push('  (none)')
  const width = Math.max(0, ...token.privileges.map((privilege) => privilege.name.length)) + 2
  for (const privilege of token.privileges) {
    const text =
      privilege.expiresAt === 0
        ? 'no limit of its own (until the token expires)'
        : `${isoTime(privilege.expiresAt)}  ${expiryText(privilege.expiresAt, now)}`
    lines.push(`  ${privilege.name.padEnd(width)}${text}`)
  }
  return lines
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}
