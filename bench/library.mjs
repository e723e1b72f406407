// Library benchmark: Agate against the npm reference packages, side by side in one process.
// Each case alternates the two implementations over several rounds (A B A B ...) so machine noise
// hits both alike, and reports the median of each side and their ratio. Run: npm run bench
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'

// The built library by default; AGATE_BENCH_SOURCE=1 (with --import tsx) measures src/ directly.
const agate = await import(process.env.AGATE_BENCH_SOURCE ? '../src/token/index.ts' : '../dist/token/index.js')
const require = createRequire(import.meta.url)
const agoraToken = require('agora-token')
const { AccessToken2 } = require('agora-token/src/AccessToken2.js')
const agoraAccessToken = require('agora-access-token')

const appId = '970CA35de60c44645bbae8a215061b33'
const appCertificate = '5CFd2fd1755d40ecb72977518be15d3b'
const channelName = 'ChannelA'
const uid = 2882341273
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 0.3)

let sink = 0 // consumed results, so no call can be optimised away

/** Calls fn until it has run for `seconds`, returns the iterations done. */
function calibrate(fn, seconds) {
  let iterations = 64
  for (;;) {
    const start = performance.now()
    for (let i = 0; i < iterations; i++) sink ^= fn(i).length
    const elapsed = (performance.now() - start) / 1000
    if (elapsed >= seconds / 4) return Math.ceil((iterations * seconds) / elapsed)
    iterations *= 4
  }
}

function opsPerSecond(fn, iterations) {
  const start = performance.now()
  for (let i = 0; i < iterations; i++) sink ^= fn(i).length
  return iterations / ((performance.now() - start) / 1000)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

function compare(name, ours, theirs, target) {
  const nOurs = calibrate(ours, ROUND_SECONDS)
  const nTheirs = calibrate(theirs, ROUND_SECONDS)
  const a = []
  const b = []
  for (let round = 0; round < ROUNDS; round++) {
    a.push(opsPerSecond(ours, nOurs))
    b.push(opsPerSecond(theirs, nTheirs))
  }
  const ratio = median(a) / median(b)
  return { name, ours: median(a), theirs: median(b), ratio, target }
}

// Distinct tokens with distinct issue times, so no cache makes parsing look cheaper than it is.
const tokens007 = Array.from({ length: 1024 }, (_, i) =>
  agate.buildRtcToken({ appId, appCertificate, channelName, uid, expire: 600, issuedAt: 1_700_000_000 + i }),
)
for (const token of tokens007.slice(0, 8)) {
  const reference = new AccessToken2()
  if (!reference.from_string(token) || !reference.verifySignature(appCertificate)) throw new Error('agora-token rejects our token')
}

const now = () => Math.floor(Date.now() / 1000)
const results = [
  compare(
    '007 RTC build (buildRtcToken vs agora-token buildTokenWithUid)',
    () => agate.buildRtcToken({ appId, appCertificate, channelName, uid, expire: 600, privilegeExpire: 600 }),
    () => agoraToken.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, channelName, uid, 1, 600, 600),
    4,
  ),
  compare(
    '006 RTC build (buildRtcToken version 006 vs agora-access-token)',
    () => agate.buildRtcToken({ appId, appCertificate, channelName, uid, expire: 600, version: '006' }),
    () => agoraAccessToken.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, channelName, uid, 1, now() + 600),
    3,
  ),
  compare(
    '007 parse + verify (verifyToken vs AccessToken2.from_string + verifySignature)',
    (i) => {
      agate.verifyToken(tokens007[i & 1023], { certificates: appCertificate, now: false })
      return 'x'
    },
    (i) => {
      const token = new AccessToken2()
      if (!token.from_string(tokens007[i & 1023]) || !token.verifySignature(appCertificate)) throw new Error('verify failed')
      return 'x'
    },
    3,
  ),
  compare(
    '007 RTM build (buildRtmToken vs agora-token RtmTokenBuilder.buildToken)',
    () => agate.buildRtmToken({ appId, appCertificate, userId: 'test_user_id', expire: 600 }),
    () => agoraToken.RtmTokenBuilder.buildToken(appId, appCertificate, 'test_user_id', 600),
  ),
  compare(
    '007 Chat user build (buildChatToken vs agora-token ChatTokenBuilder.buildUserToken)',
    () => agate.buildChatToken({ appId, appCertificate, userId: 'test_user_id', expire: 600 }),
    () => agoraToken.ChatTokenBuilder.buildUserToken(appId, appCertificate, 'test_user_id', 600),
  ),
  compare(
    '006 RTM build (buildRtmToken version 006 vs agora-access-token)',
    () => agate.buildRtmToken({ appId, appCertificate, userId: 'test_user_id', expire: 600, version: '006' }),
    () => agoraAccessToken.RtmTokenBuilder.buildToken(appId, appCertificate, 'test_user_id', 1, now() + 600),
  ),
]

const format = (n) => (n >= 1000 ? `${(n / 1000).toFixed(1)} k/s` : `${n.toFixed(0)} /s`)
console.log(`Node ${process.version}, ${ROUNDS} alternating rounds of ~${ROUND_SECONDS}s per side, medians\n`)
console.log('| case | Agate | reference | ratio | target |')
console.log('|---|---|---|---|---|')
let missed = 0
for (const r of results) {
  const verdict = r.target === undefined ? '' : r.ratio >= r.target ? `>= ${r.target}x met` : `>= ${r.target}x MISSED`
  if (r.target !== undefined && r.ratio < r.target) missed++
  console.log(`| ${r.name} | ${format(r.ours)} (${(1e6 / r.ours).toFixed(2)} µs) | ${format(r.theirs)} (${(1e6 / r.theirs).toFixed(2)} µs) | ${r.ratio.toFixed(2)}x | ${verdict} |`)
}

// Memory over a long run: heap after a full GC should not grow with the number of tokens built.
if (typeof globalThis.gc === 'function') {
  const samples = []
  for (let chunk = 0; chunk <= 5; chunk++) {
    if (chunk > 0) for (let i = 0; i < 200_000; i++) sink ^= agate.buildRtcToken({ appId, appCertificate, channelName, uid, expire: 600 }).length
    globalThis.gc()
    samples.push(process.memoryUsage())
  }
  const mb = (n) => (n / 1048576).toFixed(1)
  console.log(`\nMemory over 1,000,000 007 RTC builds (after GC): heap ${samples.map((s) => mb(s.heapUsed)).join(' → ')} MB; RSS ${mb(samples[0].rss)} → ${mb(samples.at(-1).rss)} MB`)
}
console.log(missed === 0 ? '\nAll targets met.' : `\n${missed} target(s) missed.`)
if (sink === 0.5) console.log('')
