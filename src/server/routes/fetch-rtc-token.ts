/**
 * `POST /fetch_rtc_token`: the request and answer of Agora's docs sample server, exactly, so the
 * docs' clients (the Go sample's request and the web client's) work unchanged.
 * @module
 */
import type { Hono } from 'hono'
import { z } from 'zod'
import { findApp, type ServerContext } from '../context.js'
import type { HttpError } from '../errors.js'
import type { Answer } from '../exchange.js'
import { issue, respondJson, respondJsonText, type Call } from '../pipeline.js'
import type { TokenRoutes } from '../token-routes.js'
import { canonicalKeys, channelName, uid, validate } from './schemas.js'

/** The docs' request body. Keys match case-insensitively (`channelName` is accepted too). */
export const fetchRtcTokenBody = z.object({
  uid,
  ChannelName: channelName,
  role: z
    .union([z.literal(1), z.literal(2)], { error: 'must be 1 (publisher) or 2 (subscriber)' })
    .meta({ description: '1 = publisher, 2 = subscriber' }),
})

const KEYS = ['uid', 'ChannelName', 'role'] as const
const PATH = '/fetch_rtc_token'

/** The docs' error shape: the message goes in `token`, and `code` is the status as a string. */
function renderError(error: HttpError, call: Call): Answer {
  return respondJson(call, { token: error.message, code: String(error.status) }, error.status)
}

/**
 * Mounts the route. Answers `200 {"token": "...", "code": "200"}`; errors are
 * `{"token": "<message>", "code": "<status>"}` with that status (400 for bad input). The token is
 * minted with the app's `fetchRtcToken` version, for `AGATE_FETCH_RTC_TOKEN_EXPIRE` (40 s in
 * development, as the docs' sample server does) or else the app's lifetimes; `?app=<name>` picks an app.
 */
export function mountFetchRtcToken(app: Hono, ctx: ServerContext, tokens: TokenRoutes): void {
  const { config } = ctx
  const bodyLimit = config.limits.bodyBytes
  tokens.mount('POST', PATH, {
    route: PATH,
    renderError,
    async handle(request, call) {
      const body = validate(fetchRtcTokenBody, canonicalKeys(await request.json(bodyLimit), KEYS))
      const target = findApp(config, request.query('app'))
      const { token } = issue(ctx, call, {
        app: target,
        version: target.versions.fetchRtcToken,
        // Never over the app's cap: a setting above it would refuse every request at the policy.
        expire:
          config.fetchRtcTokenExpire === undefined ? undefined : Math.min(config.fetchRtcTokenExpire, target.maxExpire),
        rtc: { channelName: body.ChannelName, uid: body.uid, role: body.role === 1 ? 'publisher' : 'subscriber' },
      })
      // A token is its version and base64, nothing JSON escapes: the answer is written as text,
      // without JSON.stringify's scan of it (~0.4 µs of the request).
      return respondJsonText(call, `{"token":"${token}","code":"200"}`)
    },
  })
  // The docs' server answers its preflight with 200.
  app.options(PATH, (c) => ctx.cors.preflight(c, 200))
  // Every other method, in the docs' shape (`all`: the POST and OPTIONS routes above come first).
  app.all(PATH, (c) => {
    ctx.cors.apply(c)
    c.header('Allow', 'POST, OPTIONS')
    return c.json({ token: 'Unsupported method. Please check.', code: '405' }, 405)
  })
}
