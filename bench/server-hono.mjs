// Breakdown rows of bench/server.mjs (BENCH_BREAKDOWN=1): Hono on @hono/node-server with one
// POST /fetch_rtc_token handler and nothing else (no auth, policy, validation, rate limits, logs or
// metrics). Mode `floor` answers a precomputed token; mode `library` builds it with Agate's
// buildRtcToken. Compiled by esbuild before it runs (it imports the TypeScript library).
// Usage: node <bundle> floor|library <appId> <certificate>   (prints "listening <port>")
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { buildRtcToken } from '../src/token/index.ts'

const [mode, appId, appCertificate] = process.argv.slice(2)
const fixed = `007${'x'.repeat(177)}`
const app = new Hono()
app.post('/fetch_rtc_token', async (c) => {
  const body = await c.req.json()
  const token =
    mode === 'floor'
      ? fixed
      : buildRtcToken({
          appId,
          appCertificate,
          channelName: body.ChannelName,
          uid: body.uid,
          role: body.role === 1 ? 'publisher' : 'subscriber',
        })
  return c.json({ token, code: '200' })
})
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`listening ${info.port}\n`))
process.on('SIGTERM', () => process.exit(0))
