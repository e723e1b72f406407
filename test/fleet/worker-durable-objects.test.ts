import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { Readable } from 'node:stream'
import { after, afterEach, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Miniflare, type WorkerOptions } from 'miniflare'
// @ts-expect-error: a plain .mjs build script without declarations
import { buildWorker } from '../../scripts/build-worker.mjs'
import { APP_ID, CERTIFICATE } from './helpers/processes.js'
import { sleep, waitFor } from './helpers/redis.js'
import { parse as parseToml } from 'smol-toml'

const API_KEY = 'agate_durableObjectsTestKey0123456789'
const OTHER_KEY = 'agate_durableObjectsOtherKey012345678'
const HUNG_KEY = 'agate_durableObjectsHungKey0123456789'
const FLAKY_KEY = 'agate_durableObjectsFlakyKey012345678'
/** How long the store waits without failures before it counts as answering again (its default). */
const RECOVERY_MS = 5000
const METRICS_TOKEN = 'workers-metrics-token-0123456789'
const LIMIT = 5
const V1_BODY = JSON.stringify({ rtc: { channelName: 'edge-room', uid: 42, role: 'publisher' } })
const FETCH_BODY = JSON.stringify({ uid: 42, ChannelName: 'edge-room', role: 1 })

/** What is deployed: the Durable Object bindings, migrations and date of wrangler.toml. */
const WRANGLER = parseToml(readFileSync(fileURLToPath(new URL('../../wrangler.toml', import.meta.url)), 'utf8')) as {
  compatibility_date: string
  durable_objects: { bindings: { name: string; class_name: string }[] }
  migrations: { new_sqlite_classes?: string[] }[]
}
const COMPATIBILITY_DATE = WRANGLER.compatibility_date
const DO_BINDINGS = WRANGLER.durable_objects.bindings.map((table) => ({
  name: table.name,
  className: table.class_name,
}))
const SQLITE_CLASSES = WRANGLER.migrations.flatMap((migration) => migration.new_sqlite_classes ?? [])

/**
 * Objects that fail while told to, standing in for a counter that throws (a bug, an overloaded or
 * unreachable object) and for a counts shard that does (one that keeps its totals in memory while it
 * works, so that counts sent after an outage can be read). `GET /?broken=true|false` on their Worker
 * flips them; the objects and the Worker share the isolate, hence the module variable. The counter
 * never answers for the caller named `hung`, and always fails for the one named `flaky` (an
 * overloaded hot key among working ones).
 */
const BROKEN_OBJECTS = `
import { DurableObject } from 'cloudflare:workers'
let broken = true
export class RateLimitCounter extends DurableObject {
  async hit(key, limit, windowMs) {
    if (key.endsWith(':hung')) await new Promise((resolve) => setTimeout(resolve, 60_000))
    if (key.endsWith(':flaky')) throw new Error('Durable Object is overloaded')
    if (broken) throw new Error('counter object failed')
    return { allowed: true, remaining: limit - 1, resetInMs: windowMs }
  }
}
export class FleetCounts extends DurableObject {
  #totals = new Map()
  add(deltas) {
    if (broken) throw new Error('counts object failed')
    for (const [metric, labels, by] of deltas) {
      const key = JSON.stringify([metric, labels])
      this.#totals.set(key, (this.#totals.get(key) ?? 0) + by)
    }
  }
  totals() {
    if (broken) throw new Error('counts object failed')
    return [...this.#totals].map(([key, value]) => [...JSON.parse(key), value])
  }
}
export default { fetch(request) { broken = new URL(request.url).searchParams.get('broken') === 'true'; return new Response(String(broken)) } }
`

function keyHash(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`
}

interface EdgeOptions {
  /** Persisted Durable Object state, kept across restarts. */
  persist: string
  settings?: Record<string, string>
  /** Bind AGATE_RATE_LIMITS to the failing counter instead of the real one. */
  brokenCounter?: boolean
  /** Bind AGATE_FLEET_COUNTS to the failing counts shard instead of the real one. */
  brokenCounts?: boolean
}

/**
 * Two Workers running the same bundle, two isolates with nothing in memory in common, bound to one
 * set of Durable Objects (declared by the first, as wrangler.toml declares them), as Cloudflare runs
 * many isolates of one Worker against one object per name.
 */
class Edge {
  readonly mf: Miniflare
  readonly logs: string[] = []

  constructor(script: string, options: EdgeOptions) {
    const bindings = {
      AGORA_APP_ID: APP_ID,
      AGORA_APP_CERTIFICATE: CERTIFICATE,
      AGATE_API_KEYS: `web=${keyHash(API_KEY)},other=${keyHash(OTHER_KEY)},hung=${keyHash(HUNG_KEY)},flaky=${keyHash(FLAKY_KEY)}`,
      AGATE_POLICY: 'allow-authenticated',
      AGATE_LOG_LEVEL: 'info',
      AGATE_METRICS_TOKEN: METRICS_TOKEN,
      AGATE_RATE_LIMIT_PER_IDENTITY: String(LIMIT),
      AGATE_RATE_LIMIT_PER_ADDRESS: '0',
      ...options.settings,
    }
    type ObjectBinding = { className: string; scriptName?: string; useSQLite: boolean }
    const declared: Record<string, ObjectBinding> = Object.fromEntries(
      DO_BINDINGS.map(({ name, className }) => [name, { className, useSQLite: SQLITE_CLASSES.includes(className) }]),
    )
    const shared: Record<string, ObjectBinding> = Object.fromEntries(
      DO_BINDINGS.map(({ name, className }) => [
        name,
        { className, scriptName: 'edge-a', useSQLite: SQLITE_CLASSES.includes(className) },
      ]),
    )
    for (const objects of [declared, shared]) {
      if (options.brokenCounter === true)
        objects.AGATE_RATE_LIMITS = { className: 'RateLimitCounter', scriptName: 'broken', useSQLite: true }
      if (options.brokenCounts === true)
        objects.AGATE_FLEET_COUNTS = { className: 'FleetCounts', scriptName: 'broken', useSQLite: true }
    }
    const workers: WorkerOptions[] = [
      {
        name: 'edge-a',
        modules: true,
        script,
        compatibilityDate: COMPATIBILITY_DATE,
        bindings,
        durableObjects: declared,
      },
      {
        name: 'edge-b',
        modules: true,
        script,
        compatibilityDate: COMPATIBILITY_DATE,
        bindings,
        durableObjects: shared,
      },
    ]
    if (options.brokenCounter === true || options.brokenCounts === true) {
      workers.push({
        name: 'broken',
        modules: true,
        script: BROKEN_OBJECTS,
        compatibilityDate: COMPATIBILITY_DATE,
        durableObjects: {
          COUNTER: { className: 'RateLimitCounter', useSQLite: true },
          COUNTS: { className: 'FleetCounts', useSQLite: true },
        },
      })
    }
    this.mf = new Miniflare({
      workers,
      durableObjectsPersist: options.persist,
      handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
        for (const stream of [stdout, stderr])
          stream.on('data', (chunk: Buffer) => this.logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)))
      },
    })
  }

  /** Sends a request to isolate `a` or `b`. */
  async fetch(
    isolate: 'a' | 'b',
    path: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    return (await this.worker(`edge-${isolate}`)).fetch(`http://agate.test${path}`, init)
  }

  /** One of the Workers, to send requests to (miniflare's types are workerd's; the objects are undici's). */
  async worker(name: string): Promise<{ fetch(url: string, init?: object): Promise<Response> }> {
    return (await this.mf.getWorker(name)) as unknown as { fetch(url: string, init?: object): Promise<Response> }
  }

  /** A token request with `key`; resolves with the status (the body is read). */
  async mint(isolate: 'a' | 'b', key = API_KEY, path = '/v1/tokens', body = V1_BODY): Promise<number> {
    const response = await this.fetch(isolate, path, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
    })
    await response.arrayBuffer()
    return response.status
  }

  async metrics(isolate: 'a' | 'b', path = '/metrics'): Promise<string> {
    const response = await this.fetch(isolate, path, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })
    assert.equal(response.status, 200, `${path} answers`)
    return response.text()
  }

  /** Log lines (JSON objects) with this event. */
  events(event: string): Record<string, unknown>[] {
    return this.logs.flatMap((line) => {
      try {
        const record = JSON.parse(line) as Record<string, unknown>
        return record.event === event ? [record] : []
      } catch {
        return []
      }
    })
  }

  dispose(): Promise<void> {
    return this.mf.dispose()
  }
}

/**
 * Whether the sqlite3 shell is here. The test that reads the objects' storage skips without it,
 * except under CI, where it must be (npm test installs it, as root): there it fails, alone.
 */
const MISSING_SQLITE =
  'sqlite3 not found: install it with `apt-get install sqlite3` (npm test does so when run as root)'
const hasSqlite = spawnSync('sqlite3', ['-version']).error === undefined

/** The counter objects' namespace, for RPC from Node straight to an object. */
interface CounterNamespace {
  idFromName(name: string): { toString(): string }
  get(id: unknown): {
    hit(
      key: string,
      limit: number,
      windowMs: number,
    ): Promise<{ allowed: boolean; remaining: number; resetInMs: number }>
  }
}

async function counterNamespace(fleet: Edge): Promise<CounterNamespace> {
  return (await fleet.mf.getDurableObjectNamespace('AGATE_RATE_LIMITS', 'edge-a')) as unknown as CounterNamespace
}

/**
 * What the object named `name` keeps on disk, read with the sqlite3 shell (read-only, beside the
 * running workerd, waiting out the moments workerd holds the database locked): its windows as
 * `key|count` lines, or undefined when its storage holds no table of windows (deleted, or never
 * written). The database file is found by the object's id, wherever under the persistence
 * directory workerd keeps it. Each read takes a lock, so callers poll sparingly.
 */
function storedWindows(persist: string, namespace: CounterNamespace, name: string): string[] | undefined {
  if (!hasSqlite) throw new Error(MISSING_SQLITE)
  const file = `${namespace.idFromName(name).toString()}.sqlite`
  const path = readdirSync(persist, { recursive: true, encoding: 'utf8' }).find((each) => basename(each) === file)
  assert.ok(path !== undefined, `the database of ${name} is on disk`)
  try {
    const rows = execFileSync(
      'sqlite3',
      ['-readonly', '-cmd', '.timeout 5000', join(persist, path), 'SELECT key, count FROM windows ORDER BY key'],
      {
        encoding: 'utf8',
        stdio: 'pipe',
      },
    )
    return rows.split('\n').filter(Boolean)
  } catch (error) {
    if (String((error as { stderr?: unknown }).stderr).includes('no such table: windows')) return undefined
    throw error
  }
}

/** A metric's value in Prometheus text, 0 when absent. */
function valueOf(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((each) => each.startsWith(`${name}${labels === '' ? '' : `{${labels}}`} `))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

describe('Cloudflare Workers: rate limits and counts in Durable Objects, across isolates (workerd)', () => {
  let script: string
  let persist: string
  let edge: Edge | undefined

  before(async () => {
    script = ((await buildWorker({ write: false })) as { outputFiles: { text: string }[] }).outputFiles[0]!.text
  })
  afterEach(async () => {
    await edge?.dispose()
    edge = undefined
    if (persist !== undefined) rmSync(persist, { recursive: true, force: true })
  })
  after(async () => {
    await edge?.dispose()
  })

  function start(options: Omit<EdgeOptions, 'persist'> = {}): Edge {
    persist = mkdtempSync(join(tmpdir(), 'agate-do-'))
    edge = new Edge(script, { persist, ...options })
    return edge
  }

  test('wrangler.toml binds both classes, which the bundle exports, as SQLite-backed objects', () => {
    assert.deepEqual(DO_BINDINGS.map(({ name, className }) => `${name}=${className}`).sort(), [
      'AGATE_FLEET_COUNTS=FleetCounts',
      'AGATE_RATE_LIMITS=RateLimitCounter',
    ])
    assert.deepEqual(
      [...SQLITE_CLASSES].sort(),
      ['FleetCounts', 'RateLimitCounter'],
      'created by a new_sqlite_classes migration',
    )
    assert.match(script, /export\{[^}]*\bFleetCounts\b[^}]*\}/)
    assert.match(script, /export\{[^}]*\bRateLimitCounter\b[^}]*\}/)
  })

  test('a per-identity limit holds across isolates: the sixth request is refused whichever isolate gets it', async () => {
    const fleet = start()
    const statuses = []
    for (let i = 0; i < LIMIT + 2; i++) statuses.push(await fleet.mint(i % 2 === 0 ? 'a' : 'b'))
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429])
    const limited = await fleet.fetch('b', '/v1/tokens', {
      method: 'POST',
      body: V1_BODY,
      headers: { 'Content-Type': 'application/json', 'X-API-Key': API_KEY },
    })
    assert.equal(limited.status, 429)
    const retryAfter = Number(limited.headers.get('retry-after'))
    assert.ok(retryAfter > 50 && retryAfter <= 60, `Retry-After ${retryAfter} is the rest of the shared 60 s window`)
    const problem = (await limited.json()) as { code: string; reason: string }
    assert.deepEqual([problem.code, problem.reason], ['rate-limited', 'identity'])
    // Each caller has its own object: another key is not limited.
    assert.equal(await fleet.mint('a', OTHER_KEY), 200)
    // The docs' route shares the caller's limit.
    assert.equal(await fleet.mint('a', API_KEY, '/fetch_rtc_token', FETCH_BODY), 429)
    // The two really are separate isolates: each /metrics counts only its own refusals.
    const [a, b] = [await fleet.metrics('a'), await fleet.metrics('b')]
    assert.equal(valueOf(a, 'agate_rate_limited_total', 'scope="identity"'), 2)
    assert.equal(valueOf(b, 'agate_rate_limited_total', 'scope="identity"'), 2)
  })

  test('the limit holds across a restart on persisted state (the issue: a fresh isolate answered the sixth with 200)', async () => {
    const first = start()
    for (let i = 0; i < LIMIT; i++) assert.equal(await first.mint('a'), 200)
    await first.dispose()
    edge = new Edge(script, { persist })
    assert.equal(await edge.mint('a'), 429, 'counted in the object, not in the isolate that is gone')
    assert.equal(await edge.mint('b'), 429)
  })

  test('concurrent requests from both isolates do not over-admit: N in parallel against a limit of k admit exactly k', async () => {
    const k = 12
    const fleet = start({ settings: { AGATE_RATE_LIMIT_PER_IDENTITY: String(k) } })
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => fleet.mint(i % 2 === 0 ? 'a' : 'b')))
    assert.equal(statuses.filter((status) => status === 200).length, k)
    assert.equal(statuses.filter((status) => status === 429).length, 40 - k)
  })

  test('the counter object hands out every count once under concurrency (RPC from Node straight to the object)', async () => {
    const fleet = start()
    const namespace = await counterNamespace(fleet)
    const counter = namespace.get(namespace.idFromName('address:203.0.113.7'))
    const hits = await Promise.all(Array.from({ length: 300 }, () => counter.hit('address:203.0.113.7', 100, 60_000)))
    assert.equal(hits.filter((hit) => hit.allowed).length, 100)
    assert.deepEqual(
      hits
        .map((hit) => hit.remaining)
        .filter((remaining) => remaining > 0)
        .sort((x, y) => y - x),
      Array.from({ length: 99 }, (_, i) => 99 - i),
      'every count from 1 to 100 was handed out once',
    )
    assert.ok(
      hits.every((hit) => hit.resetInMs > 55_000 && hit.resetInMs <= 60_000),
      'one window, its end given as time left',
    )
  })

  test('a window rolls over: refused until its end, then a fresh window counts from one', async () => {
    const fleet = start({ settings: { AGATE_RATE_LIMIT_WINDOW: '2', AGATE_RATE_LIMIT_PER_IDENTITY: '2' } })
    assert.deepEqual([await fleet.mint('a'), await fleet.mint('b'), await fleet.mint('a')], [200, 200, 429])
    const refused = await fleet.fetch('b', '/v1/tokens', {
      method: 'POST',
      body: V1_BODY,
      headers: { 'Content-Type': 'application/json', 'X-API-Key': API_KEY },
    })
    const retryAfter = Number(refused.headers.get('retry-after'))
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`)
    await refused.arrayBuffer()
    await sleep(retryAfter * 1000 + 100)
    assert.deepEqual(
      [await fleet.mint('b'), await fleet.mint('a'), await fleet.mint('b')],
      [200, 200, 429],
      'a new window, shared again',
    )
  })

  test(
    "idle counters leave nothing behind: at a window's end its row goes, and an object with none left deletes its storage",
    { skip: hasSqlite || process.env.CI ? false : MISSING_SQLITE },
    async () => {
      const fleet = start()
      const namespace = await counterNamespace(fleet)
      const hit = (object: string, key: string, windowMs: number) =>
        namespace.get(namespace.idFromName(object)).hit(key, 5, windowMs)
      await hit('address:198.51.100.1', 'address:198.51.100.1', 1000)
      await hit('address:198.51.100.1', 'address:198.51.100.1', 1000)
      // One object holding two windows (the store uses one key per object; the counter allows more):
      // the first alarm deletes the expired one and sets the next for the other.
      await hit('shared', 'identity:api-key:early', 1000)
      await hit('shared', 'identity:api-key:late', 4000)
      await hit('address:198.51.100.2', 'address:198.51.100.2', 60_000)
      assert.deepEqual(storedWindows(persist, namespace, 'address:198.51.100.1'), ['address:198.51.100.1|2'])
      assert.deepEqual(storedWindows(persist, namespace, 'shared'), [
        'identity:api-key:early|1',
        'identity:api-key:late|1',
      ])

      // Read every 200 ms at most: each read takes a lock that workerd's own writes then wait on.
      const windowsSoon = async (name: string) => {
        await sleep(200)
        return storedWindows(persist, namespace, name)
      }
      await waitFor(
        "the first alarms: the idle object's storage deleted, the expired window of the shared one gone",
        async () =>
          (await windowsSoon('address:198.51.100.1')) === undefined &&
          (await windowsSoon('shared'))?.join() === 'identity:api-key:late|1',
      )
      await waitFor(
        'the rescheduled alarm: the shared object empty, its storage deleted',
        async () => (await windowsSoon('shared')) === undefined,
      )
      assert.deepEqual(
        storedWindows(persist, namespace, 'address:198.51.100.2'),
        ['address:198.51.100.2|1'],
        'a live window stays',
      )
      // A deleted object counts afresh.
      assert.equal((await hit('address:198.51.100.1', 'address:198.51.100.1', 60_000)).remaining, 4)
    },
  )

  test("an object that throws, in 'allow' mode: requests are served uncounted, counted as such, logged once; counting resumes when it answers", async () => {
    const fleet = start({ brokenCounter: true, settings: { AGATE_RATE_LIMIT_STORE_FAILURE: 'allow' } })
    const statuses = []
    for (let i = 0; i < LIMIT + 3; i++) statuses.push(await fleet.mint('a'))
    assert.deepEqual(statuses, Array(LIMIT + 3).fill(200), 'served while the counter fails')
    const metrics = await fleet.metrics('a')
    assert.equal(valueOf(metrics, 'agate_rate_limit_store_errors_total', 'outcome="allowed"'), LIMIT + 3)
    assert.equal(valueOf(metrics, 'agate_rate_limit_store_up'), 0)
    assert.equal((await fleet.fetch('a', '/readyz')).status, 200, 'allow mode still serves, so it stays ready')
    await waitFor('the outage to be logged', () => fleet.events('rate-limit-store-down').length > 0)
    const down = fleet.events('rate-limit-store-down')
    assert.equal(down.length, 1, 'one log line per outage, not per request')
    assert.equal(down[0]?.store, 'durable-object')
    assert.match(String(down[0]?.error), /counter object failed/)

    await (await fleet.worker('broken')).fetch('http://broken.test/?broken=false')
    assert.equal(await fleet.mint('a'), 200)
    assert.equal(
      valueOf(await fleet.metrics('a'), 'agate_rate_limit_store_up'),
      0,
      'one answer right after failures does not end the outage',
    )
    await sleep(RECOVERY_MS)
    assert.equal(await fleet.mint('a'), 200)
    assert.equal(valueOf(await fleet.metrics('a'), 'agate_rate_limit_store_up'), 1)
    await waitFor('the recovery to be logged', () => fleet.events('rate-limit-store-up').length === 1)
  })

  test('one object failing among working ones is one outage, logged once, not a flip per request', async () => {
    const fleet = start({ brokenCounter: true, settings: { AGATE_RATE_LIMIT_STORE_FAILURE: 'refuse' } })
    await (await fleet.worker('broken')).fetch('http://broken.test/?broken=false')
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push(await fleet.mint('a', FLAKY_KEY), await fleet.mint('a', API_KEY))
    assert.deepEqual(statuses, [503, 200, 503, 200, 503, 200, 503, 200], "only the failing object's caller is refused")
    await waitFor('the outage to be logged', () => fleet.events('rate-limit-store-down').length > 0)
    assert.equal(fleet.events('rate-limit-store-down').length, 1)
    assert.equal(fleet.events('rate-limit-store-up').length, 0, 'the answers in between do not end it')
    assert.equal(valueOf(await fleet.metrics('a'), 'agate_rate_limit_store_up'), 0)
    assert.equal((await fleet.fetch('a', '/readyz')).status, 503)
  })

  test("an object that throws, in 'refuse' mode: 503 with a problem body and Retry-After: 1, /readyz fails, health does not", async () => {
    const fleet = start({ brokenCounter: true, settings: { AGATE_RATE_LIMIT_STORE_FAILURE: 'refuse' } })
    const refused = await fleet.fetch('a', '/v1/tokens', {
      method: 'POST',
      body: V1_BODY,
      headers: { 'Content-Type': 'application/json', 'X-API-Key': API_KEY },
    })
    assert.equal(refused.status, 503)
    assert.equal(refused.headers.get('content-type'), 'application/problem+json')
    assert.equal(refused.headers.get('retry-after'), '1')
    const body = (await refused.json()) as Record<string, unknown>
    assert.deepEqual([body.code, body.status, body.reason], ['unavailable', 503, 'rate-limit-store'])
    assert.match(String(body.detail), /rate-limit store is unreachable/)
    // The docs' route keeps its own error shape.
    const docs = await fleet.fetch('b', '/fetch_rtc_token', {
      method: 'POST',
      body: FETCH_BODY,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API_KEY}` },
    })
    assert.equal(docs.status, 503)
    assert.deepEqual(await docs.json(), {
      token: 'the rate-limit store is unreachable; try again shortly',
      code: '503',
    })
    const readyz = await fleet.fetch('a', '/readyz')
    assert.deepEqual([readyz.status, await readyz.json()], [503, { status: 'unavailable', reason: 'rate-limit-store' }])
    assert.equal((await fleet.fetch('a', '/healthz')).status, 200)
    assert.equal(valueOf(await fleet.metrics('a'), 'agate_rate_limit_store_errors_total', 'outcome="refused"'), 1)

    await (await fleet.worker('broken')).fetch('http://broken.test/?broken=false')
    assert.equal(await fleet.mint('a'), 200, 'serves again once the object answers')
    await sleep(RECOVERY_MS)
    assert.equal(await fleet.mint('a'), 200)
    assert.equal((await fleet.fetch('a', '/readyz')).status, 200, 'ready once calls have gone a while without failing')
  })

  test('a counter that does not answer: the request goes on after the timeout, as the failure setting says', async () => {
    const fleet = start({ brokenCounter: true, settings: { AGATE_RATE_LIMIT_STORE_FAILURE: 'refuse' } })
    await (await fleet.worker('broken')).fetch('http://broken.test/?broken=false')
    assert.equal(await fleet.mint('a', API_KEY), 200, 'the counter answers other callers')
    const hung = await fleet.fetch('a', '/v1/tokens', {
      method: 'POST',
      body: V1_BODY,
      headers: { 'Content-Type': 'application/json', 'X-API-Key': HUNG_KEY },
    })
    assert.equal(hung.status, 503)
    assert.equal(((await hung.json()) as { reason: string }).reason, 'rate-limit-store')
    await waitFor('the outage to be logged', () => fleet.events('rate-limit-store-down').length === 1)
    assert.match(String(fleet.events('rate-limit-store-down')[0]?.error), /no answer within 1000 ms/)
  })

  test('a counts shard that throws costs the callers nothing; /metrics/fleet answers 503 until it recovers, then counts what was kept', async () => {
    const fleet = start({ brokenCounts: true })
    for (let i = 0; i < 3; i++) assert.equal(await fleet.mint(i % 2 === 0 ? 'a' : 'b'), 200)
    const unreadable = await fleet.fetch('a', '/metrics/fleet', {
      headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
    })
    assert.equal(unreadable.status, 503)
    assert.equal(unreadable.headers.get('retry-after'), '1')
    assert.equal(((await unreadable.json()) as { reason: string }).reason, 'fleet-counts')
    await waitFor('the failure to be logged', () => fleet.events('fleet-counts-down').length > 0)
    await (await fleet.worker('broken')).fetch('http://broken.test/?broken=false')
    // The counts made during the outage were kept: each isolate sends its own before it reads.
    await fleet.metrics('b', '/metrics/fleet')
    const issued = valueOf(
      await fleet.metrics('a', '/metrics/fleet'),
      'agate_fleet_tokens_issued_total',
      'app="default",kind="rtc",version="007"',
    )
    assert.equal(issued, 3, 'the three tokens issued during the outage, counted once each')
  })

  test('a bad failure setting answers 500 naming it', async () => {
    const fleet = start({ settings: { AGATE_RATE_LIMIT_STORE_FAILURE: 'sometimes' } })
    const response = await fleet.fetch('a', '/healthz')
    assert.equal(response.status, 500)
    assert.match(
      ((await response.json()) as { detail: string }).detail,
      /AGATE_RATE_LIMIT_STORE_FAILURE: must be allow or refuse/,
    )
  })

  test('GET /metrics/fleet counts issued, denied and rate-limited requests of every isolate, and keeps them across a restart', async () => {
    const fleet = start()
    for (let i = 0; i < LIMIT + 1; i++) await fleet.mint(i % 2 === 0 ? 'a' : 'b') // 5 issued, 1 limited
    assert.equal(await fleet.mint('b', OTHER_KEY, '/fetch_rtc_token', FETCH_BODY), 200)
    assert.equal(await fleet.mint('a', 'agate_notAKeyNotAKeyNotAKeyNotAKey00'), 401)
    const expected = (text: string) => [
      valueOf(text, 'agate_fleet_tokens_issued_total', 'app="default",kind="rtc",version="007"'),
      valueOf(text, 'agate_fleet_rate_limited_total', 'scope="identity"'),
      valueOf(text, 'agate_fleet_denials_total', 'reason="invalid-api-key"'),
    ]
    // Counts are sent after the responses (waitUntil); each isolate sends its own before reading.
    let text = ''
    await waitFor('the counts of both isolates to arrive', async () => {
      text = await fleet.metrics('b', '/metrics/fleet')
      return expected(text).join() === '6,1,1'
    })
    assert.match(text, /^# TYPE agate_fleet_tokens_issued_total counter$/m)
    // Per isolate, /metrics has only its own share.
    const own = valueOf(await fleet.metrics('a'), 'agate_tokens_issued_total', 'app="default",kind="rtc",version="007"')
    assert.ok(own > 0 && own < 6, `isolate a issued ${own} of 6`)
    // Behind the metrics token.
    assert.equal((await fleet.fetch('a', '/metrics/fleet')).status, 401)

    await fleet.dispose()
    edge = new Edge(script, { persist })
    assert.deepEqual(expected(await edge.metrics('a', '/metrics/fleet')), [6, 1, 1], "kept in the objects' storage")
  })

  test('no secret reaches the logs of either isolate', async () => {
    const fleet = start({ brokenCounter: true })
    await fleet.mint('a')
    await fleet.mint('b', 'agate_notAKeyNotAKeyNotAKeyNotAKey00')
    await waitFor(
      'request lines',
      () => fleet.events('token.issued').length > 0 && fleet.events('token.denied').length > 0,
    )
    const logs = fleet.logs.join('\n').toLowerCase()
    for (const secret of [CERTIFICATE, API_KEY, 'agate_notAKeyNotAKeyNotAKeyNotAKey00', METRICS_TOKEN])
      assert.ok(!logs.includes(secret.toLowerCase()))
  })
})
