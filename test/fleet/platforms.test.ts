/**
 * The hosting platforms' files, render.yaml (Render Blueprint) and fly.toml (Fly.io): each builds the
 * Dockerfile, routes only to instances whose /readyz answers, waits long enough for the drain, keeps
 * secrets out of the file, and tells the server where the client's address is in X-Forwarded-For
 * behind that platform's proxies. The last is checked on a real server started with the image's
 * environment and the file's settings, sent the header as each platform's proxies build it.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import { pino } from 'pino'
import { createApiKey } from '../../src/server/auth/api-keys.js'
import { loadConfig, SETTINGS } from '../../src/server/config.js'
import { startServer, type RunningServer } from '../../src/server/listen.js'
import { type Doc, imageSpec, readToml, readYaml, ROOT, settingOf } from './helpers/deploy-files.js'
import { freePort } from './helpers/ports.js'
import { APP_ID, CERTIFICATE } from './helpers/processes.js'

/** What a platform file says, in the terms these tests check. */
interface Platform {
  readonly file: string
  readonly dockerfile: string
  readonly healthPath: string
  /** Seconds from SIGTERM to SIGKILL. */
  readonly shutdownGraceSeconds: number
  /** Settings the file gives a value. */
  readonly values: Record<string, string>
  /** Settings the operator is asked for when the service is created (Render's `sync: false`). */
  readonly prompted: string[]
  /** X-Forwarded-For as the server receives it from a client at `client` that sent `sent` (or none). */
  forwardedFor(client: string, sent?: string): string
}

const render = ((): Platform => {
  const blueprint = readYaml('render.yaml')[0] as Doc
  assert.equal(blueprint.services.length, 1)
  const service = blueprint.services[0] as Doc
  assert.equal(service.type, 'web')
  assert.equal(service.runtime, 'docker')
  const vars = service.envVars as Doc[]
  return {
    file: 'render.yaml',
    dockerfile: service.dockerfilePath,
    healthPath: service.healthCheckPath,
    shutdownGraceSeconds: service.maxShutdownDelaySeconds ?? 30,
    values: Object.fromEntries(vars.filter((v) => 'value' in v).map((v) => [v.key, String(v.value)])),
    prompted: vars.filter((v) => v.sync === false).map((v) => v.key),
    // Cloudflare, in front of every Render service, appends the client; Render's proxy then appends
    // the Cloudflare edge it came from (https://rohitpaulk.com/articles/render-rails-remote-ip).
    forwardedFor: (client, sent) => [sent, client, '104.22.17.40'].filter(Boolean).join(', '),
  }
})()

const fly = ((): Platform => {
  const config = readToml('fly.toml')
  return {
    file: 'fly.toml',
    dockerfile: config.build.dockerfile,
    healthPath: (config.http_service.checks as Doc[])[0]!.path,
    shutdownGraceSeconds: config.kill_timeout,
    values: config.env,
    prompted: [],
    // Fly's proxy appends the client, then the app's own Anycast address, which is last
    // (https://fly.io/docs/networking/request-headers/#x-forwarded-for).
    forwardedFor: (client, sent) => [sent, client, '66.241.125.7'].filter(Boolean).join(', '),
  }
})()

const isSecret = (name: string): boolean => {
  const setting = settingOf(name)
  return setting !== undefined && (SETTINGS as Record<string, { secret?: boolean }>)[setting]?.secret === true
}

describe('platform files: Render and Fly.io', () => {
  const { key: apiKey, hash: apiKeyHash } = createApiKey()
  const servers: RunningServer[] = []
  after(async () => {
    for (const server of servers) await server.close()
  })

  /** The environment a platform gives the image's server, the prompted values filled in. */
  const environmentOf = (platform: Platform): Record<string, string> => ({
    ...imageSpec().env,
    // What the operator gives; a value the file sets wins.
    AGORA_APP_ID: APP_ID,
    AGORA_APP_CERTIFICATE: CERTIFICATE,
    AGATE_API_KEYS: `web=${apiKeyHash}`,
    AGATE_CORS_ORIGINS: 'https://app.example.com',
    ...platform.values,
  })

  for (const platform of [render, fly]) {
    test(`${platform.file}: builds the Dockerfile and routes only to instances whose /readyz says ready`, () => {
      assert.ok(existsSync(`${ROOT}${platform.dockerfile}`), platform.dockerfile)
      assert.equal(platform.healthPath, '/readyz', '503 from SIGTERM on, so the platform stops routing')
    })

    test(`${platform.file}: every name is a setting, no secret has a value, nothing is given twice`, () => {
      const names = [...Object.keys(platform.values), ...platform.prompted]
      for (const name of names) assert.ok(settingOf(name) !== undefined, `${name} is a setting`)
      for (const name of Object.keys(platform.values)) assert.ok(!isSecret(name), `${name} is a secret with a value`)
      assert.equal(new Set(names.map(settingOf)).size, names.length, 'no setting twice')
      // The image sets production mode; the platforms inject PORT (Render) or route to 8080 (Fly).
      for (const name of ['NODE_ENV', 'AGATE_MODE', 'AGATE_PORT', 'PORT', 'AGATE_HOST'])
        assert.ok(!names.includes(name), `${name} is left to the image and the platform`)
    })

    test(`${platform.file}: the grace after SIGTERM covers the server's drain delay and shutdown timeout`, async () => {
      const config = await loadConfig(environmentOf(platform), { port: 0 })
      const needed = (config.limits.drainDelayMs + config.limits.shutdownTimeoutMs) / 1000 + 5
      assert.ok(platform.shutdownGraceSeconds >= needed, `${platform.shutdownGraceSeconds} s < ${needed} s`)
      assert.ok(platform.shutdownGraceSeconds <= 300, 'both platforms allow at most 300 s')
    })
  }

  test('render.yaml asks for the credentials and the API keys when the Blueprint is created', () => {
    for (const name of ['AGORA_APP_ID', 'AGORA_APP_CERTIFICATE', 'AGATE_API_KEYS', 'AGATE_CORS_ORIGINS'])
      assert.ok(render.prompted.includes(name), name)
    for (const name of render.prompted) assert.ok(!(name in render.values), name)
  })

  test('fly.toml routes to the port the image listens on when no PORT is set', async () => {
    const config = await loadConfig(environmentOf(fly))
    assert.equal(readToml('fly.toml').http_service.internal_port, config.port)
    assert.equal(config.port, 8080)
  })

  for (const platform of [render, fly]) {
    test(`${platform.file}: a real server with its settings serves tokens and limits each client by its own address`, async () => {
      const env: Record<string, string> = { ...environmentOf(platform), AGATE_RATE_LIMIT_PER_ADDRESS: '2' }
      // Render injects PORT, and the server must listen on it.
      const port = await freePort()
      if (platform === render) env.PORT = String(port)
      const config = await loadConfig(env, { host: '127.0.0.1', ...(platform === render ? {} : { port }) })
      assert.equal(config.mode, 'production')
      assert.equal(config.port, port)
      const server = await startServer(config, { logger: pino({ level: 'silent' }) })
      servers.push(server)
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200)

      const ask = async (forwardedFor: string): Promise<number> => {
        const response = await fetch(`${server.url}/fetch_rtc_token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey, 'X-Forwarded-For': forwardedFor },
          body: JSON.stringify({ uid: 7, ChannelName: 'ChannelA', role: 1 }),
        })
        await response.arrayBuffer()
        return response.status
      }
      const [alice, bob] = ['203.0.113.10', '198.51.100.20']
      assert.deepEqual([await ask(platform.forwardedFor(alice)), await ask(platform.forwardedFor(alice))], [200, 200])
      assert.equal(await ask(platform.forwardedFor(alice)), 429, 'the third request from one client')
      // A forged entry of her own does not give her a new address: the proxies' entries come after it.
      assert.equal(await ask(platform.forwardedFor(alice, '192.0.2.99')), 429)
      // Another client behind the same edge has a budget of his own.
      assert.equal(await ask(platform.forwardedFor(bob)), 200)
    })
  }
})
