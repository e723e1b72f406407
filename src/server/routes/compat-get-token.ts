/**
 * `POST /getToken` of AgoraIO-Community/agora-token-service, with its request and answer shapes,
 * so its clients work unchanged, but through Agate's authentication and policy.
 *
 * Differences, all on the safe side: a uid beyond 32 bits, an unknown role or a bad channel name is
 * refused (400) instead of being truncated or silently changed, and the lifetime is at most 24 h
 * (and the policy's cap) instead of being unbounded.
 * @module
 */
import type { Hono } from 'hono'
import { z } from 'zod'
import { assertAccount, assertChatUserId, assertRtmUserId } from '../../token/validate.js'
import { findApp, type ServerContext } from '../context.js'
import { HttpError } from '../errors.js'
import type { TokenOrder } from '../mint.js'
import type { Answer } from '../exchange.js'
import { issue, respondJson, respondText, type Call } from '../pipeline.js'
import type { TokenRoutes } from '../token-routes.js'
import { canonicalKeys, CHANNEL_CHARACTERS, validate } from './schemas.js'

/** The body of `POST /getToken`; keys match case-insensitively, as Go's decoder does. */
export const getTokenBody = z.object({
  tokenType: z
    .enum(['rtc', 'rtm', 'chat'], { error: 'Unsupported tokenType' })
    .meta({ description: 'rtc, rtm or chat' }),
  channel: z
    .string({ error: 'must be a string' })
    .optional()
    .meta({ description: 'Channel (rtc); for rtm, also grants joining it as a stream channel ("*" = any)' }),
  role: z
    .string({ error: 'must be a string' })
    .optional()
    .meta({ description: 'publisher; subscriber (or audience, or absent)' }),
  uid: z.string({ error: 'must be a string' }).max(255, { error: 'must be at most 255 characters' }).optional().meta({
    description: 'rtc: a uid (digits) or an account; rtm: the user id; chat: the user id (absent = app token)',
  }),
  expire: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must not be negative' })
    .max(86_400, { error: 'must be at most 86400 (24 h)' })
    .optional()
    .meta({ description: 'Seconds, at most 86400; 0 or absent = the default' }),
})

const KEYS = ['tokenType', 'channel', 'role', 'uid', 'expire'] as const

/** agora-token-service answers errors as plain text. */
function renderError(error: HttpError, call: Call): Answer {
  return respondText(call, error.message, error.status)
}

/** Mounts `POST /getToken` (and its preflight). Answers `{"token": "..."}`. */
export function mountGetToken(app: Hono, ctx: ServerContext, tokens: TokenRoutes): void {
  const { config } = ctx
  tokens.mount('POST', '/getToken', {
    route: '/getToken',
    renderError,
    async handle(request, call) {
      const body = validate(getTokenBody, canonicalKeys(await request.json(config.limits.bodyBytes), KEYS))
      const target = findApp(config, request.query('app'))
      const expire = body.expire === undefined || body.expire === 0 ? undefined : body.expire
      const order: TokenOrder = { app: target, version: target.versions.compat, expire }
      const uid = body.uid ?? ''
      if (body.tokenType === 'rtc') {
        if (body.channel === undefined || body.channel === '') {
          throw new HttpError('invalid-argument', 'invalid: missing channel name', { field: 'channel' })
        }
        if (uid === '') throw new HttpError('invalid-argument', 'invalid: missing user ID or account', { field: 'uid' })
        order.rtc = { channelName: checkChannel(body.channel), role: role(body.role), ...uidOrAccount(uid) }
      } else if (body.tokenType === 'rtm') {
        if (uid === '') throw new HttpError('invalid-argument', 'invalid: missing user ID or account', { field: 'uid' })
        // Agora's RTM user-id rules (1 to 64 of its characters, no leading space); a 400 naming `uid`.
        assertRtmUserId(uid, 'uid')
        order.rtm = { userId: uid }
        // A channel adds the RTC join privilege RTM 2 stream channels need; "*" means any channel.
        // Only AccessToken2 holds both services, and RTM 2 takes nothing else.
        if (body.channel !== undefined && body.channel !== '') {
          order.version = '007'
          order.rtc = {
            channelName: body.channel === '*' ? '' : checkChannel(body.channel),
            account: uid,
            role: 'publisher',
          }
        }
      } else {
        // Chat exists only in AccessToken2.
        order.version = '007'
        if (uid !== '') assertChatUserId(uid, 'uid')
        order.chat = uid === '' ? {} : { userId: uid }
      }
      const { token } = issue(ctx, call, order)
      return respondJson(call, { token })
    },
  })
  app.options('/getToken', (c) => ctx.cors.preflight(c))
}

function checkChannel(channel: string): string {
  if (channel.length >= 64)
    throw new HttpError('invalid-argument', 'channel: must be under 64 characters', { field: 'channel' })
  if (!CHANNEL_CHARACTERS.test(channel)) {
    throw new HttpError('invalid-argument', 'channel: has characters Agora does not allow', { field: 'channel' })
  }
  return channel
}

/** `publisher`, or the subscriber spellings of both community servers; anything else is refused. */
function role(value: string | undefined): 'publisher' | 'subscriber' {
  if (value === 'publisher') return 'publisher'
  if (value === undefined || value === '' || value === 'subscriber' || value === 'audience') return 'subscriber'
  throw new HttpError('invalid-argument', 'role: must be publisher or subscriber', { field: 'role' })
}

/**
 * Digits are a numeric uid (which must fit 32 bits); anything else is a user account, which must
 * follow Agora's rules (at most 255 of its 89 characters). Either way a 400 names `uid`.
 */
export function uidOrAccount(uid: string): { uid: number } | { account: string } {
  if (!/^\d+$/.test(uid)) {
    assertAccount(uid, 'uid')
    return { account: uid }
  }
  const value = Number(uid)
  if (value > 4_294_967_295) {
    throw new HttpError('invalid-argument', 'uid: must be an integer from 0 to 4294967295', { field: 'uid' })
  }
  return { uid: value }
}
