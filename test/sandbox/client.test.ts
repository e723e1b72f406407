/**
 * The browser sandbox client against the sandbox routes (in process, real time, short scaled
 * tokens), and the renewal helper running on it unchanged. Timing assertions are about order and
 * generous windows only.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Hono } from 'hono'
import { keepRtcTokenFresh, type RtcTokenEvent, type TokenFetcher } from '../../src/client/index.js'
import { createSandboxClient, SandboxRtcError } from '../../src/sandbox/client.js'
import { createSandbox, sandboxRoutes, type Sandbox } from '../../src/sandbox/index.js'
import { APP_ID, CERTIFICATE, rtcToken } from '../client/fixtures.js'

function setup(options: { coHostAuthentication?: boolean } = {}) {
  const sandbox = createSandbox({ apps: [{ appId: APP_ID, certificates: [CERTIFICATE] }], ...options })
  const app = new Hono()
  app.route('/sandbox', sandboxRoutes(sandbox))
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    app.request(String(input), init)) as typeof globalThis.fetch
  return { sandbox, fetch }
}

/** Records what a client emits, in order, with the time since `t0` in ms. */
function record(client: { on(event: string, listener: (...args: any[]) => void): void }, names: string[]) {
  const t0 = Date.now()
  const seen: { name: string; args: unknown[]; ms: number }[] = []
  for (const name of names) client.on(name, (...args) => seen.push({ name, args, ms: Date.now() - t0 }))
  return seen
}

const until = async (condition: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function closeAll(sandbox: Sandbox): void {
  sandbox.close()
}

test('join reports CONNECTING then CONNECTED; will-expire, then did-expire after leaving with TOKEN_EXPIRE', async () => {
  const { sandbox, fetch } = setup()
  const client = createSandboxClient({ fetch, timeScale: 20 })
  const seen = record(client, ['connection-state-change', 'token-privilege-will-expire', 'token-privilege-did-expire'])
  assert.equal(await client.join(APP_ID, 'ChannelA', rtcToken(), 42), 42)
  assert.equal(client.connectionState, 'CONNECTED')
  assert.equal(client.channelName, 'ChannelA')
  const timing = client.timing!
  assert.equal(timing.timeScale, 20)
  // A 40 s token at 20x: will-expire about 0.5 s in, did-expire about 2 s in.
  await until(() => seen.some((e) => e.name === 'token-privilege-did-expire'))
  assert.deepEqual(
    seen.map((e) => [e.name, ...e.args]),
    [
      ['connection-state-change', 'CONNECTING', 'DISCONNECTED'],
      ['connection-state-change', 'CONNECTED', 'CONNECTING'],
      ['token-privilege-will-expire'],
      ['connection-state-change', 'DISCONNECTED', 'CONNECTED', 'TOKEN_EXPIRE'],
      ['token-privilege-did-expire'],
    ],
  )
  const willExpire = seen[2]!.ms
  const didExpire = seen[4]!.ms
  assert.ok(
    willExpire < didExpire && didExpire < 6_000,
    `will-expire at ${willExpire} ms, did-expire at ${didExpire} ms`,
  )
  assert.equal(client.connectionState, 'DISCONNECTED')
  assert.equal(client.timing, undefined)
  closeAll(sandbox)
})

test('a refused join rejects with the SDK error code and the sandbox reason, and ends DISCONNECTED', async () => {
  const { sandbox, fetch } = setup()
  const client = createSandboxClient({ fetch })
  const seen = record(client, ['connection-state-change'])
  await assert.rejects(client.join(APP_ID, 'ChannelA', rtcToken({ channelName: 'ChannelB' }), 42), (error: unknown) => {
    assert.ok(error instanceof SandboxRtcError)
    assert.equal(error.name, 'AgoraRTCError')
    assert.equal(error.code, 'CAN_NOT_GET_GATEWAY_SERVER')
    assert.equal(error.data?.reason, 'ERR_INVALID_TOKEN')
    assert.equal(error.data?.detail, 'the token is for another channel')
    return true
  })
  assert.deepEqual(
    seen.map((e) => e.args),
    [
      ['CONNECTING', 'DISCONNECTED'],
      ['DISCONNECTED', 'CONNECTING'],
    ],
  )
  closeAll(sandbox)
})

test('calls in the wrong state fail as the SDK fails them', async () => {
  const { sandbox, fetch } = setup()
  const client = createSandboxClient({ fetch })
  await assert.rejects(client.renewToken(rtcToken()), {
    name: 'AgoraRTCError',
    code: 'INVALID_OPERATION',
    message: 'renewToken should not be called before user join',
  })
  await assert.rejects(client.publish(), {
    code: 'INVALID_OPERATION',
    message: "Can't publish stream, haven't joined yet!",
  })
  await client.leave()
  await client.join(APP_ID, 'ChannelA', rtcToken(), 42)
  await assert.rejects(client.join(APP_ID, 'ChannelA', rtcToken(), 42), { code: 'INVALID_OPERATION' })
  await assert.rejects(client.renewToken(rtcToken({ uid: 43 })), {
    code: 'UNEXPECTED_RESPONSE',
    data: {
      reason: 'ERR_INVALID_TOKEN',
      agoraCode: 110,
      desc: 'invalid token, authorized failed',
      detail: 'the token is for another uid',
    },
  })
  await client.renewToken(rtcToken())
  await client.leave()
  closeAll(sandbox)
})

test('leave goes DISCONNECTING then DISCONNECTED with reason LEAVE; it is harmless when not joined', async () => {
  const { sandbox, fetch } = setup()
  const client = createSandboxClient({ fetch })
  await client.join(APP_ID, 'ChannelA', rtcToken(), 42)
  const seen = record(client, ['connection-state-change'])
  await client.leave()
  assert.deepEqual(
    seen.map((e) => e.args),
    [
      ['DISCONNECTING', 'CONNECTED'],
      ['DISCONNECTED', 'DISCONNECTING', 'LEAVE'],
    ],
  )
  await client.leave()
  assert.equal(seen.length, 2)
  assert.equal(sandbox.size, 0)
  closeAll(sandbox)
})

test('publish takes tracks or media names; co-host authentication refuses a subscriber', async () => {
  const { sandbox, fetch } = setup({ coHostAuthentication: true })
  const client = createSandboxClient({ fetch })
  await client.join(APP_ID, 'ChannelA', rtcToken(), 42)
  await client.publish([{ trackMediaType: 'audio' }, { trackMediaType: 'video' }])
  assert.deepEqual(client.publishedKinds, ['audio', 'video'])
  await client.unpublish({ trackMediaType: 'video' })
  assert.deepEqual(client.publishedKinds, ['audio'])
  await client.leave()
  await client.join(APP_ID, 'ChannelA', rtcToken({ role: 'subscriber' }), 42)
  await assert.rejects(
    client.publish('audio'),
    (error: any) => error.code === 'UNEXPECTED_RESPONSE' && error.data.reason === 'ERR_NO_PERMISSION',
  )
  await client.leave()
  closeAll(sandbox)
})

test('the renewal helper runs on the sandbox client unchanged: renewals, then did-expire and the rejoin', async () => {
  const { sandbox, fetch } = setup()
  const client = createSandboxClient({ fetch, timeScale: 20 })
  const fetchToken: TokenFetcher = async () => rtcToken()
  const events: RtcTokenEvent[] = []
  const session = keepRtcTokenFresh(client, {
    appId: APP_ID,
    channel: 'ChannelA',
    uid: 42,
    tokenSource: fetchToken,
    onEvent: (e) => events.push(e),
  })
  const count = (type: string): number => events.filter((e) => e.type === type).length
  await session.join()
  await until(() => count('renewed') >= 2)
  session.autoRenew = false
  await until(() => count('rejoined') >= 1)
  const types = events.map((e) => e.type).filter((t) => t !== 'fetching' && t !== 'fetched' && t !== 'state')
  const firstExpiry = types.indexOf('did-expire')
  assert.deepEqual(types.slice(0, 5), ['joined', 'will-expire', 'renewed', 'will-expire', 'renewed'])
  assert.deepEqual(types.slice(firstExpiry - 1, firstExpiry + 2), ['will-expire', 'did-expire', 'rejoined'])
  assert.ok(!types.includes('error'), JSON.stringify(events.filter((e) => e.type === 'error')))
  assert.equal(client.connectionState, 'CONNECTED')
  await client.leave()
  assert.equal(session.stopped, true)
  closeAll(sandbox)
})

test('a session the sandbox dropped reads as a server-side disconnect', async () => {
  const { sandbox, fetch } = setup()
  const client = createSandboxClient({ fetch })
  const seen = record(client, ['connection-state-change'])
  await client.join(APP_ID, 'ChannelA', rtcToken(), 42)
  sandbox.close()
  await until(() => client.connectionState === 'DISCONNECTED')
  assert.deepEqual(seen.at(-1)!.args, ['DISCONNECTED', 'CONNECTED', 'SERVER_ERROR'])
})
