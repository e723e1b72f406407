/**
 * The Node listener's own behaviour (src/server/node-exchange.ts): which requests it serves itself,
 * and the error paths that only it has (a request that could not be answered, a client that goes
 * away in the middle of its body). That it answers as Hono does is exchange-parity.test.ts's part.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { connect } from 'node:net'
import { test } from 'node:test'
import { buildApp } from '../../src/server/app.js'
import { HttpError } from '../../src/server/errors.js'
import { nodeTokenListener } from '../../src/server/node-exchange.js'
import { respondJson } from '../../src/server/pipeline.js'
import { captureLogs, config } from './helpers.js'

const GO_SAMPLE = '{"uid":2882341273,"ChannelName":"ChannelA","role":1}'

/** Listens on a free loopback port; resolves with the base URL. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

function close(server: Server): Promise<unknown> {
  return new Promise((resolve) => server.close(resolve))
}

/** One turn and a little more, so that request lines batched by the log writer are written. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))

test('node:http serves POSTs to fixed token paths itself and hands everything else to Hono', async () => {
  const { tokenRoutes } = buildApp(await config({}), { logger: captureLogs().logger })
  // A fallback that is not Hono: whatever it answers did not take the fast path.
  const handed: string[] = []
  const listener = nodeTokenListener(
    tokenRoutes,
    (request, response) => {
      handed.push(`${request.method} ${request.url}`)
      response.writeHead(299).end()
    },
    () => undefined,
  )
  const plain = createServer(listener)
  const base = await listen(plain)
  try {
    const status = async (method: string, path: string, body?: string): Promise<number> =>
      (await fetch(`${base}${path}`, { method, body, headers: { 'content-type': 'application/json' } })).status
    assert.equal(await status('POST', '/fetch_rtc_token', GO_SAMPLE), 200)
    assert.equal(await status('POST', '/v1/tokens', '{"rtc":{"channelName":"a","uid":1,"role":"publisher"}}'), 200)
    assert.equal(await status('POST', '/fetch_rtc_token?app=nope', GO_SAMPLE), 400)
    assert.equal(await status('POST', '/getToken', '{"tokenType":"rtc","channel":"a","uid":"1"}'), 200)
    assert.equal(await status('POST', '/v1/tokens/verify', '{}'), 400)
    assert.deepEqual(handed, [])
    for (const [method, path] of [
      ['GET', '/fetch_rtc_token'],
      ['OPTIONS', '/v1/tokens'],
      ['POST', '/fetch_rtc_token/'],
      ['POST', '/rtm/alice'],
      ['GET', '/healthz'],
    ] as const) {
      assert.equal(await status(method, path, method === 'POST' ? '{}' : undefined), 299, `${method} ${path}`)
    }
    assert.equal(handed.length, 5)
  } finally {
    await close(plain)
  }
})

test('a route that throws something that is not an Error is answered 500 in its own shape, and logged', async () => {
  const logs = captureLogs()
  const { tokenRoutes } = buildApp(await config({}), { logger: logs.logger })
  tokenRoutes.mount('POST', '/throws-null', {
    route: '/throws-null',
    renderError: (error, call) => respondJson(call, { failed: error.kind }, error.status),
    handle: () => {
      // A throw of a non-Error is what this route exists to test.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw null
    },
  })
  const failures: unknown[] = []
  const server = createServer(
    nodeTokenListener(
      tokenRoutes,
      () => undefined,
      (error) => failures.push(error),
    ),
  )
  const base = await listen(server)
  try {
    const response = await fetch(`${base}/throws-null`, { method: 'POST', body: '{}' })
    assert.equal(response.status, 500)
    assert.deepEqual(await response.json(), { failed: 'internal' })
    assert.deepEqual(failures, [])
    await settle()
    const line = logs.lines().find((entry) => entry.event === 'request.failed')
    assert.equal(line?.route, '/throws-null')
  } finally {
    await close(server)
  }
})

test('an answer that cannot be produced at all is a bare 500 problem, and the listener hears why', async () => {
  const { tokenRoutes } = buildApp(await config({}), { logger: captureLogs().logger })
  tokenRoutes.mount('POST', '/broken', {
    route: '/broken',
    renderError: () => {
      throw new Error('renderer broken')
    },
    handle: () => {
      throw new HttpError('invalid-request', 'no')
    },
  })
  const failures: unknown[] = []
  const server = createServer(
    nodeTokenListener(
      tokenRoutes,
      () => undefined,
      (error) => failures.push(error),
    ),
  )
  const base = await listen(server)
  try {
    const response = await fetch(`${base}/broken`, { method: 'POST', body: '{}' })
    assert.equal(response.status, 500)
    assert.equal(response.headers.get('content-type'), 'application/problem+json')
    const problem = (await response.json()) as Record<string, unknown>
    assert.equal(problem.code, 'internal')
    assert.equal(JSON.stringify(problem).includes('renderer broken'), false)
    assert.equal((failures[0] as Error).message, 'renderer broken')
  } finally {
    await close(server)
  }
})

test('a client that goes away in the middle of its body is logged as cut off, and the server serves on', async () => {
  const logs = captureLogs()
  const { app, tokenRoutes } = buildApp(await config({}), { logger: logs.logger })
  const { getRequestListener } = await import('@hono/node-server')
  const server = createServer(nodeTokenListener(tokenRoutes, getRequestListener(app.fetch), () => undefined))
  const base = await listen(server)
  try {
    const url = new URL(base)
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          'POST /fetch_rtc_token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"uid":',
        )
        setTimeout(() => {
          socket.destroy()
          resolve()
        }, 50)
      })
      socket.on('error', reject)
    })
    await settle()
    const line = logs.lines().find((entry) => entry.event === 'request.rejected')
    assert.equal(line?.message, 'the request body was cut off')
    assert.equal(line?.status, 400)
    const next = await fetch(`${base}/fetch_rtc_token`, { method: 'POST', body: GO_SAMPLE })
    assert.equal(next.status, 200)
  } finally {
    await close(server)
  }
})
