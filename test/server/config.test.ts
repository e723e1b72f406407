/** loadConfig: modes, development credentials, production refusals, *_FILE secrets, every bad setting named. */
import assert from 'node:assert/strict'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { runInNewContext } from 'node:vm'
import { build } from 'esbuild'
import { ConfigError, loadConfig, resolveConfig, SETTINGS, type SettingDeclaration } from '../../src/server/config.js'
import { ModeDefault } from '../../src/server/config/settings.js'
import { API_KEYS_SETTING, APP_ID, CERT, KEYS, productionEnv, SECONDARY, tempDir } from './helpers.js'

async function fails(
  env: Record<string, string>,
  setting: string,
  message?: RegExp | string,
  options = {},
): Promise<void> {
  await assert.rejects(loadConfig(env, { cwd: tempDir(), ...options }), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error))
    assert.equal(error.name, 'ConfigError')
    assert.equal(error.code, 'ERR_CONFIG')
    assert.equal(error.setting, setting, error.message)
    assert.ok(error.message.startsWith(`${setting}: `), error.message)
    if (typeof message === 'string') assert.equal(error.message, `${setting}: ${message}`)
    else if (message !== undefined) assert.match(error.message, message)
    // No secret ever appears in a config error.
    for (const secret of [CERT, SECONDARY, KEYS.web.key, KEYS.admin.key])
      assert.ok(!error.message.includes(secret), error.message)
    return true
  })
}

test('development by default: 127.0.0.1, development credentials kept in a file, no auth, allow-all, CORS *', async () => {
  const cwd = tempDir()
  const config = await loadConfig({}, { cwd })
  assert.equal(config.mode, 'development')
  assert.equal(config.host, '127.0.0.1')
  assert.equal(config.port, 8080)
  assert.equal(config.apps.length, 1)
  const app = config.apps[0]!
  assert.deepEqual(
    [app.name, app.development, app.expire, app.privilegeExpire, app.maxExpire],
    ['default', true, 3600, 3600, 86_400],
  )
  assert.deepEqual(app.versions, { fetchRtcToken: '007', compat: '007', v1: '007' })
  const file = join(cwd, '.agate/dev-credentials.json')
  assert.equal(config.devCredentialsFile, file)
  const stored = JSON.parse(readFileSync(file, 'utf8'))
  assert.deepEqual([stored.appId, stored.appCertificate], [app.appId, app.certificate])
  assert.equal(statSync(file).mode & 0o777, 0o600)
  // The directory made for them ignores itself, wherever the server was started.
  assert.equal(readFileSync(join(cwd, '.agate/.gitignore'), 'utf8'), '*\n')
  assert.equal(config.auth.allowAnonymous, true)
  assert.equal(config.policy.source, 'preset:allow-all')
  assert.equal(config.cors, '*')
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.apps[0]))
  // The same credentials on the next start.
  const again = await loadConfig({}, { cwd })
  assert.equal(again.apps[0]!.certificate, app.certificate)
})

test('development credentials in an existing directory leave its files alone', async () => {
  const cwd = tempDir()
  await loadConfig({ AGATE_DEV_CREDENTIALS_FILE: 'creds.json' }, { cwd })
  assert.ok(existsSync(join(cwd, 'creds.json')))
  assert.ok(!existsSync(join(cwd, '.gitignore')))
})

test('configured credentials replace development ones; a broken credentials file is named', async () => {
  const cwd = tempDir()
  const config = await loadConfig({ AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT }, { cwd })
  assert.equal(config.apps[0]!.development, false)
  assert.equal(existsSync(join(cwd, '.agate')), false)
  writeFileSync(join(cwd, 'creds.json'), '{"appId": "nope"}')
  await fails(
    { AGATE_DEV_CREDENTIALS_FILE: 'creds.json' },
    'AGATE_DEV_CREDENTIALS_FILE',
    /does not hold a 32-hex-digit appId/,
    {
      cwd,
    },
  )
})

test('production: 0.0.0.0, deny by default, and refusals without credentials or an authenticator', async () => {
  const config = await loadConfig(productionEnv({ AGATE_POLICY: '' }), { cwd: tempDir() })
  assert.equal(config.mode, 'production')
  assert.equal(config.host, '0.0.0.0')
  assert.deepEqual(config.policy, { rules: [], source: 'preset:deny-all' })
  assert.equal(config.auth.allowAnonymous, false)
  assert.ok(config.warnings.some((warning) => warning.startsWith('no policy rule allows anything')))

  await fails({ NODE_ENV: 'production' }, 'AGORA_APP_ID', /production mode needs real credentials/)
  await fails({}, 'AGORA_APP_ID', /production mode needs real credentials/, { production: true })
  await fails(
    { AGATE_MODE: 'production', AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT },
    'AGATE_API_KEYS',
    /production mode needs a caller authenticator/,
  )
  // NODE_ENV=production wins over AGATE_MODE=development; an explicit option wins over both.
  await fails({ NODE_ENV: 'production', AGATE_MODE: 'development' }, 'AGORA_APP_ID')
  assert.equal(
    (await loadConfig({ NODE_ENV: 'production' }, { cwd: tempDir(), mode: 'development' })).mode,
    'development',
  )
})

test('production with explicit open access starts, and warns at every start', async () => {
  const env = {
    NODE_ENV: 'production',
    AGORA_APP_ID: APP_ID,
    AGORA_APP_CERTIFICATE: CERT,
    AGATE_OPEN_ACCESS: 'true',
    AGATE_POLICY: 'allow-all',
  }
  for (let start = 0; start < 2; start++) {
    const config = await loadConfig(env, { cwd: tempDir() })
    assert.equal(config.auth.allowAnonymous, true)
    assert.ok(config.warnings.some((warning) => warning.startsWith('AGATE_OPEN_ACCESS=true')))
  }
})

test('secrets from NAME_FILE (trailing newline dropped); NAME and NAME_FILE together are refused', async () => {
  const dir = tempDir()
  writeFileSync(join(dir, 'cert'), `${CERT}\n`)
  writeFileSync(join(dir, 'keys'), API_KEYS_SETTING)
  writeFileSync(
    join(dir, 'apps.json'),
    JSON.stringify([{ name: 'x', appId: 'aaaabbbbccccddddeeeeffff00001111', certificate: SECONDARY }]),
  )
  const env = {
    NODE_ENV: 'production',
    AGORA_APP_ID: APP_ID,
    AGORA_APP_CERTIFICATE_FILE: join(dir, 'cert'),
    AGATE_API_KEYS_FILE: join(dir, 'keys'),
    AGATE_APPS_FILE: 'apps.json',
  }
  const config = await loadConfig(env, { cwd: dir })
  assert.equal(config.apps[0]!.certificate, CERT)
  assert.equal(config.apps[1]!.certificate, SECONDARY)
  assert.deepEqual(
    config.auth.apiKeys.map((entry) => entry.name),
    ['web', 'admin'],
  )
  await fails(
    { ...env, AGORA_APP_CERTIFICATE: CERT },
    'AGORA_APP_CERTIFICATE',
    'set AGORA_APP_CERTIFICATE or AGORA_APP_CERTIFICATE_FILE, not both',
    { cwd: dir },
  )
  await fails(
    { AGORA_APP_CERTIFICATE_FILE: join(dir, 'missing') },
    'AGORA_APP_CERTIFICATE_FILE',
    'cannot read the file (ENOENT)',
  )
  writeFileSync(join(dir, 'bad-cert'), 'not-a-certificate')
  await fails(
    { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE_FILE: join(dir, 'bad-cert') },
    'AGORA_APP_CERTIFICATE_FILE',
    'must be 32 hexadecimal characters',
  )
  // The community servers' names take _FILE too, and are named in errors.
  const aliased = await loadConfig({ APP_ID: APP_ID, APP_CERTIFICATE_FILE: join(dir, 'cert') }, { cwd: dir })
  assert.equal(aliased.apps[0]!.certificate, CERT)
  await fails(
    { APP_ID: APP_ID, APP_CERTIFICATE_FILE: join(dir, 'bad-cert') },
    'APP_CERTIFICATE_FILE',
    'must be 32 hexadecimal characters',
  )
  await fails({ APP_CERTIFICATE_FILE: join(dir, 'missing') }, 'APP_CERTIFICATE_FILE', 'cannot read the file (ENOENT)')
  await fails(
    { APP_ID: APP_ID, APP_CERTIFICATE: CERT, APP_CERTIFICATE_FILE: join(dir, 'cert') },
    'AGORA_APP_CERTIFICATE',
    'set APP_CERTIFICATE or APP_CERTIFICATE_FILE, not both',
  )
})

test('a JSON config file with setting names; the environment wins; unknown keys are refused', async () => {
  const dir = tempDir()
  writeFileSync(
    join(dir, 'agate.json'),
    JSON.stringify({
      AGATE_PORT: 9000,
      AGATE_POLICY: [{ name: 'r', who: 'anyone' }],
      AGATE_CORS_ORIGINS: ['https://a.example'],
    }),
  )
  const config = await loadConfig({ AGATE_CONFIG: 'agate.json' }, { cwd: dir })
  assert.equal(config.port, 9000)
  assert.equal(config.policy.source, 'configured')
  assert.deepEqual(config.cors, ['https://a.example'])
  assert.equal((await loadConfig({ AGATE_PORT: '9100' }, { cwd: dir, configFile: 'agate.json' })).port, 9100)
  assert.equal((await loadConfig({ AGATE_PORT: '9100' }, { cwd: dir, configFile: 'agate.json', port: 0 })).port, 0)
  writeFileSync(join(dir, 'typo.json'), JSON.stringify({ AGATE_PROT: 1 }))
  await fails({}, 'AGATE_PROT', /is not a setting/, { cwd: dir, configFile: 'typo.json' })
  writeFileSync(join(dir, 'broken.json'), '{')
  await fails({}, 'AGATE_CONFIG', /is not valid JSON/, { cwd: dir, configFile: 'broken.json' })
  await fails({}, 'AGATE_CONFIG', /cannot read/, { cwd: dir, configFile: 'missing.json' })
})

test('aliases of the community servers: PORT, APP_ID, APP_CERTIFICATE, LOG_LEVEL', async () => {
  const config = await loadConfig(
    { PORT: '3000', APP_ID: APP_ID, APP_CERTIFICATE: CERT, LOG_LEVEL: 'warn' },
    { cwd: tempDir() },
  )
  assert.deepEqual([config.port, config.apps[0]!.appId, config.log.level], [3000, APP_ID, 'warn'])
  await fails({ PORT: 'eighty' }, 'PORT', 'must be an integer from 0 to 65535')
})

test('an unknown AGATE_ variable is a warning (typo?), not an error', async () => {
  const config = await loadConfig({ AGATE_API_KEY: 'x' }, { cwd: tempDir() })
  assert.ok(config.warnings.includes('AGATE_API_KEY is not an Agate setting (typo?); it is ignored'))
})

test('token versions per app and per route, most specific first', async () => {
  const config = await loadConfig(
    {
      AGORA_APP_ID: APP_ID,
      AGORA_APP_CERTIFICATE: CERT,
      AGATE_TOKEN_VERSION: '006',
      AGATE_COMPAT_TOKEN_VERSION: '007',
      AGATE_APPS: JSON.stringify([
        {
          name: 'b',
          appId: 'aaaabbbbccccddddeeeeffff00001111',
          certificate: SECONDARY,
          tokenVersion: '007',
          routeVersions: { fetchRtcToken: '006' },
        },
      ]),
    },
    { cwd: tempDir() },
  )
  assert.deepEqual(config.apps[0]!.versions, { fetchRtcToken: '006', compat: '007', v1: '006' })
  assert.deepEqual(config.apps[1]!.versions, { fetchRtcToken: '006', compat: '007', v1: '007' })
})

test("an app's privileges last as long as its tokens unless a privilege lifetime is set", async () => {
  const app = (name: string, extra: object = {}) => ({ name, appId: APP_ID, certificate: CERT, ...extra })
  const lifetimesOf = async (env: Record<string, string>) =>
    (await loadConfig(env, { cwd: tempDir() })).apps.map((entry) => [
      entry.name,
      entry.expire,
      entry.privilegeExpire,
      entry.maxExpire,
    ])
  const apps = JSON.stringify([
    app('long', { expire: 7200 }),
    app('both', { expire: 7200, privilegeExpire: 600 }),
    app('plain'),
  ])
  assert.deepEqual(await lifetimesOf({ AGATE_APPS: apps }), [
    ['long', 7200, 7200, 86_400],
    ['both', 7200, 600, 86_400],
    ['plain', 3600, 3600, 86_400],
  ])
  // A global privilege lifetime applies to every app, cut to the app's token lifetime.
  const capped = JSON.stringify([app('long', { expire: 7200 }), app('short', { expire: 300 })])
  assert.deepEqual(await lifetimesOf({ AGATE_APPS: capped, AGATE_PRIVILEGE_EXPIRE: '1800' }), [
    ['long', 7200, 1800, 86_400],
    ['short', 300, 300, 86_400],
  ])
})

test('every bad setting is named', async () => {
  const prod = productionEnv()
  const cases: [Record<string, string>, string, RegExp | string][] = [
    [{ AGATE_MODE: 'staging' }, 'AGATE_MODE', 'must be development or production'],
    [{ AGATE_PORT: '70000' }, 'AGATE_PORT', 'must be an integer from 0 to 65535'],
    [{ AGATE_PORT: '1.5' }, 'AGATE_PORT', 'must be an integer from 0 to 65535'],
    [{ AGORA_APP_ID: 'xyz', AGORA_APP_CERTIFICATE: CERT }, 'AGORA_APP_ID', 'must be 32 hexadecimal characters'],
    [{ AGORA_APP_ID: APP_ID }, 'AGORA_APP_CERTIFICATE', 'is required with AGORA_APP_ID'],
    [{ AGORA_APP_CERTIFICATE: CERT }, 'AGORA_APP_ID', 'is required with AGORA_APP_CERTIFICATE'],
    [
      { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: 'short' },
      'AGORA_APP_CERTIFICATE',
      'must be 32 hexadecimal characters',
    ],
    [
      { AGORA_APP_CERTIFICATE_SECONDARY: SECONDARY },
      'AGORA_APP_CERTIFICATE_SECONDARY',
      'needs AGORA_APP_ID and AGORA_APP_CERTIFICATE',
    ],
    [
      { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT, AGORA_APP_NAME: 'has space' },
      'AGORA_APP_NAME',
      /must be 1 to 64 characters/,
    ],
    [{ AGATE_APPS: '[{"name":"a"}]' }, 'AGATE_APPS', /^AGATE_APPS: 0\.appId: /],
    [{ AGATE_APPS: '{' }, 'AGATE_APPS', 'must be JSON'],
    [
      {
        AGATE_APPS: JSON.stringify([
          { name: 'a', appId: APP_ID, certificate: CERT },
          { name: 'a', appId: APP_ID, certificate: CERT },
        ]),
      },
      'AGATE_APPS[1]',
      'app name "a" is used twice',
    ],
    [
      {
        AGATE_APPS: JSON.stringify([
          { name: 'a', appId: APP_ID, certificate: CERT, expire: 600, privilegeExpire: 900 },
        ]),
      },
      'AGATE_APPS[0]',
      'privilegeExpire: must be at most expire',
    ],
    [{ AGATE_TOKEN_VERSION: '005' }, 'AGATE_TOKEN_VERSION', 'must be "006" or "007"'],
    [{ AGATE_FETCH_RTC_TOKEN_VERSION: '7' }, 'AGATE_FETCH_RTC_TOKEN_VERSION', 'must be "006" or "007"'],
    [{ AGATE_COMPAT_TOKEN_VERSION: 'x' }, 'AGATE_COMPAT_TOKEN_VERSION', 'must be "006" or "007"'],
    [{ AGATE_TOKEN_EXPIRE: '0' }, 'AGATE_TOKEN_EXPIRE', 'must be an integer from 1 to 86400'],
    [{ AGATE_TOKEN_EXPIRE: '90000' }, 'AGATE_TOKEN_EXPIRE', 'must be an integer from 1 to 86400'],
    [
      { AGATE_TOKEN_EXPIRE: '7200', AGATE_MAX_EXPIRE: '3600' },
      'AGATE_TOKEN_EXPIRE',
      'must be at most AGATE_MAX_EXPIRE (3600)',
    ],
    [{ AGATE_PRIVILEGE_EXPIRE: '7200' }, 'AGATE_PRIVILEGE_EXPIRE', 'must be at most the token lifetime (3600)'],
    [{ AGATE_MAX_EXPIRE: '86401' }, 'AGATE_MAX_EXPIRE', 'must be an integer from 1 to 86400'],
    [{ AGATE_API_KEYS: 'web' }, 'AGATE_API_KEYS', 'each entry must be name=sha256:<hex>'],
    [{ AGATE_API_KEYS: 'web=md5:abc' }, 'AGATE_API_KEYS', '"web" must be sha256: and 64 lowercase hex digits'],
    [
      { AGATE_API_KEYS: `web=${KEYS.web.key}` },
      'AGATE_API_KEYS',
      '"web" holds an API key; configure its hash (agate keys create prints it), never the key',
    ],
    [
      { AGATE_API_KEYS: `web=${KEYS.web.hash},web=${KEYS.admin.hash}` },
      'AGATE_API_KEYS',
      'key name "web" is used twice',
    ],
    [{ AGATE_API_KEYS: '[1]' }, 'AGATE_API_KEYS', 'each entry must be name=sha256:<hex>'],
    [{ AGATE_JWT_SECRET: 'short' }, 'AGATE_JWT_SECRET', 'must be at least 32 characters'],
    [{ AGATE_JWT_JWKS: '{"keys": []}' }, 'AGATE_JWT_JWKS', 'keys: must not be empty'],
    [
      { AGATE_JWT_JWKS: '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}' },
      'AGATE_JWT_JWKS',
      'keys.0.kty: must be RSA, EC or OKP (public keys; use AGATE_JWT_SECRET for HMAC)',
    ],
    [
      { AGATE_JWT_JWKS: '{"keys": [{"kty": "RSA", "n": 5}]}' },
      'AGATE_JWT_JWKS',
      'keys.0: is missing the fields of its key type',
    ],
    [
      { AGATE_JWT_JWKS: '{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"}]}' },
      'AGATE_JWT_JWKS',
      'keys.0: holds a private key; publish only public keys',
    ],
    [{ AGATE_JWT_JWKS_URL: 'ftp://x' }, 'AGATE_JWT_JWKS_URL', 'must be an http(s) URL'],
    [
      { ...prod, AGATE_JWT_SECRET: '', AGATE_JWT_JWKS_URL: 'http://id.example/jwks' },
      'AGATE_JWT_JWKS_URL',
      'must use https in production',
    ],
    [{ ...prod, AGATE_JWT_ISSUER: '' }, 'AGATE_JWT_ISSUER', 'is required in production when JWTs are accepted'],
    [{ ...prod, AGATE_JWT_AUDIENCE: '' }, 'AGATE_JWT_AUDIENCE', 'is required in production when JWTs are accepted'],
    [{ AGATE_JWT_ISSUER: 'x' }, 'AGATE_JWT_ISSUER', 'needs AGATE_JWT_SECRET, AGATE_JWT_JWKS or AGATE_JWT_JWKS_URL'],
    [
      { AGATE_JWT_SECRET: 'x'.repeat(32), AGATE_JWT_ALGORITHMS: 'none' },
      'AGATE_JWT_ALGORITHMS',
      '"none" is never accepted',
    ],
    [
      { AGATE_JWT_JWKS_URL: 'https://id.example/jwks', AGATE_JWT_ALGORITHMS: 'HS256' },
      'AGATE_JWT_ALGORITHMS',
      'HS256 needs AGATE_JWT_SECRET',
    ],
    [
      { AGATE_JWT_SECRET: 'x'.repeat(32), AGATE_JWT_CLOCK_TOLERANCE: '-1' },
      'AGATE_JWT_CLOCK_TOLERANCE',
      'must be an integer from 0 to 300',
    ],
    [{ AGATE_OPEN_ACCESS: 'maybe' }, 'AGATE_OPEN_ACCESS', 'must be true or false'],
    [{ AGATE_POLICY: 'allow-some' }, 'AGATE_POLICY', 'must be JSON or one of allow-all, allow-authenticated, deny-all'],
    [{ AGATE_POLICY: '[{"name":"a"}]' }, 'AGATE_POLICY', /who/],
    [{ AGATE_POLICY: '[{"name":"a","who":"anyone","channel":["x"]}]' }, 'AGATE_POLICY', /channel/],
    [{ AGATE_POLICY: '[{"name":"a","who":"anyone","services":["video"]}]' }, 'AGATE_POLICY', /services/],
    [{ AGATE_POLICY: '[{"name":"a","who":"anyone","maxExpire":90000}]' }, 'AGATE_POLICY', /maxExpire/],
    [
      { AGATE_POLICY: '[{"name":"a","who":"anyone","channels":["room-{sub}*"]}]' },
      'AGATE_POLICY',
      'rules.0.channels.0: pattern "room-{sub}*": {sub} needs a separator after it (as in room-{sub}-*): ' +
        "with a * or a claim right after it, the values it allows would overlap other callers'",
    ],
    [
      { AGATE_POLICY: '[{"name":"a","who":"anyone"},{"name":"a","who":"anyone"}]' },
      'AGATE_POLICY',
      'rules[1]: rule name "a" is used twice',
    ],
    [
      { AGATE_POLICY: '[{"name":"a","who":"anyone","apps":["ghost"]}]' },
      'AGATE_POLICY',
      'rules[0].apps: no app is named "ghost"',
    ],
    [
      { AGATE_POLICY: '[{"name":"a","who":{"apiKeys":["ghost"]}}]' },
      'AGATE_POLICY',
      'rules[0].who.apiKeys: no API key is named "ghost"',
    ],
    [
      { AGATE_POLICY: '[{"name":"a","who":{"jwt":true}}]' },
      'AGATE_POLICY',
      'rules[0].who.jwt: JWT authentication is not configured',
    ],
    [
      { AGATE_CORS_ORIGINS: 'https://a.example/path' },
      'AGATE_CORS_ORIGINS',
      'each origin must look like https://host[:port], without a path',
    ],
    [{ AGATE_CORS_ORIGINS: ',' }, 'AGATE_CORS_ORIGINS', 'must not be empty'],
    [{ AGATE_RATE_LIMIT_WINDOW: '0' }, 'AGATE_RATE_LIMIT_WINDOW', 'must be an integer from 1 to 86400'],
    [
      { AGATE_RATE_LIMIT_PER_IDENTITY: '-1' },
      'AGATE_RATE_LIMIT_PER_IDENTITY',
      'must be an integer from 0 to 1000000000',
    ],
    [
      { AGATE_RATE_LIMIT_PER_ADDRESS: 'lots' },
      'AGATE_RATE_LIMIT_PER_ADDRESS',
      'must be an integer from 0 to 1000000000',
    ],
    [{ AGATE_TRUST_PROXY: '11' }, 'AGATE_TRUST_PROXY', 'must be an integer from 0 to 10'],
    [{ AGATE_BODY_LIMIT: '10' }, 'AGATE_BODY_LIMIT', 'must be an integer from 64 to 1048576'],
    [{ AGATE_MAX_HEADER_SIZE: '100' }, 'AGATE_MAX_HEADER_SIZE', 'must be an integer from 1024 to 65536'],
    [{ AGATE_REQUEST_TIMEOUT_MS: '5' }, 'AGATE_REQUEST_TIMEOUT_MS', 'must be an integer from 100 to 600000'],
    [{ AGATE_KEEP_ALIVE_TIMEOUT_MS: 'x' }, 'AGATE_KEEP_ALIVE_TIMEOUT_MS', 'must be an integer from 100 to 600000'],
    [{ AGATE_SHUTDOWN_TIMEOUT_MS: '-5' }, 'AGATE_SHUTDOWN_TIMEOUT_MS', 'must be an integer from 0 to 600000'],
    [{ AGATE_LOG_LEVEL: 'loud' }, 'AGATE_LOG_LEVEL', 'must be fatal, error, warn, info, debug, trace or silent'],
    [{ AGATE_METRICS_TOKEN: 'short' }, 'AGATE_METRICS_TOKEN', 'must be at least 16 characters'],
  ]
  for (const [env, setting, message] of cases) await fails(env, setting, message)
})

test('fleet settings: Redis-shared rate limits and worker processes, with their aliases and defaults', async () => {
  const defaults = await loadConfig({}, { cwd: tempDir() })
  assert.deepEqual(defaults.rateLimit.store, {
    redisUrl: undefined,
    redisFailure: 'allow',
    redisKeyPrefix: 'agate:rl:',
    redisTimeoutMs: 250,
    durableObjectFailure: 'allow',
  })
  assert.equal(defaults.workers, undefined)

  const full = await loadConfig(
    {
      AGATE_REDIS_URL: 'rediss://agate:s3cret@redis.internal:6380/2',
      AGATE_RATE_LIMIT_REDIS_FAILURE: 'refuse',
      AGATE_REDIS_KEY_PREFIX: 'staging:rl:',
      AGATE_REDIS_TIMEOUT_MS: '100',
      AGATE_WORKERS: '0',
    },
    { cwd: tempDir() },
  )
  assert.deepEqual(full.rateLimit.store, {
    redisUrl: 'rediss://agate:s3cret@redis.internal:6380/2',
    redisFailure: 'refuse',
    redisKeyPrefix: 'staging:rl:',
    redisTimeoutMs: 100,
    durableObjectFailure: 'allow',
  })
  assert.equal(full.workers, 0)
  assert.deepEqual(full.warnings, [])

  // The names the deploy files (compose, Kubernetes) use.
  const aliases = await loadConfig(
    { REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_REDIS_FAILURE: 'refuse', WORKERS: '4' },
    { cwd: tempDir() },
  )
  assert.deepEqual(
    [aliases.rateLimit.store.redisUrl, aliases.rateLimit.store.redisFailure, aliases.workers],
    ['redis://127.0.0.1:6379', 'refuse', 4],
  )

  // A URL with a password is a secret: it can come from a file.
  const dir = tempDir()
  writeFileSync(join(dir, 'redis-url'), 'redis://:hunter2hunter2@redis:6379/0\n')
  const fromFile = await loadConfig({ AGATE_REDIS_URL_FILE: join(dir, 'redis-url') }, { cwd: dir })
  assert.equal(fromFile.rateLimit.store.redisUrl, 'redis://:hunter2hunter2@redis:6379/0')

  // Redis settings without a Redis do nothing: say so.
  const orphan = await loadConfig(
    { RATE_LIMIT_REDIS_FAILURE: 'refuse', AGATE_REDIS_TIMEOUT_MS: '500' },
    { cwd: tempDir() },
  )
  assert.deepEqual(orphan.warnings, [
    'RATE_LIMIT_REDIS_FAILURE has no effect without AGATE_REDIS_URL (REDIS_URL): rate limits are counted in memory',
    'AGATE_REDIS_TIMEOUT_MS has no effect without AGATE_REDIS_URL (REDIS_URL): rate limits are counted in memory',
  ])
})

test('bad fleet settings are named, and a Redis URL is never repeated', async () => {
  const password = 'pa55word-never-shown'
  const cases: [Record<string, string>, string, string][] = [
    [
      { AGATE_REDIS_URL: `http://:${password}@redis:6379` },
      'AGATE_REDIS_URL',
      'must start with redis:// or rediss:// (TLS)',
    ],
    [{ REDIS_URL: `redis:${password}` }, 'REDIS_URL', 'must name a host'],
    [
      { AGATE_REDIS_URL: 'not a url' },
      'AGATE_REDIS_URL',
      'must be a URL such as redis://host:6379 or rediss://user:password@host:6380/0',
    ],
    [
      { AGATE_REDIS_URL: `redis://:${password}@redis:6379/zero` },
      'AGATE_REDIS_URL',
      'the path, when given, must be a database number (e.g. /0)',
    ],
    [{ AGATE_RATE_LIMIT_REDIS_FAILURE: 'ignore' }, 'AGATE_RATE_LIMIT_REDIS_FAILURE', 'must be allow or refuse'],
    [{ RATE_LIMIT_REDIS_FAILURE: 'deny' }, 'RATE_LIMIT_REDIS_FAILURE', 'must be allow or refuse'],
    [
      { AGATE_REDIS_KEY_PREFIX: 'has space' },
      'AGATE_REDIS_KEY_PREFIX',
      'must be 1 to 64 printable ASCII characters without spaces',
    ],
    [{ AGATE_REDIS_TIMEOUT_MS: '5' }, 'AGATE_REDIS_TIMEOUT_MS', 'must be an integer from 10 to 10000'],
    [{ AGATE_REDIS_TIMEOUT_MS: '10001' }, 'AGATE_REDIS_TIMEOUT_MS', 'must be an integer from 10 to 10000'],
    [{ AGATE_WORKERS: '257' }, 'AGATE_WORKERS', 'must be an integer from 0 to 256'],
    [{ WORKERS: 'many' }, 'WORKERS', 'must be an integer from 0 to 256'],
    [{ AGATE_WORKERS: '-1' }, 'AGATE_WORKERS', 'must be an integer from 0 to 256'],
  ]
  for (const [env, setting, message] of cases) {
    await fails(env, setting, message)
    await assert.rejects(loadConfig(env, { cwd: tempDir() }), (error: Error) => !error.message.includes(password))
  }
  const dir = tempDir()
  writeFileSync(join(dir, 'redis-url'), `ftp://user:${password}@redis\n`)
  await fails(
    { AGATE_REDIS_URL_FILE: join(dir, 'redis-url') },
    'AGATE_REDIS_URL_FILE',
    'must start with redis:// or rediss:// (TLS)',
  )
  await fails(
    { AGATE_REDIS_URL: 'redis://a:6379', REDIS_URL: 'redis://b:6379', AGATE_REDIS_URL_FILE: join(dir, 'redis-url') },
    'AGATE_REDIS_URL',
    'set AGATE_REDIS_URL or AGATE_REDIS_URL_FILE, not both',
  )
})

test('every setting is documented in docs/server.md', () => {
  const docs = readFileSync(new URL('../../docs/server.md', import.meta.url), 'utf8')
  for (const name of Object.keys(SETTINGS)) assert.ok(docs.includes(`\`${name}\``), `${name} is not in docs/server.md`)
})

test("listener timeouts: above load balancers' idle timeout by default, kept in order, a misordered one named", async () => {
  const defaults = await loadConfig({}, { cwd: tempDir() })
  assert.deepEqual(
    [
      defaults.limits.keepAliveTimeoutMs,
      defaults.limits.headersTimeoutMs,
      defaults.limits.requestTimeoutMs,
      defaults.limits.drainDelayMs,
    ],
    [65_000, 66_000, 70_000, 5000],
  )
  const set = await loadConfig(
    {
      AGATE_KEEP_ALIVE_TIMEOUT_MS: '1000',
      AGATE_HEADERS_TIMEOUT_MS: '2000',
      AGATE_REQUEST_TIMEOUT_MS: '2000',
      AGATE_DRAIN_DELAY_MS: '0',
    },
    { cwd: tempDir() },
  )
  assert.deepEqual(
    [set.limits.keepAliveTimeoutMs, set.limits.headersTimeoutMs, set.limits.requestTimeoutMs, set.limits.drainDelayMs],
    [1000, 2000, 2000, 0],
  )
  const cases: [Record<string, string>, string, string][] = [
    // The one that was set is named; the other kept its default.
    [
      { AGATE_REQUEST_TIMEOUT_MS: '30000' },
      'AGATE_REQUEST_TIMEOUT_MS',
      'must be at least AGATE_HEADERS_TIMEOUT_MS (66000)',
    ],
    [
      { AGATE_HEADERS_TIMEOUT_MS: '80000' },
      'AGATE_HEADERS_TIMEOUT_MS',
      'must be at most AGATE_REQUEST_TIMEOUT_MS (70000)',
    ],
    [
      { AGATE_KEEP_ALIVE_TIMEOUT_MS: '66000' },
      'AGATE_KEEP_ALIVE_TIMEOUT_MS',
      'must be less than AGATE_HEADERS_TIMEOUT_MS (66000)',
    ],
    [
      { AGATE_HEADERS_TIMEOUT_MS: '65000' },
      'AGATE_HEADERS_TIMEOUT_MS',
      'must be greater than AGATE_KEEP_ALIVE_TIMEOUT_MS (65000)',
    ],
    // Both set: the upper one is named.
    [
      { AGATE_KEEP_ALIVE_TIMEOUT_MS: '5000', AGATE_HEADERS_TIMEOUT_MS: '4000', AGATE_REQUEST_TIMEOUT_MS: '4000' },
      'AGATE_HEADERS_TIMEOUT_MS',
      'must be greater than AGATE_KEEP_ALIVE_TIMEOUT_MS (5000)',
    ],
    [
      { AGATE_HEADERS_TIMEOUT_MS: '9000', AGATE_REQUEST_TIMEOUT_MS: '8000', AGATE_KEEP_ALIVE_TIMEOUT_MS: '100' },
      'AGATE_REQUEST_TIMEOUT_MS',
      'must be at least AGATE_HEADERS_TIMEOUT_MS (9000)',
    ],
    [{ AGATE_HEADERS_TIMEOUT_MS: '50' }, 'AGATE_HEADERS_TIMEOUT_MS', 'must be an integer from 100 to 600000'],
    [{ AGATE_DRAIN_DELAY_MS: '-1' }, 'AGATE_DRAIN_DELAY_MS', 'must be an integer from 0 to 600000'],
  ]
  for (const [env, setting, message] of cases) await fails(env, setting, message)
})

test('port: AGATE_PORT if set, else PORT (what hosting platforms inject), else 8080; the --port flag wins', async () => {
  const portOf = async (env: Record<string, string>, options = {}) =>
    (await loadConfig(env, { cwd: tempDir(), ...options })).port
  assert.equal(await portOf({ AGATE_PORT: '9001', PORT: '9002' }), 9001)
  assert.equal(await portOf({ PORT: '9002' }), 9002)
  assert.equal(await portOf({ AGATE_PORT: '', PORT: '9002' }), 9002)
  assert.equal(await portOf({}), 8080)
  assert.equal(await portOf({ AGATE_PORT: '9001', PORT: '9002' }, { port: 0 }), 0)
  await fails({ AGATE_PORT: 'x', PORT: '9002' }, 'AGATE_PORT', 'must be an integer from 0 to 65535')
})

test('every default is a value its own schema accepts (production CORS: none, which no setting can spell)', () => {
  for (const [name, declaration] of Object.entries(SETTINGS) as [string, SettingDeclaration][]) {
    const values =
      declaration.default instanceof ModeDefault
        ? [declaration.default.development, declaration.default.production]
        : [declaration.default]
    for (const value of values) {
      if (value === undefined || (Array.isArray(value) && value.length === 0)) continue
      const result = declaration.schema.safeParse(value)
      assert.ok(result.success, `${name}: ${JSON.stringify(value)}`)
      assert.deepEqual(result.data, value, name)
    }
    assert.ok(declaration.secret !== true || declaration.default === undefined, `${name} is secret and has a default`)
  }
})

test('the resolver needs no Node: bundled without any Node module, it runs where there is no process', async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../../src/server/config/resolve.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'agateConfig',
    platform: 'browser',
    metafile: true,
    logLevel: 'silent',
  })
  assert.deepEqual(
    Object.keys(result.metafile.inputs).filter(
      (input) => input.startsWith('node:') || input.includes('dev-credentials'),
    ),
    [],
  )
  // Web globals only: no process, Buffer, require or fs.
  const context = { URL, TextEncoder, TextDecoder, crypto: globalThis.crypto }
  const resolver = runInNewContext(`${result.outputFiles[0]!.text}; agateConfig`, context) as {
    resolveConfig: typeof resolveConfig
  }
  assert.equal(
    runInNewContext('typeof process + typeof require + typeof Buffer', context),
    'undefinedundefinedundefined',
  )
  const config = resolver.resolveConfig({
    values: { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERT, AGATE_API_KEYS: API_KEYS_SETTING, PORT: '3000' },
    mode: 'production',
  })
  assert.deepEqual(
    [config.mode, config.host, config.port, config.apps[0]!.certificate, config.policy.source],
    ['production', '0.0.0.0', 3000, CERT, 'preset:deny-all'],
  )
  assert.throws(
    () => resolver.resolveConfig({ values: { AGATE_PORT: '70000' } }),
    (error: Error & { setting?: string; code?: string }) =>
      error.setting === 'AGATE_PORT' && error.code === 'ERR_CONFIG',
  )
})

test('where nothing can be read (a Worker): NAME_FILE, a config file and development credentials are errors naming the setting', () => {
  const named = (input: Parameters<typeof resolveConfig>[0], setting: string, message: string) =>
    assert.throws(
      () => resolveConfig(input),
      (error: unknown) =>
        error instanceof ConfigError && error.setting === setting && error.message === `${setting}: ${message}`,
    )
  named(
    { values: { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE_FILE: '/run/secrets/cert' } },
    'AGORA_APP_CERTIFICATE_FILE',
    'files cannot be read here; set the value itself',
  )
  named(
    { values: { AGATE_CONFIG: 'agate.json' } },
    'AGATE_CONFIG',
    'config files cannot be read here; set the settings themselves',
  )
  named(
    { values: {}, mode: 'development' },
    'AGORA_APP_ID',
    'development credentials are kept in a file, which cannot be written here: set AGORA_APP_ID and AGORA_APP_CERTIFICATE',
  )
  // Files handed in are read as NAME_FILE, one trailing newline dropped.
  const config = resolveConfig({
    values: { AGORA_APP_ID: APP_ID, APP_CERTIFICATE_FILE: 'cert' },
    files: { APP_CERTIFICATE_FILE: `${CERT}\n` },
  })
  assert.equal(config.apps[0]!.certificate, CERT)
  assert.equal(config.devCredentialsFile, undefined)
})
