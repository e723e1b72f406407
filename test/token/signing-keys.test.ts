/**
 * The signing-key cache: bounded, least-recently-used, never serving a stale key, and leaving no
 * certificate behind once cleared (checked in a heap snapshot, where the certificate text would be).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { afterEach, test } from 'node:test'
import { getHeapSnapshot } from 'node:v8'
import * as compat from '../../src/compat/agora-token.js'
import * as compat006 from '../../src/compat/agora-access-token.js'
import { buildRtcToken, buildRtmToken, signingKeyCache, verifyToken } from '../../src/token/index.js'
import { signingKeyFor } from '../../src/token/signing-keys.js'
import { pinCompat } from '../compat/support.js'

const appId = '970CA35de60c44645bbae8a215061b33'
const fixed = { appId, channelName: 'ChannelA', uid: 42, issuedAt: 1_700_000_000, salt: 12_345 }

/** A fresh random certificate; each call gives a new string object. */
const newCertificate = (): string => randomBytes(16).toString('hex')

afterEach(() => {
  signingKeyCache.maxEntries = 16
  signingKeyCache.clear()
})

test('the cache holds at most maxEntries certificates and drops the least recently used first', () => {
  signingKeyCache.clear()
  signingKeyCache.maxEntries = 4
  const certificates = Array.from({ length: 10 }, newCertificate)
  for (const appCertificate of certificates) buildRtcToken({ ...fixed, appCertificate })
  assert.equal(signingKeyCache.size, 4)
  // Using the oldest survivor makes it the youngest: the next newcomer evicts another one.
  const survivor = signingKeyFor(certificates[6]!)
  buildRtcToken({ ...fixed, appCertificate: certificates[6]! })
  buildRtcToken({ ...fixed, appCertificate: newCertificate() })
  assert.equal(signingKeyCache.size, 4)
  assert.equal(signingKeyFor(certificates[6]!), survivor, 'the recently used certificate kept its key')
  // Lowering the bound drops entries at once; 0 disables the cache.
  signingKeyCache.maxEntries = 2
  assert.equal(signingKeyCache.size, 2)
  signingKeyCache.maxEntries = 0
  assert.equal(signingKeyCache.size, 0)
  buildRtcToken({ ...fixed, appCertificate: certificates[0]! })
  buildRtmToken({ ...fixed, userId: 'alice', appCertificate: certificates[1]!, version: '006' })
  assert.equal(signingKeyCache.size, 0)
  for (const bad of [-1, 1.5, 1025, Number.NaN]) {
    assert.throws(() => (signingKeyCache.maxEntries = bad), RangeError)
  }
})

test('changing the certificate changes the signature: no stale key, cached, evicted or uncached', () => {
  const [a, b] = [newCertificate(), newCertificate()]
  for (const maxEntries of [16, 1, 0]) {
    signingKeyCache.clear()
    signingKeyCache.maxEntries = maxEntries
    for (const version of ['007', '006'] as const) {
      const first = buildRtcToken({ ...fixed, appCertificate: a, version })
      const other = buildRtcToken({ ...fixed, appCertificate: b, version })
      const again = buildRtcToken({ ...fixed, appCertificate: a, version })
      assert.notEqual(other, first, `${version}, maxEntries ${maxEntries}: another certificate, another signature`)
      assert.equal(again, first, `${version}, maxEntries ${maxEntries}: the first certificate signs as before`)
      const claims = { channelName: fixed.channelName, uid: fixed.uid, now: false as const }
      assert.equal(verifyToken(other, { ...claims, certificates: b }).certificateIndex, 0)
      assert.equal(verifyToken(other, { ...claims, certificates: [a, b] }).certificateIndex, 1)
      assert.throws(() => verifyToken(other, { ...claims, certificates: a }), { code: 'ERR_TOKEN_SIGNATURE_MISMATCH' })
    }
  }
  // The compat builders share the cache: the same holds there, in the same issue second.
  const pins = { now: 1_700_000_000, salt007: 7, salt006: 7 }
  const rtc = (certificate: string) =>
    pinCompat(pins, () => compat.RtcTokenBuilder.buildTokenWithUid(appId, certificate, 'c', 1, 1, 600, 600))
  const rtc006 = (certificate: string) =>
    pinCompat(pins, () => compat006.RtcTokenBuilder.buildTokenWithUid(appId, certificate, 'c', 1, 1, 1_700_000_600))
  for (const build of [rtc, rtc006]) {
    const first = build(a)
    assert.notEqual(build(b), first)
    assert.equal(build(a), first)
  }
})

test('both compat entry points export the one cache', () => {
  assert.equal(compat.signingKeyCache, signingKeyCache)
  assert.equal(compat006.signingKeyCache, signingKeyCache)
})

test('a cleared or evicted key is zeroed', () => {
  const certificate = newCertificate()
  buildRtcToken({ ...fixed, appCertificate: certificate })
  buildRtcToken({ ...fixed, appCertificate: certificate, version: '006' })
  const key = signingKeyFor(certificate)
  assert.ok(key.certificateWords.some((word) => word !== 0) && key.k1.some((word) => word !== 0))
  const key006 = key.key006!
  signingKeyCache.clear()
  assert.equal(signingKeyCache.size, 0)
  assert.ok(
    key.certificateWords.every((word) => word === 0),
    'certificate words zeroed',
  )
  assert.ok(
    key.k1.every((word) => word === 0),
    'first chain key zeroed',
  )
  assert.ok(
    [...key006.inner, ...key006.outer].every((word) => word === 0),
    '006 key zeroed',
  )
  assert.equal(key.key006, undefined)
})

/**
 * Whether the heap (after the full GC a snapshot starts with) holds the hex text of `bytes` as a
 * string. The text is made after the snapshot is taken, so the search itself is not found.
 */
async function heapHolds(bytes: Buffer): Promise<boolean> {
  const snapshot = getHeapSnapshot()
  const text = bytes.toString('hex')
  let carry = ''
  for await (const chunk of snapshot) {
    const window = carry + String(chunk)
    if (window.includes(text)) return true
    carry = window.slice(-text.length)
  }
  return false
}

test('nothing keeps a certificate once the cache is cleared (heap snapshot)', async () => {
  // The test keeps the certificate only as bytes; its text exists while a token is built, and is
  // made again only to search the snapshot, after the snapshot is written.
  const secret = randomBytes(16)
  const build = (): void => {
    const appCertificate = secret.toString('hex')
    buildRtcToken({ ...fixed, appCertificate })
    buildRtcToken({ ...fixed, appCertificate, version: '006' })
    pinCompat({ now: 1_700_000_000, salt007: 7 }, () =>
      compat.RtmTokenBuilder.buildToken(appId, appCertificate, 'u', 600),
    )
  }
  build()
  assert.ok(await heapHolds(secret), 'control: the cache holds the certificate before clear()')
  signingKeyCache.clear()
  assert.equal(await heapHolds(secret), false, 'no certificate text after clear()')
  // Disabled, nothing is kept in the first place.
  signingKeyCache.maxEntries = 0
  build()
  assert.equal(await heapHolds(secret), false, 'no certificate text with the cache disabled')
})
