/** Property: no request body, path or header a caller can send produces a 5xx. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { bearer, KEYS, makeApp, post, productionEnv } from './helpers.js'

const ROUTES = ['/fetch_rtc_token', '/v1/tokens', '/v1/tokens/verify', '/getToken']
const FIELDS = [
  'uid',
  'ChannelName',
  'channelName',
  'role',
  'rtc',
  'rtm',
  'chat',
  'apaas',
  'fpa',
  'expire',
  'version',
  'app',
  'account',
  'userId',
  'token',
  'tokenType',
  'channel',
  'privilegeExpire',
  'permissions',
  'roomUuid',
  'userUuid',
]
const leaf = fc.oneof(
  fc.integer({ min: -5, max: 2 ** 33 }),
  fc.double(),
  fc.string({ maxLength: 80 }),
  fc.constantFrom('publisher', 'subscriber', 'audience', 'rtc', 'rtm', 'chat', '006', '007', '', '*', 'room-1', 'main'),
  fc.boolean(),
  fc.constant(null),
)
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('node'), { maxKeys: 5 }),
  ),
})).node
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }).map((object) => JSON.stringify(object)),
  fc.jsonValue().map((json) => JSON.stringify(json)),
  fc.string({ maxLength: 200 }),
)

test('any JSON-ish body on any token route, with or without credentials, is answered below 500', async () => {
  const { app } = await makeApp(productionEnv())
  const dev = await makeApp()
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ROUTES),
      body,
      fc.boolean(),
      fc.boolean(),
      async (route, text, authenticated, development) => {
        const target = development ? dev.app : app
        const response = await post(target, route, text, authenticated ? bearer(KEYS.admin.key) : {})
        assert.ok(response.status < 500, `${route} ${text} -> ${response.status} ${await response.text()}`)
      },
    ),
    { numRuns: 1500 },
  )
})

test('any path segments on the GET routes are answered below 500', async () => {
  const { app } = await makeApp(productionEnv())
  const segment = fc.oneof(
    fc.string({ maxLength: 70 }),
    fc.constantFrom('publisher', 'subscriber', 'audience', 'uid', 'userAccount', '0', '42', '4294967296'),
  )
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('rtc', 'rte', 'rtm', 'chat'),
      fc.array(segment, { maxLength: 6 }),
      fc.string({ maxLength: 12 }),
      async (root, segments, expiry) => {
        const path = `/${root}/${segments.map(encodeURIComponent).join('/')}?expiry=${encodeURIComponent(expiry)}`
        const response = await app.request(path, { headers: bearer(KEYS.admin.key) })
        assert.ok(response.status < 500, `${path} -> ${response.status} ${await response.text()}`)
      },
    ),
    { numRuns: 1000 },
  )
})
