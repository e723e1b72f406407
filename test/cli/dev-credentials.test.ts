/**
 * `agate token` and `agate verify` with the development credentials a development server keeps
 * (`npm start`): used when no flag or variable gives credentials, with a one-line note naming the file.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { SETTINGS } from '../../src/server/config/settings.js'
import { loadDevCredentials } from '../../src/server/dev-credentials.js'
import { parseToken, verifyToken } from '../../src/token/index.js'
import { APP_ID, assertUsage, CERTIFICATE, EMPTY_DIR, NOW, run, SECONDARY } from './helpers.js'

const DEV_CREDENTIALS_FILE = SETTINGS.AGATE_DEV_CREDENTIALS_FILE.default

const RTC = ['token', 'rtc', '--channel', 'ChannelA', '--uid', '42']

/** A working directory holding development credentials made by the server's own code, as `npm start` does. */
async function projectWithDevCredentials(): Promise<{ cwd: string; appId: string; appCertificate: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'agate-cli-dev-'))
  const { appId, appCertificate } = await loadDevCredentials(join(cwd, DEV_CREDENTIALS_FILE))
  return { cwd, appId, appCertificate }
}

function assertOneNote(stderr: string, file: string): void {
  const lines = stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, stderr)
  assert.match(lines[0]!, /^agate: using the development credentials in /)
  assert.ok(lines[0]!.includes(file), `the note names ${file}: ${stderr}`)
}

/**
 * With development credentials in `cwd` and `env` configuring the app: agate token mints for the
 * app in `env` and agate verify checks with its certificate, neither with a note about the file.
 */
async function assertEnvironmentUsed(cwd: string, env: Record<string, string>): Promise<void> {
  const result = await run(RTC, { cwd, env })
  assert.equal(result.code, 0, result.stderr)
  assert.equal(result.stderr, '', 'no note: the development credentials are not used')
  const token = result.stdout.trim()
  verifyToken(token, { certificates: CERTIFICATE, appId: APP_ID, channelName: 'ChannelA', uid: 42, now: NOW })
  const verified = await run(['verify', token, '--channel', 'ChannelA', '--uid', '42'], { cwd, env })
  assert.equal(verified.code, 0, verified.stderr)
  assert.equal(verified.stdout, 'valid (certificate #1)\n')
  assert.equal(verified.stderr, '')
}

describe('agate token: development credentials', () => {
  test('with the file present and nothing configured: a token for the development app, and a note', async () => {
    const { cwd, appId, appCertificate } = await projectWithDevCredentials()
    const result = await run(RTC, { cwd })
    assert.equal(result.code, 0, result.stderr)
    assertOneNote(result.stderr, DEV_CREDENTIALS_FILE)
    assert.ok(!result.stderr.toLowerCase().includes(appCertificate), 'the certificate is never shown')
    const token = result.stdout.trim()
    assert.equal(parseToken(token).appId, appId)
    verifyToken(token, { certificates: appCertificate, channelName: 'ChannelA', uid: 42, now: NOW })
  })

  test('then agate verify checks it with the same file, and says so', async () => {
    const { cwd, appCertificate } = await projectWithDevCredentials()
    const token = (await run(RTC, { cwd })).stdout.trim()
    const result = await run(['verify', token, '--channel', 'ChannelA', '--uid', '42'], { cwd })
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'valid (certificate #1)\n')
    assertOneNote(result.stderr, DEV_CREDENTIALS_FILE)
    assert.ok(!result.stderr.toLowerCase().includes(appCertificate))
  })

  test('AGATE_DEV_CREDENTIALS_FILE points at them elsewhere, as it does for the server', async () => {
    const { cwd, appId } = await projectWithDevCredentials()
    const file = join(cwd, DEV_CREDENTIALS_FILE)
    const result = await run(RTC, { env: { AGATE_DEV_CREDENTIALS_FILE: file } })
    assert.equal(result.code, 0, result.stderr)
    assertOneNote(result.stderr, file)
    assert.equal(parseToken(result.stdout.trim()).appId, appId)
  })

  test('the environment wins over the file, without a note', async () => {
    const { cwd } = await projectWithDevCredentials()
    await assertEnvironmentUsed(cwd, { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE })
  })

  test('flags win over the file, without a note', async () => {
    const { cwd } = await projectWithDevCredentials()
    const result = await run([...RTC, '--app-id', APP_ID, '--certificate', CERTIFICATE], { cwd })
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.equal(parseToken(result.stdout.trim()).appId.toLowerCase(), APP_ID.toLowerCase())
  })

  test("the server's other names, APP_ID and APP_CERTIFICATE (or APP_CERTIFICATE_FILE), win over the file too", async () => {
    const { cwd } = await projectWithDevCredentials()
    const certificateFile = join(cwd, 'certificate.txt')
    writeFileSync(certificateFile, `${CERTIFICATE}\n`)
    await assertEnvironmentUsed(cwd, { APP_ID, APP_CERTIFICATE: CERTIFICATE })
    await assertEnvironmentUsed(cwd, { APP_ID, APP_CERTIFICATE_FILE: certificateFile })
    // Half a configuration under the other names is still an error, not a mix with the file.
    assertUsage(await run(RTC, { cwd, env: { APP_ID } }), '--certificate or --certificate-file is required')
    assertUsage(await run(RTC, { cwd, env: { APP_CERTIFICATE: CERTIFICATE } }), '--app-id is required')
  })

  test('with AGATE_APPS set, or in production, the file is not used', async () => {
    const { cwd } = await projectWithDevCredentials()
    const apps = JSON.stringify([{ name: 'main', appId: APP_ID, certificate: CERTIFICATE }])
    for (const env of [{ AGATE_APPS: apps }, { NODE_ENV: 'production' }, { AGATE_MODE: 'production' }]) {
      assertUsage(await run(RTC, { cwd, env }), '--app-id is required (or set AGORA_APP_ID)')
      assertUsage(
        await run(['verify', 'x', '--channel', 'ChannelA', '--uid', '42'], { cwd, env }),
        '--certificate or --certificate-file is required',
      )
    }
    // The mode is read as the server reads it: a value it would refuse is an error here too.
    assertUsage(await run(RTC, { cwd, env: { AGATE_MODE: 'prod' } }), 'AGATE_MODE: must be development or production')
  })

  test('half a configuration is an error, not a mix with the file', async () => {
    const { cwd } = await projectWithDevCredentials()
    assertUsage(
      await run(RTC, { cwd, env: { AGORA_APP_ID: APP_ID } }),
      '--certificate or --certificate-file is required',
    )
    assertUsage(
      await run([...RTC, '--certificate', CERTIFICATE], { cwd }),
      '--app-id is required (or set AGORA_APP_ID)',
    )
    // verify with a real App ID configured wants its certificate, not the development one.
    assertUsage(
      await run(['verify', 'x', '--channel', 'ChannelA', '--uid', '42'], { cwd, env: { AGORA_APP_ID: APP_ID } }),
      '--certificate or --certificate-file is required',
    )
  })

  test('with neither: the usual clear error, and no file is made', async () => {
    assertUsage(await run(RTC), '--app-id is required (or set AGORA_APP_ID)')
    assertUsage(await run(['verify', 'x']), '--certificate or --certificate-file is required')
    assert.equal(existsSync(join(EMPTY_DIR, '.agate')), false)
  })

  test('a damaged file is a usage error naming it, never showing what it holds', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'agate-cli-dev-'))
    mkdirSync(join(cwd, '.agate'))
    const file = join(cwd, DEV_CREDENTIALS_FILE)
    writeFileSync(file, JSON.stringify({ appId: APP_ID, appCertificate: `${SECONDARY}00` }))
    const result = await run(RTC, { cwd })
    assertUsage(result, 'does not hold a 32-hex-digit appId and appCertificate')
    assert.ok(result.stderr.includes(file))
    assert.ok(readFileSync(file, 'utf8').includes(SECONDARY), 'the file is left as it was')
  })
})
