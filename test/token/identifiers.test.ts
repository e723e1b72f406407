/**
 * The modern builders check identifiers as Agora defines them (src/token/validate.ts cites the
 * pages); the compat builders keep building whatever the references build.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as compat from '../../src/compat/agora-token.js'
import * as compat006 from '../../src/compat/agora-access-token.js'
import {
  buildApaasToken,
  buildChatToken,
  buildRtcToken,
  buildRtmToken,
  buildToken,
  TokenError,
} from '../../src/token/index.js'

const appId = '970CA35de60c44645bbae8a215061b33'
const appCertificate = '5CFd2fd1755d40ecb72977518be15d3b'
const base = { appId, appCertificate, issuedAt: 1_700_000_000, salt: 1 }
const FOREIGN = ['a\u0000b', 'a\nb', 'smile😀', 'tab\there', 'caf\u00e9', 'back\\slash', 'quote"', 'slash/']
/** All 89 of Agora's characters, in one id. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()+-:;<=.>?@[]^_{}|~,'

function rejects(build: () => unknown, field: string, message: RegExp): void {
  assert.throws(build, (error: unknown) => {
    assert.ok(error instanceof TokenError, String(error))
    assert.equal(error.code, 'ERR_INVALID_ARGUMENT')
    assert.equal(error.field, field)
    assert.match(error.message, message)
    return true
  })
}

test('user accounts: at most 255 bytes of the 89 characters; "" is the wildcard', () => {
  assert.equal(ALPHABET.length, 89)
  for (const version of ['007', '006'] as const) {
    const rtc = (account: string) => buildRtcToken({ ...base, channelName: 'c', account, version })
    for (const account of FOREIGN) rejects(() => rtc(account), 'account', /may contain only a-z, A-Z, 0-9, space and/)
    rejects(() => rtc('a'.repeat(256)), 'account', /at most 255 bytes, got 256/)
    for (const account of ['', ALPHABET, 'a'.repeat(255)]) assert.ok(rtc(account))
  }
  rejects(
    () =>
      buildToken({
        ...base,
        expire: 60,
        services: [{ type: 'rtc', channelName: 'c', account: 'a\nb', privileges: {} }],
      }),
    'services[0].account',
    /may contain only/,
  )
  rejects(
    () =>
      buildToken({
        ...base,
        expire: 60,
        services: [{ type: 'streaming', channelName: 'c', account: '😀', privileges: {} }],
      }),
    'services[0].account',
    /may contain only/,
  )
})

test('RTM user ids: 1 to 64 bytes of the 89 characters, not starting with a space', () => {
  for (const version of ['007', '006'] as const) {
    const rtm = (userId: string) => buildRtmToken({ ...base, userId, version })
    for (const userId of FOREIGN) rejects(() => rtm(userId), 'userId', /may contain only/)
    rejects(() => rtm(''), 'userId', /must not be empty/)
    rejects(() => rtm(' alice'), 'userId', /must not start with a space/)
    rejects(() => rtm('a'.repeat(65)), 'userId', /at most 64 bytes, got 65/)
    for (const userId of ['alice bob', ALPHABET.slice(0, 64), '0']) assert.ok(rtm(userId))
  }
  rejects(() => buildRtmToken({ ...base, userId: 'a\u0000', permissions: {} }), 'userId', /may contain only/)
  rejects(
    () => buildRtcToken({ ...base, channelName: 'c', uid: 1, rtm: { userId: 'a\nb' } }),
    'rtm.userId',
    /may contain only/,
  )
  rejects(
    () => buildRtcToken({ ...base, channelName: 'c', account: ' lead', rtm: true }),
    'account',
    /must not start with a space/,
  )
})

test('Chat user ids: 1 to 64 characters of a-z 0-9 _ - . (no capitals)', () => {
  const chat = (userId: string) => buildChatToken({ ...base, userId })
  for (const userId of [...FOREIGN, 'Alice', 'a b', 'a@b'])
    rejects(() => chat(userId), 'userId', /may contain only a-z, 0-9/)
  rejects(() => chat('a'.repeat(65)), 'userId', /at most 64 characters/)
  rejects(() => chat(''), 'userId', /must not be empty/)
  for (const userId of ['alice', 'a_b-c.d', '0'.repeat(64)]) assert.ok(chat(userId))
  assert.ok(buildChatToken(base), 'no user id: an app token')
  rejects(
    () => buildToken({ ...base, expire: 60, services: [{ type: 'chat', userId: 'Bob', privileges: { user: 60 } }] }),
    'services[0].userId',
    /a-z, 0-9/,
  )
})

test('APaaS ids: a room is a channel name (1 to 63), a user an RTM user id', () => {
  const room = (roomUuid: string) => buildApaasToken({ ...base, roomUuid, userUuid: 'u1', role: 'student' })
  for (const roomUuid of FOREIGN) rejects(() => room(roomUuid), 'roomUuid', /may contain only/)
  rejects(() => room(''), 'roomUuid', /must not be empty/)
  rejects(() => room('r'.repeat(64)), 'roomUuid', /under 64 bytes/)
  assert.ok(room(ALPHABET.slice(0, 63)))
  for (const userUuid of [...FOREIGN, ' u1', '']) {
    rejects(() => buildApaasToken({ ...base, userUuid }), 'userUuid', /may contain only|must not/)
    rejects(
      () => buildApaasToken({ ...base, roomUuid: 'r', userUuid, role: 1 }),
      'userUuid',
      /may contain only|must not/,
    )
  }
  assert.ok(buildApaasToken({ ...base, userUuid: 'Teacher Li' }))
})

test('the compat builders add no identifier checks: they build what the references build', () => {
  for (const id of FOREIGN) {
    assert.ok(compat.RtcTokenBuilder.buildTokenWithUserAccount(appId, appCertificate, 'c', id, 1, 600, 600))
    assert.ok(compat.RtmTokenBuilder.buildToken(appId, appCertificate, id, 600))
    assert.ok(compat.ChatTokenBuilder.buildUserToken(appId, appCertificate, id, 600))
    assert.ok(compat.ApaasTokenBuilder.buildRoomUserToken(appId, appCertificate, id, id, 1, 600))
    assert.ok(compat006.RtcTokenBuilder.buildTokenWithAccount(appId, appCertificate, 'c', id, 1, 1_700_000_600))
    assert.ok(compat006.RtmTokenBuilder.buildToken(appId, appCertificate, id, 1, 1_700_000_600))
  }
})
