/**
 * `agate token <service>`: builds a token with any builder of the library.
 * @module
 */
import {
  buildApaasToken,
  buildChatToken,
  buildFpaToken,
  buildRtcToken,
  buildRtmToken,
  parseToken,
  RTM2_PERMISSIONS,
  RTM2_RESOURCES,
  usableUntil,
  type ApaasTokenOptions,
  type RtcPrivilegeLifetimes,
  type RtcRole,
  type RtcTokenOptions,
  type Rtm2Permissions,
  type TokenVersion,
} from '../../token/index.js'
import { expectPositionals, type FlagSpec, integerFlag, parseFlags, type ParsedFlags } from '../args.js'
import { resolveCredentials } from '../credentials.js'
import { type CliIo, EXIT, nowSeconds, printJson, quoteSafe, UsageError } from '../io.js'
import { fromTokenError } from '../token-errors.js'

/** What every builder gets besides its own options. */
interface Common {
  appId: string
  appCertificate: string
  issuedAt: number
  salt: number | undefined
}

interface Service {
  summary: string
  usage: string
  flags: FlagSpec
  build: (flags: ParsedFlags, common: Common) => string
}

const COMMON_FLAGS: FlagSpec = {
  'app-id': { type: 'string' },
  certificate: { type: 'string' },
  'certificate-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  // Hidden: fix the issue time and salt for reproducible output (tests, docs, vectors).
  'issued-at': { type: 'string' },
  salt: { type: 'string' },
}

const COMMON_HELP = `Credentials:
  --app-id ID              App ID, 32 hex characters (default: $AGORA_APP_ID)
  --certificate CERT       App Certificate, 32 hex characters (default: $AGORA_APP_CERTIFICATE)
  --certificate-file PATH  read the certificate from a file (default: $AGORA_APP_CERTIFICATE_FILE)
  Without any of these: the development credentials of "npm start" (.agate/dev-credentials.json,
  or $AGATE_DEV_CREDENTIALS_FILE), when that file exists.

Output:
  --json                   print {token, version, appId, issuedAt, expiresAt, usableUntil, services|privileges}
  -h, --help               show this help

Lifetimes are seconds from now, 1 to 86400 (24 h).`

/** Library option → flag, for error messages. */
const FIELD_FLAGS = {
  issuedAt: '--issued-at',
  salt: '--salt',
  channelName: '--channel',
  uid: '--uid',
  account: '--account',
  role: '--role',
  expire: '--expire',
  privilegeExpire: '--privilege-expire',
  'privilegeExpire.joinChannel': '--join-expire',
  'privilegeExpire.publishAudioStream': '--audio-expire',
  'privilegeExpire.publishVideoStream': '--video-expire',
  'privilegeExpire.publishDataStream': '--data-expire',
  rtm: '--rtm',
  'rtm.userId': '--rtm-user-id',
  'rtm.expire': '--rtm-expire',
  version: '--version',
  userId: '--user-id',
  permissions: '--permission',
  roomUuid: '--room',
  userUuid: '--user',
} as const

const SERVICES: Readonly<Record<string, Service>> = {
  rtc: {
    summary: 'RTC token (Video/Voice SDK, Interactive Live Streaming), 007 or 006',
    usage: `Usage: agate token rtc --channel NAME (--uid N | --account NAME) [options]

Options:
  --channel NAME           channel name ("" = any channel)
  --uid N                  numeric uid, 0 to 4294967295 (0 = any uid)
  --account NAME           user account (string uid) instead of --uid
  --role ROLE              publisher (default) or subscriber; attendee and admin with --version 006
  --expire SECONDS         token lifetime (default 3600)
  --privilege-expire S     lifetime of every privilege (default: --expire)
  --join-expire S          joinChannel privilege lifetime
  --audio-expire S         publishAudioStream privilege lifetime
  --video-expire S         publishVideoStream privilege lifetime
  --data-expire S          publishDataStream privilege lifetime
  --rtm                    also grant RTM login as the account (or uid) (007 only)
  --rtm-user-id ID         also grant RTM login as ID (implies --rtm)
  --rtm-expire SECONDS     RTM login lifetime (default: --expire; needs --rtm or --rtm-user-id)
  --version 007|006        token format (default 007)`,
    flags: {
      channel: { type: 'string' },
      uid: { type: 'string' },
      account: { type: 'string' },
      role: { type: 'string' },
      expire: { type: 'string' },
      'privilege-expire': { type: 'string' },
      'join-expire': { type: 'string' },
      'audio-expire': { type: 'string' },
      'video-expire': { type: 'string' },
      'data-expire': { type: 'string' },
      rtm: { type: 'boolean' },
      'rtm-user-id': { type: 'string' },
      'rtm-expire': { type: 'string' },
      version: { type: 'string' },
    },
    build: buildRtc,
  },
  rtm: {
    summary: 'RTM (Signaling) login token, optionally with RTM2 permissions',
    usage: `Usage: agate token rtm --user-id ID [options]

Options:
  --user-id ID             RTM user id, 1 to 64 bytes
  --expire SECONDS         token and login lifetime (default 3600)
  --permission R:P:NAMES   RTM2 permission, repeatable: resource (messageChannels, streamChannels,
                           groupChannels, serverGroups, users), permission (read, write) and
                           comma-separated names, e.g. messageChannels:read:lobby,news (007 only)
  --version 007|006        token format (default 007)`,
    flags: {
      'user-id': { type: 'string' },
      expire: { type: 'string' },
      permission: { type: 'string', multiple: true },
      version: { type: 'string' },
    },
    build: (flags, common) => {
      const userId = flags.strings['user-id']
      if (userId === undefined) throw new UsageError('--user-id is required')
      return buildRtmToken({
        ...common,
        userId,
        expire: integerFlag(flags, 'expire'),
        permissions: permissionsOf(flags.lists.permission),
        version: flags.strings.version as TokenVersion | undefined,
      })
    },
  },
  chat: {
    summary: 'Chat user token (--user-id) or app token (--app)',
    usage: `Usage: agate token chat (--user-id ID | --app) [options]

Options:
  --user-id ID             build a user token for this Chat user
  --app                    build an app token (for the Chat REST API)
  --expire SECONDS         token lifetime (default 3600)`,
    flags: {
      'user-id': { type: 'string' },
      app: { type: 'boolean' },
      expire: { type: 'string' },
    },
    build: (flags, common) => {
      const userId = flags.strings['user-id']
      const app = flags.booleans.app === true
      if (userId !== undefined && app)
        throw new UsageError('give --user-id (user token) or --app (app token), not both')
      if (userId === undefined && !app)
        throw new UsageError('give --user-id for a user token or --app for an app token')
      return buildChatToken({ ...common, userId, expire: integerFlag(flags, 'expire') })
    },
  },
  apaas: {
    summary: 'Flexible Classroom (APaaS) room-user, user or app token',
    usage: `Usage: agate token apaas [--room UUID --user UUID --role ROLE | --user UUID] [options]

Options:
  --room UUID              room (with --user and --role: a room-user token)
  --user UUID              user (alone: a user token; with neither: an app token)
  --role ROLE              invisible, teacher, student, assistant, observer or a number
  --expire SECONDS         token lifetime (default 3600)`,
    flags: {
      room: { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string' },
      expire: { type: 'string' },
    },
    build: (flags, common) => {
      const role = flags.strings.role
      return buildApaasToken({
        ...common,
        roomUuid: flags.strings.room,
        userUuid: flags.strings.user,
        role:
          role === undefined ? undefined : /^-?\d+$/.test(role) ? Number(role) : (role as ApaasTokenOptions['role']),
        expire: integerFlag(flags, 'expire'),
      })
    },
  },
  fpa: {
    summary: 'FPA (Full-Path Acceleration) token, valid 24 h',
    usage: 'Usage: agate token fpa [options]',
    flags: {},
    build: (_flags, common) => buildFpaToken(common),
  },
}

/** The help of `agate token`. */
export const TOKEN_HELP = `Usage: agate token <service> [options]

Builds a token and prints it.

Services:
${Object.entries(SERVICES)
  .map(([name, service]) => `  ${name.padEnd(7)}${service.summary}`)
  .join('\n')}

Run "agate token <service> --help" for the service's options.`

/** The services `agate token` knows, for the dispatcher. */
export const TOKEN_SERVICES: readonly string[] = Object.keys(SERVICES)

/**
 * Runs `agate token <service> ...`.
 * @returns the exit code.
 * @throws {CliError} for usage errors and bad values (exit 2).
 */
export async function tokenCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    if (name === undefined) {
      io.stderr(`${TOKEN_HELP}\n`)
      return EXIT.usage
    }
    io.stdout(`${TOKEN_HELP}\n`)
    return EXIT.ok
  }
  const service = Object.hasOwn(SERVICES, name) ? SERVICES[name] : undefined
  if (service === undefined) {
    throw new UsageError(`unknown service ${quoteSafe(name)} (expected ${TOKEN_SERVICES.join(', ')})`)
  }
  const flags = parseFlags(rest, { ...COMMON_FLAGS, ...service.flags })
  if (flags.booleans.help === true) {
    io.stdout(`${service.usage}\n\n${COMMON_HELP}\n`)
    return EXIT.ok
  }
  expectPositionals(flags, 0)
  const { appId, certificate } = await resolveCredentials(flags, io)
  // The App ID is printed (--json) and sits in plain text in 006 tokens: it must not be the secret.
  if (appId.value.toLowerCase() === certificate.value.toLowerCase()) {
    throw new UsageError(
      `${appId.source} and ${certificate.source} hold the same value; the App Certificate is not the App ID`,
    )
  }
  const issuedAt = integerFlag(flags, 'issued-at') ?? nowSeconds(io)
  const salt = integerFlag(flags, 'salt')
  let token: string
  try {
    token = service.build(flags, {
      appId: appId.value,
      appCertificate: certificate.value,
      issuedAt,
      salt: salt,
    })
  } catch (error) {
    throw fromTokenError(error, { ...FIELD_FLAGS, appId: appId.source, appCertificate: certificate.source })
  }
  if (flags.booleans.json !== true) {
    io.stdout(`${token}\n`)
    return EXIT.ok
  }
  const parsed = parseToken(token)
  const summary =
    parsed.version === '007'
      ? {
          token,
          version: parsed.version,
          appId: parsed.appId,
          issuedAt,
          expiresAt: parsed.expiresAt,
          usableUntil: usableUntil(parsed).until,
          services: parsed.services,
        }
      : {
          token,
          version: parsed.version,
          appId: parsed.appId,
          issuedAt,
          expiresAt: parsed.expiresAt,
          usableUntil: usableUntil(parsed).until,
          privileges: parsed.privileges,
        }
  printJson(io, summary)
  return EXIT.ok
}

function buildRtc(flags: ParsedFlags, common: Common): string {
  const channelName = flags.strings.channel
  if (channelName === undefined) throw new UsageError('--channel is required ("" allows any channel)')
  const uid = integerFlag(flags, 'uid')
  const account = flags.strings.account
  if (uid === undefined && account === undefined) throw new UsageError('give --uid (0 for any) or --account')
  if (uid !== undefined && account !== undefined) throw new UsageError('give --uid or --account, not both')
  const expire = integerFlag(flags, 'expire')
  const options: RtcTokenOptions = {
    ...common,
    channelName,
    uid: uid,
    account: account,
    role: flags.strings.role as RtcRole | undefined,
    expire: expire,
    privilegeExpire: privilegeExpireOf(flags),
    rtm: rtmOf(flags, uid, account),
    version: flags.strings.version as TokenVersion | undefined,
  }
  return buildRtcToken(options)
}

const PER_PRIVILEGE = [
  ['join-expire', 'joinChannel'],
  ['audio-expire', 'publishAudioStream'],
  ['video-expire', 'publishVideoStream'],
  ['data-expire', 'publishDataStream'],
] as const

/** One number, or per-privilege lifetimes where `--privilege-expire` fills the ones not given. */
function privilegeExpireOf(flags: ParsedFlags): RtcTokenOptions['privilegeExpire'] {
  const all = integerFlag(flags, 'privilege-expire')
  if (PER_PRIVILEGE.every(([flag]) => flags.strings[flag] === undefined)) return all
  const publishes = flags.strings.role !== 'subscriber'
  const lifetimes: RtcPrivilegeLifetimes = {}
  for (const [flag, privilege] of PER_PRIVILEGE) {
    // A subscriber holds only joinChannel: --privilege-expire must not hand it the others.
    const seconds = integerFlag(flags, flag) ?? (privilege === 'joinChannel' || publishes ? all : undefined)
    if (seconds !== undefined) lifetimes[privilege] = seconds
  }
  return lifetimes
}

function rtmOf(flags: ParsedFlags, uid: number | undefined, account: string | undefined): RtcTokenOptions['rtm'] {
  const userId = flags.strings['rtm-user-id']
  const expire = integerFlag(flags, 'rtm-expire')
  const wanted = flags.booleans.rtm === true || userId !== undefined
  if (!wanted) {
    if (expire !== undefined) throw new UsageError('--rtm-expire needs --rtm or --rtm-user-id')
    return undefined
  }
  // Without --rtm-user-id the RTM user is the RTC account: the uid's text, "" for the wildcard uid 0.
  const rtmUser = userId ?? account ?? (uid === 0 ? '' : String(uid))
  if (rtmUser === '') throw new UsageError('--rtm needs --rtm-user-id when the RTC user is the wildcard (uid 0 or "")')
  if (userId === undefined && expire === undefined) return true
  return { userId: rtmUser, expire }
}

/** Parses `resource:permission:name1,name2` flags into RTM2 permissions. */
function permissionsOf(specs: readonly string[] | undefined): Rtm2Permissions | undefined {
  if (specs === undefined) return undefined
  const permissions: Record<string, Record<string, string[]>> = {}
  for (const spec of specs) {
    const match = /^([^:]+):([^:]+):(.+)$/.exec(spec)
    if (match === null)
      throw new UsageError(
        '--permission must look like RESOURCE:PERMISSION:NAME[,NAME...], e.g. messageChannels:read:lobby',
      )
    const [, resource = '', permission = '', names = ''] = match
    if (!Object.hasOwn(RTM2_RESOURCES, resource)) {
      throw new UsageError(
        `--permission: unknown resource ${quoteSafe(resource)} (expected ${Object.keys(RTM2_RESOURCES).join(', ')})`,
      )
    }
    if (!Object.hasOwn(RTM2_PERMISSIONS, permission)) {
      throw new UsageError(
        `--permission: unknown permission ${quoteSafe(permission)} (expected ${Object.keys(RTM2_PERMISSIONS).join(', ')})`,
      )
    }
    const list = names.split(',')
    if (list.some((name) => name === '')) throw new UsageError('--permission: names must not be empty')
    ;((permissions[resource] ??= {})[permission] ??= []).push(...list)
  }
  return permissions
}
