/**
 * The container image's runtime, reproduced without Docker: the package as `npm pack` ships it,
 * installed with production dependencies only, run by the Dockerfile's ENTRYPOINT and CMD as uid
 * 1000 and as PID 1 of a new PID namespace (what `docker run` does), with the image's ENV.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createApiKey } from '../../src/server/auth/api-keys.js'
import { imageSpec, ROOT } from './helpers/deploy-files.js'
import { freePort } from './helpers/ports.js'
import { APP_ID, CERTIFICATE } from './helpers/processes.js'
import { packTarball } from '../package/tarball.js'

const UID = 1000
/** Longer than any wait here: a server that exits before it did not wait for the shutdown timeout. */
const LONG_SHUTDOWN_MS = '600000'
const which = (command: string): string | undefined =>
  spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim() || undefined
const canRun =
  process.getuid?.() === 0 &&
  which('unshare') !== undefined &&
  which('setpriv') !== undefined &&
  which('tini') !== undefined
const MISSING = 'needs root, unshare and setpriv (util-linux) and tini (apt-get install tini; npm test installs it)'
if (!canRun && process.env.CI) throw new Error(`image runtime test: ${MISSING}`)

/** A server started as the image starts it, inside `unshare --pid`. */
interface Container {
  readonly url: string
  /** The host's view of the namespace's PID 1 (what `docker stop` signals). */
  readonly pid1: number
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly output: () => string
  readonly child: ChildProcess
}

describe(
  'the image runtime: npm pack, production-only install, uid 1000, PID 1',
  { skip: canRun ? false : MISSING },
  () => {
    const dir = canRun ? mkdtempSync(join(tmpdir(), 'agate-image-')) : ''
    const { key: apiKey, hash: apiKeyHash } = createApiKey()
    let app = ''
    const containers: Container[] = []

    before(() => {
      assert.ok(existsSync(join(ROOT, 'dist/cli/main.js')), 'dist/ is built (npm run build; npm test does it first)')
      // The image's files belong to root and are only readable by the server's user, as here.
      chmodSync(dir, 0o755)
      const packed = packTarball(dir)
      const prefix = join(dir, 'image')
      execFileSync('mkdir', ['-p', prefix])
      writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n')
      execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', packed.path], {
        cwd: prefix,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      app = join(prefix, 'node_modules', 'agate-tokens')
      assert.ok(!existsSync(join(prefix, 'node_modules', 'typescript')), 'no dev dependency in the install')
      // Secrets as mounted files: root-owned, readable by the server's group only (Kubernetes fsGroup).
      for (const [name, value] of [
        ['cert', CERTIFICATE],
        ['keys', `test=${apiKeyHash}`],
      ] as const) {
        writeFileSync(join(dir, name), value, { mode: 0o440 })
        chownSync(join(dir, name), 0, UID)
      }
    })

    after(() => {
      for (const container of containers) if (container.child.exitCode === null) container.child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    })

    /** Runs the image's command in a new PID namespace as uid 1000; `init: false` drops the ENTRYPOINT (node itself is PID 1). */
    async function start(extra: Record<string, string>, init = true): Promise<Container> {
      const spec = imageSpec()
      const command = spec.command.map((part) =>
        part === '/sbin/tini' ? which('tini')! : part === 'node' ? process.execPath : part,
      )
      const argv = init ? command : command.slice(command.indexOf('--') + 1)
      const port = await freePort()
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...spec.env,
        // Loopback only in tests; a hosting platform's PORT, as the port rule reads it.
        AGATE_HOST: '127.0.0.1',
        PORT: String(port),
        AGORA_APP_ID: APP_ID,
        AGORA_APP_CERTIFICATE_FILE: join(dir, 'cert'),
        AGATE_API_KEYS_FILE: join(dir, 'keys'),
        AGATE_POLICY: 'allow-authenticated',
        AGATE_WORKERS: '1',
        ...extra,
      }
      const child = spawn(
        'unshare',
        [
          '--pid',
          '--fork',
          '--mount-proc',
          '--kill-child',
          'setpriv',
          `--reuid=${UID}`,
          `--regid=${UID}`,
          '--clear-groups',
          '--',
          ...argv,
        ],
        {
          cwd: app,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      )
      const url = `http://127.0.0.1:${port}`
      for (let attempt = 0; ; attempt++) {
        const ready = await fetch(`${url}/readyz`).then(
          (response) => response.status === 200,
          () => false,
        )
        if (ready) break
        assert.ok(attempt < 150 && child.exitCode === null, `the server did not become ready: ${output.slice(0, 2000)}`)
        await sleep(100)
      }
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)
      assert.equal(children.length, 1)
      const container = { url, pid1: Number(children[0]), exited, output: () => output, child }
      containers.push(container)
      return container
    }

    /** A GET whose head is sent now and finished by `finish()`; resolves with the status (0 if closed first). */
    async function halfSent(url: string, path: string): Promise<{ finish(): void; status: Promise<number> }> {
      const { hostname, port } = new URL(url)
      const socket = connect({ host: hostname, port: Number(port) })
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n`)
      let received = ''
      const status = new Promise<number>((resolve) => {
        socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
        socket.once('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)))
        socket.once('error', () => undefined)
      })
      return { finish: () => socket.end('Connection: close\r\n\r\n'), status }
    }

    /** Resolves once the server is out of rotation: `/readyz` answers 503, or new connections are refused. */
    async function draining(url: string): Promise<void> {
      for (let attempt = 0; attempt < 200; attempt++) {
        const status = await fetch(`${url}/readyz`).then(
          (response) => response.status,
          () => 0,
        )
        if (status !== 200) return
        await sleep(50)
      }
      assert.fail('the server did not start draining after SIGTERM')
    }

    /** The process's real and effective uid, from /proc. */
    const uidOf = (pid: number): string[] =>
      /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))!.slice(1, 3)

    test('the image: tini as PID 1, `agate serve` as uid 1000 on PORT; probes, a token; SIGTERM drains (readyz 503) and exits 0', async () => {
      const container = await start({})
      assert.deepEqual(uidOf(container.pid1), [String(UID), String(UID)])
      assert.match(readFileSync(`/proc/${container.pid1}/cmdline`, 'utf8'), /tini/)
      assert.equal((await fetch(`${container.url}/healthz`)).status, 200)
      assert.deepEqual(await (await fetch(`${container.url}/readyz`)).json(), { status: 'ready' })
      const response = await fetch(`${container.url}/fetch_rtc_token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
        body: JSON.stringify({ uid: 1, ChannelName: 'image', role: 1 }),
      })
      assert.equal(response.status, 200)
      assert.match(((await response.json()) as { token: string }).token, /^007/)
      assert.equal(
        (await fetch(`${container.url}/fetch_rtc_token`, { method: 'POST', body: '{}' })).status,
        401,
        'production: callers must authenticate',
      )

      const probe = await halfSent(container.url, '/readyz')
      process.kill(container.pid1, 'SIGTERM')
      await draining(container.url)
      probe.finish()
      assert.equal(await probe.status, 503, 'draining: out of rotation')
      assert.deepEqual(await container.exited, { code: 0, signal: null }, container.output())
      assert.doesNotMatch(container.output(), new RegExp(CERTIFICATE, 'i'), 'no secret in the logs')
    })

    for (const init of [true, false]) {
      const name = init ? 'the image (tini)' : 'node itself as PID 1 (no init)'
      test(`${name}: a second SIGTERM exits at once, without waiting for the shutdown timeout`, async () => {
        const container = await start({ AGATE_SHUTDOWN_TIMEOUT_MS: LONG_SHUTDOWN_MS }, init)
        if (!init) assert.match(readFileSync(`/proc/${container.pid1}/cmdline`, 'utf8'), /^[^\0]*node\0/)
        // A request in flight keeps the first shutdown waiting (up to the long timeout).
        const held = await halfSent(container.url, '/healthz')
        process.kill(container.pid1, 'SIGTERM')
        await draining(container.url)
        assert.equal(container.child.exitCode, null, 'still draining after the first signal')
        process.kill(container.pid1, 'SIGTERM')
        // Bounded wait, far below the shutdown timeout: exiting within it means the second signal did it.
        const exit = await Promise.race([container.exited, sleep(15_000, undefined, { ref: false })])
        held.finish()
        assert.ok(exit !== undefined, 'exited after the second signal')
        assert.notEqual(exit.code, 0, 'a forced stop is not a clean one')
      })
    }
  },
)
