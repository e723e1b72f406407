import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import {
  serveCommand,
  type RunningServer,
  type ServeOptions,
  type ServeServer,
} from '../../../src/cli/commands/serve.js'
import { loadConfig, resolveWorkerCount, type ClusterOptions, type ServerConfig } from '../../../src/server/index.js'
import { APP_ID, assertUsage, CERTIFICATE, run } from '../helpers.js'

function memoryIo(signal?: AbortSignal, env: Record<string, string | undefined> = { AGORA_APP_ID: 'from-env' }) {
  const io = {
    out: '',
    err: '',
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    env,
    ...(signal === undefined ? {} : { signal }),
  }
  return io
}

/** The parts of a config `serve` reads. */
function fakeConfig(
  fields: { mode?: 'development' | 'production'; workers?: number; redisUrl?: string } = {},
): ServerConfig {
  return {
    mode: fields.mode ?? 'development',
    workers: fields.workers,
    rateLimit: { store: { redisUrl: fields.redisUrl } },
    log: { level: 'info', destination: 'stdout' },
    limits: { shutdownTimeoutMs: 1000 },
  } as unknown as ServerConfig
}

/** A fake server module that records its calls. */
function fakeServer(
  config: ServerConfig | ((env: Record<string, string | undefined>, options: ServeOptions) => Promise<ServerConfig>),
) {
  const calls: unknown[][] = []
  const running = (url: string): RunningServer => ({ url, close: async () => void calls.push(['close']) })
  const server: ServeServer = {
    loadConfig: async (env, options) => {
      calls.push(['loadConfig', env.AGORA_APP_ID, options])
      return typeof config === 'function' ? config(env, options) : config
    },
    startServer: async (loaded) => {
      calls.push(['startServer', loaded])
      return running('http://127.0.0.1:8080')
    },
    startCluster: async (options) => {
      calls.push(['startCluster', options])
      return running('http://127.0.0.1:8080')
    },
  }
  return { server, calls }
}

/** Runs serve with `server` until it has started, then stops it; returns what it printed and did. */
async function serveOnce(argv: string[], server: ServeServer, env?: Record<string, string | undefined>) {
  const controller = new AbortController()
  const io = memoryIo(controller.signal, env)
  const done = serveCommand(argv, io, server)
  while (!io.err.includes('listening on')) await new Promise((resolve) => setTimeout(resolve, 5))
  controller.abort()
  assert.equal(await done, 0)
  return io
}

describe('agate serve (adapter over src/server)', () => {
  test('passes env and flags to loadConfig, starts one server, prints the URL on stderr, closes on abort', async () => {
    const config = fakeConfig({ mode: 'production', workers: 1 })
    const { server, calls } = fakeServer(config)
    const controller = new AbortController()
    const io = memoryIo(controller.signal)
    const done = serveCommand(
      ['--port', '8080', '--host', '127.0.0.1', '--config', 'agate.json', '--production'],
      io,
      server,
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(io.err, 'agate serve: listening on http://127.0.0.1:8080\n')
    assert.deepEqual(calls, [
      ['loadConfig', 'from-env', { port: 8080, host: '127.0.0.1', configFile: 'agate.json', production: true }],
      ['startServer', config],
    ])
    controller.abort()
    assert.equal(await done, 0)
    assert.deepEqual(calls.at(-1), ['close'])
    assert.equal(io.err, 'agate serve: listening on http://127.0.0.1:8080\nagate serve: stopped\n')
    assert.equal(io.out, '')
  })

  test('absent flags are not passed', async () => {
    const { server, calls } = fakeServer(fakeConfig())
    const controller = new AbortController()
    controller.abort()
    assert.equal(await serveCommand([], memoryIo(controller.signal), server), 0)
    assert.deepEqual(calls[0], ['loadConfig', 'from-env', {}])
  })

  test('startup failures exit 1 with the reason', async () => {
    const { server } = fakeServer(async () => {
      throw new Error('AGORA_APP_ID is not set')
    })
    await assert.rejects(serveCommand([], memoryIo(), server), {
      name: 'CliError',
      exitCode: 1,
      message: 'cannot start the server: AGORA_APP_ID is not set',
    })
    const failing: ServeServer = {
      ...fakeServer(fakeConfig({ workers: 2 })).server,
      startCluster: async () => {
        throw new Error('worker 0 exited during startup (code 1)')
      },
    }
    await assert.rejects(serveCommand([], memoryIo(), failing), {
      name: 'CliError',
      exitCode: 1,
      message: 'cannot start the server: worker 0 exited during startup (code 1)',
    })
  })

  test('--workers N above 1 starts a cluster with the same flags; it warns without REDIS_URL', async () => {
    const { server, calls } = fakeServer(fakeConfig({ mode: 'production' }))
    const io = await serveOnce(['--workers', '3', '--port', '9000', '--production'], server)
    assert.equal(io.err, 'agate serve: listening on http://127.0.0.1:8080 (3 workers)\nagate serve: stopped\n')
    const [, options] = calls.find((call) => call[0] === 'startCluster') as [string, ClusterOptions]
    assert.equal(options.workers, 3)
    assert.deepEqual(options.serve, { port: 9000, production: true })
    assert.deepEqual(options.log, { level: 'info', destination: 'stdout' })
    assert.equal(options.shutdownTimeoutMs, 6000)
    assert.deepEqual(options.warnings, [
      '3 workers and no REDIS_URL: each worker counts rate limits on its own, so a caller may get up to 3 times the limit; set REDIS_URL to share them',
    ])
    assert.deepEqual(options.env, { AGORA_APP_ID: 'from-env' }, 'workers get the environment serve was given')
    assert.ok(!calls.some((call) => call[0] === 'startServer'))
    assert.deepEqual(calls.at(-1), ['close'])
  })

  test('with REDIS_URL the cluster does not warn about limits; in development it says the demo is not served', async () => {
    const { server, calls } = fakeServer(fakeConfig({ mode: 'development', redisUrl: 'redis://127.0.0.1:6379' }))
    await serveOnce(['--workers', '2'], server)
    const [, options] = calls.find((call) => call[0] === 'startCluster') as [string, ClusterOptions]
    assert.deepEqual(options.warnings, [
      'cluster mode: the web demo and the sandbox are not served (a sandbox session lives in one process); run a single process (--workers 1, WORKERS=1) for them',
    ])
    assert.deepEqual(options.serve, {})
  })

  test('the worker count: the flag, else WORKERS, else 1 in development and one per CPU in production', async () => {
    const started = async (argv: string[], env: Record<string, string>): Promise<number> => {
      const { server, calls } = fakeServer((configEnv, options) => loadConfig(configEnv, { ...options, cwd: dir }))
      await serveOnce(argv, server, {
        AGATE_LOG_LEVEL: 'silent',
        AGATE_DEV_CREDENTIALS_FILE: join(dir, 'dev.json'),
        ...env,
      })
      const cluster = calls.find((call) => call[0] === 'startCluster') as [string, ClusterOptions] | undefined
      return cluster === undefined ? 1 : cluster[1].workers
    }
    const dir = await mkdtemp(join(tmpdir(), 'agate-serve-'))
    const production = {
      AGORA_APP_ID: APP_ID,
      AGORA_APP_CERTIFICATE: CERTIFICATE,
      AGATE_OPEN_ACCESS: 'true',
      NODE_ENV: 'production',
    }
    try {
      assert.equal(await started([], {}), 1, 'development: one process')
      assert.equal(await started([], { WORKERS: '3' }), 3)
      assert.equal(await started([], { AGATE_WORKERS: '2' }), 2)
      assert.equal(await started(['--workers', '1'], { WORKERS: '3' }), 1, 'the flag wins')
      assert.equal(await started(['--workers', '4'], { WORKERS: '3' }), 4)
      assert.equal(await started(['--workers', '0'], {}), resolveWorkerCount(0, false), '0 = one per usable CPU')
      assert.equal(await started([], production), resolveWorkerCount(undefined, true), 'production: one per usable CPU')
      assert.equal(await started([], { ...production, WORKERS: '1' }), 1)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('bad flags exit 2 before anything starts', async () => {
    assertUsage(await run(['serve', '--port', 'http']), "--port must be a non-negative integer, got 'http'")
    assertUsage(await run(['serve', '--port', '65536']), '--port must be from 0 to 65535')
    assertUsage(await run(['serve', '--host', '']), '--host must not be empty')
    assertUsage(await run(['serve', '--workers', '257']), '--workers must be from 0 (one per CPU) to 256')
    assertUsage(await run(['serve', '--workers', 'all']), "--workers must be a non-negative integer, got 'all'")
    assertUsage(await run(['serve', '--workers', '-1']), "--workers must be a non-negative integer, got '-1'")
    assertUsage(await run(['serve', '--workers', '1.5']), "--workers must be a non-negative integer, got '1.5'")
    assertUsage(await run(['serve', '--workers']), '--workers needs a value')
    assertUsage(await run(['serve', '--tls']), 'unknown option --tls')
    assertUsage(await run(['serve', 'now']), "unexpected argument 'now'")
  })

  test('--help', async () => {
    const result = await run(['serve', '--help'])
    assert.equal(result.code, 0)
    for (const flag of ['--port', '--host', '--config', '--production', '--workers N'])
      assert.ok(result.stdout.includes(flag), flag)
    assert.ok(
      result.stdout.includes(
        'worker processes (0 = one per CPU; default WORKERS, else 1 in development, one per CPU in production)',
      ),
    )
  })
})

describe('agate serve, for real: the web demo in development only', () => {
  /** Starts the real server through the command, runs `check` on its URL, stops it. */
  async function withServe(env: Record<string, string>, check: (url: string) => Promise<void>): Promise<void> {
    const controller = new AbortController()
    const io = memoryIo(controller.signal, { AGATE_LOG_LEVEL: 'silent', ...env })
    const done = serveCommand(['--port', '0', '--host', '127.0.0.1'], io)
    try {
      const deadline = Date.now() + 10_000
      while (!io.err.includes('listening on') && Date.now() < deadline) {
        if (io.err !== '' && !io.err.includes('listening on')) break
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const url = /listening on (http:\S+)/.exec(io.err)?.[1]
      assert.ok(url !== undefined, `the server did not start: ${io.err}`)
      await check(url)
    } finally {
      controller.abort()
      assert.equal(await done, 0)
    }
    assert.match(io.err, /agate serve: stopped\n$/)
  }

  test('development: the demo page, its settings and the sandbox are served next to the token routes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agate-serve-dev-'))
    try {
      await withServe({ AGATE_DEV_CREDENTIALS_FILE: join(dir, 'dev.json') }, async (url) => {
        const page = await fetch(`${url}/`)
        // The page, or (before `npm run build`) the note asking for the build: HTML either way.
        assert.ok([200, 503].includes(page.status), String(page.status))
        assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
        assert.match(await page.text(), /<!doctype html>/i)
        const demo = await fetch(`${url}/demo/config.json`)
        assert.equal(demo.status, 200)
        const settings = (await demo.json()) as { channel: string; sandbox: { appId: string; base: string } }
        assert.equal(settings.channel, 'ChannelA')
        assert.equal(settings.sandbox.base, '/sandbox')
        assert.match(settings.sandbox.appId, /^[0-9a-f]{32}$/)
        const sandbox = await fetch(`${url}/sandbox/config`)
        assert.equal(sandbox.status, 200)
        await sandbox.arrayBuffer()
        const token = await fetch(`${url}/fetch_rtc_token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ uid: 2882341273, ChannelName: 'ChannelA', role: 1 }),
        })
        assert.equal(token.status, 200)
        assert.equal(((await token.json()) as { code: string }).code, '200')
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('production: no demo, no sandbox; / is the JSON index', async () => {
    await withServe(
      {
        NODE_ENV: 'production',
        AGORA_APP_ID: APP_ID,
        AGORA_APP_CERTIFICATE: CERTIFICATE,
        AGATE_OPEN_ACCESS: 'true',
        WORKERS: '1',
      },
      async (url) => {
        for (const path of ['/demo/config.json', '/demo/', '/sandbox/config']) {
          const response = await fetch(`${url}${path}`)
          assert.equal(response.status, 404, path)
          await response.arrayBuffer()
        }
        const index = await fetch(`${url}/`)
        assert.equal(index.status, 200)
        assert.equal(((await index.json()) as { name: string; mode: string }).mode, 'production')
      },
    )
  })
})
