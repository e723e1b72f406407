/**
 * Identifiers as Agora defines them, over HTTP on every route that mints tokens: a user account,
 * RTM user id, Chat user id or APaaS id with a NUL, a newline, an emoji (or a leading space, or a
 * capital in Chat) is a 400 naming the request's field, and no token; a documented one is a 200.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearer, json, KEYS, makeApp, post, productionEnv } from './helpers.js'

const admin = bearer(KEYS.admin.key)
/** Outside Agora's 89 characters in every id kind. */
const FOREIGN = ['a\u0000b', 'a\nb', 'smile😀', 'tab\there', 'caf\u00e9']

async function prodApp() {
  return (await makeApp(productionEnv(), {}, { now: () => 1_700_000_000_000 })).app
}

test('POST /v1/tokens: 400 naming rtc.account, rtm.userId, chat.userId, apaas.roomUuid and apaas.userUuid', async () => {
  const app = await prodApp()
  const rtc = (account: string) => ({ rtc: { channelName: 'room-1', account, role: 'publisher' } })
  const cases: Array<[string, (id: string) => unknown, string[]]> = [
    ['rtc.account', rtc, FOREIGN],
    ['rtm.userId', (userId) => ({ rtm: { userId } }), [...FOREIGN, ' leading-space']],
    ['chat.userId', (userId) => ({ chat: { userId } }), [...FOREIGN, 'Alice', 'a b', 'x'.repeat(65)]],
    [
      'apaas.roomUuid',
      (roomUuid) => ({ apaas: { roomUuid, userUuid: 'u1', role: 'student' } }),
      [...FOREIGN, 'r'.repeat(64)],
    ],
    ['apaas.userUuid', (userUuid) => ({ apaas: { userUuid } }), [...FOREIGN, ' u1']],
  ]
  for (const [field, body, bad] of cases) {
    for (const id of bad) {
      const problem = await json(await post(app, '/v1/tokens', body(id), admin), 400)
      assert.equal(problem.field, field, JSON.stringify(id))
      assert.equal(problem.code, 'invalid-argument')
      assert.ok(problem.detail.startsWith(`${field}: `), problem.detail)
      assert.equal(problem.token, undefined)
    }
  }
  const good: unknown[] = [
    rtc('Alice Smith (#1)'),
    { rtm: { userId: 'bob@example.com' } },
    { chat: { userId: 'carol_01.x-y' } },
    { apaas: { roomUuid: 'room 1', userUuid: 'dave', role: 'student' } },
  ]
  for (const body of good)
    assert.ok((await json(await post(app, '/v1/tokens', body, admin), 200)).token, JSON.stringify(body))
})

test('POST /getToken: 400 naming uid for a bad account (rtc), RTM user id (rtm) or Chat user id (chat)', async () => {
  const app = await prodApp()
  const cases: Array<[string, string[], Record<string, unknown>]> = [
    ['rtc', FOREIGN, { channel: 'room-1' }],
    ['rtm', [...FOREIGN, ' leading-space'], {}],
    ['chat', [...FOREIGN, 'Alice'], {}],
  ]
  for (const [tokenType, bad, extra] of cases) {
    for (const uid of bad) {
      const response = await post(app, '/getToken', { tokenType, uid, ...extra }, admin)
      assert.equal(response.status, 400, `${tokenType} ${JSON.stringify(uid)}`)
      assert.match(await response.text(), /^uid: /)
    }
    const good = tokenType === 'chat' ? 'carol' : 'Bob Smith'
    assert.ok((await json(await post(app, '/getToken', { tokenType, uid: good, ...extra }, admin), 200)).token)
  }
})

test('GET /rtc (userAccount), /rtm, /rte and /chat/account: 400 naming the path parameter', async () => {
  const app = await prodApp()
  const get = (path: string) => app.request(path, { headers: admin }) as Promise<Response>
  const cases: Array<[string, (id: string) => string, string[]]> = [
    ['uid', (id) => `/rtc/room-1/publisher/userAccount/${id}`, FOREIGN],
    ['uid', (id) => `/rtm/${id}`, [...FOREIGN, ' leading-space']],
    ['rtmuid', (id) => `/rte/room-1/publisher/uid/42/${id}`, [...FOREIGN, ' leading-space']],
    ['rtcuid', (id) => `/rte/room-1/publisher/userAccount/${id}`, [' leading-space']],
    ['chatid', (id) => `/chat/account/${id}`, [...FOREIGN, 'Alice']],
  ]
  for (const [field, path, bad] of cases) {
    for (const id of bad) {
      const url = path(encodeURIComponent(id))
      const body = await json(await get(url), 400)
      assert.ok(body.message.startsWith(`${field}: `), `${url}: ${body.message}`)
      assert.equal(body.rtcToken ?? body.rtmToken ?? body.chatToken, undefined)
    }
  }
  for (const url of [
    '/rtc/room-1/publisher/userAccount/Alice%20Smith',
    '/rtm/bob',
    '/rte/room-1/publisher/uid/42/bob',
    '/chat/account/carol',
  ]) {
    await json(await get(url), 200)
  }
})

test('POST /fetch_rtc_token: the uid is a number, so any text is a 400 naming uid', async () => {
  const app = await prodApp()
  for (const uid of FOREIGN) {
    const body = await json(await post(app, '/fetch_rtc_token', { uid, ChannelName: 'ChannelA', role: 1 }, admin), 400)
    assert.equal(body.code, '400')
    assert.match(body.token, /^uid: /)
  }
  assert.equal(
    (await json(await post(app, '/fetch_rtc_token', { uid: 7, ChannelName: 'ChannelA', role: 1 }, admin), 200)).code,
    '200',
  )
})
