// Soak test of the token server: drives it on loopback for a given time with a mix of valid,
// denied and malformed requests and checks that it stays healthy.
//
// It starts the server (production mode, API-key authentication, a policy, rate limits that count
// every request but never refuse, info logging) in a child process, compiled with esbuild as
// `npm start` runs it, or drives one already running (--url). Load comes from autocannon; every
// response is checked against the status its request must get. It reports requests, errors,
// latency percentiles and the server's memory (RSS and V8 heap, from its /metrics) at the start,
// after the warm-up and at the end.
//
// Fails (exit 1) on any 5xx, any status other than the expected one, any socket error or timeout,
// or RSS growth after the warm-up beyond --max-growth-mb.
//
// Usage: npm run soak -- [--duration 60s] [--connections 16] [--workers N] [--warmup 10s]
//                        [--max-growth-mb M] [--url http://127.0.0.1:8080 --api-key KEY] [--json]
//   --max-growth-mb  allowed RSS growth after the warm-up; default 64 per server process
//   --workers N   run the cluster (src/server/cluster-main.ts) with N workers instead of one process
//   --url         soak a server that is already running; it must accept --api-key for the policy
//                 rule "soak" (channels soak-*); memory then comes from its /metrics only
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const APP_ID = '970CA35de60c44645bbae8a215061b33'
const CERT = '5CFd2fd1755d40ecb72977518be15d3b'

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '60s' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '16' },
    workers: { type: 'string' },
    'max-growth-mb': { type: 'string' },
    url: { type: 'string' },
    'api-key': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
})

/** `90`, `90s`, `5m` → seconds. */
function seconds(text, name) {
  const match = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(text)
  if (match === null) fail(`--${name} must look like 60, 60s or 5m`)
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1)
}

function fail(message) {
  console.error(`soak: ${message}`)
  process.exit(2)
}

const duration = seconds(flags.duration, 'duration')
// Until V8 has compiled the hot paths and the heap has grown to its working size, memory rises for
// reasons other than a leak: growth is measured from the end of the warm-up.
const warmup = flags.warmup === undefined ? 10 : seconds(flags.warmup, 'warmup')
const connections = Number(flags.connections)
const workers = flags.workers === undefined ? undefined : Number(flags.workers)
// 64 MB per server process by default (a cluster is its primary plus the workers).
const maxGrowthMb =
  flags['max-growth-mb'] === undefined ? 64 * (workers === undefined ? 1 : workers + 1) : Number(flags['max-growth-mb'])
if (!Number.isInteger(connections) || connections < 1) fail('--connections must be a positive integer')
if (!(maxGrowthMb > 0)) fail('--max-growth-mb must be a positive number')
if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) fail('--workers must be a positive integer')
if (flags.url !== undefined && flags['api-key'] === undefined)
  fail('--url needs --api-key (a key the server maps to the policy rule "soak")')

// ---------------------------------------------------------------------------------------------
// The server

function apiKey() {
  const key = `agate_${randomBytes(24).toString('base64url')}`
  return { key, hash: `sha256:${createHash('sha256').update(key).digest('hex')}` }
}

const soakKey = flags['api-key'] === undefined ? apiKey() : { key: flags['api-key'] }
const otherKey = apiKey()
const policy = [
  {
    name: 'soak',
    who: { apiKeys: ['soak'] },
    services: ['rtc', 'rtm'],
    channels: ['soak-*'],
    roles: ['publisher', 'subscriber'],
    maxExpire: 3600,
  },
]

/**
 * Compiles the entry point (and, for a cluster, the worker entry and the server module it loads,
 * which the primary finds next to itself) to plain JavaScript with esbuild. The output sits in
 * node_modules/.cache so that bare imports resolve to the installed packages.
 */
async function compile(cluster) {
  const outdir = join(root, 'node_modules/.cache/agate-soak')
  mkdirSync(outdir, { recursive: true })
  const names = cluster ? ['cluster-main', 'cluster-worker', 'index'] : ['main']
  await build({
    entryPoints: names.map((name) => join(root, `src/server/${name}.ts`)),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  })
  return join(outdir, `${names[0]}.js`)
}

async function startServer() {
  const cluster = workers !== undefined
  const entry = await compile(cluster)
  const args = [entry, '--production', '--host', '127.0.0.1', '--port', '0']
  if (cluster) args.push('--workers', String(workers))
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      AGORA_APP_ID: APP_ID,
      AGORA_APP_CERTIFICATE: CERT,
      AGATE_API_KEYS: `soak=${soakKey.hash},other=${otherKey.hash}`,
      AGATE_POLICY: JSON.stringify(policy),
      // Counted on every request, never reached: the limiter's cost and memory are part of the soak.
      AGATE_RATE_LIMIT_PER_IDENTITY: '1000000000',
      AGATE_RATE_LIMIT_PER_ADDRESS: '1000000000',
      AGATE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start within 30 s:\n${output.slice(-2000)}`)),
      30_000,
    )
    const ready = cluster
      ? /"event":"cluster\.started".*?"url":"(http:[^"]+)"/
      : /"event":"server\.started".*?"url":"(http:[^"]+)"/
    child.stdout.on('data', (chunk) => {
      // Keep only what is needed to find the start line; the request log goes nowhere.
      if (output.length < 100_000) output += chunk
      const match = ready.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.stderr.on('data', (chunk) => (output += chunk))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the server exited (${code}) before listening:\n${output.slice(-2000)}`))
    })
  })
  return { url, child }
}

// ---------------------------------------------------------------------------------------------
// Requests: [weight, name, expected status, request, check of a 200 body]

const json = (key) => ({ 'content-type': 'application/json', authorization: `Bearer ${key}` })
const hasToken = (body) => /"token":"00[67][A-Za-z0-9+/=]{20,}"/.test(body)

function mix(sampleToken) {
  return [
    [
      8,
      'fetch_rtc_token',
      200,
      {
        method: 'POST',
        path: '/fetch_rtc_token',
        headers: json(soakKey.key),
        body: '{"uid":2882341273,"ChannelName":"soak-a","role":1}',
      },
      hasToken,
    ],
    [
      4,
      'v1 rtc+rtm',
      200,
      {
        method: 'POST',
        path: '/v1/tokens',
        headers: json(soakKey.key),
        body: '{"rtc":{"channelName":"soak-b","account":"alice","role":"subscriber"},"rtm":{"userId":"alice"}}',
      },
      hasToken,
    ],
    [
      1,
      'v1 verify',
      200,
      {
        method: 'POST',
        path: '/v1/tokens/verify',
        headers: json(soakKey.key),
        body: JSON.stringify({ token: sampleToken, channelName: 'soak-a', uid: 2882341273 }),
      },
      (body) => body.includes('"valid":true'),
    ],
    [
      1,
      'compat getToken',
      200,
      {
        method: 'POST',
        path: '/getToken',
        headers: json(soakKey.key),
        body: '{"tokenType":"rtc","channel":"soak-c","role":"publisher","uid":"7"}',
      },
      hasToken,
    ],
    [
      2,
      'denied channel',
      403,
      {
        method: 'POST',
        path: '/v1/tokens',
        headers: json(soakKey.key),
        body: '{"rtc":{"channelName":"vip-room","uid":5,"role":"publisher"}}',
      },
    ],
    [
      1,
      'denied caller',
      403,
      {
        method: 'POST',
        path: '/fetch_rtc_token',
        headers: json(otherKey.key),
        body: '{"uid":1,"ChannelName":"soak-a","role":1}',
      },
    ],
    [
      1,
      'unknown key',
      401,
      {
        method: 'POST',
        path: '/v1/tokens',
        headers: json('agate_thisKeyIsNotKnownToTheServer000'),
        body: '{"rtc":{"channelName":"soak-a","uid":1,"role":"publisher"}}',
      },
    ],
    [
      1,
      'no credentials',
      401,
      {
        method: 'POST',
        path: '/fetch_rtc_token',
        headers: { 'content-type': 'application/json' },
        body: '{"uid":1,"ChannelName":"soak-a","role":1}',
      },
    ],
    [
      1,
      'broken json',
      400,
      { method: 'POST', path: '/v1/tokens', headers: json(soakKey.key), body: '{"rtc": {"channelName": ' },
    ],
    [
      1,
      'wrong types',
      400,
      {
        method: 'POST',
        path: '/fetch_rtc_token',
        headers: json(soakKey.key),
        body: '{"uid":"abc","ChannelName":42,"role":1}',
      },
    ],
    [
      1,
      'unknown role',
      400,
      {
        method: 'POST',
        path: '/v1/tokens',
        headers: json(soakKey.key),
        body: '{"rtc":{"channelName":"soak-a","uid":1,"role":"admin"}}',
      },
    ],
    [
      1,
      'uid out of range',
      400,
      {
        method: 'POST',
        path: '/fetch_rtc_token',
        headers: json(soakKey.key),
        body: '{"uid":4294967296,"ChannelName":"soak-a","role":1}',
      },
    ],
    [
      1,
      'body too large',
      413,
      { method: 'POST', path: '/v1/tokens', headers: json(soakKey.key), body: `{"pad":"${'x'.repeat(9000)}"}` },
    ],
    [1, 'no such route', 404, { method: 'GET', path: '/v2/nothing-here' }],
    [1, 'healthz', 200, { method: 'GET', path: '/healthz' }, (body) => body.includes('ok')],
  ]
}

/** The mix as autocannon requests, each counting its outcome in `tally`. */
function requests(entries, tally) {
  const list = []
  for (const [weight, name, expected, request, check] of entries) {
    tally[name] = { expected, count: 0, unexpected: {} }
    const onResponse = (status, body) => {
      const row = tally[name]
      row.count++
      const ok = status === expected && (check === undefined || status !== 200 || check(body))
      if (!ok) row.unexpected[status] = (row.unexpected[status] ?? 0) + 1
    }
    for (let i = 0; i < weight; i++) list.push({ ...request, onResponse })
  }
  // Spread each kind over the cycle rather than in runs.
  return list
    .map((value, index) => ({ value, key: (index * 7919) % list.length }))
    .sort((a, b) => a.key - b.key)
    .map((entry) => entry.value)
}

// ---------------------------------------------------------------------------------------------
// Memory, from the server's /metrics (summed over workers in a cluster)

async function memory(url) {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })
  const text = await response.text()
  const value = (name) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `))
    return line === undefined ? NaN : Number(line.split(' ')[1])
  }
  return {
    rssMb: value('process_resident_memory_bytes') / 2 ** 20,
    heapMb: value('nodejs_heap_size_used_bytes') / 2 ** 20,
  }
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

// ---------------------------------------------------------------------------------------------

const server = flags.url === undefined ? await startServer() : { url: flags.url.replace(/\/$/, ''), child: undefined }
let exitCode = 1
try {
  const sample = await fetch(`${server.url}/fetch_rtc_token`, {
    method: 'POST',
    headers: json(soakKey.key),
    body: '{"uid":2882341273,"ChannelName":"soak-a","role":1}',
  })
  const sampleBody = await sample.json()
  if (sample.status !== 200)
    throw new Error(`the sample request failed: ${sample.status} ${JSON.stringify(sampleBody)}`)
  const entries = mix(sampleBody.token)

  const atStart = await memory(server.url)
  const warmTally = {}
  await autocannon({
    url: server.url,
    connections,
    duration: warmup,
    requests: requests(entries, warmTally),
    timeout: 10,
  })
  const afterWarmup = []
  for (let i = 0; i < 3; i++) afterWarmup.push(await memory(server.url))

  // Memory is sampled every 2 s during the run; the last samples are compared with the first ones.
  const samples = []
  const sampler = setInterval(() => {
    memory(server.url).then(
      (value) => samples.push(value),
      () => undefined,
    )
  }, 2000)
  const tally = {}
  const result = await autocannon({
    url: server.url,
    connections,
    duration,
    requests: requests(entries, tally),
    timeout: 10,
  })
  clearInterval(sampler)
  const atEnd = []
  for (let i = 0; i < 3; i++) atEnd.push(await memory(server.url))

  const base = median(afterWarmup.map((value) => value.rssMb))
  const last = samples.slice(-3).concat(atEnd)
  const end = median(last.map((value) => value.rssMb))
  const growth = end - base
  const total = result.requests.total
  const unexpected = Object.entries(tally).flatMap(([name, row]) =>
    Object.entries(row.unexpected).map(([status, count]) => ({
      name,
      expected: row.expected,
      status: Number(status),
      count,
    })),
  )
  const fivexx = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => Number(status) >= 500)
    .reduce((sum, [, stat]) => sum + stat.count, 0)
  const problems = []
  if (fivexx > 0) problems.push(`${fivexx} responses with a 5xx status`)
  for (const row of unexpected)
    problems.push(`${row.count} × ${row.name}: status ${row.status}, expected ${row.expected}`)
  if (result.errors > 0) problems.push(`${result.errors} socket errors`)
  if (result.timeouts > 0) problems.push(`${result.timeouts} timeouts`)
  if (growth > maxGrowthMb) problems.push(`RSS grew by ${round(growth)} MB after the warm-up (limit ${maxGrowthMb} MB)`)
  if (total === 0) problems.push('no request was answered')

  const report = {
    server: flags.url ?? (workers === undefined ? 'one process' : `cluster of ${workers} workers`),
    durationS: duration,
    warmupS: warmup,
    connections,
    requests: total,
    reqPerSec: round(total / duration, 0),
    byKind: Object.fromEntries(
      Object.entries(tally).map(([name, row]) => [name, { expected: row.expected, count: row.count }]),
    ),
    statuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, stat]) => [status, stat.count]),
    ),
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      p99_9: result.latency.p99_9,
      max: result.latency.max,
    },
    memoryMb: {
      start: { rss: round(atStart.rssMb), heap: round(atStart.heapMb) },
      afterWarmup: { rss: round(base), heap: round(median(afterWarmup.map((value) => value.heapMb))) },
      end: { rss: round(end), heap: round(median(last.map((value) => value.heapMb))) },
      rssGrowthAfterWarmup: round(growth),
      limit: maxGrowthMb,
    },
    problems,
    ok: problems.length === 0,
  }
  if (flags.json) console.log(JSON.stringify(report, null, 2))
  else print(report)
  exitCode = report.ok ? 0 : 1
} catch (error) {
  console.error(`soak: ${error.message}`)
} finally {
  if (server.child !== undefined) {
    const exited = new Promise((resolve) => server.child.once('exit', (code) => resolve(code)))
    server.child.kill('SIGTERM')
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 20_000))])
    if (code !== 0) {
      console.error(`soak: the server did not stop cleanly on SIGTERM (${code})`)
      server.child.kill('SIGKILL')
      exitCode = 1
    }
  }
}
process.exit(exitCode)

function print(report) {
  const lines = [
    `soak: ${report.server}, ${report.durationS} s after ${report.warmupS} s warm-up, ${report.connections} connections`,
    `requests   ${report.requests} (${report.reqPerSec} req/s); statuses ${Object.entries(report.statuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ')}`,
    `errors     ${report.errors} socket errors, ${report.timeouts} timeouts`,
    `latency    p50 ${report.latencyMs.p50} ms, p90 ${report.latencyMs.p90} ms, p99 ${report.latencyMs.p99} ms, p99.9 ${report.latencyMs.p99_9} ms, max ${report.latencyMs.max} ms`,
    `memory     RSS ${report.memoryMb.start.rss} MB at start, ${report.memoryMb.afterWarmup.rss} MB after warm-up, ${report.memoryMb.end.rss} MB at end (growth ${report.memoryMb.rssGrowthAfterWarmup} MB, limit ${report.memoryMb.limit} MB)`,
    `           heap ${report.memoryMb.start.heap} / ${report.memoryMb.afterWarmup.heap} / ${report.memoryMb.end.heap} MB`,
    'by kind    ' +
      Object.entries(report.byKind)
        .map(([name, row]) => `${name} (${row.expected}): ${row.count}`)
        .join('; '),
    report.ok
      ? 'result     OK: no 5xx, no unexpected status, no errors, memory flat'
      : `result     FAILED:\n  - ${report.problems.join('\n  - ')}`,
  ]
  console.log(lines.join('\n'))
}
