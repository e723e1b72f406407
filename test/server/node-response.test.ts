/**
 * The listener's response class on its own, over a real socket: an answer ended before the body
 * arrived is delivered whichever of `end`'s forms wrote it, `(callback)`, `(chunk, callback)` or
 * `(chunk, encoding, callback)`, with the length `end(chunk)` would declare, and its callback runs.
 */
import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { responseClass } from '../../src/server/node-response.js'
import { writeWholeThenRead } from '../fleet/helpers/raw-http.js'

const BODY = Buffer.alloc(4 * 1024 * 1024, 'x')

/** How each path ends its answer, without reading the request's body. */
const ENDINGS: Record<string, (response: ServerResponse, done: () => void) => void> = {
  '/callback': (response, done) => response.end(done),
  '/chunk-callback': (response, done) => response.end('refused', done),
  '/chunk-encoding-callback': (response, done) => response.end('72656675736564', 'hex', done),
}

let server: Server
let url = ''
const ended: string[] = []

before(async () => {
  server = createServer({ ServerResponse: responseClass(() => false) }, (request, response) => {
    response.statusCode = 403
    // As Node's own end(callback): once the answer is finished, not when its bytes were written.
    ENDINGS[request.url!]!(response, () => ended.push(response.writableFinished ? request.url! : 'too early'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

for (const [path, expected] of [
  ['/callback', ''],
  ['/chunk-callback', 'refused'],
  ['/chunk-encoding-callback', 'refused'],
] as const) {
  test(`end${path.replaceAll('-', ', ').replace('/', ' (')}) before the body: delivered, then closed`, async () => {
    const head = `POST ${path} HTTP/1.1\r\nHost: agate.test\r\nContent-Length: ${BODY.length}\r\n\r\n`
    const response = await writeWholeThenRead(url, head, BODY)
    assert.equal(response.status, 403)
    assert.equal(response.body, expected)
    assert.equal(response.headers['content-length'], String(expected.length))
    assert.equal(response.headers.connection, 'close')
    // It runs once the rest of the body has been read and the answer ended: after the client got it.
    for (let waited = 0; !ended.includes(path) && waited < 5000; waited += 20) await sleep(20)
    assert.ok(ended.includes(path), `the callback ran, once the answer had finished (${ended.join(', ')})`)
  })
}
