import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { SETTINGS } from '../../src/server/config/settings.js'
import { loadDevCredentials } from '../../src/server/dev-credentials.js'
import { buildRtcToken } from '../../src/token/index.js'
import { APP_ID, assertNoSecrets, CERTIFICATE, EMPTY_DIR, NOW, WRONG } from './helpers.js'

const DEV_CREDENTIALS_FILE = SETTINGS.AGATE_DEV_CREDENTIALS_FILE.default

const BIN = 'dist/cli/main.js'

function newestSource(dir: string): number {
  let newest = 0
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const stat = statSync(path)
    newest = Math.max(newest, stat.isDirectory() ? newestSource(path) : stat.mtimeMs)
  }
  return newest
}

/** `npm test` builds first; a direct run builds here when dist/ is missing or older than the CLI or library sources. */
function ensureBuilt(): void {
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= Math.max(newestSource('src/cli'), newestSource('src/token'))) return
  // Type errors elsewhere in the tree (work in progress) still emit; what matters is the file.
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8', timeout: 180_000 })
  assert.ok(existsSync(BIN), `the build did not produce ${BIN}: ${build.stdout}${build.stderr}`)
}

function agate(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [resolve(BIN), ...args], {
    encoding: 'utf8',
    cwd: EMPTY_DIR,
    input: input ?? '',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 30_000,
  })
  assertNoSecrets(result.stdout + result.stderr)
  return result
}

test('the built binary: token rtc, inspect - with piped stdin, verify, --version', { timeout: 240_000 }, () => {
  ensureBuilt()
  const made = agate([
    'token',
    'rtc',
    '--channel',
    'ChannelA',
    '--uid',
    '42',
    '--expire',
    '600',
    '--app-id',
    APP_ID,
    '--certificate',
    CERTIFICATE,
    '--issued-at',
    String(NOW),
    '--salt',
    '7',
  ])
  assert.equal(made.status, 0, made.stderr)
  const token = made.stdout.trim()
  assert.equal(
    token,
    buildRtcToken({
      appId: APP_ID,
      appCertificate: CERTIFICATE,
      channelName: 'ChannelA',
      uid: 42,
      expire: 600,
      issuedAt: NOW,
      salt: 7,
    }),
  )

  const inspected = agate(['inspect', '-', '--json'], `${token}\n`)
  assert.equal(inspected.status, 0, inspected.stderr)
  const parsed = JSON.parse(inspected.stdout)
  assert.equal(parsed.appId, APP_ID)
  assert.equal(parsed.issuedAt, NOW)
  assert.equal(parsed.expiresAt, NOW + 600)
  assert.equal(parsed.expired, true) // NOW is in 2023
  assert.equal(parsed.services[0].channelName, 'ChannelA')

  const human = agate(['inspect', '-'], token)
  assert.match(human.stdout, /^Expires at {2}2023-11-14T22:23:20Z \(expired /m)

  const valid = agate(['verify', token, '--certificate', CERTIFICATE, '--at', String(NOW + 1)])
  assert.deepEqual([valid.status, valid.stdout], [0, 'valid (certificate #1)\n'])
  const invalid = agate(['verify', token, '--certificate', WRONG, '--at', String(NOW + 1)])
  assert.equal(invalid.status, 1)
  assert.match(invalid.stderr, /^agate verify: invalid: ERR_TOKEN_SIGNATURE_MISMATCH/)
  const usage = agate(['token', 'rtc', '--uid', 'x'])
  assert.equal(usage.status, 2)

  const version = agate(['--version'])
  assert.match(version.stdout, /^\d+\.\d+\.\d+/)
})

test('the quick start right after npm start: token rtc | inspect - with the development credentials', async () => {
  ensureBuilt()
  const cwd = mkdtempSync(join(tmpdir(), 'agate-cli-quick-start-'))
  const { appId, appCertificate } = await loadDevCredentials(join(cwd, DEV_CREDENTIALS_FILE))
  const bin = JSON.stringify(resolve(BIN))
  const node = JSON.stringify(process.execPath)
  const result = spawnSync(
    '/bin/sh',
    ['-c', `${node} ${bin} token rtc --channel ChannelA --uid 42 | ${node} ${bin} inspect -`],
    { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
  )
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, new RegExp(`^App ID {6}${appId}$`, 'm'))
  assert.match(result.stdout, /^ {2}Channel {2}ChannelA$/m)
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr)
  assert.ok(result.stderr.includes(DEV_CREDENTIALS_FILE), result.stderr)
  assert.ok(!result.stderr.includes(appCertificate) && !result.stdout.includes(appCertificate))
})
