/**
 * Free loopback ports for servers that cannot bind port 0 themselves (redis-server restarted on the
 * same port, a cluster whose workers must agree on one).
 * @module
 */
import { createServer } from 'node:net'

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it; nothing else races in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
