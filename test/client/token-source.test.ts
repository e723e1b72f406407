import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffDelay, createTokenSource, TokenClientError, type RetryInfo } from '../../src/client/index.js'
import { endpointKindOf } from '../../src/client/endpoints.js'
import { sleep } from '../../src/client/backoff.js'
import { APP_ID, nowSeconds, rtcToken, rtmToken } from './fixtures.js'

interface Call {
  url: string
  method: string
  headers: Headers
  body: any
  signal: AbortSignal | undefined
}

/** A scripted fetch: `answer` gets each call and returns a Response (or throws, or never settles). */
function fakeFetch(answer: (call: Call, index: number) => Response | Promise<Response>): {
  fetch: typeof fetch
  calls: Call[]
} {
  const calls: Call[] = []
  const fn = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const call: Call = {
      url: String(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      signal: init.signal ?? undefined,
    }
    calls.push(call)
    return answer(call, calls.length - 1)
  }) as typeof fetch
  return { fetch: fn, calls }
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

/** Never settles, but rejects when the request's signal aborts (as fetch does). */
const hang = (call: Call): Promise<Response> =>
  new Promise((_, reject) => call.signal?.addEventListener('abort', () => reject(call.signal!.reason), { once: true }))

const fast = { backoff: { initialMs: 1, maxMs: 4 } }
const request = { service: 'rtc', channelName: 'ChannelA', uid: 42 } as const

test("the docs' /fetch_rtc_token contract: {uid, ChannelName, role: 1|2} in, {token, code} out", async () => {
  const token = rtcToken()
  const { fetch, calls } = fakeFetch(() => json({ token, code: '200' }))
  const source = createTokenSource({ url: 'http://server/fetch_rtc_token', fetch })
  assert.equal(await source.getToken(request), token)
  await source.getToken({ ...request, role: 'subscriber' }).catch(() => {})
  assert.equal(calls[0]!.method, 'POST')
  assert.deepEqual(calls[0]!.body, { uid: 42, ChannelName: 'ChannelA', role: 1 })
  assert.equal(calls[1]!.body.role, 2)
  assert.equal(calls[0]!.headers.get('content-type'), 'application/json')
  await assert.rejects(source.getToken({ service: 'rtc', channelName: 'ChannelA', account: 'alice' }), {
    name: 'TokenClientError',
    code: 'ERR_INVALID_ARGUMENT',
    field: 'account',
  })
  await assert.rejects(
    createTokenSource({ url: '/fetch_rtc_token', fetch }).getToken({ service: 'rtm', userId: 'alice' }),
    { code: 'ERR_INVALID_ARGUMENT', field: 'service' },
  )
})

test("the docs' error answer {token: <message>, code: '400'} becomes ERR_TOKEN_FETCH_HTTP with the message", async () => {
  const { fetch, calls } = fakeFetch(() =>
    json({ token: 'ChannelName: must be under 64 characters', code: '400' }, 400),
  )
  const source = createTokenSource({ url: '/fetch_rtc_token', fetch, ...fast })
  await assert.rejects(source.getToken(request), {
    name: 'TokenClientError',
    code: 'ERR_TOKEN_FETCH_HTTP',
    status: 400,
    serverCode: '400',
    message: /answered 400: ChannelName: must be under 64 characters/,
  })
  assert.equal(calls.length, 1, 'a 400 is not retried')
})

test('the modern /v1/tokens contract: rtc or rtm request with lifetime and app, problem+json errors', async () => {
  const token = rtcToken()
  const { fetch, calls } = fakeFetch((call) =>
    call.body.rtm !== undefined
      ? json(
          {
            type: 'about:blank',
            title: 'Forbidden',
            status: 403,
            code: 'policy-denied',
            detail: 'rule "users" denies rtm',
          },
          403,
          { 'content-type': 'application/problem+json' },
        )
      : json({ token, version: '007', expiresAt: 1 }),
  )
  const source = createTokenSource({ url: '/v1/tokens', expire: 40, app: 'default', fetch, ...fast })
  assert.equal(await source.getToken({ ...request, role: 'subscriber' }), token)
  assert.deepEqual(calls[0]!.body, {
    rtc: { channelName: 'ChannelA', uid: 42, role: 'subscriber' },
    expire: 40,
    app: 'default',
  })
  await assert.rejects(source.getToken({ service: 'rtm', userId: 'alice' }), {
    code: 'ERR_TOKEN_FETCH_HTTP',
    status: 403,
    serverCode: 'policy-denied',
    message: 'the token server answered 403: rule "users" denies rtm',
  })
  assert.deepEqual(calls[1]!.body, { rtm: { userId: 'alice' }, expire: 40, app: 'default' })
  assert.equal(calls.length, 2, 'a 403 is not retried')
})

test("agora-token-service's POST /getToken and GET path routes (as a URL template)", async () => {
  const token = rtcToken({ account: 'alice' })
  const { fetch, calls } = fakeFetch((call) => (call.method === 'GET' ? json({ rtcToken: token }) : json({ token })))
  await createTokenSource({ url: '/getToken', expire: 600, fetch }).getToken({
    service: 'rtc',
    channelName: 'ChannelA',
    account: 'alice',
  })
  assert.deepEqual(calls[0]!.body, {
    tokenType: 'rtc',
    channel: 'ChannelA',
    role: 'publisher',
    uid: 'alice',
    expire: 600,
  })
  await createTokenSource({ url: '/rtc/{channelName}/{role}/{tokenType}/{uid}/', expire: 600, fetch }).getToken({
    service: 'rtc',
    channelName: 'ChannelA',
    account: 'alice',
  })
  assert.equal(calls[1]!.method, 'GET')
  assert.equal(calls[1]!.url, '/rtc/ChannelA/publisher/userAccount/alice/?expiry=600')
  await assert.rejects(createTokenSource({ url: '/x/{nope}', fetch }).getToken(request), {
    code: 'ERR_INVALID_ARGUMENT',
    field: 'url',
  })
})

test('the contract is guessed from the URL when not named', () => {
  assert.equal(endpointKindOf('https://tokens.example.com/fetch_rtc_token'), 'fetch-rtc-token')
  assert.equal(endpointKindOf('/getToken?x=1'), 'get-token')
  assert.equal(endpointKindOf('/rtc/{channelName}/publisher/uid/{uid}'), 'template')
  assert.equal(endpointKindOf('/v1/tokens'), 'v1')
})

test("the caller's headers go with every request; a headers function is called each time", async () => {
  let n = 0
  const { fetch, calls } = fakeFetch(() => json({ token: rtcToken() }))
  const source = createTokenSource({
    url: '/v1/tokens',
    fetch,
    headers: () => ({ Authorization: `Bearer session-${++n}` }),
  })
  await source.getToken(request)
  await source.getToken(request)
  assert.equal(calls[0]!.headers.get('authorization'), 'Bearer session-1')
  assert.equal(calls[1]!.headers.get('authorization'), 'Bearer session-2')
})

test('network errors, timeouts and 5xx are retried with backoff; the last failure is reported', async () => {
  const token = rtcToken()
  const retries: RetryInfo[] = []
  const flaky = fakeFetch((_call, index) => {
    if (index === 0) throw new TypeError('fetch failed')
    if (index === 1) return json({ title: 'busy' }, 503)
    return json({ token })
  })
  const source = createTokenSource({ url: '/v1/tokens', fetch: flaky.fetch, retries: 3, ...fast })
  assert.equal(await source.getToken(request, { onRetry: (info) => retries.push(info) }), token)
  assert.deepEqual(
    retries.map((r) => [r.retry, r.error.code]),
    [
      [1, 'ERR_TOKEN_FETCH_NETWORK'],
      [2, 'ERR_TOKEN_FETCH_HTTP'],
    ],
  )

  const down = fakeFetch(() => {
    throw new TypeError('fetch failed')
  })
  await assert.rejects(
    createTokenSource({ url: '/v1/tokens', fetch: down.fetch, retries: 2, ...fast }).getToken(request),
    { code: 'ERR_TOKEN_FETCH_NETWORK', message: /fetch failed/ },
  )
  assert.equal(down.calls.length, 3)

  const slow = fakeFetch(hang)
  await assert.rejects(
    createTokenSource({ url: '/v1/tokens', fetch: slow.fetch, timeoutMs: 20, retries: 1, ...fast }).getToken(request),
    {
      name: 'TokenClientError',
      code: 'ERR_TOKEN_FETCH_TIMEOUT',
      message: 'the token server did not answer within 20 ms',
    },
  )
  assert.equal(slow.calls.length, 2)
  assert.ok(
    slow.calls.every((call) => call.signal?.aborted),
    'each timed-out request is aborted',
  )
})

test('429 waits for Retry-After; a Retry-After beyond a minute is not waited for', async () => {
  const token = rtcToken()
  const retries: RetryInfo[] = []
  const limited = fakeFetch((_call, index) =>
    index === 0 ? json({ title: 'slow down' }, 429, { 'retry-after': '0' }) : json({ token }),
  )
  await createTokenSource({ url: '/v1/tokens', fetch: limited.fetch, ...fast }).getToken(request, {
    onRetry: (info) => retries.push(info),
  })
  assert.equal(retries.length, 1)
  const shut = fakeFetch(() => json({ title: 'closed' }, 503, { 'retry-after': '3600' }))
  await assert.rejects(createTokenSource({ url: '/v1/tokens', fetch: shut.fetch, ...fast }).getToken(request), {
    code: 'ERR_TOKEN_FETCH_HTTP',
    status: 503,
  })
  assert.equal(shut.calls.length, 1)
})

test('backoff grows exponentially up to the cap, with jitter in the upper half of each step', () => {
  const options = { initialMs: 500, maxMs: 8000, factor: 2 }
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options, () => 0)),
    [250, 500, 1000, 2000, 4000, 4000],
  )
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options, () => 1)),
    [500, 1000, 2000, 4000, 8000, 8000],
  )
})

test('the retry waits follow the backoff schedule (fake timers)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const retries: RetryInfo[] = []
  const down = fakeFetch(() => json({ title: 'busy' }, 503))
  const source = createTokenSource({
    url: '/v1/tokens',
    fetch: down.fetch,
    retries: 3,
    backoff: { initialMs: 1000, maxMs: 3000 },
  })
  const result = source.getToken(request, { onRetry: (info) => retries.push(info) }).catch((error: unknown) => error)
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await Promise.resolve()
  }
  await flush()
  assert.equal(down.calls.length, 1)
  for (const [index, step] of [1000, 2000, 3000].entries()) {
    const delay = retries[index]!.delayMs
    assert.ok(delay >= step / 2 && delay <= step, `retry ${index + 1} waits ${delay} ms, in [${step / 2}, ${step}]`)
    t.mock.timers.tick(delay - 1)
    await flush()
    assert.equal(down.calls.length, index + 1, 'not before the wait is over')
    t.mock.timers.tick(1)
    await flush()
    assert.equal(down.calls.length, index + 2)
  }
  assert.equal(((await result) as TokenClientError).code, 'ERR_TOKEN_FETCH_HTTP')
})

test('single flight: concurrent requests for the same token share one fetch; others fetch their own', async () => {
  const token = rtcToken()
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const { fetch, calls } = fakeFetch(async (call) => {
    await gate
    return json({ token: call.body.rtc.uid === 42 ? token : rtcToken({ uid: 43 }) })
  })
  const source = createTokenSource({ url: '/v1/tokens', fetch })
  const same = [source.getToken(request), source.getToken({ ...request }), source.getToken(request)]
  const other = source.getToken({ ...request, uid: 43 })
  release()
  assert.deepEqual(await Promise.all(same), [token, token, token])
  await other
  assert.equal(calls.length, 2)
  // Nothing is cached: the next request fetches a fresh token.
  await source.getToken(request)
  assert.equal(calls.length, 3)
})

test("a caller's abort stops its wait; the shared request is cancelled only when nobody waits", async () => {
  const { fetch, calls } = fakeFetch(hang)
  const source = createTokenSource({ url: '/v1/tokens', fetch })
  const first = new AbortController()
  const second = new AbortController()
  const a = source.getToken(request, { signal: first.signal })
  const b = source.getToken(request, { signal: second.signal })
  await Promise.resolve()
  first.abort()
  await assert.rejects(a, { name: 'TokenClientError', code: 'ERR_ABORTED' })
  await new Promise((resolve) => setTimeout(resolve, 5))
  assert.equal(calls[0]!.signal?.aborted, false, 'still wanted by the second caller')
  second.abort()
  await assert.rejects(b, { code: 'ERR_ABORTED' })
  assert.equal(calls[0]!.signal?.aborted, true)
  assert.equal(calls.length, 1)
})

test('a token for another channel or uid is refused and not retried', async () => {
  const wrong = rtcToken({ channelName: 'ChannelB' })
  const { fetch, calls } = fakeFetch(() => json({ token: wrong }))
  const source = createTokenSource({ url: '/v1/tokens', fetch, ...fast })
  await assert.rejects(source.getToken(request), (error: any) => {
    assert.equal(error.code, 'ERR_TOKEN_MISMATCH')
    assert.equal(error.field, 'channelName')
    assert.ok(!error.message.includes(wrong))
    return true
  })
  await assert.rejects(source.getToken(request, { appId: 'aaaabbbbccccddddeeeeffff00001111' }), {
    code: 'ERR_TOKEN_MISMATCH',
  })
  assert.equal(calls.length, 2)
})

test('a cached or too-short token is never handed out', async () => {
  const stale = rtcToken({ issuedAt: nowSeconds() - 20 })
  const { fetch } = fakeFetch(() => json({ token: stale }))
  await assert.rejects(createTokenSource({ url: '/v1/tokens', fetch, ...fast }).getToken(request), {
    code: 'ERR_TOKEN_EXPIRING',
    message: /left, less than the 30 s needed/,
  })
  // The threshold is the caller's to choose.
  await createTokenSource({ url: '/v1/tokens', fetch, minValiditySeconds: 10 }).getToken(request)
})

test("the server's Date header corrects a skewed local clock", async () => {
  // The server's clock is an hour behind this machine's; its fresh token looks expired locally.
  const serverNow = nowSeconds() - 3600
  const token = rtcToken({ issuedAt: serverNow })
  const withDate = fakeFetch(() => json({ token }, 200, { date: new Date(serverNow * 1000).toUTCString() }))
  const source = createTokenSource({ url: '/v1/tokens', fetch: withDate.fetch })
  assert.equal(await source.getToken(request), token)
  assert.ok(Math.abs(source.serverTime!() - serverNow * 1000) < 3000)
  const without = fakeFetch(() => json({ token }))
  await assert.rejects(createTokenSource({ url: '/v1/tokens', fetch: without.fetch }).getToken(request), {
    code: 'ERR_TOKEN_EXPIRING',
  })
})

test('answers without a token, and texts that are not tokens, are refused', async () => {
  const empty = fakeFetch(() => json({ ok: true }))
  await assert.rejects(createTokenSource({ url: '/v1/tokens', fetch: empty.fetch }).getToken(request), {
    code: 'ERR_TOKEN_FETCH_RESPONSE',
  })
  const junk = fakeFetch(() => json({ token: 'not-a-token' }))
  await assert.rejects(createTokenSource({ url: '/v1/tokens', fetch: junk.fetch }).getToken(request), {
    code: 'ERR_TOKEN_UNREADABLE',
  })
})

test('RTM requests are checked against the user id', async () => {
  const { fetch } = fakeFetch((call) => json({ token: rtmToken(call.body.rtm.userId) }))
  await createTokenSource({ url: '/v1/tokens', fetch }).getToken({ service: 'rtm', userId: 'alice' }, { appId: APP_ID })
})

test('bad options throw, bad requests reject, with the field named', async () => {
  assert.throws(() => createTokenSource({ url: '' }), {
    name: 'TokenClientError',
    code: 'ERR_INVALID_ARGUMENT',
    field: 'url',
  })
  assert.throws(() => createTokenSource({ url: '/v1/tokens', timeoutMs: -1 }), {
    code: 'ERR_INVALID_ARGUMENT',
    field: 'timeoutMs',
  })
  assert.throws(() => createTokenSource({ url: '/v1/tokens', expire: 1.5 }), {
    code: 'ERR_INVALID_ARGUMENT',
    field: 'expire',
  })
  const source = createTokenSource({ url: '/v1/tokens' })
  await assert.rejects(source.getToken({ service: 'rtc', channelName: 'ChannelA', uid: -1 }), {
    code: 'ERR_INVALID_ARGUMENT',
    field: 'uid',
  })
  await assert.rejects(source.getToken({ service: 'rtc', channelName: 'ChannelA', uid: 1, account: 'a' }), {
    code: 'ERR_INVALID_ARGUMENT',
    field: 'uid',
  })
  await assert.rejects(source.getToken({ service: 'rtm', userId: '' }), {
    code: 'ERR_INVALID_ARGUMENT',
    field: 'userId',
  })
})

test('sleep resolves after its time and rejects at once on abort', async () => {
  await sleep(1)
  const controller = new AbortController()
  const waiting = sleep(60_000, controller.signal)
  controller.abort()
  await assert.rejects(waiting, { name: 'TokenClientError', code: 'ERR_ABORTED' })
})

test('a caller whose signal was aborted before it waited leaves no unhandled rejection behind', async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const source = createTokenSource({
      url: '/fetch_rtc_token',
      fetch: ((_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) =>
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
        )) as unknown as typeof fetch,
    })
    const controller = new AbortController()
    controller.abort()
    await assert.rejects(
      source.getToken({ service: 'rtc', channelName: 'ChannelA', uid: 42 }, { signal: controller.signal }),
      { code: 'ERR_ABORTED' },
    )
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.deepEqual(unhandled, [])
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})
