import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { main } from '../../src/cli/main.js'
import {
  APP_ID,
  assertNoSecrets,
  assertUsage,
  CERTIFICATE,
  CREDENTIALS,
  makeToken,
  NOW,
  run,
  SECONDARY,
  WRONG,
} from './helpers.js'

describe('agate: help, version, dispatch', () => {
  test('--help, -h and help list every command on stdout', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const result = await run(argv)
      assert.equal(result.code, 0)
      assert.equal(result.stderr, '')
      for (const command of ['token <service>', 'inspect <token|->', 'verify <token|->', 'serve', 'keys create']) {
        assert.ok(result.stdout.includes(`  ${command}`), `${argv[0]} lacks ${command}`)
      }
    }
  })

  test('help <command> and <command> --help show the command help', async () => {
    for (const command of ['token', 'inspect', 'verify', 'serve', 'keys']) {
      const viaHelp = await run(['help', command])
      const viaFlag = await run([command, '--help'])
      assert.equal(viaHelp.code, 0)
      assert.equal(viaFlag.code, 0)
      assert.equal(viaHelp.stdout, viaFlag.stdout)
      assert.match(viaHelp.stdout, new RegExp(`^Usage: agate ${command}`))
    }
  })

  test('no arguments: help on stderr, exit 2', async () => {
    const result = await run([])
    assert.equal(result.code, 2)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^Usage: agate <command>/)
  })

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    assert.deepEqual(await run(['--version']), { code: 0, stdout: `${version}\n`, stderr: '' })
  })

  test('an unknown command exits 2; a secret-looking one is not echoed', async () => {
    assertUsage(await run(['mint']), 'agate: unknown command \'mint\'; run "agate --help"')
    assertUsage(await run([CERTIFICATE]), 'agate: unknown command (32 characters, not shown)')
  })

  test('an unexpected error exits 1 with a one-line message', async () => {
    let stderr = ''
    const code = await main(['inspect', '-'], {
      stdout: () => assert.fail('nothing on stdout'),
      stderr: (text) => void (stderr += text),
      stdin: async () => {
        throw new Error('stdin closed')
      },
      env: {},
    })
    assert.equal(code, 1)
    assert.equal(stderr, 'agate inspect: unexpected error: stdin closed\n')
  })
})

describe('agate: round trips', () => {
  test('token → inspect --json gives back the fields', async () => {
    const token = await makeToken([
      'rtc',
      '--channel',
      'ChannelA',
      '--account',
      'alice',
      '--role',
      'subscriber',
      '--expire',
      '900',
      '--rtm',
      ...CREDENTIALS,
    ])
    const result = await run(['inspect', '-', '--json'], { stdin: `${token}\n` })
    assert.equal(result.code, 0)
    const parsed = JSON.parse(result.stdout)
    assert.equal(parsed.version, '007')
    assert.equal(parsed.appId, APP_ID)
    assert.equal(parsed.issuedAt, NOW)
    assert.equal(parsed.expiresAt, NOW + 900)
    assert.equal(parsed.remainingSeconds, 900)
    assert.deepEqual(
      parsed.services.map((service: { type: string; channelName?: string; account?: string; userId?: string }) => [
        service.type,
        service.channelName ?? service.userId,
        service.account,
      ]),
      [
        ['rtc', 'ChannelA', 'alice'],
        ['rtm', 'alice', undefined],
      ],
    )
    assert.deepEqual(
      parsed.services[0].privileges.map((privilege: { name: string }) => privilege.name),
      ['joinChannel'],
    )
  })

  test('token → verify exits 0; a wrong certificate exits 1', async () => {
    for (const service of [
      ['rtc', '--channel', 'a', '--uid', '1'],
      ['rtm', '--user-id', 'u'],
      ['chat', '--app'],
      ['apaas', '--user', 'u'],
      ['fpa'],
    ]) {
      const token = await makeToken([...service, ...CREDENTIALS])
      assert.equal((await run(['verify', token, '--certificate', CERTIFICATE])).code, 0, service[0])
      assert.equal((await run(['verify', token, '--certificate', WRONG])).code, 1, service[0])
    }
  })

  test('006: verify needs --channel and --uid', async () => {
    const token = await makeToken(['rtc', '--channel', 'a', '--uid', '7', '--version', '006', ...CREDENTIALS])
    assertUsage(await run(['verify', token, '--certificate', CERTIFICATE]), '--channel (channelName)')
    assert.equal(
      (await run(['verify', token, '--certificate', CERTIFICATE, '--channel', 'a', '--uid', '7'])).stdout,
      'valid (certificate #1)\n',
    )
    assert.equal((await run(['verify', token, '--certificate', WRONG, '--channel', 'a', '--uid', '7'])).code, 1)
  })

  test('a token from the environment credentials verifies with the secondary slot', async () => {
    const token = await makeToken(['chat', '--user-id', 'u'], {
      env: { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: SECONDARY },
    })
    const env = { AGORA_APP_CERTIFICATE: CERTIFICATE, AGORA_APP_CERTIFICATE_SECONDARY: SECONDARY }
    assert.equal((await run(['verify', token, '--user-id', 'u'], { env })).stdout, 'valid (certificate #2)\n')
  })
})

describe('agate: certificates never appear in any output', () => {
  // run() already fails on any certificate in stdout or stderr; this sweeps the paths where one
  // is in play, including errors raised after it was read.
  test('success and error paths of every command', async () => {
    const token = await makeToken(['rtc', '--channel', 'a', '--uid', '1', ...CREDENTIALS])
    const invocations: string[][] = [
      ['token', 'rtc', '--channel', 'a', '--uid', '1', '--json', ...CREDENTIALS],
      ['token', 'rtc', '--channel', 'a', '--uid', '1', '--expire', '0', ...CREDENTIALS],
      ['token', 'rtc', '--channel', 'a', '--uid', '1', '--app-id', CERTIFICATE, '--certificate', CERTIFICATE],
      ['token', 'rtc', '--channel', 'a', '--uid', '1', '--app-id', APP_ID, '--certificate', `${CERTIFICATE}0`],
      [
        'token',
        'rtc',
        '--channel',
        'a',
        '--uid',
        '1',
        '--app-id',
        APP_ID,
        `--certificate=${CERTIFICATE}`,
        '--cert',
        CERTIFICATE,
      ],
      ['token', 'rtc', '--channel', 'a', '--uid', '1', '--app-id', APP_ID, `--certifcate=${CERTIFICATE}`],
      ['token', 'rtc', '--channel', 'a', '--uid', '1', '--app-id', APP_ID, '--certificate-file', `./${CERTIFICATE}`],
      ['token', CERTIFICATE],
      ['verify', token, '--certificate', CERTIFICATE, '--certificate', SECONDARY, '--json'],
      ['verify', token, '--certificate', WRONG, '--certificate', SECONDARY],
      ['verify', token, '--certificate', WRONG, '--json'],
      ['verify', token, '--certificate', CERTIFICATE, '--channel', 'b', '--uid', '1'],
      ['verify', token, '--certificate', CERTIFICATE.slice(1)],
      ['verify', CERTIFICATE, '--certificate', CERTIFICATE],
      ['inspect', CERTIFICATE],
      ['keys', CERTIFICATE],
    ]
    for (const argv of invocations) {
      const result = await run(argv)
      assertNoSecrets(result.stdout + result.stderr)
      assert.ok(result.stdout !== '' || result.stderr !== '', argv.join(' '))
    }
  })
})
