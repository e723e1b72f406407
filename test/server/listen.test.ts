/** The listener: graceful shutdown, request timeouts, and the process entry point stopping on SIGTERM. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startServer } from '../../src/server/listen.js'
import { API_KEYS_SETTING, APP_ID, captureLogs, CERT, config, tempDir } from './helpers.js'

const productionBase = { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT, AGATE_API_KEYS: API_KEYS_SETTING }

function get(url: string, path: string): Promise<{ status: number; text: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, url), (response) => {
      let text = ''
      response.on('data', (chunk: Buffer) => (text += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode!, text, connection: response.headers.connection }))
    })
    request.on('error', reject)
    request.end()
  })
}

test('graceful shutdown: readiness turns 503, new connections are refused, the request in flight completes', async () => {
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  let entered!: () => void
  const inFlight = new Promise<void>((resolve) => (entered = resolve))
  const logs = captureLogs()
  const server = await startServer(await config({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT }, { port: 0 }), {
    logger: logs.logger,
    extraRoutes: (app) =>
      app.get('/slow', async (c) => {
        entered()
        await held
        return c.text('finished')
      }),
  })
  const slow = get(server.url, '/slow')
  await inFlight
  const closed = server.close()
  assert.equal(server.close(), closed, 'close() twice returns the same promise')
  // Not accepting any more: a new connection is refused.
  await assert.rejects(get(server.url, '/healthz'), { code: 'ECONNREFUSED' })
  let done = false
  void closed.then(() => (done = true))
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal(done, false, 'close() waits for the request in flight')
  release()
  const response = await slow
  assert.deepEqual([response.status, response.text], [200, 'finished'])
  await closed
  const events = logs.lines().map((line) => line.event)
  assert.deepEqual(events.slice(-2), ['server.stopping', 'server.stopped'])
})

test('warnings of the config are logged at every start: open access in production, dev mode off loopback', async () => {
  const openAccess = { ...productionBase, NODE_ENV: 'production', AGATE_OPEN_ACCESS: 'true', AGATE_POLICY: 'allow-all' }
  const starts: [Record<string, string>, RegExp][] = [
    [openAccess, /^AGATE_OPEN_ACCESS=true: callers are not authenticated/],
    [openAccess, /^AGATE_OPEN_ACCESS=true: callers are not authenticated/],
    [
      { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT, AGATE_HOST: '0.0.0.0' },
      /^development mode on AGATE_HOST=0\.0\.0\.0: /,
    ],
  ]
  for (const [env, warning] of starts) {
    const logs = captureLogs()
    const server = await startServer(await config(env, { port: 0 }), { logger: logs.logger, demo: false })
    await server.close()
    const warnings = logs.lines().filter((line) => line.event === 'server.warning')
    assert.equal(warnings.length, 1, JSON.stringify(warnings))
    assert.equal(warnings[0]!.level, 'warn')
    assert.match(warnings[0]!.msg as string, warning)
  }
  // On loopback, in any spelling, development mode warns of nothing beyond its banner.
  for (const host of ['localhost', '::1', '127.0.0.2']) {
    const quiet = await config({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT, AGATE_HOST: host })
    assert.deepEqual(quiet.warnings, [], host)
  }
  const logs = captureLogs()
  const server = await startServer(await config({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT }, { port: 0 }), {
    logger: logs.logger,
    demo: false,
  })
  await server.close()
  assert.deepEqual(
    logs.lines().filter((line) => line.event === 'server.warning'),
    [],
  )
})

test('graceful shutdown cuts connections still busy after the shutdown timeout', async () => {
  const server = await startServer(
    await config({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT, AGATE_SHUTDOWN_TIMEOUT_MS: '200' }, { port: 0 }),
    {
      logger: captureLogs().logger,
      extraRoutes: (app) => app.get('/forever', () => new Promise<Response>(() => undefined)),
    },
  )
  const hanging = get(server.url, '/forever').catch((error: Error) => error)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = Date.now()
  await server.close()
  assert.ok(Date.now() - started >= 150)
  assert.ok((await hanging) instanceof Error)
})

test('the listener takes its timeouts from the config: keep-alive above the 60 s of load balancers, headers above keep-alive', async () => {
  const defaults = await startServer(await config({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT }, { port: 0 }), {
    logger: captureLogs().logger,
    demo: false,
  })
  const { keepAliveTimeout, headersTimeout, requestTimeout } = defaults.server
  assert.deepEqual(
    { keepAliveTimeout, headersTimeout, requestTimeout },
    { keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 70_000 },
  )
  await defaults.close()
  const set = await startServer(
    await config(
      {
        AGORA_APP_ID: APP_ID,
        AGORA_APP_CERTIFICATE: CERT,
        AGATE_KEEP_ALIVE_TIMEOUT_MS: '1000',
        AGATE_HEADERS_TIMEOUT_MS: '2000',
        AGATE_REQUEST_TIMEOUT_MS: '3000',
      },
      { port: 0 },
    ),
    { logger: captureLogs().logger, demo: false },
  )
  assert.deepEqual(
    [set.server.keepAliveTimeout, set.server.headersTimeout, set.server.requestTimeout],
    [1000, 2000, 3000],
  )
  await set.close()
})

test('a request that does not arrive in time gets 408', async () => {
  const server = await startServer(
    await config(
      {
        AGORA_APP_ID: APP_ID,
        AGORA_APP_CERTIFICATE: CERT,
        AGATE_KEEP_ALIVE_TIMEOUT_MS: '200',
        AGATE_HEADERS_TIMEOUT_MS: '300',
        AGATE_REQUEST_TIMEOUT_MS: '300',
      },
      { port: 0 },
    ),
    {
      logger: captureLogs().logger,
    },
  )
  const url = new URL(server.url)
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () =>
      socket.write('POST /fetch_rtc_token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"uid":'),
    )
    let text = ''
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()))
    socket.on('close', () => resolve(text))
    socket.on('error', reject)
  })
  assert.match(answer, /^HTTP\/1\.1 408 /)
  assert.match(answer, /"code":"request-timeout"/)
  await server.close()
})

test('the entry point (src/server/main.ts) serves, prints where in plain text, and exits 0 on SIGTERM after draining', async () => {
  const main = fileURLToPath(new URL('../../src/server/main.ts', import.meta.url))
  const cwd = tempDir()
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: {
      PATH: process.env.PATH,
      AGATE_DEV_CREDENTIALS_FILE: `${cwd}/dev.json`,
      AGATE_LOG_DESTINATION: 'stdout',
      AGATE_DRAIN_DELAY_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)
      if (match !== null) resolve(match[1]!)
    })
    child.on('exit', () => reject(new Error(`exited early: ${output}${stderr}`)))
  })
  assert.equal((await get(url, '/healthz')).status, 200)
  // Issue 12: the demo's address as plain text, and only addresses that answer.
  while (!stderr.includes('web demo at')) await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(stderr, `agate server: listening on ${url}\nagate server: web demo at ${url}/\n`)
  const page = await get(url, '/')
  assert.equal(page.status, 200)
  assert.match(page.text, /^<!doctype html>/i)
  const banner = JSON.parse(output.split('\n').find((line) => line.includes('"event":"server.banner"'))!) as {
    msg: string
  }
  const addresses = [...banner.msg.matchAll(/http:\/\/[^\s)]+[^\s).]/g)].map((match) => match[0])
  assert.deepEqual(addresses, [`${url}/`, `${url}/sandbox/`])
  assert.equal((await get(url, '/sandbox/config')).status, 200, 'the sandbox API answers under /sandbox/')
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  assert.equal(await exited, 0, output)
  assert.match(output, /"event":"server.stopped"/)
  assert.match(output, /DEVELOPMENT MODE/)
})

test('close with a drain delay: /readyz fails at once, new connections are still served, every answer says Connection: close', async () => {
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  let entered!: () => void
  const inFlight = new Promise<void>((resolve) => (entered = resolve))
  const server = await startServer(await config({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT }, { port: 0 }), {
    logger: captureLogs().logger,
    demo: false,
    extraRoutes: (app) =>
      app.get('/slow', async (c) => {
        entered()
        await held
        return c.text('finished')
      }),
  })
  assert.equal((await get(server.url, '/healthz')).connection, 'keep-alive')
  const slow = get(server.url, '/slow')
  await inFlight
  let closed = false
  const closing = server.close({ drainDelayMs: 400 }).then(() => (closed = true))
  const readyz = await get(server.url, '/readyz')
  assert.deepEqual([readyz.status, JSON.parse(readyz.text), readyz.connection], [503, { status: 'draining' }, 'close'])
  const health = await get(server.url, '/healthz')
  assert.deepEqual([health.status, health.connection], [200, 'close'], 'a new connection during the delay is served')
  release()
  const finished = await slow
  assert.deepEqual([finished.status, finished.connection], [200, 'close'], 'the request in flight at close()')
  assert.equal(closed, false, 'still within the delay')
  await closing
  await assert.rejects(get(server.url, '/healthz'), { code: 'ECONNREFUSED' })
})

test('a bad setting stops the entry point with exit code 1 and the setting named', async () => {
  const main = fileURLToPath(new URL('../../src/server/main.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  assert.equal(code, 1)
  assert.match(stderr, /^agate server: AGORA_APP_ID: production mode needs real credentials/)
})

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

test('a Redis store in refuse mode that cannot reach Redis fails /readyz and answers 503; allow mode stays ready', async () => {
  const url = `redis://127.0.0.1:${await closedPort()}`
  const start = (mode: string) =>
    config(
      { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT, REDIS_URL: url, RATE_LIMIT_REDIS_FAILURE: mode },
      { port: 0 },
    ).then((loaded) => startServer(loaded, { logger: captureLogs().logger, demo: false }))
  const refuse = await start('refuse')
  const allow = await start('allow')
  try {
    const readyz = await get(refuse.url, '/readyz')
    assert.deepEqual(
      [readyz.status, JSON.parse(readyz.text)],
      [503, { status: 'unavailable', reason: 'rate-limit-store' }],
    )
    assert.equal((await get(refuse.url, '/healthz')).status, 200)
    const token = await fetch(`${refuse.url}/v1/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rtc: { channelName: 'room-1', uid: 42 } }),
    })
    assert.equal(token.status, 503)
    assert.equal(((await token.json()) as { reason: string }).reason, 'rate-limit-store')

    const ready = await get(allow.url, '/readyz')
    assert.deepEqual([ready.status, JSON.parse(ready.text)], [200, { status: 'ready' }])
    const served = await fetch(`${allow.url}/fetch_rtc_token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ uid: 2882341273, ChannelName: 'ChannelA', role: 1 }),
    })
    assert.equal(served.status, 200, 'served uncounted')
  } finally {
    const started = Date.now()
    await Promise.all([refuse.close(), allow.close()])
    assert.ok(Date.now() - started < 3000, 'closing does not wait for the missing Redis')
  }
})

test('development mounts the web demo and closes its sandbox on shutdown; demo: false and production do not mount it', async () => {
  const dev = await config({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT }, { port: 0 })
  const withDemo = await startServer(dev, { logger: captureLogs().logger })
  assert.ok(withDemo.demo !== undefined)
  assert.equal((await get(withDemo.url, '/demo/config.json')).status, 200)
  assert.equal((await get(withDemo.url, '/sandbox/config')).status, 200)
  const demo = withDemo.demo
  const end = demo.close.bind(demo)
  let ended = false
  demo.close = () => {
    ended = true
    end()
  }
  await withDemo.close()
  assert.ok(ended, 'close() ended the sandbox')

  const logs = captureLogs()
  const without = await startServer(dev, { logger: logs.logger, demo: false })
  assert.equal(without.demo, undefined)
  assert.equal((await get(without.url, '/demo/config.json')).status, 404)
  assert.equal(JSON.parse((await get(without.url, '/')).text).name, 'agate token server')
  await without.close()
  const started = logs.lines().find((line) => line.event === 'server.started')
  assert.deepEqual([started?.demo, started?.rateLimitStore], [false, 'memory'])

  const production = await config({ ...productionBase }, { port: 0, production: true })
  const prod = await startServer(production, { logger: captureLogs().logger })
  assert.equal(prod.demo, undefined)
  assert.equal((await get(prod.url, '/demo/config.json')).status, 404)
  await prod.close()
  await assert.rejects(startServer(production, { logger: captureLogs().logger, demo: true }), {
    name: 'Error',
    message: 'the web demo and the sandbox are for development mode only (startServer option demo)',
  })
})
