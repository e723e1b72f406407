import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { buildChatToken, buildRtcToken, buildRtmToken } from '../../../src/token/index.js'
import { APP_ID, assertUsage, CERTIFICATE, NOW, run, SECONDARY, WRONG } from '../helpers.js'

const common = { appId: APP_ID, appCertificate: CERTIFICATE, issuedAt: NOW, salt: 7 }
const RTC = buildRtcToken({ ...common, channelName: 'ChannelA', uid: 42, expire: 600 })
const RTC_SECONDARY = buildRtcToken({
  ...common,
  appCertificate: SECONDARY,
  channelName: 'ChannelA',
  uid: 42,
  expire: 600,
})
const RTC_006 = buildRtcToken({ ...common, channelName: 'ChannelA', uid: 42, expire: 600, version: '006' })
const RTM_006 = buildRtmToken({ ...common, userId: 'alice', version: '006' })

function assertInvalid(result: { code: number; stdout: string; stderr: string }, code: string): void {
  assert.equal(result.code, 1, result.stderr)
  assert.equal(result.stdout, '')
  assert.ok(result.stderr.startsWith(`agate verify: invalid: ${code}: `), result.stderr)
  assert.equal(result.stderr.trimEnd().split('\n').length, 1)
}

describe('agate verify: valid tokens exit 0', () => {
  test('one certificate', async () => {
    const result = await run(['verify', RTC, '--certificate', CERTIFICATE])
    assert.deepEqual(result, { code: 0, stdout: 'valid (certificate #1)\n', stderr: '' })
  })

  test('the matching certificate is numbered in command-line order, files included', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agate-cli-')), 'secondary')
    writeFileSync(file, `${SECONDARY}\n`)
    assert.equal(
      (await run(['verify', RTC_SECONDARY, '--certificate', CERTIFICATE, '--certificate', SECONDARY])).stdout,
      'valid (certificate #2)\n',
    )
    assert.equal(
      (await run(['verify', RTC_SECONDARY, '--certificate', CERTIFICATE, '--certificate-file', file])).stdout,
      'valid (certificate #2)\n',
    )
    assert.equal(
      (await run(['verify', RTC_SECONDARY, '--certificate-file', file, '--certificate', CERTIFICATE])).stdout,
      'valid (certificate #1)\n',
    )
  })

  test('primary and secondary from the environment', async () => {
    const env = { AGORA_APP_CERTIFICATE: CERTIFICATE, AGORA_APP_CERTIFICATE_SECONDARY: SECONDARY }
    assert.equal((await run(['verify', RTC], { env })).stdout, 'valid (certificate #1)\n')
    assert.equal((await run(['verify', RTC_SECONDARY], { env })).stdout, 'valid (certificate #2)\n')
    const onlySecondary = { AGORA_APP_CERTIFICATE_SECONDARY: SECONDARY }
    assert.equal((await run(['verify', RTC_SECONDARY], { env: onlySecondary })).stdout, 'valid (certificate #1)\n')
  })

  test('flags replace the environment', async () => {
    const result = await run(['verify', RTC, '--certificate', CERTIFICATE], { env: { AGORA_APP_CERTIFICATE: WRONG } })
    assert.equal(result.code, 0)
  })

  test('claims: App ID, channel and uid or account, user id', async () => {
    const ok = async (argv: string[]): Promise<void> => {
      const result = await run(['verify', ...argv, '--certificate', CERTIFICATE])
      assert.equal(result.code, 0, result.stderr)
    }
    await ok([RTC, '--app-id', APP_ID.toLowerCase(), '--channel', 'ChannelA', '--uid', '42'])
    await ok([buildRtcToken({ ...common, channelName: 'a', account: 'al' }), '--channel', 'a', '--account', 'al'])
    await ok([buildRtcToken({ ...common, channelName: 'a', uid: 0 }), '--channel', 'a', '--uid', '7'])
    await ok([buildChatToken({ ...common, userId: 'carol' }), '--user-id', 'carol'])
  })

  test('006 with --channel and --uid, or --user-id for RTM', async () => {
    assert.equal(
      (await run(['verify', RTC_006, '--certificate', CERTIFICATE, '--channel', 'ChannelA', '--uid', '42'])).code,
      0,
    )
    assert.equal((await run(['verify', RTM_006, '--certificate', CERTIFICATE, '--user-id', 'alice'])).code, 0)
  })

  test('stdin with "-"', async () => {
    const result = await run(['verify', '-', '--certificate', CERTIFICATE], { stdin: `${RTC}\n` })
    assert.equal(result.stdout, 'valid (certificate #1)\n')
  })

  test('--at and --no-expiry', async () => {
    assert.equal(
      (await run(['verify', RTC, '--certificate', CERTIFICATE, '--at', String(NOW + 599)], { now: NOW + 10_000 })).code,
      0,
    )
    assert.equal(
      (await run(['verify', RTC, '--certificate', CERTIFICATE, '--no-expiry'], { now: NOW + 10_000 })).code,
      0,
    )
  })
})

describe('agate verify: invalid tokens exit 1 with the error code', () => {
  test('wrong certificate', async () => {
    assertInvalid(await run(['verify', RTC, '--certificate', WRONG]), 'ERR_TOKEN_SIGNATURE_MISMATCH')
    assertInvalid(
      await run(['verify', RTC_SECONDARY], { env: { AGORA_APP_CERTIFICATE: CERTIFICATE } }),
      'ERR_TOKEN_SIGNATURE_MISMATCH',
    )
  })

  test('expired, at the clock or at --at', async () => {
    assertInvalid(await run(['verify', RTC, '--certificate', CERTIFICATE], { now: NOW + 600 }), 'ERR_TOKEN_EXPIRED')
    assertInvalid(
      await run(['verify', RTC, '--certificate', CERTIFICATE, '--at', String(NOW + 3600)]),
      'ERR_TOKEN_EXPIRED',
    )
  })

  test('claims that do not match', async () => {
    const invalid = async (argv: string[]): Promise<void> => {
      assertInvalid(await run(['verify', RTC, '--certificate', CERTIFICATE, ...argv]), 'ERR_TOKEN_CLAIM_MISMATCH')
    }
    await invalid(['--app-id', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'])
    await invalid(['--channel', 'ChannelB', '--uid', '42'])
    await invalid(['--channel', 'ChannelA', '--uid', '43'])
    await invalid(['--user-id', 'alice'])
    assertInvalid(
      await run(['verify', RTC_006, '--certificate', CERTIFICATE, '--channel', 'ChannelA', '--uid', '43']),
      'ERR_TOKEN_CLAIM_MISMATCH',
    )
  })

  test('malformed or unsupported tokens', async () => {
    assertInvalid(await run(['verify', '007abc', '--certificate', CERTIFICATE]), 'ERR_TOKEN_MALFORMED')
    assertInvalid(await run(['verify', 'hello', '--certificate', CERTIFICATE]), 'ERR_TOKEN_UNSUPPORTED_VERSION')
  })
})

describe('agate verify --json', () => {
  test('valid', async () => {
    const result = await run([
      'verify',
      RTC_SECONDARY,
      '--certificate',
      CERTIFICATE,
      '--certificate',
      SECONDARY,
      '--json',
    ])
    assert.equal(result.code, 0)
    assert.deepEqual(JSON.parse(result.stdout), {
      valid: true,
      certificate: 2,
      version: '007',
      appId: APP_ID,
      expiresAt: NOW + 600,
      usableUntil: NOW + 600,
    })
  })

  test('invalid: still exit 1, the reason on stdout', async () => {
    const result = await run(['verify', RTC, '--certificate', WRONG, '--json'])
    assert.equal(result.code, 1)
    assert.equal(result.stderr, '')
    assert.deepEqual(JSON.parse(result.stdout), {
      valid: false,
      code: 'ERR_TOKEN_SIGNATURE_MISMATCH',
      field: 'signature',
      message: 'signature verification failed',
    })
  })
})

describe('agate verify: usage errors exit 2', () => {
  const cases: Array<[string, string[], string]> = [
    [
      '006 without --channel',
      [RTC_006, '--certificate', CERTIFICATE],
      '--channel (channelName): 006 tokens sign the channel name and uid',
    ],
    ['no certificate', [RTC], '--certificate or --certificate-file is required'],
    [
      'a bad certificate, not echoed',
      [RTC, '--certificate', CERTIFICATE, '--certificate', 'xyz'],
      '--certificate #2: a certificate must be 32 hexadecimal characters',
    ],
    [
      'a missing certificate file',
      [RTC, '--certificate-file', '/nonexistent/c'],
      '--certificate-file #1: cannot read /nonexistent/c (ENOENT)',
    ],
    ['no token', ['--certificate', CERTIFICATE], 'a token is required'],
    [
      '--at and --no-expiry',
      [RTC, '--certificate', CERTIFICATE, '--at', '1', '--no-expiry'],
      'give --at or --no-expiry, not both',
    ],
    [
      'bad --at',
      [RTC, '--certificate', CERTIFICATE, '--at', 'tomorrow'],
      "--at must be a non-negative integer, got 'tomorrow'",
    ],
    [
      'uid and account',
      [RTC, '--certificate', CERTIFICATE, '--channel', 'a', '--uid', '1', '--account', 'x'],
      'give --uid or --account, not both',
    ],
    [
      'uid out of range',
      [RTC, '--certificate', CERTIFICATE, '--channel', 'a', '--uid', '4294967296'],
      '--uid (uid): must be an integer from 0 to 4294967295',
    ],
    [
      'bad --app-id',
      [RTC, '--certificate', CERTIFICATE, '--app-id', 'xyz'],
      '--app-id (appId): must be 32 hexadecimal characters',
    ],
    ['certificate flag without value', [RTC, '--certificate'], '--certificate needs a value'],
  ]
  for (const [name, argv, fragment] of cases) {
    test(name, async () => {
      const result = await run(['verify', ...argv])
      assertUsage(result, fragment)
      assert.ok(result.stderr.startsWith('agate verify: '), result.stderr)
    })
  }

  test('environment certificates: both NAME and NAME_FILE is ambiguous; bad values are not echoed', async () => {
    const env = { AGORA_APP_CERTIFICATE_SECONDARY: SECONDARY, AGORA_APP_CERTIFICATE_SECONDARY_FILE: '/x' }
    assertUsage(
      await run(['verify', RTC], { env }),
      'set AGORA_APP_CERTIFICATE_SECONDARY or AGORA_APP_CERTIFICATE_SECONDARY_FILE, not both',
    )
    const bad = { AGORA_APP_CERTIFICATE: CERTIFICATE, AGORA_APP_CERTIFICATE_SECONDARY: `${SECONDARY}0` }
    assertUsage(
      await run(['verify', RTC], { env: bad }),
      'AGORA_APP_CERTIFICATE_SECONDARY: a certificate must be 32 hexadecimal characters',
    )
  })

  test('--help documents exit codes and never needs a certificate', async () => {
    const result = await run(['verify', '--help'])
    assert.equal(result.code, 0)
    assert.match(result.stdout, /Exit codes: 0 valid, 1 invalid/)
  })
})
