// Load test of the token server against a baseline, on loopback, in one run.
//
// Starts, each in its own child process:
//   - agate: the server in production mode with API-key authentication, a policy, rate limits (set
//     high enough never to trigger, so their cost is paid but nothing is refused) and an info log
//     line per request written to a file; compiled to plain JavaScript first, as `npm start` runs it;
//   - baseline: a node:http server minting with the npm reference package agora-token, the way the
//     community servers and the docs sample do (bench/server-baseline.mjs);
//   - baseline-agate: the same server minting with Agate's library instead (what the library alone
//     changes; the difference to agate is what the server's features cost);
//   - floor: node:http answering a precomputed token (bench/server-floor.mjs), i.e. what the
//     machine, HTTP and the load generator allow before any token work;
//   - go, when a Go toolchain is on PATH (Debian: apt-get install golang-go): Agora's docs-sample
//     token server in Go (bench/go-docs-server: net/http, POST /fetch_rtc_token, minting with the
//     rtctokenbuilder2 API of AgoraIO/Tools' Go reference builder, in a rewrite that gives the same
//     bytes for the same inputs and does the same work per token; see its README.md), built once
//     into the bench's temp dir with `go build` (GOPROXY=off: it needs no module) and run with
//     GOMAXPROCS=2 and its per-request prints off, as the project's performance research (perf-baselines.md §5) ran it.
// Checks a token from every token server with Agate's verifier and agora-token's, then warms each
// server up to its steady state (BENCH_WARMUP seconds of load before its first pass: the JIT's
// tier-up and the heap's growth are over by then, as they are in a server that has run for a
// while) and drives each (32 connections, 2 s to reopen them, then the measured run) for
// BENCH_PASSES passes in ABBA order. It prints req/s, p50/p99 latency, server CPU per request and
// peak RSS (medians), the Agate/baseline ratio (the median of each pass's ratio: in every pass the
// two run back to back, so a burst of load from the host's neighbours hits both alike), and the
// comparison with Agora's Go docs server: against the figure quoted
// from perf-baselines.md §5 (measured on a calmer host) and, with the go row, against that server
// measured in this run on this host. Without Go, the bench says how to add the measured row. Last,
// how fast the host was: its floor against the research's, and whether the floor alone met p99.
//
// Usage: npm run bench:server   (node --import tsx bench/server.mjs [--markdown])
//   --markdown: the result as one table in the README's format (a column naming the machine: CPU
//   model, cores, Node; no clock times), on stdout; the progress goes to stderr.
// Environment: BENCH_DURATION (s, default 5), BENCH_WARMUP (s, default 10), BENCH_PASSES (default 10),
//   BENCH_CONNECTIONS (default 32), BENCH_CLIENT (wrk when installed, as in
//   the research's perf-baselines.md: a C client that leaves the servers, not itself, as the
//   limit; else autocannon), BENCH_BREAKDOWN=1 (adds bare Hono rows, bench/server-hono.mjs: with a
//   precomputed token, and with Agate's library, for the cost of Hono on @hono/node-server, which
//   serves every route but the token routes on Node, and everything on Workers).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  accessSync,
  constants,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { build } from 'esbuild'
import { createApiKey } from '../src/server/auth/api-keys.ts'
import { buildRtcToken, verifyToken } from '../src/token/index.ts'

const APP_ID = '970CA35de60c44645bbae8a215061b33'
const CERT = '5CFd2fd1755d40ecb72977518be15d3b'
const BODY = '{"uid":2882341273,"ChannelName":"ChannelA","role":1}'
// perf-baselines.md §5: Go net/http + AgoraIO/Tools rtctokenbuilder2 (the docs sample's shape),
// wrk -c32 on this machine: 3.7 k / 4.0 k req/s (GOMAXPROCS=2), 4.6 k / 4.7 k (GOMAXPROCS=1, pinned).
const GO_DOCS_SERVER = 4000
// perf-baselines.md §5: node:http answering a precomputed token (bench/server-floor.mjs), 1 process:
// 39.3 k / 43.2 k req/s. The bench compares its own floor with it, to say how fast the host was.
const FLOOR_IN_RESEARCH = 41_000

const duration = Number(process.env.BENCH_DURATION ?? 5)
const warmup = Number(process.env.BENCH_WARMUP ?? 10)
// Before every pass, a short load reopens the connections the previous pass closed.
const rewarm = Math.min(2, warmup)
const passes = Number(process.env.BENCH_PASSES ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32)
const client = process.env.BENCH_CLIENT ?? (spawnSync('wrk', ['-v']).error === undefined ? 'wrk' : 'autocannon')
const markdown = process.argv.includes('--markdown')
// With --markdown, stdout carries the table alone.
const progress = markdown ? (line) => process.stderr.write(`${line}\n`) : (line) => console.log(line)
const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const { AccessToken2 } = require('agora-token/src/AccessToken2.js')

const apiKey = createApiKey()
const work = mkdtempSync(join(tmpdir(), 'agate-bench-'))
const logFile = join(work, 'agate.log')
const policy = [
  {
    name: 'bench',
    who: { apiKeys: ['bench'] },
    apps: ['main'],
    services: ['rtc'],
    channels: ['Channel*'],
    roles: ['publisher', 'subscriber'],
    maxExpire: 3600,
  },
]
const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey.key}` }

/** Starts a server child (a Node script, or `command`) and resolves with its port once it listens. */
function start(name, args, env, portOf, command = process.execPath) {
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const port = portOf(output)
      if (port !== undefined) {
        clearInterval(timer)
        resolve({ name, child, url: `http://127.0.0.1:${port}` })
      }
    }, 50)
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('exit', (code) => {
      clearInterval(timer)
      reject(new Error(`${name} exited (${code}) before listening:\n${output}`))
    })
  })
}

const printedPort = (output) => /listening (\d+)/.exec(output)?.[1]

/**
 * Compiles the server entry point to plain JavaScript, as `npm start` runs it (tsc output), rather
 * than through tsx's loader. The bundle sits in node_modules/.cache so that its bare imports
 * (hono, pino …) resolve to the installed packages.
 */
async function compile(entry, name) {
  const outfile = join(root, 'node_modules/.cache/agate-bench', name)
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  })
  return outfile
}

async function startAgate() {
  const env = {
    NODE_ENV: 'production',
    AGORA_APP_ID: APP_ID,
    AGORA_APP_CERTIFICATE: CERT,
    AGORA_APP_NAME: 'main',
    AGATE_API_KEYS: `bench=${apiKey.hash}`,
    AGATE_POLICY: JSON.stringify(policy),
    AGATE_RATE_LIMIT_PER_IDENTITY: '1000000000',
    AGATE_RATE_LIMIT_PER_ADDRESS: '1000000000',
    AGATE_LOG_LEVEL: 'info',
    AGATE_LOG_DESTINATION: logFile,
    // The bench stops it with SIGTERM; no load balancer needs time to notice.
    AGATE_DRAIN_DELAY_MS: '0',
  }
  return start(
    'agate',
    [await compile('src/server/main.ts', 'server-main.mjs'), '--production', '--host', '127.0.0.1', '--port', '0'],
    env,
    () => {
      try {
        return /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(readFileSync(logFile, 'utf8'))?.[1]
      } catch {
        return undefined
      }
    },
  )
}

const hasGo = spawnSync('go', ['version']).error === undefined

/**
 * Builds bench/go-docs-server into the bench's temp dir and returns the binary's path. Offline:
 * the module has no requirements (GOPROXY=off, GOFLAGS=-mod=mod); the build cache is Go's own
 * unless it is not writable, then one in the temp dir.
 */
function buildGoServer() {
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOTOOLCHAIN: 'local' }
  const cache = spawnSync('go', ['env', 'GOCACHE'], { encoding: 'utf8', env }).stdout?.trim()
  let writable = false
  try {
    if (cache) {
      mkdirSync(cache, { recursive: true })
      accessSync(cache, constants.W_OK)
      writable = true
    }
  } catch {
    // Not writable: Go gets a cache of its own below.
  }
  if (!writable) env.GOCACHE = join(work, 'go-cache')
  if (!env.HOME && !env.GOPATH) env.GOPATH = join(work, 'go-path')
  const binary = join(work, 'go-docs-server')
  const built = spawnSync('go', ['build', '-o', binary, '.'], {
    cwd: join(root, 'bench/go-docs-server'),
    env,
    encoding: 'utf8',
  })
  if (built.status !== 0) throw new Error(`go build of bench/go-docs-server failed:\n${built.stdout}${built.stderr}`)
  return binary
}

/** One request; the token must verify with Agate's verifier and with agora-token's AccessToken2. */
async function checkSample(server) {
  const response = await fetch(`${server.url}/fetch_rtc_token`, { method: 'POST', headers, body: BODY })
  const body = await response.json()
  if (response.status !== 200 || body.code !== '200')
    throw new Error(`${server.name}: sample request failed: ${response.status} ${JSON.stringify(body)}`)
  verifyToken(body.token, { certificates: CERT, appId: APP_ID, channelName: 'ChannelA', uid: 2882341273 })
  const reference = new AccessToken2()
  if (!reference.from_string(body.token) || !reference.verifySignature(CERT))
    throw new Error(`${server.name}: agora-token rejects the sample token`)
  if (server.name === 'agate') {
    // The bench runs with authentication on: a request without the key must be refused.
    const anonymous = await fetch(`${server.url}/fetch_rtc_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    })
    if (anonymous.status !== 401) throw new Error('agate: an unauthenticated request was not refused')
  }
}

/** utime+stime of a process, in seconds, from procfs. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function peakRssMb(pid) {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? NaN : Number(match[1]) / 1024
}

/** One load run: { requests, reqPerSec, p50, p99 } (latencies in ms), with wrk or autocannon. */
async function load(server, seconds) {
  const url = `${server.url}/fetch_rtc_token`
  if (client === 'wrk') {
    const script = join(work, 'post.lua')
    writeFileSync(
      script,
      `wrk.method = "POST"\nwrk.body = '${BODY}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "${headers.authorization}"\n`,
    )
    const out = execFileSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], {
      encoding: 'utf8',
    })
    // wrk prints latencies as e.g. 812.00us, 4.51ms, 1.02s or 1.10m.
    const ms = (label) => {
      const match = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s|m)\\b`).exec(out)
      if (match === null) throw new Error(`${server.name}: no ${label} latency in wrk's output:\n${out}`)
      const [, value, unit] = match
      return Number(value) * { us: 1e-3, ms: 1, s: 1e3, m: 6e4 }[unit]
    }
    const requests = Number(/(\d+) requests in/.exec(out)[1])
    const failed =
      Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: .*/.test(out) ? 1 : 0)
    if (failed > 0) throw new Error(`${server.name}: errors under load:\n${out}`)
    return { requests, reqPerSec: requests / seconds, p50: ms('50%'), p99: ms('99%') }
  }
  const result = await autocannon({ url, method: 'POST', headers, body: BODY, connections, duration: seconds })
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${server.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`)
  }
  return {
    requests: result.requests.total,
    reqPerSec: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
  }
}

async function measure(server, first) {
  await load(server, first ? warmup : rewarm)
  const cpuBefore = cpuSeconds(server.child.pid)
  const result = await load(server, duration)
  const cpu = cpuSeconds(server.child.pid) - cpuBefore
  return { ...result, cpuUsPerReq: (cpu * 1e6) / result.requests, rssMb: peakRssMb(server.child.pid) }
}

/** The `q` quantile of `values` (0.5: the median), by linear interpolation between the nearest two. */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  const position = q * (sorted.length - 1)
  const below = Math.floor(position)
  const above = Math.min(below + 1, sorted.length - 1)
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below)
}

const median = (values) => quantile(values, 0.5)

/**
 * The range of the middle half of `values` (their quartiles): how widely the passes' ratios spread
 * on the host, without the one or two a burst of load threw out.
 */
const middleHalf = (values) => [quantile(values, 0.25), quantile(values, 0.75)]

/**
 * Counts the lines of `file` that contain `marker`, line by line: a run writes millions of audit
 * lines, more than one string can hold.
 */
async function countLines(file, marker) {
  let count = 0
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line.includes(marker)) count++
  }
  return count
}

/** The library's own cost per token in a tight loop (µs), for reading the CPU column. */
function libraryCost() {
  const options = { appId: APP_ID, appCertificate: CERT, channelName: 'ChannelA', uid: 2882341273, expire: 3600 }
  for (let i = 0; i < 20_000; i++) buildRtcToken(options)
  const started = performance.now()
  for (let i = 0; i < 50_000; i++) buildRtcToken(options)
  return ((performance.now() - started) * 1000) / 50_000
}

const fmt = (value, digits = 1) => value.toFixed(digits)
const kilo = (value) => `${fmt(value / 1000)} k`

if (client === 'wrk' && spawnSync('wrk', ['-v']).error !== undefined)
  throw new Error('BENCH_CLIENT=wrk, but wrk is not installed (Debian: apt-get install wrk)')
// Built before any server starts, so that a failed build leaves no child running.
const goServer = hasGo ? buildGoServer() : undefined
const servers = [
  await startAgate(),
  await start('baseline', ['bench/server-baseline.mjs', APP_ID, CERT], {}, printedPort),
  await start('baseline-agate', ['bench/server-baseline.mjs', APP_ID, CERT, 'agate'], {}, printedPort),
  await start('floor', ['bench/server-floor.mjs'], {}, printedPort),
]
if (goServer !== undefined) {
  // GOMAXPROCS=2: the research's configuration. -quiet: the docs sample prints the token and the
  // request on every call; the baseline rows log nothing either.
  const args = ['-quiet', '-host', '127.0.0.1', '-port', '0', '-app-id', APP_ID, '-app-certificate', CERT]
  servers.push(await start('go', args, { GOMAXPROCS: '2' }, printedPort, goServer))
}
if (process.env.BENCH_BREAKDOWN === '1') {
  const hono = await compile('bench/server-hono.mjs', 'server-hono.mjs')
  servers.push(await start('hono', [hono, 'floor'], {}, printedPort))
  servers.push(await start('hono-lib', [hono, 'library', APP_ID, CERT], {}, printedPort))
}
try {
  for (const server of servers.filter((entry) => entry.name !== 'floor' && entry.name !== 'hono'))
    await checkSample(server)
  const runs = Object.fromEntries(servers.map((server) => [server.name, []]))
  progress(
    `node ${process.version}, ${client}, ${connections} connections, ${warmup} s warm-up, then ${passes} passes of ${rewarm} + ${duration} s measured; ` +
      `load average before: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  )
  for (let pass = 0; pass < passes; pass++) {
    // ABBA order, so drift in the machine's load does not favour one side.
    for (const server of pass % 2 === 0 ? servers : [...servers].reverse()) {
      const result = await measure(server, pass === 0)
      runs[server.name].push(result)
      progress(
        `pass ${pass + 1} ${server.name.padEnd(14)} ${kilo(result.reqPerSec).padStart(8)} req/s  p50 ${fmt(result.p50, 2)} ms  p99 ${fmt(result.p99, 2)} ms  ` +
          `CPU ${fmt(result.cpuUsPerReq)} µs/req  peak RSS ${fmt(result.rssMb, 0)} MB`,
      )
    }
  }
  const summary = Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [
      name,
      Object.fromEntries(
        ['reqPerSec', 'p50', 'p99', 'cpuUsPerReq', 'rssMb'].map((key) => [key, median(list.map((run) => run[key]))]),
      ),
    ]),
  )
  const auditLines = await countLines(logFile, '"event":"token.issued"')
  const ratios = runs.agate.map((run, pass) => run.reqPerSec / runs.baseline[pass].reqPerSec)
  const ratio = median(ratios)
  const vsGo = summary.agate.reqPerSec / GO_DOCS_SERVER
  if (markdown) {
    console.log(markdownTable(summary, ratio, middleHalf(ratios), vsGo))
  } else {
    console.log(
      `\nmedians of ${passes} passes after a ${warmup} s warm-up (${client}, ${connections} connections, ${duration} s each)\n`,
    )
    console.log('| server | req/s | p50 ms | p99 ms | server CPU µs/req | peak RSS MB |')
    console.log('|---|---|---|---|---|---|')
    const labels = {
      agate: 'Agate, production: API key, policy, rate limits, a log line per request to a file',
      baseline: 'baseline: node:http + agora-token (no auth, no policy, no logs)',
      'baseline-agate': 'the same baseline server minting with Agate (library only, no server features)',
      floor: 'floor: node:http answering a precomputed token',
      hono: 'Hono on @hono/node-server answering a precomputed token',
      'hono-lib': 'Hono on @hono/node-server + Agate buildRtcToken, nothing else',
      go: 'Go docs-sample server (net/http + AgoraIO/Tools rtctokenbuilder2, bench/go-docs-server), GOMAXPROCS=2, measured in this run',
    }
    for (const [name, label] of Object.entries(labels)) {
      const entry = summary[name]
      if (entry === undefined) continue
      console.log(
        `| ${label} | ${kilo(entry.reqPerSec)} | ${fmt(entry.p50, 2)} | ${fmt(entry.p99, 2)} | ${fmt(entry.cpuUsPerReq)} | ${fmt(entry.rssMb, 0)} |`,
      )
    }
    console.log(
      '| Go docs-sample server, quoted (perf-baselines.md §5, wrk, GOMAXPROCS=2, a calmer host) | 3.7-4.0 k | 8.0-8.8 | 40-46 | | 42 |',
    )
    console.log('')
    const verdict = (ok) => (ok ? 'met' : 'NOT met')
    console.log(
      `Agate / baseline: ${fmt(ratio, 2)}x, the median of the passes' ratios ` +
        `(${ratios.map((value) => fmt(value, 2)).join(', ')}; target >= 2x: ${verdict(ratio >= 2)})`,
    )
    const libraryOnly = summary['baseline-agate']
    console.log(
      `The baseline server with Agate's library instead: ${fmt(libraryOnly.reqPerSec / summary.baseline.reqPerSec, 2)}x the baseline. ` +
        `Agate's CPU per request minus that server's: ${fmt(summary.agate.cpuUsPerReq - libraryOnly.cpuUsPerReq)} µs ` +
        `(its features, less what serving a turn's requests together saves); HTTP alone (floor): ${fmt(summary.floor.cpuUsPerReq)} µs/req`,
    )
    console.log(`Agate / Go docs server (~4 k req/s): ${fmt(vsGo, 2)}x (target >= 4x: ${verdict(vsGo >= 4)})`)
    if (summary.go !== undefined) {
      const vsGoHere = summary.agate.reqPerSec / summary.go.reqPerSec
      console.log(
        `Agate / Go docs server measured in this run: ${fmt(vsGoHere, 2)}x (target >= 4x: ${verdict(vsGoHere >= 4)})`,
      )
    } else {
      console.log(
        'Go docs server: quoted from the research (perf-baselines.md §5), not measured (no `go` on PATH); ' +
          'to measure it in this run, install Go (Debian: apt-get install golang-go) and run the bench again',
      )
    }
    console.log(
      `Agate p99 at ${connections} connections: ${fmt(summary.agate.p99, 2)} ms (target <= 5 ms: ${verdict(summary.agate.p99 <= 5)})`,
    )
    // The host's speed moves from run to run; the floor says how fast this one was. The research
    // (perf-baselines.md §5) measured the same floor server at 39-43 k req/s, p99 2.3 ms.
    const floor = summary.floor
    console.log(
      `This host in this run: the floor made ${kilo(floor.reqPerSec)} req/s, p99 ${fmt(floor.p99, 2)} ms ` +
        `(${fmt((100 * floor.reqPerSec) / FLOOR_IN_RESEARCH, 0)} % of the research's ~41 k, p99 2.3 ms)` +
        (floor.p99 > 5
          ? `; the floor itself, with no token work, was above the 5 ms p99 target at ${connections} connections`
          : ''),
    )
    console.log(`Agate wrote ${auditLines} audit lines (${fmt(statSync(logFile).size / 1e6)} MB) to ${logFile}`)
    console.log(
      `Library: buildRtcToken costs ${fmt(libraryCost())} µs per token in a tight loop (in this process, under tsx).`,
    )
  }
} finally {
  for (const server of servers) server.child.kill('SIGTERM')
}

/**
 * The result as one table in the README's format ("Server performance"): a row per server with
 * req/s, p99 and the server's CPU per request, then the ratios against their targets (bold when
 * met), in one column that names the machine and the run's settings instead of a clock time.
 */
function markdownTable(summary, ratio, [low, high], vsGo) {
  const machine = `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version} (${client}, ${connections} connections, ${warmup} s warm-up, medians of ${passes} passes)`
  const cell = (entry, bold) => {
    const rate = `${kilo(entry.reqPerSec)}${bold ? ' req/s' : ''}`
    return `${bold ? `**${rate}**` : rate}, p99 ${fmt(entry.p99)} ms, ${fmt(entry.cpuUsPerReq, 0)} µs`
  }
  const target = (value, met, text) => (met ? `**${text}**` : text)
  const rows = [
    ['Agate, production: API key, policy, rate limits, audit line per request to a file', cell(summary.agate, true)],
    ['baseline: `node:http` + `agora-token` (no auth, no policy, no logs)', cell(summary.baseline, false)],
    ["the baseline server minting with Agate's library, nothing else", cell(summary['baseline-agate'], false)],
    ['floor: `node:http` answering a precomputed token', cell(summary.floor, false)],
  ]
  if (summary.go !== undefined) {
    rows.push([
      'Go docs-sample server, measured in the same run (`bench/go-docs-server`, GOMAXPROCS=2)',
      cell(summary.go, false),
    ])
  }
  rows.push([
    "**Agate / baseline**, the median of the passes' ratios (target ≥ 2x)",
    `${target(ratio, ratio >= 2, `${fmt(ratio, 2)}x`)} (the middle half of the passes: ${fmt(low, 2)}–${fmt(high, 2)}x)`,
  ])
  rows.push([
    "**Agate / Go docs server's ~4 k from the research** (target ≥ 4x)",
    target(vsGo, vsGo >= 4, `${fmt(vsGo, 2)}x`),
  ])
  if (summary.go !== undefined) {
    const vsGoHere = summary.agate.reqPerSec / summary.go.reqPerSec
    rows.push([
      '**Agate / Go docs server measured in the same run** (target ≥ 4x)',
      target(vsGoHere, vsGoHere >= 4, `${fmt(vsGoHere, 2)}x`),
    ])
  }
  rows.push([
    "**Agate's p99** (target ≤ 5 ms)",
    target(summary.agate.p99, summary.agate.p99 <= 5, `${fmt(summary.agate.p99, 2)} ms`),
  ])
  return [`| server | ${machine} |`, '|---|---|', ...rows.map(([label, value]) => `| ${label} | ${value} |`)].join('\n')
}
