/**
 * The token server at the protocol's edges, over real sockets: every request that reaches it gets
 * its answer. Early refusals are delivered to clients that write their whole body before reading,
 * `100 Continue` comes only after the checks that can refuse a request, malformed requests get
 * problem+json, and a method a path does not serve gets 405 with `Allow` (404 only for paths that
 * do not exist).
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startServer, type RunningServer } from '../../src/server/listen.js'
import { LINGER_MS } from '../../src/server/node-response.js'
import { RawConnection, rawRequest, writeWholeThenRead, type RawResponse } from '../fleet/helpers/raw-http.js'
import { captureLogs, config, KEYS, productionEnv } from './helpers.js'

const GO_SAMPLE = '{"uid":2882341273,"ChannelName":"ChannelA","role":1}'
const TWO_MB = Buffer.alloc(2 * 1024 * 1024, 'x')
const TWENTY_MB = Buffer.alloc(20 * 1024 * 1024, 'x')

let server: RunningServer

before(async () => {
  // Production: API keys, so that 401 is an early answer too.
  server = await startServer(await config(productionEnv(), { port: 0, host: '127.0.0.1' }), {
    logger: captureLogs().logger,
  })
})
after(() => server.close())

/** A request head (CRLFs added). */
function head(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** Sends the head's `lines` and the whole body before reading anything (see writeWholeThenRead). */
function writeAllThenRead(lines: string[], body: Buffer): Promise<RawResponse> {
  return writeWholeThenRead(server.url, head([...lines, `Content-Length: ${body.length}`]), body)
}

function problemOf(response: RawResponse): Record<string, unknown> {
  assert.equal(response.headers['content-type'], 'application/problem+json')
  return JSON.parse(response.body) as Record<string, unknown>
}

describe('early answers reach clients that write the whole body first', () => {
  // 2 MB is the case. On loopback with large socket buffers (this project's VM takes up
  // to 32 MB), 2 MB can fit in the kernel before the server closes; 20 MB cannot, and then a
  // server that closes at once resets the connection under the client's writes.
  for (const [size, body] of [
    ['2 MB', TWO_MB],
    ['20 MB', TWENTY_MB],
  ] as const) {
    for (const connection of ['close', 'keep-alive']) {
      test(`a ${size} body with Connection: ${connection} gets its 413, 3 times out of 3`, async () => {
        for (let round = 0; round < 3; round++) {
          const response = await writeAllThenRead(
            [
              'POST /fetch_rtc_token HTTP/1.1',
              'Host: agate.test',
              `Authorization: Bearer ${KEYS.web.key}`,
              'Content-Type: application/json',
              `Connection: ${connection}`,
            ],
            body,
          )
          assert.equal(response.status, 413, `round ${round}`)
          // The rest of the body was never wanted: the connection closes after it, whatever was asked.
          assert.equal(response.headers.connection, 'close')
          assert.deepEqual(JSON.parse(response.body), { token: 'the body is larger than 8192 bytes', code: '413' })
        }
      })
    }
  }

  test('an unauthenticated 20 MB body gets its 401, and a 20 MB POST to a missing path its 404', async () => {
    const unauthenticated = await writeAllThenRead(
      ['POST /v1/tokens HTTP/1.1', 'Host: agate.test', 'Content-Type: application/json', 'Connection: close'],
      TWENTY_MB,
    )
    assert.equal(unauthenticated.status, 401)
    assert.equal(problemOf(unauthenticated).code, 'unauthenticated')
    // Through Hono (not the token routes' own path on node:http): the same.
    const missing = await writeAllThenRead(
      ['POST /v2/tokens HTTP/1.1', 'Host: agate.test', 'Connection: close'],
      TWENTY_MB,
    )
    assert.equal(missing.status, 404)
    assert.equal(problemOf(missing).code, 'not-found')
  })

  test('a body that arrives whole keeps the connection alive', async () => {
    const connection = await RawConnection.open(server.url)
    try {
      const request = head([
        'POST /fetch_rtc_token HTTP/1.1',
        'Host: agate.test',
        `Authorization: Bearer ${KEYS.web.key}`,
        `Content-Length: ${GO_SAMPLE.length}`,
      ])
      await connection.write(request + GO_SAMPLE)
      await connection.write(request + GO_SAMPLE)
      const [first, second] = await connection.responses(2)
      assert.deepEqual([first?.status, second?.status], [200, 200])
      assert.equal(first?.headers.connection, 'keep-alive')
    } finally {
      connection.destroy()
    }
  })
})

describe('Expect: 100-continue is answered only after the checks that can refuse the request', () => {
  /** Sends the head only; returns every answer that came before the body was sent, and the connection. */
  async function expectContinue(
    lines: string[],
    length: number,
  ): Promise<{ connection: RawConnection; answers: RawResponse[] }> {
    const connection = await RawConnection.open(server.url)
    await connection.write(head([...lines, 'Expect: 100-continue', `Content-Length: ${length}`]))
    return { connection, answers: await connection.responses(1) }
  }

  test('an unauthenticated caller is refused (401) without being invited to upload', async () => {
    const { connection, answers } = await expectContinue(
      ['POST /fetch_rtc_token HTTP/1.1', 'Host: agate.test'],
      GO_SAMPLE.length,
    )
    connection.destroy()
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [401],
    )
    assert.equal(answers[0]?.headers.connection, 'close')
  })

  test('a declared 10 MB body is refused (413) without being invited to upload', async () => {
    const { connection, answers } = await expectContinue(
      ['POST /v1/tokens HTTP/1.1', 'Host: agate.test', `Authorization: Bearer ${KEYS.web.key}`],
      10 * 1024 * 1024,
    )
    connection.destroy()
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [413],
    )
    assert.equal(problemOf(answers[0]!).code, 'payload-too-large')
  })

  test('a path that does not exist is refused (404) without being invited to upload', async () => {
    const { connection, answers } = await expectContinue(['POST /nope HTTP/1.1', 'Host: agate.test'], 10)
    connection.destroy()
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [404],
    )
  })

  test('an authenticated caller within the limits gets 100 Continue, sends the body, and gets its token', async () => {
    const { connection, answers } = await expectContinue(
      [
        'POST /fetch_rtc_token HTTP/1.1',
        'Host: agate.test',
        `Authorization: Bearer ${KEYS.web.key}`,
        'Content-Type: application/json',
      ],
      GO_SAMPLE.length,
    )
    try {
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [100],
      )
      await connection.write(GO_SAMPLE)
      const final = await connection.finalResponse()
      assert.equal(final.status, 200)
      assert.equal((JSON.parse(final.body) as { code: string }).code, '200')
    } finally {
      connection.destroy()
    }
  })

  test('other expectations get 417 as a problem', async () => {
    const response = await rawRequest(
      server.url,
      head(['POST /v1/tokens HTTP/1.1', 'Host: agate.test', 'Expect: x-magic', 'Content-Length: 0']),
    )
    assert.equal(response.status, 417)
    assert.equal(problemOf(response).code, 'expectation-failed')
  })
})

describe('malformed requests get problem+json', () => {
  const cases: [string, string, number, RegExp][] = [
    ['garbage', 'NOT HTTP AT ALL\r\n\r\n', 400, /not valid HTTP\/1\.1/],
    ['HTTP/1.1 without Host', head(['GET /healthz HTTP/1.1']), 400, /needs a Host header/],
    ['GET *', head(['GET * HTTP/1.1', 'Host: agate.test']), 400, /only for OPTIONS/],
    ['a Host that is no host name', head(['GET /healthz HTTP/1.1', 'Host: a b']), 400, /Host header is not valid/],
    [
      'a header section over the limit',
      head(['GET /healthz HTTP/1.1', 'Host: agate.test', `X-Big: ${'a'.repeat(9000)}`]),
      431,
      /larger than 8192 bytes/,
    ],
  ]
  for (const [name, request, status, detail] of cases) {
    test(name, async () => {
      const response = await rawRequest(server.url, request)
      assert.equal(response.status, status)
      assert.match(problemOf(response).detail as string, detail)
    })
  }

  test('HTTP/1.0 without Host is served, on every route', async () => {
    const health = await rawRequest(server.url, head(['GET /healthz HTTP/1.0']))
    assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: 'ok' }])
    const missing = await rawRequest(server.url, head(['GET /nope HTTP/1.0']))
    assert.equal(missing.status, 404)
    assert.equal(problemOf(missing).code, 'not-found')
  })

  test('OPTIONS * says what the server serves', async () => {
    const response = await rawRequest(server.url, head(['OPTIONS * HTTP/1.1', 'Host: agate.test']))
    assert.equal(response.status, 204)
    assert.equal(response.headers.allow, 'GET, HEAD, OPTIONS, POST')
  })
})

describe('unsupported methods get 405 with Allow on every route; 404 only for paths that do not exist', () => {
  const cases: [string, string, string][] = [
    ['PUT', '/v1/tokens', 'OPTIONS, POST'],
    ['DELETE', '/v1/tokens', 'OPTIONS, POST'],
    ['GET', '/v1/tokens', 'OPTIONS, POST'],
    ['PUT', '/getToken', 'OPTIONS, POST'],
    ['DELETE', '/getToken', 'OPTIONS, POST'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['PATCH', '/rtm/alice', 'GET, HEAD, OPTIONS'],
    ['PROPFIND', '/readyz', 'GET, HEAD'],
  ]
  for (const [method, path, allow] of cases) {
    test(`${method} ${path}: 405, Allow: ${allow}`, async () => {
      const response = await rawRequest(
        server.url,
        head([`${method} ${path} HTTP/1.1`, 'Host: agate.test', 'Content-Length: 0']),
      )
      assert.equal(response.status, 405)
      assert.equal(response.headers.allow, allow)
      assert.equal(problemOf(response).code, 'method-not-allowed')
    })
  }

  test('the docs route answers other methods in the docs shape, with Allow', async () => {
    for (const method of ['GET', 'PUT', 'PROPFIND']) {
      const response = await rawRequest(server.url, head([`${method} /fetch_rtc_token HTTP/1.1`, 'Host: agate.test']))
      assert.equal(response.status, 405, method)
      assert.equal(response.headers.allow, 'POST, OPTIONS', method)
      assert.deepEqual(JSON.parse(response.body), { token: 'Unsupported method. Please check.', code: '405' })
    }
  })

  test('CONNECT gets 405 with Allow, not a closed connection', async () => {
    const tunnel = await rawRequest(server.url, head(['CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443']))
    assert.equal(tunnel.status, 405)
    assert.equal(tunnel.headers.allow, 'GET, HEAD, OPTIONS, POST')
    assert.equal(problemOf(tunnel).code, 'method-not-allowed')
    const onRoute = await rawRequest(server.url, head(['CONNECT /v1/tokens HTTP/1.1', 'Host: agate.test']))
    assert.deepEqual([onRoute.status, onRoute.headers.allow], [405, 'OPTIONS, POST'])
  })

  test(
    'a refused CONNECT is closed after LINGER_MS even when the client keeps dripping bytes',
    { timeout: 20_000 },
    async () => {
      const url = new URL(server.url)
      // Half-open, as a client that keeps sending after the server's answer.
      const socket = connect({ port: Number(url.port), host: url.hostname, allowHalfOpen: true })
      await once(socket, 'connect')
      socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
      socket.resume()
      // The drip's writes fail once the server has closed the connection: that is the point.
      socket.on('error', () => {})
      const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)))
      // One byte a second, which would restart an idle timer forever.
      const drip = setInterval(() => socket.writable && socket.write('x'), 1000)
      try {
        const result = await Promise.race([closed, sleep(LINGER_MS + 4000).then(() => false)])
        assert.equal(result, true, 'the server closed the connection')
      } finally {
        clearInterval(drip)
        socket.destroy()
      }
    },
  )

  test('paths that do not exist are 404 whatever the method', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'POST']) {
      const response = await rawRequest(
        server.url,
        head([`${method} /v2/tokens HTTP/1.1`, 'Host: agate.test', 'Content-Length: 0']),
      )
      assert.equal(response.status, 404, method)
      assert.equal(response.headers.allow, undefined)
    }
  })
})
