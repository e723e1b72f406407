/**
 * The GET routes of the community token servers, which share their paths: `/rtc`, `/rtm` and `/rte`
 * of both AgoraIO-Community/agora-token-service and Agora-Node-TokenServer, and agora-token-service's
 * `/chat`. Same paths (with or without the trailing slash), parameters and answer keys, so clients
 * of either work unchanged, through Agate's authentication and policy.
 *
 * Errors carry both servers' keys: `{"error": msg, "message": msg, "status": 400}`.
 * Stricter than the originals: an unknown role or token type, a uid beyond 32 bits and a bad expiry
 * are refused instead of being guessed at.
 * @module
 */
import type { Hono } from 'hono'
import { assertAccount, assertChatUserId, assertRtmUserId } from '../../token/validate.js'
import { findApp, type ServerContext } from '../context.js'
import { HttpError } from '../errors.js'
import type { TokenOrder } from '../mint.js'
import type { Answer, TokenRequest } from '../exchange.js'
import { issue, issueEach, respondJson, type Call, type TokenRoute } from '../pipeline.js'
import type { TokenRoutes } from '../token-routes.js'
import { uidOrAccount } from './compat-get-token.js'
import { CHANNEL_CHARACTERS } from './schemas.js'

function renderError(error: HttpError, call: Call): Answer {
  return respondJson(call, { error: error.message, message: error.message, status: error.status }, error.status)
}

/** The route patterns, each also served with a trailing slash. */
export const COMPAT_PATHS = {
  // The second form is agora-token-service's empty uid segment, which means uid 0.
  rtc: ['/rtc/:channel/:role/:tokentype/:uid', '/rtc/:channel/:role/:tokentype/'],
  rte: ['/rte/:channel/:role/:tokentype/:rtcuid', '/rte/:channel/:role/:tokentype/:rtcuid/:rtmuid'],
} as const

/** Mounts the GET routes (and a preflight for each). */
export function mountCompatPathRoutes(app: Hono, ctx: ServerContext, tokens: TokenRoutes): void {
  const { config } = ctx
  const mount = (path: string, handle: TokenRoute['handle']): void => {
    const variants = path.endsWith('/') ? [path] : [path, `${path}/`]
    tokens.mount('GET', variants, { route: path, renderError, handle })
    app.on('OPTIONS', variants, (c) => ctx.cors.preflight(c))
  }
  const base = (request: TokenRequest): TokenOrder => {
    const target = findApp(config, request.query('app'))
    return { app: target, version: target.versions.compat, expire: expiry(request.query('expiry')) }
  }

  const rtc: TokenRoute['handle'] = (request, call) => {
    const order = base(request)
    order.rtc = rtcPart(
      request.param('channel'),
      request.param('role'),
      request.param('tokentype'),
      request.param('uid') ?? '',
    )
    return respondJson(call, { rtcToken: issue(ctx, call, order).token })
  }
  for (const path of COMPAT_PATHS.rtc) mount(path, rtc)

  mount('/rtm/:uid', (request, call) => {
    const order = base(request)
    order.rtm = { userId: rtmUser(request.param('uid')) }
    return respondJson(call, { rtmToken: issue(ctx, call, order).token })
  })

  const rte: TokenRoute['handle'] = (request, call) => {
    const order = base(request)
    const rtcUid = request.param('rtcuid') ?? ''
    const rtmUid = request.param('rtmuid')
    if (rtmUid === undefined && (rtcUid === '0' || rtcUid === '')) {
      throw new HttpError(
        'invalid-argument',
        'rtcuid: a wildcard uid has no RTM user; add the RTM user id to the path',
        {
          field: 'rtcuid',
        },
      )
    }
    const rtcOrder: TokenOrder = {
      ...order,
      rtc: rtcPart(request.param('channel'), request.param('role'), request.param('tokentype'), rtcUid),
    }
    const rtmOrder: TokenOrder = {
      ...order,
      rtm: { userId: rtmUid === undefined ? rtmUser(rtcUid, 'rtcuid') : rtmUser(rtmUid, 'rtmuid') },
    }
    const [rtcToken, rtmToken] = issueEach(ctx, call, { ...order, rtc: rtcOrder.rtc, rtm: rtmOrder.rtm }, [
      rtcOrder,
      rtmOrder,
    ])
    return respondJson(call, { rtcToken, rtmToken })
  }
  for (const path of COMPAT_PATHS.rte) mount(path, rte)

  // Chat exists only in AccessToken2, whatever the compat version.
  mount('/chat/app', (request, call) => {
    const order = { ...base(request), version: '007' as const, chat: {} }
    return respondJson(call, { chatToken: issue(ctx, call, order).token })
  })
  mount('/chat/account/:chatid', (request, call) => {
    const userId = request.param('chatid') ?? ''
    // Agora Chat's user-id rules (1 to 64 of a-z 0-9 _ - .); a 400 naming `chatid`.
    assertChatUserId(userId, 'chatid')
    const order = { ...base(request), version: '007' as const, chat: { userId } }
    return respondJson(call, { chatToken: issue(ctx, call, order).token })
  })
}

/** `?expiry=` seconds, at most 24 h; absent, empty or 0 mean the default. */
function expiry(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === '0') return undefined
  if (!/^\d{1,9}$/.test(value)) {
    throw new HttpError('invalid-argument', 'expiry: must be a whole number of seconds', { field: 'expiry' })
  }
  const seconds = Number(value)
  if (seconds > 86_400)
    throw new HttpError('invalid-argument', 'expiry: must be at most 86400 (24 h)', { field: 'expiry' })
  return seconds
}

function rtcPart(
  channel: string | undefined,
  role: string | undefined,
  tokenType: string | undefined,
  uid: string,
): NonNullable<TokenOrder['rtc']> {
  const channelName = channel ?? ''
  if (channelName.length >= 64) {
    throw new HttpError('invalid-argument', 'channel: must be under 64 characters', { field: 'channel' })
  }
  if (!CHANNEL_CHARACTERS.test(channelName)) {
    throw new HttpError('invalid-argument', 'channel: has characters Agora does not allow', { field: 'channel' })
  }
  let rtcRole: 'publisher' | 'subscriber'
  if (role === 'publisher') rtcRole = 'publisher'
  else if (role === 'subscriber' || role === 'audience') rtcRole = 'subscriber'
  else
    throw new HttpError('invalid-argument', 'role is incorrect: use publisher, subscriber or audience', {
      field: 'role',
    })
  // agora-token-service maps an empty uid segment to "0" (any uid).
  const text = uid === '' ? '0' : uid
  if (tokenType === 'uid') {
    if (!/^\d+$/.test(text)) {
      throw new HttpError('invalid-argument', 'uid: must be digits for tokentype uid (or use userAccount)', {
        field: 'uid',
      })
    }
    const parsed = uidOrAccount(text)
    return { channelName, role: rtcRole, ...parsed }
  }
  if (tokenType === 'userAccount') {
    // Agora's user-account rules (at most 255 of its 89 characters); a 400 naming `uid`.
    assertAccount(text, 'uid')
    return { channelName, role: rtcRole, account: text }
  }
  throw new HttpError('invalid-argument', 'token type is invalid: use uid or userAccount', { field: 'tokentype' })
}

/** An RTM user id from the path: not empty or "0" (as the originals), then Agora's RTM user-id rules. */
function rtmUser(uid: string | undefined, field = 'uid'): string {
  if (uid === undefined || uid === '' || uid === '0') {
    throw new HttpError('invalid-argument', 'invalid RTM user id: must not be empty or "0"', { field })
  }
  assertRtmUserId(uid, field)
  return uid
}
