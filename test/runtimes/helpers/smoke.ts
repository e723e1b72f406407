/**
 * A build/parse/verify smoke through the library's public entry, runtime-neutral: fresh tokens
 * (the runtime's clock and random salt), both formats, and the typed errors a caller relies on.
 * @module
 */
import { buildRtcToken, buildRtmToken, parseToken, TokenError, verifyToken } from '../../../src/token/index.js'

/** The test project's credentials (the fleet tests and Agora's vectors use the same). */
export const APP_ID = '970CA35de60c44645bbae8a215061b33'
export const CERTIFICATE = '5CFd2fd1755d40ecb72977518be15d3b'
const OTHER_CERTIFICATE = '0123456789abcdef0123456789abcdef'

/** Runs `check` expecting a TokenError with `code` (and `field` when given) that keeps the certificate out of its message. */
function expectTokenError(check: () => unknown, code: string, field?: string): void {
  try {
    check()
  } catch (error) {
    if (!(error instanceof TokenError)) throw new Error(`threw ${(error as Error)?.name}, not TokenError`)
    if (error.code !== code) throw new Error(`code ${error.code}, expected ${code}`)
    if (field !== undefined && error.field !== field) throw new Error(`field ${error.field}, expected ${field}`)
    if (error.message.toLowerCase().includes(CERTIFICATE.toLowerCase()))
      throw new Error('the message shows the certificate')
    return
  }
  throw new Error(`did not throw ${code}`)
}

const CHECKS: Record<string, () => void> = {
  'rtc 007: build, parse, verify': () => {
    const token = buildRtcToken({
      appId: APP_ID,
      appCertificate: CERTIFICATE,
      channelName: 'runtime-room',
      uid: 42,
      role: 'publisher',
    })
    const parsed = parseToken(token)
    if (parsed.version !== '007') throw new Error(`parsed version ${parsed.version}`)
    if (parsed.appId !== APP_ID) throw new Error('parsed appId differs')
    if (!parsed.services.some((service) => service.type === 'rtc')) throw new Error('no rtc service')
    const verified = verifyToken(token, {
      certificates: CERTIFICATE,
      appId: APP_ID,
      channelName: 'runtime-room',
      uid: 42,
    })
    if (verified.certificateIndex !== 0) throw new Error('not signed by the primary certificate')
  },
  'rtc 006: build, verify': () => {
    const token = buildRtcToken({
      appId: APP_ID,
      appCertificate: CERTIFICATE,
      channelName: 'legacy',
      uid: 7,
      version: '006',
    })
    if (!token.startsWith('006')) throw new Error('not a 006 token')
    verifyToken(token, { certificates: [OTHER_CERTIFICATE, CERTIFICATE], channelName: 'legacy', uid: 7 })
  },
  'rtm 007: build, verify the user id': () => {
    const token = buildRtmToken({ appId: APP_ID, appCertificate: CERTIFICATE, userId: 'alice' })
    verifyToken(token, { certificates: CERTIFICATE, userId: 'alice' })
  },
  'two builds differ (random salt)': () => {
    const options = { appId: APP_ID, appCertificate: CERTIFICATE, channelName: 'salted', uid: 1 }
    if (buildRtcToken(options) === buildRtcToken(options)) throw new Error('two tokens are equal')
  },
  'wrong certificate: signature mismatch': () => {
    const token = buildRtcToken({ appId: APP_ID, appCertificate: CERTIFICATE, channelName: 'room', uid: 1 })
    expectTokenError(
      () => verifyToken(token, { certificates: OTHER_CERTIFICATE }),
      'ERR_TOKEN_SIGNATURE_MISMATCH',
      'signature',
    )
  },
  'expired token: typed error': () => {
    const token = buildRtcToken({ appId: APP_ID, appCertificate: CERTIFICATE, channelName: 'room', uid: 1, expire: 60 })
    const inAnHour = Math.floor(Date.now() / 1000) + 3600
    expectTokenError(() => verifyToken(token, { certificates: CERTIFICATE, now: inAnHour }), 'ERR_TOKEN_EXPIRED')
  },
  'bad input names the field': () => {
    const options = { appId: 'not-an-app-id', appCertificate: CERTIFICATE, channelName: 'room', uid: 1 }
    expectTokenError(() => buildRtcToken(options), 'ERR_INVALID_ARGUMENT', 'appId')
  },
  'garbage is malformed, not a crash': () => {
    expectTokenError(() => parseToken('007' + 'A'.repeat(40)), 'ERR_TOKEN_MALFORMED')
  },
}

/** Runs every check; returns the names of those that failed, with why, and how many ran. */
export function runSmoke(): { checked: number; failures: string[] } {
  const failures: string[] = []
  for (const [name, check] of Object.entries(CHECKS)) {
    try {
      check()
    } catch (error) {
      failures.push(`${name}: ${(error as Error)?.message}`)
    }
  }
  return { checked: Object.keys(CHECKS).length, failures }
}
