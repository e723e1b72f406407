import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import {
  buildApaasToken,
  buildChatToken,
  buildFpaToken,
  buildRtcToken,
  buildRtmToken,
  parseToken,
  type ParsedToken007,
} from '../../../src/token/index.js'
import { APP_ID, assertUsage, CERTIFICATE, CREDENTIALS, makeToken, NOW, run } from '../helpers.js'

const FIXED = ['--issued-at', String(NOW), '--salt', '7'] as const
const common = { appId: APP_ID, appCertificate: CERTIFICATE, issuedAt: NOW, salt: 7 }

function parse007(token: string): ParsedToken007 {
  const parsed = parseToken(token)
  assert.equal(parsed.version, '007')
  return parsed
}

describe('agate token: the same tokens as the library', () => {
  const cases: Array<[string, string[], string]> = [
    [
      'rtc uid',
      ['rtc', '--channel', 'ChannelA', '--uid', '42'],
      buildRtcToken({ ...common, channelName: 'ChannelA', uid: 42 }),
    ],
    [
      'rtc account, subscriber, lifetimes',
      [
        'rtc',
        '--channel',
        'a',
        '--account',
        'alice',
        '--role',
        'subscriber',
        '--expire',
        '600',
        '--privilege-expire',
        '300',
      ],
      buildRtcToken({
        ...common,
        channelName: 'a',
        account: 'alice',
        role: 'subscriber',
        expire: 600,
        privilegeExpire: 300,
      }),
    ],
    [
      'rtc per-privilege lifetimes',
      [
        'rtc',
        '--channel',
        'a',
        '--uid',
        '1',
        '--join-expire',
        '100',
        '--audio-expire',
        '200',
        '--video-expire',
        '300',
        '--data-expire',
        '400',
      ],
      buildRtcToken({
        ...common,
        channelName: 'a',
        uid: 1,
        privilegeExpire: { joinChannel: 100, publishAudioStream: 200, publishVideoStream: 300, publishDataStream: 400 },
      }),
    ],
    [
      'rtc --privilege-expire fills the per-privilege lifetimes not given',
      ['rtc', '--channel', 'a', '--uid', '1', '--privilege-expire', '50', '--join-expire', '100'],
      buildRtcToken({
        ...common,
        channelName: 'a',
        uid: 1,
        privilegeExpire: { joinChannel: 100, publishAudioStream: 50, publishVideoStream: 50, publishDataStream: 50 },
      }),
    ],
    [
      'rtc subscriber with --join-expire and --privilege-expire',
      [
        'rtc',
        '--channel',
        'a',
        '--uid',
        '1',
        '--role',
        'subscriber',
        '--privilege-expire',
        '50',
        '--join-expire',
        '100',
      ],
      buildRtcToken({ ...common, channelName: 'a', uid: 1, role: 'subscriber', privilegeExpire: { joinChannel: 100 } }),
    ],
    ['rtc wildcard', ['rtc', '--channel', '', '--uid', '0'], buildRtcToken({ ...common, channelName: '', uid: 0 })],
    [
      'rtc --rtm',
      ['rtc', '--channel', 'a', '--uid', '42', '--rtm'],
      buildRtcToken({ ...common, channelName: 'a', uid: 42, rtm: true }),
    ],
    [
      'rtc --rtm-user-id --rtm-expire',
      ['rtc', '--channel', 'a', '--uid', '42', '--rtm-user-id', 'bob', '--rtm-expire', '60'],
      buildRtcToken({ ...common, channelName: 'a', uid: 42, rtm: { userId: 'bob', expire: 60 } }),
    ],
    [
      'rtc --rtm --rtm-expire logs in as the account',
      ['rtc', '--channel', 'a', '--account', 'al', '--rtm', '--rtm-expire', '60'],
      buildRtcToken({ ...common, channelName: 'a', account: 'al', rtm: { userId: 'al', expire: 60 } }),
    ],
    [
      'rtc 006 attendee',
      ['rtc', '--channel', 'a', '--uid', '9', '--version', '006', '--role', 'attendee'],
      buildRtcToken({ ...common, channelName: 'a', uid: 9, version: '006', role: 'attendee' }),
    ],
    [
      'rtm',
      ['rtm', '--user-id', 'alice', '--expire', '120'],
      buildRtmToken({ ...common, userId: 'alice', expire: 120 }),
    ],
    [
      'rtm 006',
      ['rtm', '--user-id', 'alice', '--version', '006'],
      buildRtmToken({ ...common, userId: 'alice', version: '006' }),
    ],
    [
      'rtm permissions',
      [
        'rtm',
        '--user-id',
        'alice',
        '--permission',
        'messageChannels:read:a,b',
        '--permission',
        'users:write:bob',
        '--permission',
        'messageChannels:read:c',
      ],
      buildRtmToken({
        ...common,
        userId: 'alice',
        permissions: { messageChannels: { read: ['a', 'b', 'c'] }, users: { write: ['bob'] } },
      }),
    ],
    [
      'chat user',
      ['chat', '--user-id', 'alice', '--expire', '60'],
      buildChatToken({ ...common, userId: 'alice', expire: 60 }),
    ],
    ['chat app', ['chat', '--app'], buildChatToken(common)],
    [
      'apaas room-user',
      ['apaas', '--room', 'r1', '--user', 'u1', '--role', 'teacher', '--expire', '900'],
      buildApaasToken({ ...common, roomUuid: 'r1', userUuid: 'u1', role: 'teacher', expire: 900 }),
    ],
    [
      'apaas numeric role',
      ['apaas', '--room', 'r1', '--user', 'u1', '--role', '2'],
      buildApaasToken({ ...common, roomUuid: 'r1', userUuid: 'u1', role: 2 }),
    ],
    ['apaas user', ['apaas', '--user', 'u1'], buildApaasToken({ ...common, userUuid: 'u1' })],
    ['apaas app', ['apaas'], buildApaasToken(common)],
    ['fpa', ['fpa'], buildFpaToken(common)],
  ]
  for (const [name, argv, expected] of cases) {
    test(name, async () => {
      assert.equal(await makeToken([...argv, ...CREDENTIALS, ...FIXED]), expected)
    })
  }
})

describe('agate token: credentials', () => {
  const expected = buildFpaToken(common)

  test('from the environment', async () => {
    const env = { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE }
    assert.equal(await makeToken(['fpa', ...FIXED], { env }), expected)
  })

  test('from --certificate-file and AGORA_APP_CERTIFICATE_FILE, trimmed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agate-cli-')), 'certificate')
    writeFileSync(file, `${CERTIFICATE}\n`)
    assert.equal(await makeToken(['fpa', '--app-id', APP_ID, '--certificate-file', file, ...FIXED]), expected)
    const env = { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE_FILE: file }
    assert.equal(await makeToken(['fpa', ...FIXED], { env }), expected)
  })

  test('flags win over the environment', async () => {
    const env = { AGORA_APP_ID: 'x', AGORA_APP_CERTIFICATE: 'y' }
    assert.equal(await makeToken(['fpa', ...CREDENTIALS, ...FIXED], { env }), expected)
  })

  test('missing App ID or certificate', async () => {
    assertUsage(await run(['token', 'fpa', '--certificate', CERTIFICATE]), '--app-id is required (or set AGORA_APP_ID)')
    assertUsage(await run(['token', 'fpa', '--app-id', APP_ID]), '--certificate or --certificate-file is required')
  })

  test('a bad certificate is refused without echoing it', async () => {
    const bad = `${CERTIFICATE.slice(0, 31)}g`
    const result = await run(['token', 'fpa', '--app-id', APP_ID, '--certificate', bad])
    assertUsage(result, '--certificate: a certificate must be 32 hexadecimal characters')
    assert.ok(!result.stderr.includes(bad))
    const env = { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: 'short' }
    assertUsage(
      await run(['token', 'fpa'], { env }),
      'AGORA_APP_CERTIFICATE: a certificate must be 32 hexadecimal characters',
    )
  })

  test('two sources of one certificate are ambiguous', async () => {
    assertUsage(
      await run(['token', 'fpa', ...CREDENTIALS, '--certificate-file', '/nonexistent']),
      'give --certificate or --certificate-file, not both',
    )
    const env = { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE, AGORA_APP_CERTIFICATE_FILE: '/x' }
    assertUsage(
      await run(['token', 'fpa'], { env }),
      'set AGORA_APP_CERTIFICATE or AGORA_APP_CERTIFICATE_FILE, not both',
    )
    // The same under the server's other names for them.
    assertUsage(
      await run(['token', 'fpa'], { env: { APP_ID, APP_CERTIFICATE: CERTIFICATE, APP_CERTIFICATE_FILE: '/x' } }),
      'set APP_CERTIFICATE or APP_CERTIFICATE_FILE, not both',
    )
  })

  test('an unreadable certificate file names the path and the reason', async () => {
    assertUsage(
      await run(['token', 'fpa', '--app-id', APP_ID, '--certificate-file', '/nonexistent/cert']),
      '--certificate-file: cannot read /nonexistent/cert (ENOENT)',
    )
  })

  test('a certificate given as the file path is not echoed', async () => {
    const result = await run(['token', 'fpa', '--app-id', APP_ID, '--certificate-file', CERTIFICATE])
    assertUsage(result, 'its name looks like a certificate, not shown')
  })

  test('the certificate given as the App ID is refused', async () => {
    assertUsage(
      await run(['token', 'fpa', '--app-id', CERTIFICATE.toLowerCase(), '--certificate', CERTIFICATE]),
      '--app-id and --certificate hold the same value',
    )
  })

  test('a bad App ID names its source', async () => {
    assertUsage(
      await run(['token', 'fpa', '--app-id', 'abc', '--certificate', CERTIFICATE]),
      '--app-id (appId): must be 32 hexadecimal characters',
    )
    const env = { AGORA_APP_ID: 'abc', AGORA_APP_CERTIFICATE: CERTIFICATE }
    assertUsage(await run(['token', 'fpa'], { env }), 'AGORA_APP_ID (appId): must be 32 hexadecimal characters')
  })
})

describe('agate token --json', () => {
  test('007: token, times and services, never the certificate', async () => {
    const result = await run([
      'token',
      'rtc',
      '--channel',
      'a',
      '--uid',
      '42',
      '--expire',
      '600',
      '--json',
      ...CREDENTIALS,
      ...FIXED,
    ])
    assert.equal(result.code, 0)
    const output = JSON.parse(result.stdout)
    assert.deepEqual(Object.keys(output), [
      'token',
      'version',
      'appId',
      'issuedAt',
      'expiresAt',
      'usableUntil',
      'services',
    ])
    assert.equal(output.token, buildRtcToken({ ...common, channelName: 'a', uid: 42, expire: 600 }))
    assert.equal(output.version, '007')
    assert.equal(output.appId, APP_ID)
    assert.equal(output.issuedAt, NOW)
    assert.equal(output.expiresAt, NOW + 600)
    assert.equal(output.usableUntil, NOW + 600)
    assert.equal(output.services[0].type, 'rtc')
    assert.equal(output.services[0].channelName, 'a')
    assert.equal(output.services[0].uid, 42)
    assert.deepEqual(
      output.services[0].privileges.map((privilege: { name: string }) => privilege.name),
      ['joinChannel', 'publishAudioStream', 'publishVideoStream', 'publishDataStream'],
    )
  })

  test('006: privileges with absolute expiry; usableUntil is when joining stops (the join privilege), not the ts', async () => {
    const result = await run([
      'token',
      'rtc',
      '--channel',
      'a',
      '--uid',
      '42',
      '--version',
      '006',
      '--json',
      ...CREDENTIALS,
      ...FIXED,
    ])
    assert.equal(result.code, 0)
    const output = JSON.parse(result.stdout)
    assert.equal(output.version, '006')
    assert.equal(output.issuedAt, NOW)
    assert.equal(output.expiresAt, NOW + 86_400)
    assert.equal(output.usableUntil, NOW + 3600)
    assert.equal(output.privileges[0].name, 'joinChannel')
    assert.equal(output.privileges[0].expiresAt, NOW + 3600)
  })

  test('uses io.now as the issue time by default', async () => {
    const token = await makeToken(['chat', '--app', ...CREDENTIALS], { now: NOW + 5 })
    assert.equal(parse007(token).issuedAt, NOW + 5)
  })
})

describe('agate token: usage errors exit 2 with one line naming the flag', () => {
  const cases: Array<[string, string[], string]> = [
    ['missing --channel', ['rtc', '--uid', '1'], '--channel is required'],
    ['missing uid and account', ['rtc', '--channel', 'a'], 'give --uid (0 for any) or --account'],
    ['uid and account', ['rtc', '--channel', 'a', '--uid', '1', '--account', 'x'], 'give --uid or --account, not both'],
    ['non-numeric uid', ['rtc', '--channel', 'a', '--uid', 'abc'], "--uid must be a non-negative integer, got 'abc'"],
    ['negative uid', ['rtc', '--channel', 'a', '--uid', '-1'], "--uid must be a non-negative integer, got '-1'"],
    [
      'fractional expire',
      ['rtc', '--channel', 'a', '--uid', '1', '--expire', '1.5'],
      '--expire must be a non-negative integer',
    ],
    [
      'uid out of range',
      ['rtc', '--channel', 'a', '--uid', '4294967296'],
      '--uid (uid): must be an integer from 0 to 4294967295',
    ],
    [
      'expire too long',
      ['rtc', '--channel', 'a', '--uid', '1', '--expire', '86401'],
      '--expire (expire): must be an integer from 1 to 86400',
    ],
    ['bad channel', ['rtc', '--channel', 'a/b', '--uid', '1'], '--channel (channelName): may contain only'],
    [
      'bad role',
      ['rtc', '--channel', 'a', '--uid', '1', '--role', 'king'],
      '--role (role): must be publisher, subscriber',
    ],
    [
      '006 role in 007',
      ['rtc', '--channel', 'a', '--uid', '1', '--role', 'admin'],
      '--role (role): admin was removed in AccessToken2',
    ],
    [
      'bad version',
      ['rtc', '--channel', 'a', '--uid', '1', '--version', '008'],
      '--version (version): must be "006" or "007"',
    ],
    [
      'subscriber publishing',
      ['rtc', '--channel', 'a', '--uid', '1', '--role', 'subscriber', '--video-expire', '5'],
      '--video-expire (privilegeExpire.publishVideoStream)',
    ],
    [
      'join lifetime too long',
      ['rtc', '--channel', 'a', '--uid', '1', '--join-expire', '90000'],
      '--join-expire (privilegeExpire.joinChannel)',
    ],
    [
      'rtm in 006',
      ['rtc', '--channel', 'a', '--uid', '1', '--rtm', '--version', '006'],
      '--rtm (rtm): 006 tokens hold one service',
    ],
    ['rtm for the wildcard uid', ['rtc', '--channel', 'a', '--uid', '0', '--rtm'], '--rtm needs --rtm-user-id'],
    [
      'rtm-expire alone',
      ['rtc', '--channel', 'a', '--uid', '1', '--rtm-expire', '5'],
      '--rtm-expire needs --rtm or --rtm-user-id',
    ],
    [
      'rtm-user-id too long',
      ['rtc', '--channel', 'a', '--uid', '1', '--rtm-user-id', 'x'.repeat(65)],
      '--rtm-user-id (rtm.userId)',
    ],
    ['missing --user-id', ['rtm'], '--user-id is required'],
    [
      'bad permission shape',
      ['rtm', '--user-id', 'u', '--permission', 'users:read'],
      '--permission must look like RESOURCE:PERMISSION:NAME',
    ],
    [
      'bad permission resource',
      ['rtm', '--user-id', 'u', '--permission', 'rooms:read:a'],
      "--permission: unknown resource 'rooms'",
    ],
    [
      'bad permission type',
      ['rtm', '--user-id', 'u', '--permission', 'users:delete:a'],
      "--permission: unknown permission 'delete'",
    ],
    [
      'empty permission name',
      ['rtm', '--user-id', 'u', '--permission', 'users:read:a,,b'],
      '--permission: names must not be empty',
    ],
    [
      'permissions in 006',
      ['rtm', '--user-id', 'u', '--permission', 'users:read:a', '--version', '006'],
      '--permission (permissions)',
    ],
    ['chat without a kind', ['chat'], 'give --user-id for a user token or --app for an app token'],
    ['chat with both kinds', ['chat', '--app', '--user-id', 'u'], 'not both'],
    ['chat empty user', ['chat', '--user-id', ''], '--user-id (userId): must not be empty'],
    ['apaas room without user', ['apaas', '--room', 'r'], '--user (userUuid): is needed with roomUuid'],
    [
      'apaas room-user without role',
      ['apaas', '--room', 'r', '--user', 'u'],
      '--role (role): is needed for a room-user token',
    ],
    [
      'apaas bad role',
      ['apaas', '--room', 'r', '--user', 'u', '--role', 'dean'],
      '--role (role): must be one of invisible, teacher',
    ],
    ['bad --issued-at', ['fpa', '--issued-at', 'soon'], "--issued-at must be a non-negative integer, got 'soon'"],
    ['salt out of range', ['fpa', '--salt', '4294967296'], '--salt (salt)'],
    ['unknown flag', ['fpa', '--channel', 'a'], 'unknown option --channel'],
    ['flag without value', ['rtc', '--channel'], '--channel needs a value'],
    [
      'flag followed by a flag',
      ['rtc', '--channel', '--uid', '1'],
      '--channel needs a value (to give one that starts with "-", write --channel=VALUE)',
    ],
    ['value on a boolean', ['chat', '--app=yes'], '--app takes no value'],
    ['repeated flag', ['rtc', '--channel', 'a', '--channel', 'b', '--uid', '1'], '--channel is given more than once'],
    ['extra argument', ['fpa', 'extra'], "unexpected argument 'extra'"],
    ['unknown service', ['rtx'], "unknown service 'rtx' (expected rtc, rtm, chat, apaas, fpa)"],
  ]
  for (const [name, argv, fragment] of cases) {
    test(name, async () => {
      const result = await run(['token', ...argv, ...CREDENTIALS])
      assertUsage(result, fragment)
      assert.ok(result.stderr.startsWith('agate token'), result.stderr)
    })
  }

  test('a secret-looking stray argument is not echoed', async () => {
    const result = await run(['token', 'fpa', ...CREDENTIALS, CERTIFICATE.toUpperCase()])
    assertUsage(result, 'unexpected argument (32 characters, not shown)')
  })

  test('an option value can start with "-" when written inline', async () => {
    const token = await makeToken(['rtc', '--channel=-a', '--uid', '1', ...CREDENTIALS])
    assert.equal((parse007(token).services[0] as { channelName: string }).channelName, '-a')
  })
})

describe('agate token --help', () => {
  test('lists the services', async () => {
    const result = await run(['token', '--help'])
    assert.equal(result.code, 0)
    for (const service of ['rtc', 'rtm', 'chat', 'apaas', 'fpa'])
      assert.match(result.stdout, new RegExp(`^  ${service} `, 'm'))
  })

  test('without a service prints the help on stderr and exits 2', async () => {
    const result = await run(['token'])
    assert.equal(result.code, 2)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /Usage: agate token <service>/)
  })

  test('each service documents its flags and the credentials', async () => {
    const expected: Record<string, string[]> = {
      rtc: [
        '--channel',
        '--uid',
        '--account',
        '--role',
        '--expire',
        '--privilege-expire',
        '--join-expire',
        '--audio-expire',
        '--video-expire',
        '--data-expire',
        '--rtm',
        '--rtm-user-id',
        '--rtm-expire',
        '--version',
      ],
      rtm: ['--user-id', '--expire', '--permission', '--version'],
      chat: ['--user-id', '--app', '--expire'],
      apaas: ['--room', '--user', '--role', '--expire'],
      fpa: [],
    }
    for (const [service, flags] of Object.entries(expected)) {
      const result = await run(['token', service, '--help'])
      assert.equal(result.code, 0)
      for (const flag of [...flags, '--app-id', '--certificate', '--certificate-file', '--json']) {
        assert.ok(result.stdout.includes(`${flag} `), `${service} --help lacks ${flag}`)
      }
    }
  })
})
