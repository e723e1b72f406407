/** Caller authentication: API keys, JWTs with a shared secret, and JWTs from a JWKS (URL and file). */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK } from 'jose'
import { createApiKey, hashApiKey } from '../../src/server/auth/api-keys.js'
import { bearer, json, JWT_SECRET, KEYS, makeApp, post, productionEnv, tempDir } from './helpers.js'

const secret = new TextEncoder().encode(JWT_SECRET)
const memberRequest = { rtc: { channelName: 'room-alice-1', uid: 42, role: 'subscriber' } }

function hs256(
  claims: Record<string, unknown>,
  options: { exp?: string | number | null; iss?: string; aud?: string } = {},
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.iss ?? 'https://id.example')
    .setAudience(options.aud ?? 'agate')
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? '5m')
  return jwt.sign(secret)
}

test('createApiKey makes agate_ keys; the hash matches what agate keys create prints', () => {
  const { key, hash } = createApiKey()
  assert.match(key, /^agate_[A-Za-z0-9_-]{32}$/)
  assert.match(hash, /^sha256:[0-9a-f]{64}$/)
  assert.equal(hashApiKey(key), hash)
})

test('API keys: X-API-Key or Bearer; unknown, doubled, or mis-schemed credentials are 401', async () => {
  const { app } = await makeApp(productionEnv())
  const request = { rtc: { channelName: 'room-1', uid: 1, role: 'publisher' } }
  assert.equal((await post(app, '/v1/tokens', request, { 'x-api-key': KEYS.web.key })).status, 200)
  assert.equal((await post(app, '/v1/tokens', request, bearer(KEYS.web.key))).status, 200)
  assert.equal((await post(app, '/v1/tokens', request, { authorization: `bearer   ${KEYS.web.key}` })).status, 200)

  const cases: [Record<string, string>, string][] = [
    [{}, 'credentials required: send Authorization: Bearer <API key or JWT>, or X-API-Key'],
    [{ 'x-api-key': createApiKey().key }, 'unknown API key'],
    [bearer(createApiKey().key), 'unknown API key'],
    [{ 'x-api-key': KEYS.web.key, ...bearer(KEYS.web.key) }, 'send either Authorization or X-API-Key, not both'],
    [
      { authorization: `Basic ${Buffer.from(`u:${KEYS.web.key}`).toString('base64')}` },
      'the Authorization header must use the Bearer scheme',
    ],
    [{ authorization: 'Bearer' }, 'the Authorization header must use the Bearer scheme'],
    [bearer('x'.repeat(300)), 'invalid bearer token: malformed token'],
    [{ 'x-api-key': `agate_${'x'.repeat(1000)}` }, 'unknown API key'],
  ]
  for (const [headers, detail] of cases) {
    const response = await post(app, '/v1/tokens', request, headers)
    const problem = await json(response, 401)
    assert.equal(problem.code, 'unauthenticated')
    assert.equal(problem.detail, detail, JSON.stringify(headers))
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="agate"')
  }
})

test('development mode lets anonymous callers in, but still rejects bad credentials', async () => {
  const { app } = await makeApp({ AGATE_API_KEYS: `web=${KEYS.web.hash}` })
  assert.equal((await post(app, '/fetch_rtc_token', { uid: 1, ChannelName: 'a', role: 1 })).status, 200)
  assert.equal(
    (await post(app, '/fetch_rtc_token', { uid: 1, ChannelName: 'a', role: 1 }, bearer(KEYS.web.key))).status,
    200,
  )
  const bad = await json(
    await post(app, '/fetch_rtc_token', { uid: 1, ChannelName: 'a', role: 1 }, bearer(KEYS.admin.key)),
    401,
  )
  assert.deepEqual(bad, { token: 'unknown API key', code: '401' })
})

test('JWT with a shared secret: claims drive the policy; expiry, issuer, audience and signature are checked', async () => {
  const { app } = await makeApp(productionEnv())
  const good = await hs256({ sub: 'alice', uid: 42, role: 'member' })
  const body = await json(await post(app, '/v1/tokens', memberRequest, bearer(good)), 200)
  assert.equal(body.expiresAt - body.issuedAt, 600)

  const denied = await json(
    await post(app, '/v1/tokens', { rtc: { channelName: 'room-bob-1', uid: 42, role: 'subscriber' } }, bearer(good)),
    403,
  )
  assert.deepEqual([denied.rule, denied.reason], ['members', 'channel'])

  const cases: [Promise<string> | string, string][] = [
    [
      hs256({ sub: 'alice', role: 'member' }, { exp: Math.floor(Date.now() / 1000) - 60 }),
      'invalid bearer token: expired',
    ],
    [
      hs256({ sub: 'alice', role: 'member' }, { iss: 'https://evil.example' }),
      'invalid bearer token: the "iss" claim check failed',
    ],
    [
      hs256({ sub: 'alice', role: 'member' }, { aud: 'someone-else' }),
      'invalid bearer token: the "aud" claim check failed',
    ],
    [hs256({ sub: 'alice', role: 'member' }, { exp: null }), 'invalid bearer token: the "exp" claim is missing'],
    [
      new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('https://id.example')
        .setAudience('agate')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('another-secret-another-secret-0123')),
      'invalid bearer token: signature verification failed',
    ],
    [
      new UnsecuredJWT({ sub: 'alice', role: 'member' })
        .setIssuer('https://id.example')
        .setAudience('agate')
        .setExpirationTime('5m')
        .encode(),
      'invalid bearer token: signing algorithm not allowed',
    ],
    ['not.a.jwt', 'invalid bearer token: malformed token'],
  ]
  for (const [token, detail] of cases) {
    const problem = await json(await post(app, '/v1/tokens', memberRequest, bearer(await token)), 401)
    assert.equal(problem.detail, detail)
  }
})

test('a JWT whose claims match no rule, or no rule that allows it, is denied with the rule', async () => {
  const { app } = await makeApp(productionEnv())
  const visitor = await hs256({ sub: 'vic', role: 'visitor' })
  const problem = await json(await post(app, '/v1/tokens', memberRequest, bearer(visitor)), 403)
  assert.deepEqual([problem.rule, problem.reason], ['other-jwt', 'channel'])
  const allowed = await json(
    await post(app, '/v1/tokens', { rtc: { channelName: 'public-1', uid: 5, role: 'publisher' } }, bearer(visitor)),
    200,
  )
  assert.equal(allowed.services.rtc.channelName, 'public-1')
})

let jwksServer: Server
let jwksUrl: string
let rsaKey: CryptoKey
let ecKey: CryptoKey
const jwks: { keys: JWK[] } = { keys: [] }
let served = 0

before(async () => {
  const rsa = await generateKeyPair('RS256')
  const ec = await generateKeyPair('ES256')
  rsaKey = rsa.privateKey
  ecKey = ec.privateKey
  jwks.keys.push({ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' })
  jwks.keys.push({ ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' })
  jwksServer = createServer((_request, response) => {
    served++
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
  })
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`
})

after(() => jwksServer.close())

function signed(
  key: CryptoKey,
  alg: string,
  kid: string,
  claims: Record<string, unknown> = { sub: 'alice', uid: 42, role: 'member' },
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, kid })
    .setIssuer('https://id.example')
    .setAudience('agate')
    .setExpirationTime('5m')
    .sign(key)
}

test('JWT from a JWKS URL (served on 127.0.0.1:0): RS256 and ES256 keys, fetched once and cached', async () => {
  const { app } = await makeApp(productionEnv({ AGATE_JWT_SECRET: '', AGATE_JWT_JWKS_URL: jwksUrl }))
  const before = served
  assert.equal(
    (await post(app, '/v1/tokens', memberRequest, bearer(await signed(rsaKey, 'RS256', 'rsa-1')))).status,
    200,
  )
  assert.equal((await post(app, '/v1/tokens', memberRequest, bearer(await signed(ecKey, 'ES256', 'ec-1')))).status, 200)
  assert.equal(served - before, 1)
  const other = await generateKeyPair('RS256')
  const unknownKid = await json(
    await post(app, '/v1/tokens', memberRequest, bearer(await signed(other.privateKey, 'RS256', 'rsa-9'))),
    401,
  )
  assert.equal(unknownKid.detail, 'invalid bearer token: no matching key in the key set')
  const forged = await json(
    await post(app, '/v1/tokens', memberRequest, bearer(await signed(other.privateKey, 'RS256', 'rsa-1'))),
    401,
  )
  assert.equal(forged.detail, 'invalid bearer token: signature verification failed')
  // Only asymmetric keys are configured, so an HMAC token is refused outright.
  const hmac = await json(
    await post(app, '/v1/tokens', memberRequest, bearer(await hs256({ sub: 'alice', role: 'member' }))),
    401,
  )
  assert.equal(hmac.detail, 'invalid bearer token: signing algorithm not allowed')
})

test('JWT from a JWKS file (AGATE_JWT_JWKS_FILE)', async () => {
  const dir = tempDir()
  const file = join(dir, 'jwks.json')
  writeFileSync(file, JSON.stringify(jwks))
  const { app } = await makeApp(productionEnv({ AGATE_JWT_SECRET: '', AGATE_JWT_JWKS_FILE: file }))
  assert.equal((await post(app, '/v1/tokens', memberRequest, bearer(await signed(ecKey, 'ES256', 'ec-1')))).status, 200)
})

test('an unreachable JWKS URL is 503 (the identity provider is down), not a 401 blaming the token', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks`
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const { app } = await makeApp(productionEnv({ AGATE_JWT_SECRET: '', AGATE_JWT_JWKS_URL: url }))
  const problem = await json(
    await post(app, '/v1/tokens', memberRequest, bearer(await signed(rsaKey, 'RS256', 'rsa-1'))),
    503,
  )
  assert.equal(problem.code, 'unavailable')
  assert.equal(problem.detail, 'the identity provider key set is unavailable')
})
