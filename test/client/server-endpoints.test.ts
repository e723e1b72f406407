/**
 * The token source against the real token server (in process): each contract it speaks gets a
 * token the server minted for exactly the requested channel and user.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Hono } from 'hono'
import { createTokenSource, type EndpointKind, type TokenRequest } from '../../src/client/index.js'
import { createApp, loadConfig, type ServerConfig } from '../../src/server/index.js'
import { parseToken } from '../../src/token/index.js'

let dir: string
let app: Hono
let config: ServerConfig

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agate-endpoints-'))
  config = await loadConfig(
    {},
    {
      mode: 'development',
      cwd: dir,
      overrides: { AGATE_DEV_CREDENTIALS_FILE: join(dir, 'dev.json'), AGATE_LOG_LEVEL: 'silent' },
    },
  )
  app = createApp(config)
})
after(() => rm(dir, { recursive: true, force: true }))

const inProcess = ((input: RequestInfo | URL, init?: RequestInit) => app.request(String(input), init)) as typeof fetch

const cases: [string, string, EndpointKind | undefined, TokenRequest][] = [
  [
    "the docs' POST /fetch_rtc_token",
    '/fetch_rtc_token',
    undefined,
    { service: 'rtc', channelName: 'ChannelA', uid: 42 },
  ],
  [
    'POST /v1/tokens (uid)',
    '/v1/tokens',
    undefined,
    { service: 'rtc', channelName: 'ChannelA', uid: 42, role: 'subscriber' },
  ],
  ['POST /v1/tokens (account)', '/v1/tokens', undefined, { service: 'rtc', channelName: 'ChannelA', account: 'alice' }],
  ['POST /v1/tokens (RTM)', '/v1/tokens', undefined, { service: 'rtm', userId: 'alice' }],
  [
    "agora-token-service's POST /getToken",
    '/getToken',
    undefined,
    { service: 'rtc', channelName: 'ChannelA', uid: 42 },
  ],
  [
    'the GET /rtc/... route',
    '/rtc/{channelName}/{role}/{tokenType}/{uid}/',
    undefined,
    { service: 'rtc', channelName: 'ChannelA', account: 'alice' },
  ],
  ['the GET /rtm/... route', '/rtm/{userId}/', 'template', { service: 'rtm', userId: 'alice' }],
]

for (const [name, url, kind, request] of cases) {
  test(`the token source speaks ${name}`, async () => {
    const source = createTokenSource({
      url,
      fetch: inProcess,
      ...(kind === undefined ? {} : { kind }),
      ...(url.includes('fetch_rtc') ? {} : { expire: 600 }),
    })
    const token = await source.getToken(request, { appId: config.apps[0]!.appId })
    const parsed = parseToken(token)
    assert.equal(parsed.appId, config.apps[0]!.appId)
  })
}
