/**
 * `agate verify <token|->`: checks a token's signature, claims and expiry; the exit code is the answer.
 * @module
 */
import { TokenError, usableUntil, verifyToken, type VerifyTokenOptions } from '../../token/index.js'
import { expectPositionals, integerFlag, parseFlags } from '../args.js'
import { resolveCertificates } from '../credentials.js'
import { CliError, type CliIo, EXIT, nowSeconds, printJson, UsageError } from '../io.js'
import { readTokenArgument } from '../read-token.js'
import { fromTokenError } from '../token-errors.js'

/** The help of `agate verify`. */
export const VERIFY_HELP = `Usage: agate verify <token|-> [--certificate CERT]... [options]

Verifies a 006 or 007 token: the signature against each certificate (primary first), then the
optional claims, then expiry. Certificates are never printed.

Arguments:
  <token>                  the token, or "-" to read it from stdin

Certificates (any number, tried in order; "certificate #1" is the first):
  --certificate CERT       an App Certificate, repeatable
  --certificate-file PATH  a file holding one, repeatable
  Without these flags: $AGORA_APP_CERTIFICATE (or $AGORA_APP_CERTIFICATE_FILE), then
  $AGORA_APP_CERTIFICATE_SECONDARY (or $AGORA_APP_CERTIFICATE_SECONDARY_FILE). Without those and
  without $AGORA_APP_ID: the development certificate of "npm start" (.agate/dev-credentials.json, or
  $AGATE_DEV_CREDENTIALS_FILE), when that file exists.

Claims (006 tokens need --channel with --uid or --account, or --user-id: their signature covers them):
  --app-id ID              the App ID the token must be for
  --channel NAME           the RTC channel it must grant
  --uid N                  the uid that must be allowed in --channel
  --account NAME           the account that must be allowed in --channel
  --user-id ID             the RTM, RTM2 or Chat user it must be for

Time:
  --at UNIX                check expiry at this Unix time (default: now)
  --no-expiry              skip the expiry checks

Output:
  --json                   print {valid, certificate, version, appId, expiresAt, usableUntil} or {valid, code, field, message}
  -h, --help               show this help

Exit codes: 0 valid, 1 invalid (signature, claim, expired, malformed), 2 usage error.`

const FLAGS = {
  certificate: { type: 'string', multiple: true },
  'certificate-file': { type: 'string', multiple: true },
  'app-id': { type: 'string' },
  channel: { type: 'string' },
  uid: { type: 'string' },
  account: { type: 'string' },
  'user-id': { type: 'string' },
  at: { type: 'string' },
  'no-expiry': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

const FIELD_FLAGS = {
  appId: '--app-id',
  channelName: '--channel',
  uid: '--uid',
  account: '--account',
  userId: '--user-id',
  now: '--at',
  certificates: '--certificate',
} as const

/**
 * Runs `agate verify`.
 * @returns 0 when the token is valid, 1 when it is not.
 * @throws {CliError} exit 2 for bad usage.
 */
export async function verifyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, FLAGS)
  if (flags.booleans.help === true) {
    io.stdout(`${VERIFY_HELP}\n`)
    return EXIT.ok
  }
  expectPositionals(flags, 1)
  const at = integerFlag(flags, 'at')
  if (at !== undefined && flags.booleans['no-expiry'] === true)
    throw new UsageError('give --at or --no-expiry, not both')
  const uid = integerFlag(flags, 'uid')
  if (uid !== undefined && flags.strings.account !== undefined)
    throw new UsageError('give --uid or --account, not both')
  const certificates = await resolveCertificates(flags, io)
  const token = await readTokenArgument(flags, io)
  const options: VerifyTokenOptions = {
    certificates: certificates.map((certificate) => certificate.value),
    appId: flags.strings['app-id'],
    channelName: flags.strings.channel,
    uid,
    account: flags.strings.account,
    userId: flags.strings['user-id'],
    now: flags.booleans['no-expiry'] === true ? false : (at ?? nowSeconds(io)),
  }
  const json = flags.booleans.json === true
  try {
    const { token: parsed, certificateIndex } = verifyToken(token, options)
    const number = certificateIndex + 1
    if (json) {
      printJson(io, {
        valid: true,
        certificate: number,
        version: parsed.version,
        appId: parsed.appId,
        expiresAt: parsed.expiresAt,
        usableUntil: usableUntil(parsed).until,
      })
    } else {
      io.stdout(`valid (certificate #${number})\n`)
    }
    return EXIT.ok
  } catch (error) {
    // Bad options are usage errors whatever the output format.
    if (!(error instanceof TokenError) || error.code === 'ERR_INVALID_ARGUMENT')
      throw fromTokenError(error, FIELD_FLAGS)
    if (!json) throw new CliError(`invalid: ${error.code}: ${error.message}`, EXIT.failure)
    printJson(io, { valid: false, code: error.code, field: error.field ?? null, message: error.message })
    return EXIT.failure
  }
}
