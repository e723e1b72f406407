// The reference floor of bench/server.mjs: node:http answering POST /fetch_rtc_token with a
// precomputed token. It measures what the machine, the HTTP stack and the load generator allow
// before any token work, so the other rows can be read against it.
// Usage: node bench/server-floor.mjs   (prints "listening <port>")
import { createServer } from 'node:http'

const body = JSON.stringify({ token: `007${'x'.repeat(177)}`, code: '200' })

const server = createServer((request, response) => {
  request.resume()
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    response.end(body)
  })
})

server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
