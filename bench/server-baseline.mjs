// The baseline of bench/server.mjs: a node:http token server built the way the community servers
// and the docs sample are, with the npm reference package agora-token (AccessToken2, 007): POST
// /fetch_rtc_token, JSON body, no authentication, no policy, no logging.
// With a third argument `agate`, the same server mints with Agate's library (dist/, built by
// `npm run bench:server`) instead: the bench's row for what the library alone changes.
// Usage: node bench/server-baseline.mjs <appId> <certificate> [agate]   (prints "listening <port>")
import { createServer } from 'node:http'
import agoraToken from 'agora-token'

const { RtcTokenBuilder, RtcRole } = agoraToken
const [appId, certificate, library] = process.argv.slice(2)
const { buildRtcToken } = library === 'agate' ? await import('../dist/token/index.js') : {}
const mint =
  library === 'agate'
    ? (channelName, uid, role) =>
        buildRtcToken({
          appId,
          appCertificate: certificate,
          channelName,
          uid,
          role: role === 1 ? 'publisher' : 'subscriber',
          expire: 3600,
        })
    : (channel, uid, role) =>
        RtcTokenBuilder.buildTokenWithUid(
          appId,
          certificate,
          channel,
          uid,
          role === 1 ? RtcRole.PUBLISHER : RtcRole.SUBSCRIBER,
          3600,
          3600,
        )

function answer(response, status, body) {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  response.end(text)
}

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/fetch_rtc_token')
    return answer(response, 404, { token: 'Unsupported method. Please check.', code: '404' })
  const chunks = []
  request.on('data', (chunk) => chunks.push(chunk))
  request.on('end', () => {
    let body
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return answer(response, 400, { token: 'Bad request.', code: '400' })
    }
    const { uid, ChannelName: channel, role } = body ?? {}
    if (!Number.isInteger(uid) || uid < 0 || uid > 0xffffffff || typeof channel !== 'string') {
      return answer(response, 400, { token: 'Bad request. Wrong type provided.', code: '400' })
    }
    answer(response, 200, { token: mint(channel, uid, role), code: '200' })
  })
})

server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
