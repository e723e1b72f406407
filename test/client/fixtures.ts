/**
 * Tokens for the client and sandbox tests, built with the library (the certificate never reaches
 * the code under test).
 * @module
 */
import { buildRtcToken, buildRtmToken, buildToken, type RtcTokenOptions } from '../../src/token/index.js'

export const APP_ID = '970ca35de60c44645bbae8a215061b33'
export const CERTIFICATE = '5cfd2fd1755d40ecb72977518be15d3b'
export const SECONDARY = '0123456789abcdef0123456789abcdef'
export const OTHER_APP_ID = 'aaaabbbbccccddddeeeeffff00001111'
export const OTHER_CERTIFICATE = 'ffffeeeeddddccccbbbbaaaa99998888'

/** Unix seconds now. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** An RTC token for ChannelA / uid 42 by default, 40 s, issued now. */
export function rtcToken(options: Partial<RtcTokenOptions> & { uid?: number; account?: string } = {}): string {
  const { uid, account, ...rest } = options
  const user = account !== undefined ? { account } : { uid: uid ?? 42 }
  return buildRtcToken({
    appId: APP_ID,
    appCertificate: CERTIFICATE,
    channelName: 'ChannelA',
    expire: 40,
    ...user,
    ...rest,
  })
}

/** An RTM token for `userId`. */
export function rtmToken(
  userId: string,
  options: { expire?: number; issuedAt?: number; version?: '006' | '007'; appId?: string } = {},
): string {
  return buildRtmToken({
    appId: options.appId ?? APP_ID,
    appCertificate: CERTIFICATE,
    userId,
    expire: options.expire ?? 40,
    ...(options.issuedAt === undefined ? {} : { issuedAt: options.issuedAt }),
    ...(options.version === undefined ? {} : { version: options.version }),
  })
}

/** A 007 RTC token for ChannelA / uid 42 that does not grant joinChannel. */
export function tokenWithoutJoin(issuedAt = nowSeconds()): string {
  return buildToken({
    appId: APP_ID,
    appCertificate: CERTIFICATE,
    expire: 40,
    issuedAt,
    services: [{ type: 'rtc', channelName: 'ChannelA', uid: 42, privileges: { publishAudioStream: 40 } }],
  })
}
