/**
 * `mountDemo` on the real server app, in process: the page, its settings, its assets, the sandbox
 * routes and the real-SDK mode's vendor route.
 */
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { mountDemo, type DemoConfig, type DemoOptions, type MountedDemo } from '../../src/demo/index.js'
import { createApp, loadConfig } from '../../src/server/index.js'
import { CERTIFICATE } from '../client/fixtures.js'

const REAL_APP_ID = '0123456789abcdef0123456789abcdef'

async function setup(options: Omit<DemoOptions, 'apps'> = {}, settings: Record<string, unknown> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'agate-mount-'))
  const webDir = join(dir, 'web')
  await mkdir(webDir)
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>demo</title>')
  await writeFile(join(webDir, 'demo.js'), 'console.log(1)')
  await writeFile(join(webDir, '.secret'), 'no')
  const config = await loadConfig(
    {},
    {
      mode: 'development',
      cwd: dir,
      overrides: { AGATE_DEV_CREDENTIALS_FILE: join(dir, 'dev.json'), AGATE_LOG_LEVEL: 'silent', ...settings },
    },
  )
  let demo: MountedDemo | undefined
  const app = createApp(config, {
    extraRoutes: (app) => void (demo = mountDemo(app, { apps: config.apps, webDir, ...options })),
  })
  return {
    app,
    config,
    demo: demo!,
    async close() {
      demo?.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

test('the page is served at / and /demo/ with a strict content security policy', async () => {
  const { app, close } = await setup()
  for (const path of ['/', '/demo/']) {
    const response = await app.request(path)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.match(response.headers.get('content-security-policy')!, /default-src 'self'.*frame-ancestors 'none'/)
    assert.equal(await response.text(), '<!doctype html><title>demo</title>')
  }
  assert.equal((await app.request('/demo')).status, 302)
  await close()
})

test('assets are served by exact name only', async () => {
  const { app, close } = await setup()
  const script = await app.request('/demo/assets/demo.js')
  assert.equal(script.status, 200)
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8')
  for (const path of [
    '/demo/assets/.secret',
    '/demo/assets/..%2Fdev.json',
    '/demo/assets/missing.js',
    '/demo/assets/%2e%2e%2fdev.json',
  ]) {
    assert.equal((await app.request(path)).status, 404, path)
  }
  await close()
})

test('/demo/config.json gives the page what it needs and no certificate', async () => {
  const { app, config, close } = await setup({ timeScale: 4 })
  const response = await app.request('/demo/config.json')
  const body = (await response.json()) as DemoConfig
  assert.deepEqual(body, {
    channel: 'ChannelA',
    tokenLifetimeSeconds: 40,
    endpoints: { v1: '/v1/tokens', fetchRtcToken: '/fetch_rtc_token' },
    sandbox: {
      appId: config.apps[0]!.appId,
      base: '/sandbox',
      timeScale: 4,
      maxTimeScale: 100,
      coHostAuthentication: false,
      willExpireSeconds: 30,
    },
    real: null,
  })
  assert.ok(!JSON.stringify(body).includes(config.apps[0]!.certificate))
  assert.equal(
    (await app.request('/demo/vendor/agora-rtc-sdk-ng.js')).status,
    404,
    'no real mode with development credentials',
  )
  await close()
})

test('the sandbox is mounted and judges tokens minted by the server', async () => {
  const { app, config, close } = await setup()
  const minted = await app.request('/v1/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ expire: 40, rtc: { channelName: 'ChannelA', uid: 7, role: 'publisher' } }),
  })
  const { token } = (await minted.json()) as { token: string }
  const joined = await app.request('/sandbox/rtc/join', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appId: config.apps[0]!.appId, channel: 'ChannelA', token, uid: 7 }),
  })
  assert.equal(joined.status, 200)
  const wrongUid = await app.request('/sandbox/rtc/join', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appId: config.apps[0]!.appId, channel: 'ChannelA', token, uid: 8 }),
  })
  assert.equal(wrongUid.status, 403)
  await close()
})

test('with real credentials the real-SDK mode is on and the SDK browser build is served', async () => {
  const { app, close } = await setup({}, { AGORA_APP_ID: REAL_APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE })
  const body = (await (await app.request('/demo/config.json')).json()) as DemoConfig
  assert.deepEqual(body.real, { appId: REAL_APP_ID, sdkUrl: '/demo/vendor/agora-rtc-sdk-ng.js' })
  const sdk = await app.request('/demo/vendor/agora-rtc-sdk-ng.js')
  assert.equal(sdk.status, 200)
  assert.ok((await sdk.arrayBuffer()).byteLength > 100_000)
  await close()
  const off = await setup({ realAppId: null }, { AGORA_APP_ID: REAL_APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE })
  assert.equal(((await (await off.app.request('/demo/config.json')).json()) as DemoConfig).real, null)
  await off.close()
})

test('without a built page, / says how to build it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agate-empty-'))
  const config = await loadConfig(
    {},
    {
      mode: 'development',
      cwd: dir,
      overrides: { AGATE_DEV_CREDENTIALS_FILE: join(dir, 'dev.json'), AGATE_LOG_LEVEL: 'silent' },
    },
  )
  let demo: MountedDemo | undefined
  const app = createApp(config, {
    extraRoutes: (app) => void (demo = mountDemo(app, { apps: config.apps, webDir: join(dir, 'nothing') })),
  })
  const response = await app.request('/')
  assert.equal(response.status, 503)
  assert.match(await response.text(), /npm run build/)
  demo?.close()
  await rm(dir, { recursive: true, force: true })
})
