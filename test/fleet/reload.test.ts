/**
 * Reloading the settings without a restart: a certificate rotation and new API keys applied to a
 * running server, in process and on SIGHUP (one process, `agate serve`, and a cluster whose primary
 * passes the reload to every worker), over real sockets.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createApiKey } from '../../src/server/auth/api-keys.js'
import { loadConfig } from '../../src/server/config.js'
import { startServer } from '../../src/server/listen.js'
import { verifyToken } from '../../src/token/index.js'
import { captureLogs } from '../server/helpers.js'
import { freePort } from './helpers/ports.js'
import { APP_ID, CERTIFICATE as OLD_CERTIFICATE, ServerProcess } from './helpers/processes.js'

const NEW_CERTIFICATE = '0123456789abcdef0123456789ABCDEF'

/** A production server's secrets as files, as a secret volume holds them, and the settings naming them. */
function secretFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'agate-reload-'))
  const path = (name: string): string => join(dir, name)
  const write = (files: { certificate: string; secondary: string; apiKeys: string }): void => {
    writeFileSync(path('certificate'), `${files.certificate}\n`)
    // An empty file is no secondary certificate: the file can be there before the rotation starts.
    writeFileSync(path('secondary'), files.secondary)
    writeFileSync(path('api-keys'), files.apiKeys)
  }
  const env = {
    NODE_ENV: 'production',
    AGORA_APP_ID: APP_ID,
    AGORA_APP_CERTIFICATE_FILE: path('certificate'),
    AGORA_APP_CERTIFICATE_SECONDARY_FILE: path('secondary'),
    AGATE_API_KEYS_FILE: path('api-keys'),
    AGATE_POLICY: 'allow-authenticated',
    AGATE_RATE_LIMIT_PER_ADDRESS: '0',
    AGATE_DRAIN_DELAY_MS: '0',
  }
  return { dir, env, write, path, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The client side's sockets, numbered as they open: the same number means the same connection. */
const connectionIds = new WeakMap<object, number>()
function countingAgent(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  let next = 1
  const createConnection = agent.createConnection.bind(agent)
  agent.createConnection = (options, callback) => {
    const socket = createConnection(options, callback)
    if (socket !== undefined && socket !== null) connectionIds.set(socket, next++)
    return socket
  }
  return agent
}

/** POST /fetch_rtc_token with an API key; the status and the token (or the error). */
async function mint(
  url: string,
  apiKey: string,
  agent?: Agent,
): Promise<{ status: number; token: string; connection: number }> {
  const body = JSON.stringify({ uid: 42, ChannelName: 'ChannelA', role: 1 })
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/fetch_rtc_token`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': apiKey },
      },
      (response) => {
        let text = ''
        response.on('data', (chunk: Buffer) => (text += chunk.toString()))
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            token: (JSON.parse(text) as { token: string }).token,
            connection: connectionIds.get(response.socket) ?? 0,
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}
const signedWith = (token: string, certificates: string[]): number | undefined => {
  try {
    return verifyToken(token, { certificates, channelName: 'ChannelA', uid: 42 }).certificateIndex
  } catch {
    return undefined
  }
}

describe('reloading the settings', () => {
  const cleanups: (() => unknown)[] = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  /** A production server in this process, on fresh secret files: the old certificate and `apiKeyHash`'s key. */
  async function serverOnFiles(apiKeyHash: string) {
    const files = secretFiles()
    cleanups.push(files.remove)
    files.write({ certificate: OLD_CERTIFICATE, secondary: '', apiKeys: `web=${apiKeyHash}` })
    /** Loads the config from the files, with `extra` settings on top. */
    const loadWith =
      (extra: Record<string, string> = {}) =>
      () =>
        loadConfig({ ...files.env, ...extra }, { port: 0, host: '127.0.0.1' })
    const logs = captureLogs()
    const server = await startServer(await loadWith()(), { logger: logs.logger })
    cleanups.push(() => server.close())
    return { files, load: loadWith(), loadWith, logs, server }
  }

  test('a reload rotates the certificate and the API keys; a keep-alive connection carries on', async () => {
    const oldKey = createApiKey()
    const newKey = createApiKey()
    const { files, load, logs, server } = await serverOnFiles(oldKey.hash)
    const agent = countingAgent()
    cleanups.push(() => agent.destroy())

    const before = await mint(server.url, oldKey.key, agent)
    assert.equal(before.status, 200)
    assert.equal(signedWith(before.token, [OLD_CERTIFICATE]), 0)

    // Step one of a rotation: the new certificate signs, the old one is still accepted.
    files.write({ certificate: NEW_CERTIFICATE, secondary: OLD_CERTIFICATE, apiKeys: `web=${newKey.hash}` })
    assert.deepEqual(await server.reload(load), { ok: true, restartNeeded: [] })

    const after = await mint(server.url, newKey.key, agent)
    assert.equal(after.status, 200)
    assert.equal(signedWith(after.token, [NEW_CERTIFICATE]), 0, 'signed with the new primary')
    assert.equal(after.connection, before.connection, 'the same keep-alive connection, not closed by the reload')
    assert.equal((await mint(server.url, oldKey.key, agent)).status, 401, 'the old key is gone')

    // The server's verifier accepts a token of the old certificate while it is the secondary.
    const verify = await fetch(`${server.url}/v1/tokens/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': newKey.key },
      body: JSON.stringify({ token: before.token }),
    })
    const verified = (await verify.json()) as { valid: boolean; certificate?: string }
    assert.equal(verify.status, 200)
    assert.deepEqual([verified.valid, verified.certificate], [true, 'secondary'])

    const reloaded = logs.lines().find((line) => line.event === 'server.reloaded')!
    assert.deepEqual(reloaded.restartNeeded, [])
    assert.equal(reloaded.apps[0].secondaryCertificate, true)
    assert.equal(reloaded.auth.apiKeys, 1)
    for (const secret of [OLD_CERTIFICATE, NEW_CERTIFICATE, oldKey.key, newKey.key])
      assert.ok(!logs.text().includes(secret), 'no secret in the logs')
  })

  test('a config that fails to load is refused by name, and the server keeps its settings', async () => {
    const key = createApiKey()
    const { files, load, logs, server } = await serverOnFiles(key.hash)

    // A certificate cut short while being written.
    writeFileSync(files.path('certificate'), NEW_CERTIFICATE.slice(0, 20))
    const outcome = await server.reload(load)
    assert.equal(outcome.ok, false)
    assert.match(!outcome.ok ? outcome.error : '', /^AGORA_APP_CERTIFICATE_FILE: /)
    const minted = await mint(server.url, key.key)
    assert.equal(minted.status, 200)
    assert.equal(signedWith(minted.token, [OLD_CERTIFICATE]), 0, 'still the old certificate')
    const failed = logs.lines().find((line) => line.event === 'server.reload-failed')!
    assert.equal(failed.level, 'error')
    assert.ok(!logs.text().includes(NEW_CERTIFICATE.slice(0, 20)), 'not even part of a secret in the logs')

    // A change of mode needs a restart: refused as a whole.
    const development = await loadConfig({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: OLD_CERTIFICATE })
    assert.deepEqual(await server.reload(() => development), { ok: false, error: 'development mode needs a restart' })
    assert.equal((await mint(server.url, 'not-a-key')).status, 401, 'still production: callers authenticate')

    // Once shutdown has begun there is nothing to reload.
    const closed = server.close()
    assert.deepEqual(await server.reload(load), { ok: false, error: 'the server is shutting down' })
    await closed
  })

  test('settings the listener fixed at start are named for a restart; the rest apply at once', async () => {
    const key = createApiKey()
    const { files, server } = await serverOnFiles(key.hash)
    const changed = { ...files.env, AGATE_KEEP_ALIVE_TIMEOUT_MS: '7000', AGATE_POLICY: 'deny-all' }
    const outcome = await server.reload(() => loadConfig(changed, { port: 1234, host: '127.0.0.1' }))
    assert.deepEqual(outcome, { ok: true, restartNeeded: ['AGATE_PORT', 'AGATE_KEEP_ALIVE_TIMEOUT_MS'] })
    assert.equal((await mint(server.url, key.key)).status, 403, 'the new policy applies at once')
    // A later reload with the same settings still names them: the listener runs on those it started with.
    const again = await server.reload(() => loadConfig(changed, { port: 1234, host: '127.0.0.1' }))
    assert.deepEqual(again, { ok: true, restartNeeded: ['AGATE_PORT', 'AGATE_KEEP_ALIVE_TIMEOUT_MS'] })
  })

  test('reloads apply one at a time, in the order they were asked for', async () => {
    const key = createApiKey()
    const { loadWith, server } = await serverOnFiles(key.hash)
    // The first one asked for takes longer to load than the second.
    const slowDeny = async () => {
      await sleep(200)
      return loadWith({ AGATE_POLICY: 'deny-all' })()
    }
    await Promise.all([server.reload(slowDeny), server.reload(loadWith())])
    assert.equal((await mint(server.url, key.key)).status, 200, 'the last one asked for is in force')
  })

  for (const [kind, start] of [
    ['one process (src/server/main.ts)', (env: Record<string, string>) => ServerProcess.single(env)],
    ['agate serve', async (env: Record<string, string>) => ServerProcess.serve(1, await freePort(), env)],
    ['a cluster of 2 workers', async (env: Record<string, string>) => ServerProcess.cluster(2, await freePort(), env)],
  ] as const) {
    test(`SIGHUP reloads ${kind}`, async () => {
      const files = secretFiles()
      cleanups.push(files.remove)
      const oldKey = createApiKey()
      const newKey = createApiKey()
      files.write({ certificate: OLD_CERTIFICATE, secondary: '', apiKeys: `web=${oldKey.hash}` })
      const server = await start({ PATH: process.env.PATH ?? '', ...files.env })
      cleanups.push(() => server.stop())
      assert.equal((await mint(server.url, oldKey.key)).status, 200)

      files.write({ certificate: NEW_CERTIFICATE, secondary: OLD_CERTIFICATE, apiKeys: `web=${newKey.hash}` })
      server.child.kill('SIGHUP')
      const workers = kind.startsWith('a cluster') ? 2 : 1
      for (let waited = 0; server.logs().filter((l) => l.event === 'server.reloaded').length < workers; waited += 50) {
        assert.ok(waited < 10_000, `${workers} reloaded line(s) within 10 s`)
        await sleep(50)
      }
      // A connection per request, so that a cluster's primary hands them to every worker in turn:
      // each must mint with the new certificate and key.
      const fresh = new Agent({ keepAlive: false })
      for (let i = 0; i < 8; i++) {
        const minted = await mint(server.url, newKey.key, fresh)
        assert.equal(minted.status, 200)
        assert.equal(signedWith(minted.token, [NEW_CERTIFICATE]), 0)
        assert.equal((await mint(server.url, oldKey.key, fresh)).status, 401)
      }
      assert.equal(server.child.exitCode, null, 'still running: SIGHUP no longer ends the process')
    })
  }
})
