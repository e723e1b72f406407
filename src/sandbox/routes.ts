/**
 * The sandbox's HTTP routes, as a Hono app to mount under `/sandbox`.
 * @module
 */
import { Hono, type Context } from 'hono'
import { SandboxError } from './errors.js'
import type { Sandbox } from './sandbox.js'
import type { InspectRequest, JoinRequest, MediaKind } from './wire.js'

/** The largest request body the sandbox reads; tokens are well under 2 KB. */
const MAX_BODY_BYTES = 16 * 1024
const MAX_WAIT_MS = 30_000

/**
 * The sandbox's routes, relative to where they are mounted (the demo mounts them at `/sandbox`):
 *
 * | route | body | answer |
 * | --- | --- | --- |
 * | `GET /config` | | `{appIds, timeScale, maxTimeScale, coHostAuthentication, willExpireSeconds}` |
 * | `POST /rtc/join` | `{appId, channel, token, uid?, timeScale?}` | `{sessionId, uid, timeScale, timing}` |
 * | `POST /rtc/sessions/:id/renew` | `{token}` | `{willExpireAt, didExpireAt, timeScale}` |
 * | `POST /rtc/sessions/:id/publish` | `{kinds: ['audio', 'video', 'data']}` | `{}` |
 * | `POST /rtc/sessions/:id/unpublish` | `{kinds?}` | `{}` |
 * | `POST /rtc/sessions/:id/leave` | | `{}` |
 * | `GET /rtc/sessions/:id/events?after=<seq>&wait=<ms>` | | `{events, open}` (long polling) |
 * | `POST /inspect` | `{token, channelName?, uid?, account?, userId?}` | `{appKnown, signature, certificate?, detail?}` |
 *
 * Every answer carries `serverNow` (ms) so clients can correct for clock skew. Refusals are
 * `{error: {name: 'AgoraRTCError', code, message, data: {reason, agoraCode, desc, detail}}}` with
 * 400 (bad arguments), 403 (refused token), 404 (no such session) or 409 (wrong state).
 * Development only: anyone who can reach these routes can test tokens against the certificates.
 */
export function sandboxRoutes(sandbox: Sandbox): Hono {
  const app = new Hono()
  const reply = (c: Context, body: object, status: 200 | 400 | 403 | 404 | 409 | 500 = 200): Response => {
    c.header('cache-control', 'no-store')
    return c.json({ ...body, serverNow: sandbox.now() }, status)
  }

  app.onError((error, c) => {
    if (error instanceof SandboxError) return reply(c, { error: error.toBody() }, error.status)
    if (error instanceof BodyError)
      return reply(c, { error: { name: 'AgoraRTCError', code: 'INVALID_PARAMS', message: error.message } }, 400)
    return reply(c, { error: { name: 'AgoraRTCError', code: 'UNEXPECTED_ERROR', message: 'the sandbox failed' } }, 500)
  })

  app.get('/config', (c) => reply(c, sandbox.config()))

  app.post('/rtc/join', async (c) => {
    const body = await readJson<JoinRequest>(c)
    return reply(c, sandbox.join(body))
  })

  app.post('/rtc/sessions/:id/renew', async (c) => {
    const body = await readJson<{ token?: unknown }>(c)
    return reply(c, sandbox.renewToken(c.req.param('id'), typeof body.token === 'string' ? body.token : ''))
  })

  app.post('/rtc/sessions/:id/publish', async (c) => {
    const body = await readJson<{ kinds?: MediaKind[] }>(c)
    sandbox.publish(c.req.param('id'), body.kinds ?? [])
    return reply(c, {})
  })

  app.post('/rtc/sessions/:id/unpublish', async (c) => {
    const body = await readJson<{ kinds?: MediaKind[] }>(c)
    sandbox.unpublish(c.req.param('id'), Array.isArray(body.kinds) ? body.kinds : undefined)
    return reply(c, {})
  })

  app.post('/rtc/sessions/:id/leave', (c) => {
    sandbox.leave(c.req.param('id'))
    return reply(c, {})
  })

  app.get('/rtc/sessions/:id/events', async (c) => {
    const after = Number(c.req.query('after') ?? 0)
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, Number(c.req.query('wait') ?? 0) || 0))
    const answer = await sandbox.waitForEvents(
      c.req.param('id'),
      Number.isFinite(after) ? after : 0,
      wait,
      c.req.raw.signal,
    )
    return reply(c, answer)
  })

  app.post('/inspect', async (c) => {
    const body = await readJson<InspectRequest>(c)
    if (typeof body.token !== 'string') throw new BodyError('token: must be a string')
    return reply(c, sandbox.inspect(body))
  })

  return app
}

class BodyError extends Error {}

async function readJson<T>(c: Context): Promise<T> {
  const declared = Number(c.req.header('content-length') ?? 0)
  if (declared > MAX_BODY_BYTES) throw new BodyError(`the body is over ${MAX_BODY_BYTES} bytes`)
  const text = await c.req.text()
  if (text.length > MAX_BODY_BYTES) throw new BodyError(`the body is over ${MAX_BODY_BYTES} bytes`)
  if (text === '') return {} as T
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new BodyError('the body is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BodyError('the body must be a JSON object')
  return value as T
}
