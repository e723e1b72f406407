import assert from 'node:assert/strict'
import { createHash as nodeCreateHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { parse as parseToml } from 'smol-toml'
// @ts-expect-error: a plain .mjs build script without declarations
import { buildWorker } from '../../scripts/build-worker.mjs'
import { createApiKey, hashApiKey } from '../../src/server/auth/api-keys.js'
import { parseToken, verifyToken } from '../../src/token/index.js'
import { bytesToHex, utf8Bytes } from '../../src/token/primitives/bytes.js'
import { sha256 } from '../../src/token/primitives/sha256.js'
import { settingsOf } from '../../src/worker/settings.js'
import { APP_ID, CERTIFICATE } from './helpers/processes.js'

const API_KEY = 'agate_workersTestKeyWorkersTestKey0123'
const METRICS_TOKEN = 'workers-metrics-token-0123456789'
/** The date the deployment uses (wrangler.toml), so the test runs what is deployed. */
const COMPATIBILITY_DATE = String(
  parseToml(readFileSync(fileURLToPath(new URL('../../wrangler.toml', import.meta.url)), 'utf8')).compatibility_date,
)

interface BuildResult {
  outputFiles: { text: string }[]
  metafile: {
    inputs: Record<string, unknown>
    outputs: Record<string, { imports: { path: string; external?: boolean }[]; bytes: number }>
  }
}

function bindings(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AGORA_APP_ID: APP_ID,
    AGORA_APP_CERTIFICATE: CERTIFICATE,
    AGATE_API_KEYS: `web=sha256:${nodeCreateHash('sha256').update(API_KEY).digest('hex')}`,
    AGATE_POLICY: 'allow-authenticated',
    // Errors only: these Workers run without the Durable Object bindings on purpose, which warns.
    AGATE_LOG_LEVEL: 'error',
    AGATE_METRICS_TOKEN: METRICS_TOKEN,
    ...extra,
  }
}

describe('Cloudflare Workers: the app inside workerd (miniflare)', () => {
  let script: string
  let build: BuildResult
  let mf: Miniflare

  before(async () => {
    build = (await buildWorker({ write: false })) as BuildResult
    script = build.outputFiles[0]!.text
    mf = new Miniflare({ modules: true, script, compatibilityDate: COMPATIBILITY_DATE, bindings: bindings() })
    await mf.ready
  })
  after(async () => {
    await mf?.dispose()
  })

  test('the bundle has no Node imports and needs no compatibility flags', () => {
    const [output] = Object.values(build.metafile.outputs)
    const imports = new Set(output?.imports.map((imported) => imported.path))
    assert.deepEqual(
      [...imports],
      ['cloudflare:workers'],
      "only the runtime's own module (the Durable Object base class) is left to resolve",
    )
    assert.doesNotMatch(
      script,
      /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](?:node:|(?:fs|path|crypto|util|http|https|net|zlib|cluster|os|v8|perf_hooks)["'])/,
    )
    assert.ok(script.length < 1_500_000, `bundle is ${script.length} bytes`)
    // The Node-only parts stay out: the Redis client, the listener, the cluster.
    const inputs = Object.keys(build.metafile.inputs)
    for (const nodeOnly of [
      'node_modules/ioredis/',
      'node_modules/@hono/node-server/',
      'src/server/listen.ts',
      'src/server/cluster.ts',
      'src/server/redis-rate-limit-store.ts',
    ]) {
      assert.ok(!inputs.some((input) => input.includes(nodeOnly)), `${nodeOnly} is not in the bundle`)
    }
  })

  test('mints a token over HTTP inside workerd that the library verifies in Node', async () => {
    const response = await mf.dispatchFetch('http://agate.test/fetch_rtc_token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ uid: 2882341273, ChannelName: 'ChannelA', role: 1 }),
    })
    assert.equal(response.status, 200)
    const body = (await response.json()) as { token: string; code: string }
    assert.equal(body.code, '200')
    const verified = verifyToken(body.token, {
      certificates: CERTIFICATE,
      appId: APP_ID,
      channelName: 'ChannelA',
      uid: 2882341273,
    })
    assert.equal(verified.token.version, '007')
  })

  test('/v1/tokens and /v1/tokens/verify work inside workerd', async () => {
    const minted = await mf.dispatchFetch('http://agate.test/v1/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': API_KEY },
      body: JSON.stringify({
        rtc: { channelName: 'edge-room', account: 'alice', role: 'subscriber' },
        rtm: { userId: 'alice' },
      }),
    })
    assert.equal(minted.status, 200)
    const { token } = (await minted.json()) as { token: string }
    const parsed = parseToken(token)
    assert.equal(parsed.version, '007')
    if (parsed.version === '007')
      assert.deepEqual(parsed.services.map((service) => service.type).sort(), ['rtc', 'rtm'])

    const verified = await mf.dispatchFetch('http://agate.test/v1/tokens/verify', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ token, channelName: 'edge-room', account: 'alice' }),
    })
    assert.equal(verified.status, 200)
    const verdict = (await verified.json()) as { valid: boolean; certificate: string }
    assert.equal(verdict.valid, true)
    assert.equal(verdict.certificate, 'primary')
  })

  test('callers without a valid key are refused, as in production on Node', async () => {
    const anonymous = await mf.dispatchFetch('http://agate.test/v1/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rtc: { channelName: 'x', uid: 1, role: 'publisher' } }),
    })
    assert.equal(anonymous.status, 401)
    const wrong = await mf.dispatchFetch('http://agate.test/v1/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer agate_notTheKeyNotTheKeyNotTheKey00' },
      body: JSON.stringify({ rtc: { channelName: 'x', uid: 1, role: 'publisher' } }),
    })
    assert.equal(wrong.status, 401)
    assert.equal(((await wrong.json()) as { code: string }).code, 'unauthenticated')
  })

  test('health, readiness, metrics (bearer token compared without node:crypto) and the OpenAPI document answer', async () => {
    assert.equal((await mf.dispatchFetch('http://agate.test/healthz')).status, 200)
    assert.equal((await mf.dispatchFetch('http://agate.test/readyz')).status, 200)
    const metrics = await mf.dispatchFetch('http://agate.test/metrics', {
      headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
    })
    assert.equal(metrics.status, 200)
    assert.match(await metrics.text(), /agate_http_request_duration_seconds/)
    for (const authorization of ['', `Bearer ${METRICS_TOKEN.slice(0, -1)}x`, `Bearer ${METRICS_TOKEN}x`]) {
      const refused = await mf.dispatchFetch('http://agate.test/metrics', { headers: { Authorization: authorization } })
      assert.equal(refused.status, 401, JSON.stringify(authorization))
      await refused.arrayBuffer()
    }
    const openapi = await mf.dispatchFetch('http://agate.test/openapi.json')
    assert.equal(openapi.status, 200)
    assert.ok(((await openapi.json()) as { paths: object }).paths)
  })

  test('a missing secret answers 500 naming the setting, never a value', async () => {
    // The worker's error line is captured (and checked) instead of landing in the test output.
    const logs: { level: string; message: string }[] = []
    const broken = new Miniflare({
      modules: true,
      script,
      compatibilityDate: COMPATIBILITY_DATE,
      bindings: bindings({ AGATE_API_KEYS: '' }),
      handleStructuredLogs: ({ level, message }: { level: string; message: string }) =>
        void logs.push({ level, message }),
    })
    try {
      const response = await broken.dispatchFetch('http://agate.test/healthz')
      assert.equal(response.status, 500)
      assert.equal(response.headers.get('content-type'), 'application/problem+json')
      const problem = (await response.json()) as { code: string; detail: string }
      assert.equal(problem.code, 'internal')
      assert.match(problem.detail, /AGATE_API_KEYS/)
      assert.ok(!JSON.stringify(problem).toLowerCase().includes(CERTIFICATE.toLowerCase()))
      const logged = logs.map((entry) => JSON.parse(entry.message) as { level: string; event: string; message: string })
      assert.deepEqual(
        logged.map((entry) => [entry.level, entry.event]),
        [['error', 'config.invalid']],
      )
      assert.match(logged[0]!.message, /AGATE_API_KEYS/)
      assert.ok(!JSON.stringify(logs).toLowerCase().includes(CERTIFICATE.toLowerCase()))
    } finally {
      await broken.dispose()
    }
  })
})

describe('Workers bindings', () => {
  test('string bindings pass through; JSON settings given as TOML tables become JSON; other bindings are ignored', () => {
    const settings = settingsOf({
      AGORA_APP_ID: APP_ID,
      AGATE_RATE_LIMIT_WINDOW: 60,
      AGATE_POLICY: { rules: [{ name: 'all', who: 'authenticated' }] },
      KV: { get: () => undefined, put: () => undefined, constructor: undefined },
      SOME_NAMESPACE: new (class Namespace {})(),
    })
    assert.deepEqual(settings, {
      AGORA_APP_ID: APP_ID,
      AGATE_RATE_LIMIT_WINDOW: '60',
      AGATE_POLICY: '{"rules":[{"name":"all","who":"authenticated"}]}',
    })
  })

  test("API-key hashes without node:crypto (the Workers path) equal Node's", () => {
    // On Node, hashApiKey takes Node's native hash; the library's SHA-256 is what Workers run.
    for (const text of ['', 'agate_abc', 'ünïcödé ✓', 'x'.repeat(1000)]) {
      const node = nodeCreateHash('sha256').update(text, 'utf8').digest('hex')
      assert.equal(bytesToHex(sha256(utf8Bytes(text))), node)
      assert.equal(hashApiKey(text), `sha256:${node}`)
    }
    const { key, hash } = createApiKey()
    assert.match(key, /^agate_[A-Za-z0-9_-]{32}$/)
    assert.equal(hash, `sha256:${nodeCreateHash('sha256').update(key).digest('hex')}`)
  })
})
