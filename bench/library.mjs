// Library benchmark: Agate's modern API and its drop-in compat layer against the npm reference
// packages. Each benchmark alternates its implementations over several rounds (modern, compat,
// reference, modern, ...) so machine noise hits them alike, and reports the median of each and each
// Agate API's ratio against the reference of the same run. Each implementation runs in a process of
// its own (this script, forked with BENCH_SIDE), so none pays for collecting another's garbage or
// runs in a heap another one shaped. Inputs vary from call to call (channels, uids, accounts, user
// ids), as on a real server.
// Run: npm run bench                 (times and ratios)
//      npm run bench -- --markdown   (one table per benchmark, ratios only, for the README)
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

// The built library by default; AGATE_BENCH_SOURCE=1 (with --import tsx) measures src/ directly.
const source = Boolean(process.env.AGATE_BENCH_SOURCE)
const agate = await import(source ? '../src/token/index.ts' : '../dist/token/index.js')
const compat007 = await import(source ? '../src/compat/agora-token.ts' : '../dist/compat/agora-token.js')
const compat006 = await import(source ? '../src/compat/agora-access-token.ts' : '../dist/compat/agora-access-token.js')
const require = createRequire(import.meta.url)
const agoraToken = require('agora-token')
const { AccessToken2 } = require('agora-token/src/AccessToken2.js')
const agoraAccessToken = require('agora-access-token')

const markdown = process.argv.includes('--markdown')
const appId = '970CA35de60c44645bbae8a215061b33'
const appCertificate = '5CFd2fd1755d40ecb72977518be15d3b'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 0.3)
// BENCH_FILTER=<text> runs only the benchmarks whose title contains it.
const FILTER = process.env.BENCH_FILTER

// Varied inputs: 1024 of each, indexed so that channel and user change independently.
const INPUTS = 1024
const channels = Array.from(
  { length: INPUTS },
  (_, i) => ['room', 'Channel_', 'live-event ', 'c'][i & 3] + ((i * 7919) % 100_003),
)
const uids = Array.from({ length: INPUTS }, (_, i) => Math.imul(i + 1, 2_654_435_761) >>> 0 || 1)
const accounts = Array.from(
  { length: INPUTS },
  (_, i) => ['user-', 'alice.', 'Guest_', 'u'][(i >> 2) & 3] + ((i * 104_729) % 1_000_003),
)
// Chat user ids are lowercase (Agora Chat's rule).
const chatIds = accounts.map((account) => account.toLowerCase())
const channelOf = (i) => channels[i & (INPUTS - 1)]
const userOf = (i) => (i >>> 10) + i * 31

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

// Rounds are timed in CPU time (this process's, user + system, GC threads included), not wall time:
// on a shared host the wall clock also counts the time other processes held the core.
function opsPerSecond(fn, iterations) {
  const start = process.cpuUsage()
  for (let i = 0; i < iterations; i++) sink ^= fn(i).length
  const used = process.cpuUsage(start)
  return iterations / ((used.user + used.system) / 1e6)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/**
 * One benchmark: Agate rows (a name, a function and an optional target ratio) and the reference,
 * as data; {@link run} measures it.
 */
function benchmark(title, reference, rows) {
  return { title, reference, rows }
}

/** The function of one side: rows first, the reference last. */
const sideFn = (spec, side) => (side < spec.rows.length ? spec.rows[side].fn : spec.reference.fn)

async function ask(child, message) {
  child.send(message)
  const [reply] = await once(child, 'message')
  return reply
}

/** Measures a benchmark, each side in its own process, alternated round by round. */
async function run(spec, index) {
  const sides = spec.rows.length + 1
  const self = fileURLToPath(import.meta.url)
  const children = Array.from({ length: sides }, (_, side) =>
    fork(self, [], { env: { ...process.env, BENCH_SIDE: `${index}:${side}` } }),
  )
  try {
    const iterations = []
    for (const child of children) iterations.push((await ask(child, { cmd: 'calibrate' })).iterations)
    const samples = children.map(() => [])
    for (let round = 0; round < ROUNDS; round++) {
      for (let side = 0; side < sides; side++) {
        samples[side].push((await ask(children[side], { cmd: 'round', iterations: iterations[side] })).ops)
      }
    }
    const medians = samples.map(median)
    const theirs = medians.at(-1)
    return {
      title: spec.title,
      reference: { name: spec.reference.name, ops: theirs },
      rows: spec.rows.map((row, side) => ({
        ...row,
        title: spec.title,
        ops: medians[side],
        ratio: medians[side] / theirs,
      })),
    }
  } finally {
    for (const child of children) child.send({ cmd: 'exit' })
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)))
  }
}

// Distinct tokens with distinct issue times, so no cache makes parsing look cheaper than it is.
const tokens007 = Array.from({ length: INPUTS }, (_, i) =>
  agate.buildRtcToken({
    appId,
    appCertificate,
    channelName: channelOf(i),
    uid: uids[i],
    expire: 600,
    issuedAt: 1_700_000_000 + i,
  }),
)
for (const token of tokens007.slice(0, 8)) {
  const reference = new AccessToken2()
  if (!reference.from_string(token) || !reference.verifySignature(appCertificate))
    throw new Error('agora-token rejects our token')
}

const now = () => Math.floor(Date.now() / 1000)
const uid = (i) => uids[userOf(i) & (INPUTS - 1)]
const account = (i) => accounts[userOf(i) & (INPUTS - 1)]
const specs = [
  benchmark(
    '007 RTC build, uid',
    {
      name: 'agora-token `RtcTokenBuilder.buildTokenWithUid`',
      fn: (i) => agoraToken.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, channelOf(i), uid(i), 1, 600, 600),
    },
    [
      {
        name: '`buildRtcToken`',
        target: 4,
        fn: (i) =>
          agate.buildRtcToken({
            appId,
            appCertificate,
            channelName: channelOf(i),
            uid: uid(i),
            expire: 600,
            privilegeExpire: 600,
          }),
      },
      {
        name: 'compat `RtcTokenBuilder.buildTokenWithUid`',
        target: 4,
        fn: (i) =>
          compat007.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, channelOf(i), uid(i), 1, 600, 600),
      },
    ],
  ),
  benchmark(
    '007 RTC build, account',
    {
      name: 'agora-token `RtcTokenBuilder.buildTokenWithUserAccount`',
      fn: (i) =>
        agoraToken.RtcTokenBuilder.buildTokenWithUserAccount(
          appId,
          appCertificate,
          channelOf(i),
          account(i),
          1,
          600,
          600,
        ),
    },
    [
      {
        name: '`buildRtcToken`',
        target: 4,
        fn: (i) =>
          agate.buildRtcToken({
            appId,
            appCertificate,
            channelName: channelOf(i),
            account: account(i),
            expire: 600,
            privilegeExpire: 600,
          }),
      },
      {
        name: 'compat `RtcTokenBuilder.buildTokenWithUserAccount`',
        target: 4,
        fn: (i) =>
          compat007.RtcTokenBuilder.buildTokenWithUserAccount(
            appId,
            appCertificate,
            channelOf(i),
            account(i),
            1,
            600,
            600,
          ),
      },
    ],
  ),
  benchmark(
    '007 RTM build',
    {
      name: 'agora-token `RtmTokenBuilder.buildToken`',
      fn: (i) => agoraToken.RtmTokenBuilder.buildToken(appId, appCertificate, accounts[i & (INPUTS - 1)], 600),
    },
    [
      {
        name: '`buildRtmToken`',
        target: 4,
        fn: (i) => agate.buildRtmToken({ appId, appCertificate, userId: accounts[i & (INPUTS - 1)], expire: 600 }),
      },
      {
        name: 'compat `RtmTokenBuilder.buildToken`',
        target: 4,
        fn: (i) => compat007.RtmTokenBuilder.buildToken(appId, appCertificate, accounts[i & (INPUTS - 1)], 600),
      },
    ],
  ),
  benchmark(
    '007 Chat user build',
    {
      name: 'agora-token `ChatTokenBuilder.buildUserToken`',
      fn: (i) => agoraToken.ChatTokenBuilder.buildUserToken(appId, appCertificate, chatIds[i & (INPUTS - 1)], 600),
    },
    [
      {
        name: '`buildChatToken`',
        fn: (i) => agate.buildChatToken({ appId, appCertificate, userId: chatIds[i & (INPUTS - 1)], expire: 600 }),
      },
      {
        name: 'compat `ChatTokenBuilder.buildUserToken`',
        fn: (i) => compat007.ChatTokenBuilder.buildUserToken(appId, appCertificate, chatIds[i & (INPUTS - 1)], 600),
      },
    ],
  ),
  benchmark(
    '006 RTC build, uid',
    {
      name: 'agora-access-token `RtcTokenBuilder.buildTokenWithUid`',
      fn: (i) =>
        agoraAccessToken.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, channelOf(i), uid(i), 1, now() + 600),
    },
    [
      {
        name: "`buildRtcToken({ version: '006' })`",
        target: 3,
        fn: (i) =>
          agate.buildRtcToken({
            appId,
            appCertificate,
            channelName: channelOf(i),
            uid: uid(i),
            expire: 600,
            version: '006',
          }),
      },
      {
        name: 'compat `RtcTokenBuilder.buildTokenWithUid`',
        target: 4,
        fn: (i) =>
          compat006.RtcTokenBuilder.buildTokenWithUid(appId, appCertificate, channelOf(i), uid(i), 1, now() + 600),
      },
    ],
  ),
  benchmark(
    '006 RTC build, account',
    {
      name: 'agora-access-token `RtcTokenBuilder.buildTokenWithAccount`',
      fn: (i) =>
        agoraAccessToken.RtcTokenBuilder.buildTokenWithAccount(
          appId,
          appCertificate,
          channelOf(i),
          account(i),
          1,
          now() + 600,
        ),
    },
    [
      {
        name: "`buildRtcToken({ version: '006' })`",
        fn: (i) =>
          agate.buildRtcToken({
            appId,
            appCertificate,
            channelName: channelOf(i),
            account: account(i),
            expire: 600,
            version: '006',
          }),
      },
      {
        name: 'compat `RtcTokenBuilder.buildTokenWithAccount`',
        target: 4,
        fn: (i) =>
          compat006.RtcTokenBuilder.buildTokenWithAccount(
            appId,
            appCertificate,
            channelOf(i),
            account(i),
            1,
            now() + 600,
          ),
      },
    ],
  ),
  benchmark(
    '006 RTM build',
    {
      name: 'agora-access-token `RtmTokenBuilder.buildToken`',
      fn: (i) =>
        agoraAccessToken.RtmTokenBuilder.buildToken(appId, appCertificate, accounts[i & (INPUTS - 1)], 1, now() + 600),
    },
    [
      {
        name: "`buildRtmToken({ version: '006' })`",
        fn: (i) =>
          agate.buildRtmToken({
            appId,
            appCertificate,
            userId: accounts[i & (INPUTS - 1)],
            expire: 600,
            version: '006',
          }),
      },
      {
        name: 'compat `RtmTokenBuilder.buildToken`',
        target: 4,
        fn: (i) =>
          compat006.RtmTokenBuilder.buildToken(appId, appCertificate, accounts[i & (INPUTS - 1)], 1, now() + 600),
      },
    ],
  ),
  benchmark(
    '007 parse + verify',
    {
      name: 'agora-token `AccessToken2.from_string` + `verifySignature`',
      fn: (i) => {
        const token = new AccessToken2()
        if (!token.from_string(tokens007[i & (INPUTS - 1)]) || !token.verifySignature(appCertificate))
          throw new Error('verify failed')
        return 'x'
      },
    },
    [
      {
        name: '`verifyToken`',
        target: 3,
        fn: (i) => {
          agate.verifyToken(tokens007[i & (INPUTS - 1)], { certificates: appCertificate, now: false })
          return 'x'
        },
      },
      {
        name: 'compat `AccessToken2.from_string` + `verifySignature`',
        fn: (i) => {
          const token = new compat007.AccessToken2()
          if (!token.from_string(tokens007[i & (INPUTS - 1)]) || !token.verifySignature(appCertificate))
            throw new Error('verify failed')
          return 'x'
        },
      },
    ],
  ),
]

const SIDE = process.env.BENCH_SIDE
if (SIDE !== undefined) {
  // A child: serve one side of one benchmark until told to exit.
  const [index, side] = SIDE.split(':').map(Number)
  const fn = sideFn(specs[index], side)
  process.on('message', (message) => {
    if (message.cmd === 'calibrate') {
      // A fresh process: let the JIT and the heap settle (about a second of calls) before timing.
      calibrate(fn, 1)
      process.send({ iterations: calibrate(fn, ROUND_SECONDS) })
    } else if (message.cmd === 'round') process.send({ ops: opsPerSecond(fn, message.iterations) })
    else process.exit(sink === 0.5 ? 1 : 0)
  })
} else {
  await report()
}

async function report() {
  const results = []
  for (const [index, spec] of specs.entries()) {
    if (FILTER === undefined || spec.title.includes(FILTER)) results.push(await run(spec, index))
  }

  const verdict = (row) =>
    row.target === undefined ? '' : row.ratio >= row.target ? `>= ${row.target}x met` : `>= ${row.target}x MISSED`
  const missed = results
    .flatMap((result) => result.rows)
    .filter((row) => row.target !== undefined && row.ratio < row.target)
  const cpu = cpus()
  const machine = `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, Node ${process.version}`

  if (markdown) {
    // One table per benchmark, ratios only: clock times say more about the host than about Agate.
    console.log(
      `Machine: ${machine}; ${ROUNDS} alternating rounds, a process per side, medians of CPU time, varied inputs.`,
    )
    for (const result of results) {
      console.log(`\n**${result.title}** (against ${result.reference.name})\n`)
      console.log('| case | target | ratio |')
      console.log('|---|---|---|')
      for (const row of result.rows) {
        console.log(
          `| ${row.name} | ${row.target === undefined ? '' : `>= ${row.target}x`} | **${row.ratio.toFixed(2)}x** |`,
        )
      }
    }
  } else {
    const format = (n) =>
      `${n >= 1000 ? `${(n / 1000).toFixed(1)} k/s` : `${n.toFixed(0)} /s`} (${(1e6 / n).toFixed(2)} µs)`
    console.log(
      `${machine}; ${ROUNDS} alternating rounds of ~${ROUND_SECONDS}s per side, a process per side, medians of CPU time, varied inputs`,
    )
    for (const result of results) {
      console.log(`\n${result.title}: reference ${result.reference.name} ${format(result.reference.ops)}`)
      for (const row of result.rows)
        console.log(`  ${row.name}: ${format(row.ops)}, ${row.ratio.toFixed(2)}x ${verdict(row)}`)
    }

    // Memory over a long run: heap after a full GC should not grow with the number of tokens built.
    if (typeof globalThis.gc === 'function') {
      const samples = []
      for (let chunk = 0; chunk <= 5; chunk++) {
        if (chunk > 0) {
          for (let i = 0; i < 200_000; i++) {
            sink ^= agate.buildRtcToken({
              appId,
              appCertificate,
              channelName: channelOf(i),
              uid: uid(i),
              expire: 600,
            }).length
          }
        }
        globalThis.gc()
        samples.push(process.memoryUsage())
      }
      const mb = (n) => (n / 1048576).toFixed(1)
      const heap = samples.map((s) => mb(s.heapUsed)).join(' → ')
      console.log(
        `\nMemory over 1,000,000 007 RTC builds (after GC): heap ${heap} MB; RSS ${mb(samples[0].rss)} → ${mb(samples.at(-1).rss)} MB`,
      )
    }
  }
  console.log(
    missed.length === 0
      ? '\nAll targets met.'
      : `\n${missed.length} target(s) missed: ${missed.map((row) => `${row.title}: ${row.name}`).join('; ')}.`,
  )
  if (sink === 0.5) console.log('')
}
