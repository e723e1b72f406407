/**
 * The OpenAPI 3.1 document of the server, generated from the same zod schemas the routes validate
 * requests with, and the route that serves it.
 * @module
 */
import type { Hono } from 'hono'
import { z } from 'zod'
import { ERROR_STATUS } from './errors.js'
import { getTokenBody } from './routes/compat-get-token.js'
import { fetchRtcTokenBody } from './routes/fetch-rtc-token.js'
import { tokenRequestSchema, verifyRequestSchema } from './routes/v1-tokens.js'

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >
  return rest
}

const json = (schema: Record<string, unknown>): Record<string, unknown> => ({
  content: { 'application/json': { schema } },
})
const ref = (name: string): Record<string, unknown> => ({ $ref: `#/components/schemas/${name}` })
const text = { content: { 'text/plain': { schema: { type: 'string' } } } }
const pathParam = (name: string, description: string): Record<string, unknown> => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description,
})
const expiryParam = {
  name: 'expiry',
  in: 'query',
  required: false,
  schema: { type: 'integer', minimum: 0 },
  description: 'Lifetime in seconds (0 or absent = default)',
}
const appParam = {
  name: 'app',
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description: 'App name or App ID (default: the first app)',
}

function errors(content: Record<string, unknown>): Record<string, unknown> {
  return {
    '400': { description: 'Bad input; the message names the field', ...content },
    '401': { description: 'Missing or invalid credentials', ...content },
    '403': { description: 'Denied by the policy; the message names the rule', ...content },
    '413': { description: 'Body too large', ...content },
    '429': { description: 'Rate limited (see Retry-After)', ...content },
  }
}

/** Builds the document (once; the route caches the text). */
export function openApiDocument(): Record<string, unknown> {
  const tokenResponse = {
    type: 'object',
    required: ['token', 'version', 'app', 'appId', 'issuedAt', 'expiresAt', 'services'],
    properties: {
      token: { type: 'string' },
      version: { enum: ['006', '007'] },
      app: { type: 'string' },
      appId: { type: 'string' },
      issuedAt: { type: 'integer', description: 'Unix seconds' },
      expiresAt: { type: 'integer', description: 'Unix seconds' },
      services: {
        type: 'object',
        description: 'Per service: its fields and privileges (name -> expiry, Unix seconds)',
      },
    },
  }
  const problem = {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { enum: Object.keys(ERROR_STATUS) },
      field: { type: 'string' },
      rule: { type: 'string' },
      reason: { type: 'string' },
      retryAfter: { type: 'integer' },
      requestId: { type: 'string' },
    },
  }
  const problemContent = { content: { 'application/problem+json': { schema: ref('Problem') } } }
  const docsError = json({
    type: 'object',
    properties: { token: { type: 'string', description: 'The error message' }, code: { type: 'string' } },
  })
  const compatError = json({
    type: 'object',
    properties: { error: { type: 'string' }, message: { type: 'string' }, status: { type: 'integer' } },
  })
  const rtcParams = [
    pathParam('channel', 'Channel name'),
    pathParam('role', 'publisher, subscriber or audience'),
    pathParam('tokentype', 'uid or userAccount'),
  ]
  const tokens = (keys: string[]): Record<string, unknown> =>
    json({
      type: 'object',
      required: keys,
      properties: Object.fromEntries(keys.map((key) => [key, { type: 'string' }])),
    })

  return {
    openapi: '3.1.0',
    info: {
      title: 'Agate token server',
      version: '1.0.0',
      description:
        'Agora access tokens for authenticated callers, under a declarative policy. See the token server section of README.md.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (agate_…) or a JWT from the identity provider',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        TokenRequest: jsonSchema(tokenRequestSchema),
        TokenResponse: tokenResponse,
        VerifyRequest: jsonSchema(verifyRequestSchema),
        FetchRtcTokenRequest: jsonSchema(fetchRtcTokenBody),
        GetTokenRequest: jsonSchema(getTokenBody),
        Problem: problem,
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      '/v1/tokens': {
        post: {
          summary: 'Mint a token for any service or combination',
          requestBody: { required: true, ...json(ref('TokenRequest')) },
          responses: {
            '200': { description: 'The token and its decoded summary', ...json(ref('TokenResponse')) },
            ...errors(problemContent),
          },
        },
      },
      '/v1/tokens/verify': {
        post: {
          summary: 'Verify a token against the app certificates (primary or secondary)',
          requestBody: { required: true, ...json(ref('VerifyRequest')) },
          responses: {
            '200': {
              description: 'The verdict: {valid: true, app, certificate, claims} or {valid: false, code, message}',
              ...json({
                type: 'object',
                required: ['valid'],
                properties: { valid: { type: 'boolean' }, code: { type: 'string' }, message: { type: 'string' } },
              }),
            },
            ...errors(problemContent),
          },
        },
      },
      '/fetch_rtc_token': {
        post: {
          summary: 'Agora docs sample server contract (keys match case-insensitively)',
          parameters: [appParam],
          requestBody: { required: true, ...json(ref('FetchRtcTokenRequest')) },
          responses: { '200': { description: '{"token": "...", "code": "200"}', ...docsError }, ...errors(docsError) },
        },
      },
      '/getToken': {
        post: {
          summary: 'agora-token-service contract',
          parameters: [appParam],
          requestBody: { required: true, ...json(ref('GetTokenRequest')) },
          responses: { '200': { description: 'The token', ...tokens(['token']) }, ...errors(text) },
        },
      },
      '/rtc/{channel}/{role}/{tokentype}/{uid}': {
        get: {
          summary: 'Community servers: an RTC token (trailing slash optional)',
          parameters: [...rtcParams, pathParam('uid', 'uid (digits) or account'), expiryParam, appParam],
          responses: { '200': { description: 'The token', ...tokens(['rtcToken']) }, ...errors(compatError) },
        },
      },
      '/rtm/{uid}': {
        get: {
          summary: 'Community servers: an RTM token',
          parameters: [pathParam('uid', 'RTM user id'), expiryParam, appParam],
          responses: { '200': { description: 'The token', ...tokens(['rtmToken']) }, ...errors(compatError) },
        },
      },
      '/rte/{channel}/{role}/{tokentype}/{rtcuid}/{rtmuid}': {
        get: {
          summary: 'Community servers: RTC and RTM tokens (rtmuid optional, default rtcuid)',
          parameters: [
            ...rtcParams,
            pathParam('rtcuid', 'uid (digits) or account'),
            pathParam('rtmuid', 'RTM user id'),
            expiryParam,
            appParam,
          ],
          responses: {
            '200': { description: 'The tokens', ...tokens(['rtcToken', 'rtmToken']) },
            ...errors(compatError),
          },
        },
      },
      '/chat/app': {
        get: {
          summary: 'agora-token-service: a Chat app token',
          parameters: [expiryParam, appParam],
          responses: { '200': { description: 'The token', ...tokens(['chatToken']) }, ...errors(compatError) },
        },
      },
      '/chat/account/{chatid}': {
        get: {
          summary: 'agora-token-service: a Chat user token',
          parameters: [pathParam('chatid', 'Chat user id'), expiryParam, appParam],
          responses: { '200': { description: 'The token', ...tokens(['chatToken']) }, ...errors(compatError) },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness', security: [], responses: { '200': { description: '{"status":"ok"}' } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness (503 while shutting down)',
          security: [],
          responses: { '200': { description: 'ready' }, '503': { description: 'draining' } },
        },
      },
      '/ping': { get: { summary: '{"message":"pong"}', security: [], responses: { '200': { description: 'pong' } } } },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (Bearer AGATE_METRICS_TOKEN when set)',
          security: [],
          responses: { '200': { description: 'text exposition format' } },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
  }
}

/** Mounts `GET /openapi.json`. */
export function mountOpenApi(app: Hono): void {
  let body: string | undefined
  app.get('/openapi.json', (c) => {
    body ??= JSON.stringify(openApiDocument())
    c.header('Content-Type', 'application/json')
    return c.body(body)
  })
}
