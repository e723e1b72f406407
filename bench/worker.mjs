// What global rate limits cost on Cloudflare Workers: the Worker bundle in workerd (miniflare), on
// loopback, with its rate limits counted
//   - memory: in the isolate (no Durable Object binding; the limits are per isolate),
//   - durable-object: in RateLimitCounter objects (one RPC per limit per request: the caller's and
//     the address's, each to its own SQLite-backed object), their state in memory (/dev/shm): the
//     cost of the calls and of SQLite,
//   - durable-object+counts: the same plus the fleet's counts (FleetCounts), as wrangler.toml deploys,
//   - durable-object, disk: the objects' state on this machine's disk, where workerd flushes every
//     write before the object answers (Cloudflare replicates it instead; this row shows what a
//     durable write costs here, and how much this host's disk varies).
// The limits are set high enough never to refuse, so their cost is paid but nothing is refused. Each
// configuration is driven with autocannon (POST /v1/tokens with an API key) in alternating order for
// BENCH_PASSES passes; the table gives medians and the ratios to memory, measured in the same run.
// The cost is the CPU time of each configuration's workerd process per request (from /proc: Worker
// and objects run in that one process), which a busy shared host disturbs far less than req/s.
// In workerd on one machine, an object is in the same process: the table measures the work of the
// call and of its storage, not the network between a Worker's location and the object's.
//
// Usage: npm run bench:worker
// Environment: BENCH_DURATION (s, default 5), BENCH_WARMUP (s, default 1), BENCH_PASSES (default 3),
//   BENCH_CONNECTIONS (default 16).
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { Miniflare } from 'miniflare'
import { buildWorker } from '../scripts/build-worker.mjs'

const APP_ID = '970CA35de60c44645bbae8a215061b33'
const CERT = '5CFd2fd1755d40ecb72977518be15d3b'
const API_KEY = 'agate_benchWorkerBenchWorkerBench0123'
const BODY = JSON.stringify({ rtc: { channelName: 'bench-room', uid: 2882341273, role: 'publisher' } })

const duration = Number(process.env.BENCH_DURATION ?? 5)
const warmup = Number(process.env.BENCH_WARMUP ?? 1)
const passes = Number(process.env.BENCH_PASSES ?? 3)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16)
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

const script = (await buildWorker({ write: false })).outputFiles[0].text
const wrangler = readFileSync(new URL('../wrangler.toml', import.meta.url), 'utf8')
const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(wrangler)[1]
const onDisk = mkdtempSync(join(tmpdir(), 'agate-bench-worker-'))
const inMemory = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/agate-bench-worker-') : onDisk

const bindings = {
  AGORA_APP_ID: APP_ID,
  AGORA_APP_CERTIFICATE: CERT,
  AGATE_API_KEYS: `bench=sha256:${createHash('sha256').update(API_KEY).digest('hex')}`,
  AGATE_POLICY: 'allow-authenticated',
  // An info line per request, as deployed (workerd's stdout is discarded below).
  AGATE_LOG_LEVEL: 'info',
  AGATE_RATE_LIMIT_PER_IDENTITY: '1000000000',
  AGATE_RATE_LIMIT_PER_ADDRESS: '1000000000',
}
const LIMITS = { AGATE_RATE_LIMITS: { className: 'RateLimitCounter', useSQLite: true } }
const COUNTS = { AGATE_FLEET_COUNTS: { className: 'FleetCounts', useSQLite: true } }
const configurations = [
  { name: 'memory', durableObjects: {}, state: inMemory },
  { name: 'durable-object', durableObjects: LIMITS, state: inMemory },
  { name: 'durable-object+counts', durableObjects: { ...LIMITS, ...COUNTS }, state: inMemory },
  { name: 'durable-object, disk', durableObjects: LIMITS, state: onDisk },
]

const servers = []
try {
  for (const { name, durableObjects, state } of configurations) {
    const mf = new Miniflare({
      host: '127.0.0.1',
      port: 0,
      modules: true,
      script,
      compatibilityDate,
      bindings,
      durableObjects,
      durableObjectsPersist: join(state, name.replace(/\W+/g, '-')),
      handleRuntimeStdio: (stdout, stderr) => {
        stdout.resume()
        stderr.resume()
      },
    })
    const before = workerdChildren()
    const url = await mf.ready
    const [pid] = [...workerdChildren()].filter((each) => !before.has(each))
    if (pid === undefined) throw new Error(`${name}: cannot find its workerd process`)
    servers.push({ name, mf, pid, url: new URL('/v1/tokens', url).href, runs: [] })
  }
  for (const server of servers) await check(server)

  console.log(
    `${machine()}\nworkerd (miniflare ${packageVersion('miniflare')}), autocannon, ${connections} connections, ` +
      `${warmup} s warm-up + ${duration} s measured, ${passes} passes`,
  )
  for (let pass = 0; pass < passes; pass++) {
    // Alternating order, so drift in the machine's load does not favour one configuration.
    for (const server of pass % 2 === 0 ? servers : [...servers].reverse()) {
      await load(server.url, warmup)
      const cpuBefore = cpuSeconds(server.pid)
      const result = await load(server.url, duration)
      result.cpuUsPerReq = ((cpuSeconds(server.pid) - cpuBefore) / result.requests) * 1e6
      server.runs.push(result)
      console.log(
        `pass ${pass + 1} ${server.name.padEnd(24)} ${fmt(result.reqPerSec, 0).padStart(6)} req/s  p50 ${fmt(result.p50, 2)} ms  ` +
          `p99 ${fmt(result.p99, 2)} ms  workerd CPU ${fmt(result.cpuUsPerReq, 0)} µs/req`,
      )
    }
  }

  const summary = servers.map((server) => ({
    name: server.name,
    reqPerSec: median(server.runs.map((run) => run.reqPerSec)),
    p50: median(server.runs.map((run) => run.p50)),
    p99: median(server.runs.map((run) => run.p99)),
    cpuUsPerReq: median(server.runs.map((run) => run.cpuUsPerReq)),
  }))
  const memory = summary[0]
  console.log(`\nmedians of ${passes} passes on ${machine()}\n`)
  console.log(
    '| rate limits counted in | workerd CPU per request | CPU vs memory | req/s | req/s vs memory | p50 ms | p99 ms |',
  )
  console.log('|---|---|---|---|---|---|---|')
  for (const entry of summary) {
    console.log(
      `| ${entry.name} | ${fmt(entry.cpuUsPerReq, 0)} µs | ${fmt(entry.cpuUsPerReq / memory.cpuUsPerReq, 2)}x | ` +
        `${fmt(entry.reqPerSec, 0)} | ${fmt(entry.reqPerSec / memory.reqPerSec, 2)}x | ${fmt(entry.p50, 2)} | ${fmt(entry.p99, 2)} |`,
    )
  }
} finally {
  await Promise.all(servers.map((server) => server.mf.dispose()))
  for (const dir of new Set([inMemory, onDisk])) rmSync(dir, { recursive: true, force: true })
}

/** One request, to fail early (and clearly) on a configuration that does not mint. */
async function check(server) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': API_KEY },
    body: BODY,
  })
  const body = await response.text()
  if (response.status !== 200 || !body.includes('"token":"007'))
    throw new Error(`${server.name}: ${response.status} ${body.slice(0, 200)}`)
}

async function load(url, seconds) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: BODY,
    connections,
    duration: seconds,
  })
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`)
  return {
    reqPerSec: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
  }
}

/** The workerd processes this process started (miniflare spawns one per instance). */
function workerdChildren() {
  const found = new Set()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'))
      if (comm === 'workerd' && Number(rest.split(' ')[1]) === process.pid) found.add(Number(entry))
    } catch {
      // The process ended while being read.
    }
  }
  return found
}

/** User and system CPU time of a process, seconds (fields 14 and 15 of /proc/<pid>/stat). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

function machine() {
  const cpu = cpus()
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, node ${process.version}, load average ${load}`
}

function packageVersion(name) {
  return JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function fmt(value, digits = 1) {
  return value.toFixed(digits)
}
