/**
 * The modern API: `POST /v1/tokens` (one typed request for any service or combination, answering
 * the token and a decoded summary) and `POST /v1/tokens/verify` (for app backends). Errors are
 * RFC 9457 problem+json with a stable `code`.
 * @module
 */
import type { Hono } from 'hono'
import { z } from 'zod'
import { parseToken, TokenError, verifyToken, type ParsedToken } from '../../token/index.js'
import { findApp, type ServerContext } from '../context.js'
import { PROBLEM_JSON, problemOf, type HttpError } from '../errors.js'
import type { TokenOrder } from '../mint.js'
import type { Answer } from '../exchange.js'
import { issue, respondJson, type Call } from '../pipeline.js'
import type { TokenRoutes } from '../token-routes.js'
import { ROLE_NAMES } from '../policy.js'
import {
  account,
  channelName,
  chatUserId,
  lifetime,
  roomUuid,
  rtmUserId,
  uid,
  userUuid,
  validate,
  version,
} from './schemas.js'

const rtcPrivilegeLifetimes = z.strictObject({
  joinChannel: lifetime.optional(),
  publishAudioStream: lifetime.optional(),
  publishVideoStream: lifetime.optional(),
  publishDataStream: lifetime.optional(),
})

const rtm2Names = z.array(z.string().min(1).max(128)).max(64)
const rtm2Access = z.strictObject({ read: rtm2Names.optional(), write: rtm2Names.optional() })

/** The body of `POST /v1/tokens`. Give one or more services. */
export const tokenRequestSchema = z
  .strictObject({
    app: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'App name or App ID; default: the first configured app' }),
    version: version.optional().meta({
      description: 'Token version; default: the app setting (007 unless configured). 006 holds rtc or rtm only.',
    }),
    expire: lifetime
      .optional()
      .meta({ description: 'Token lifetime, seconds; default: the app default, within the policy cap' }),
    rtc: z
      .strictObject({
        channelName,
        uid: uid.optional(),
        account: account.optional(),
        // The library's and the CLI's default too: one rule everywhere.
        role: z
          .enum(['publisher', 'subscriber'], { error: 'must be publisher or subscriber' })
          .default('publisher')
          .meta({ description: 'publisher (default) or subscriber (join only)' }),
        privilegeExpire: z
          .union([lifetime, rtcPrivilegeLifetimes], { error: 'must be seconds, or an object of per-privilege seconds' })
          .optional(),
      })
      .check((ctx) => {
        if ((ctx.value.uid === undefined) === (ctx.value.account === undefined)) {
          ctx.issues.push({
            code: 'custom',
            path: ['uid'],
            message: 'give exactly one of uid and account',
            input: ctx.value,
          })
        }
      })
      .optional(),
    rtm: z
      .strictObject({
        userId: rtmUserId,
        expire: lifetime.optional(),
        permissions: z
          .strictObject({
            messageChannels: rtm2Access.optional(),
            streamChannels: rtm2Access.optional(),
            groupChannels: rtm2Access.optional(),
            serverGroups: rtm2Access.optional(),
            users: rtm2Access.optional(),
          })
          .optional()
          .meta({
            description: 'RTM2 resource permissions (an RTM2 service, which Agora must enable for the project)',
          }),
      })
      .optional(),
    chat: z
      .strictObject({ userId: chatUserId.optional() })
      .optional()
      .meta({ description: 'A Chat user token with userId; an app token without' }),
    apaas: z
      .strictObject({
        roomUuid: roomUuid.optional(),
        userUuid: userUuid.optional(),
        role: z
          .union([z.enum(ROLE_NAMES.slice(2) as [string, ...string[]]), z.number().int().min(-32768).max(32767)])
          .optional(),
      })
      .optional()
      .meta({ description: 'Flexible Classroom: room-user (roomUuid+userUuid+role), user (userUuid) or app token' }),
    fpa: z.union([z.literal(true), z.strictObject({})]).optional(),
  })
  .check((ctx) => {
    const { rtc, rtm, chat, apaas, fpa } = ctx.value
    if (rtc === undefined && rtm === undefined && chat === undefined && apaas === undefined && fpa === undefined) {
      ctx.issues.push({
        code: 'custom',
        path: [],
        message: 'ask for at least one service: rtc, rtm, chat, apaas or fpa',
        input: ctx.value,
      })
    }
  })

/** The body of `POST /v1/tokens/verify`. */
export const verifyRequestSchema = z.strictObject({
  token: z.string().min(1, { error: 'must not be empty' }).max(8192, { error: 'is too long to be a token' }),
  app: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .meta({ description: 'App name or App ID; default: the App ID inside the token' }),
  channelName: channelName.optional(),
  uid: uid.optional(),
  account: account.optional(),
  userId: z.string().max(255).optional(),
})

/** problem+json, the error shape of the modern API, with the request id to quote in support requests. */
export function renderProblem(error: HttpError, call: Call): Answer {
  return respondJson(call, problemOf(error, call.requestId), error.status, PROBLEM_JSON)
}

/** Mounts `POST /v1/tokens` and `POST /v1/tokens/verify` (with their preflights). */
export function mountV1Tokens(app: Hono, ctx: ServerContext, tokens: TokenRoutes): void {
  const { config } = ctx
  const bodyLimit = config.limits.bodyBytes

  tokens.mount('POST', '/v1/tokens', {
    route: '/v1/tokens',
    renderError: renderProblem,
    async handle(request, call) {
      const body = validate(tokenRequestSchema, await request.json(bodyLimit))
      const target = findApp(config, body.app)
      const order: TokenOrder = {
        app: target,
        version: body.version ?? target.versions.v1,
        expire: body.expire,
        rtc: body.rtc,
        rtm: body.rtm,
        chat: body.chat,
        apaas: body.apaas,
        fpa: body.fpa === undefined ? undefined : true,
      }
      const minted = issue(ctx, call, order)
      return respondJson(call, { token: minted.token, ...minted.summary() })
    },
  })

  tokens.mount('POST', '/v1/tokens/verify', {
    route: '/v1/tokens/verify',
    renderError: renderProblem,
    async handle(request, call) {
      call.event = 'token.verified'
      const body = validate(verifyRequestSchema, await request.json(bodyLimit))
      const tokenAppId = body.app === undefined ? appIdOf(body.token) : undefined
      if (
        tokenAppId !== undefined &&
        !config.apps.some((candidate) => candidate.appId.toLowerCase() === tokenAppId.toLowerCase())
      ) {
        call.audit = { app: '-', services: 'verify' }
        // Deny by default holds here too: only a caller some rule is about gets a verdict.
        call.audit.rule = ctx.policy.ruleFor(call.identity)
        call.audit.outcome = 'ERR_TOKEN_CLAIM_MISMATCH'
        return respondJson(call, {
          valid: false,
          code: 'ERR_TOKEN_CLAIM_MISMATCH',
          message: 'the token is for an App ID this server is not configured for',
        })
      }
      const target = findApp(config, body.app ?? tokenAppId)
      call.audit = { app: target.name, services: 'verify' }
      // Verifying needs access to the app, nothing more: the policy sees an order for no service.
      call.audit.rule = ctx.policy.decide(call.identity, {
        app: target,
        services: [],
        channels: [],
        users: [],
        roles: [],
        expire: undefined,
      }).rule
      const certificates =
        target.secondaryCertificate === undefined
          ? [target.certificate]
          : [target.certificate, target.secondaryCertificate]
      const options: Parameters<typeof verifyToken>[1] = {
        certificates,
        appId: target.appId,
        now: Math.floor(ctx.now() / 1000),
      }
      if (body.channelName !== undefined) options.channelName = body.channelName
      if (body.uid !== undefined) options.uid = body.uid
      if (body.account !== undefined) options.account = body.account
      if (body.userId !== undefined) options.userId = body.userId
      try {
        const verified = verifyToken(body.token, options)
        call.audit.version = verified.token.version
        call.audit.outcome = 'valid'
        return respondJson(call, {
          valid: true,
          app: target.name,
          certificate: verified.certificateIndex === 0 ? 'primary' : 'secondary',
          claims: claimsOf(verified.token),
        })
      } catch (error) {
        // Bad options are the caller's mistake (400); anything about the token is a verdict (200).
        if (!(error instanceof TokenError) || error.code === 'ERR_INVALID_ARGUMENT') throw error
        call.audit.outcome = error.code
        return respondJson(call, { valid: false, app: target.name, code: error.code, message: error.message })
      }
    },
  })

  app.options('/v1/tokens', (c) => ctx.cors.preflight(c))
  app.options('/v1/tokens/verify', (c) => ctx.cors.preflight(c))
}

/** The App ID inside a token, to pick the app by; a token that cannot be read picks the default. */
function appIdOf(token: string): string | undefined {
  try {
    return parseToken(token).appId
  } catch {
    return undefined
  }
}

/** What a verified token grants, without its signature or salt. */
function claimsOf(token: ParsedToken): Record<string, unknown> {
  if (token.version === '006') {
    return {
      version: token.version,
      appId: token.appId,
      expiresAt: token.expiresAt,
      privileges: Object.fromEntries(
        token.privileges.map((privilege) => [privilege.name ?? String(privilege.id), privilege.expiresAt]),
      ),
    }
  }
  return {
    version: token.version,
    appId: token.appId,
    issuedAt: token.issuedAt,
    expiresAt: token.expiresAt,
    services: token.services.map((service) => {
      const { serviceType: _type, privileges, ...fields } = service
      return {
        ...fields,
        privileges: Object.fromEntries(
          privileges.map((privilege) => [privilege.name ?? String(privilege.id), privilege.expiresAt]),
        ),
      }
    }),
  }
}
