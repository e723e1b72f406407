/** The policy: first matching rule decides, each check, templates from claims, wildcards, lifetimes. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HttpError } from '../../src/server/errors.js'
import { ANONYMOUS, type Identity } from '../../src/server/identity.js'
import { Policy, POLICY_PRESETS, policySchema, type Grant, type PolicyRule } from '../../src/server/policy.js'

const app = { name: 'main', appId: '970CA35de60c44645bbae8a215061b33', maxExpire: 86_400 }
const key = (id: string): Identity => ({ kind: 'api-key', id, claims: { sub: id, name: id } })
const jwt = (claims: Record<string, unknown>): Identity => ({
  kind: 'jwt',
  id: String(claims.sub ?? 'unknown'),
  claims,
})

function grant(overrides: Partial<Grant> = {}): Grant {
  return {
    app,
    services: ['rtc'],
    channels: ['room-1'],
    users: ['42'],
    roles: ['publisher'],
    expire: undefined,
    ...overrides,
  }
}

function denied(
  policy: Policy,
  identity: Identity,
  asked: Grant,
  rule: string,
  reason: string,
  message?: string,
): void {
  assert.throws(
    () => policy.decide(identity, asked),
    (error: unknown) => {
      assert.ok(error instanceof HttpError)
      assert.deepEqual([error.kind, error.status, error.rule, error.reason], ['forbidden', 403, rule, reason])
      if (message !== undefined) assert.equal(error.message, message)
      return true
    },
  )
}

test('deny by default: no rule for the caller is a 403 from "default-deny"', () => {
  denied(
    new Policy([]),
    key('web'),
    grant(),
    'default-deny',
    'no-rule',
    'denied by rule "default-deny": no policy rule applies to this caller',
  )
  denied(new Policy([{ name: 'keys', who: { apiKeys: ['web'] } }]), ANONYMOUS, grant(), 'default-deny', 'no-rule')
})

test('who: anyone, authenticated, anonymous, API key names, JWT claims (values, lists, array claims)', () => {
  const rules: PolicyRule[] = [
    { name: 'anon', who: 'anonymous', channels: ['anon'] },
    { name: 'web', who: { apiKeys: ['web'] }, channels: ['web'] },
    { name: 'any-key', who: { apiKeys: ['*'] }, channels: ['key'] },
    { name: 'admins', who: { jwt: { roles: 'admin' } }, channels: ['admin'] },
    { name: 'staff', who: { jwt: { tier: ['gold', 'silver'], verified: true } }, channels: ['staff'] },
    { name: 'jwt', who: { jwt: true }, channels: ['jwt'] },
  ]
  const policy = new Policy(rules)
  const ruleOf = (identity: Identity, channel: string): string =>
    policy.decide(identity, grant({ channels: [channel] })).rule
  assert.equal(ruleOf(ANONYMOUS, 'anon'), 'anon')
  assert.equal(ruleOf(key('web'), 'web'), 'web')
  assert.equal(ruleOf(key('other'), 'key'), 'any-key')
  assert.equal(ruleOf(jwt({ sub: 'a', roles: ['user', 'admin'] }), 'admin'), 'admins')
  assert.equal(ruleOf(jwt({ sub: 'a', tier: 'silver', verified: true }), 'staff'), 'staff')
  assert.equal(ruleOf(jwt({ sub: 'a', tier: 'bronze', verified: true }), 'jwt'), 'jwt')
  // The first rule that matches the caller decides, even when a later one would allow.
  denied(policy, key('web'), grant({ channels: ['key'] }), 'web', 'channel')
  assert.equal(new Policy([{ name: 'a', who: 'authenticated' }]).decide(key('x'), grant()).rule, 'a')
  denied(new Policy([{ name: 'a', who: 'authenticated' }]), ANONYMOUS, grant(), 'default-deny', 'no-rule')
  assert.equal(new Policy([{ name: 'a', who: 'anyone' }]).decide(ANONYMOUS, grant()).rule, 'a')
})

test('each check denies with its reason and a message naming the rule', () => {
  const policy = new Policy([
    {
      name: 'web',
      who: 'anyone',
      apps: ['main'],
      services: ['rtc'],
      channels: ['room-*'],
      users: ['4?', '4*'],
      roles: ['subscriber'],
      maxExpire: 600,
    },
  ])
  const anyone = key('web')
  denied(
    policy,
    anyone,
    grant({ app: { ...app, name: 'other', appId: 'ffffffffffffffffffffffffffffffff' } }),
    'web',
    'app',
    'denied by rule "web": app "other" is not allowed',
  )
  denied(
    policy,
    anyone,
    grant({ services: ['rtc', 'rtm'] }),
    'web',
    'service',
    'denied by rule "web": service rtm is not allowed',
  )
  denied(
    policy,
    anyone,
    grant({ channels: ['lobby'] }),
    'web',
    'channel',
    'denied by rule "web": channel "lobby" matches none of room-*',
  )
  denied(policy, anyone, grant({ users: ['7'], roles: ['subscriber'] }), 'web', 'user')
  denied(policy, anyone, grant(), 'web', 'role', 'denied by rule "web": role publisher is not allowed')
  denied(
    policy,
    anyone,
    grant({ roles: ['subscriber'], expire: 601 }),
    'web',
    'expire',
    'denied by rule "web": lifetimes over 600 s are not allowed',
  )
  assert.deepEqual(policy.decide(anyone, grant({ roles: ['subscriber'], expire: 600 })), {
    rule: 'web',
    maxExpire: 600,
  })
  // Apps by App ID (any case) as well as by name.
  const byId = new Policy([{ name: 'id', who: 'anyone', apps: [app.appId.toUpperCase()] }])
  assert.equal(byId.decide(anyone, grant()).rule, 'id')
})

test('wildcards (uid 0, empty channel, app-wide tokens) need wildcards: true', () => {
  const strict = new Policy([{ name: 'strict', who: 'anyone' }])
  denied(strict, ANONYMOUS, grant({ users: [''] }), 'strict', 'wildcard')
  denied(strict, ANONYMOUS, grant({ channels: [''] }), 'strict', 'wildcard')
  const open = new Policy([{ name: 'open', who: 'anyone', wildcards: true, channels: ['*'] }])
  assert.equal(open.decide(ANONYMOUS, grant({ users: [''], channels: [''] })).rule, 'open')
  // A wildcard user is still checked against user patterns: "" does not match {sub}.
  const own = new Policy([{ name: 'own', who: 'anyone', wildcards: true, users: ['{sub}'] }])
  denied(own, key('alice'), grant({ users: [''] }), 'own', 'user')
})

test('templates take claims from the caller: room-{sub}-*, {uid}, nested claims; a missing claim is named', () => {
  const policy = new Policy([
    { name: 'members', who: { jwt: true }, channels: ['room-{sub}-*', 'team-{org.id}'], users: ['{uid}'] },
  ])
  const alice = jwt({ sub: 'alice', uid: 42, org: { id: 'acme' } })
  assert.equal(policy.decide(alice, grant({ channels: ['room-alice-1', 'team-acme'], users: ['42'] })).rule, 'members')
  denied(policy, alice, grant({ channels: ['room-bob-1'], users: ['42'] }), 'members', 'channel')
  denied(policy, alice, grant({ channels: ['room-alice-1'], users: ['43'] }), 'members', 'user')
  // Claims are literal text: a "*" in a claim does not become a wildcard.
  const star = jwt({ sub: '*', uid: 1 })
  denied(policy, star, grant({ channels: ['room-bob-1'], users: ['1'] }), 'members', 'channel')
  const noUid = jwt({ sub: 'alice' })
  denied(
    policy,
    noUid,
    grant({ channels: ['room-alice-1'], users: ['42'] }),
    'members',
    'claim',
    'denied by rule "members": the caller has no "uid" claim to check the user against',
  )
  // Objects and floats are not claim values.
  denied(policy, jwt({ sub: { x: 1 }, uid: 1.5 }), grant({ channels: ['room-x-1'], users: ['1'] }), 'members', 'claim')
  // API keys expose their name as {sub}.
  const own = new Policy([{ name: 'own', who: { apiKeys: ['*'] }, channels: ['{sub}-*'] }])
  assert.equal(own.decide(key('kiosk'), grant({ channels: ['kiosk-3'] })).rule, 'own')
})

test("a claim next to a *: its separator keeps callers' namespaces apart; a claim holding it is denied", () => {
  const policy = new Policy([
    { name: 'members', who: { jwt: true }, channels: ['room-{sub}-*', '*-of-{sub}', 'team-{org}', 'lobby'] },
  ])
  const alice = jwt({ sub: 'alice', org: 'a-b' })
  const aliceBob = jwt({ sub: 'alice-bob', org: 'a-b' })
  const allowed = (identity: Identity, channel: string): string =>
    policy.decide(identity, grant({ channels: [channel] })).rule
  assert.equal(allowed(alice, 'room-alice-bob-1'), 'members')
  assert.equal(allowed(alice, 'notes-of-alice'), 'members')
  // Without the separator rule, "alice" and "alice-bob" would share room-alice-bob-1; "alice-bob"
  // holds the separator of both patterns, so neither can be checked for it.
  denied(
    new Policy([{ name: 'members', who: { jwt: true }, channels: ['room-{sub}-*'] }]),
    aliceBob,
    grant({ channels: ['room-alice-bob-1'] }),
    'members',
    'claim',
    'denied by rule "members": the caller\'s "sub" claim contains "-", the separator around it in room-{sub}-*, ' +
      "so the channels it allows could be other callers'",
  )
  // With other patterns checked, the reason is the channel, and the message still says why.
  denied(
    policy,
    aliceBob,
    grant({ channels: ['notes-of-alice-bob'] }),
    'members',
    'channel',
    'denied by rule "members": channel "notes-of-alice-bob" matches none of room-{sub}-*, *-of-{sub}, team-{org}, lobby; ' +
      'the caller\'s "sub" claim contains "-", the separator around it in room-{sub}-*, so the channels it allows could be other callers\'',
  )
  // A pattern compared whole takes any claim value, and other patterns still apply.
  assert.equal(allowed(aliceBob, 'team-a-b'), 'members')
  assert.equal(allowed(aliceBob, 'lobby'), 'members')
})

test('patterns whose claims could stand anywhere are refused by config validation, naming the pattern', () => {
  const refused: [string, RegExp][] = [
    ['room-{sub}*', /\{sub\} needs a separator after it/],
    ['{sub}*', /\{sub\} needs a separator after it/],
    ['room-{org}{sub}-*', /\{org\} needs a separator after it/],
    ['*{sub}', /\{sub\} needs a separator before it/],
    ['*-{sub}-*', /\{sub\} between two \* could stand anywhere/],
  ]
  for (const [pattern, message] of refused) {
    const result = policySchema.safeParse([{ name: 'r', who: 'anyone', users: ['{uid}', pattern] }])
    assert.equal(result.success, false, pattern)
    const [issue] = result.error.issues
    assert.deepEqual(issue!.path, ['rules', 0, 'users', 1], pattern)
    assert.match(issue!.message, message, pattern)
  }
  // A policy built without config validation refuses the same patterns when it compiles them.
  assert.throws(
    () => new Policy([{ name: 'r', who: 'anyone', channels: ['room-{sub}*'] }]),
    /^Error: policy pattern "room-\{sub\}\*": \{sub\} needs a separator after it/,
  )
  for (const pattern of ['room-{sub}-*', '*-{sub}', '{sub}', 'team-{org}-{sub}', '{org}:{sub}:*', 'a*b*c'])
    assert.equal(policySchema.safeParse([{ name: 'r', who: 'anyone', channels: [pattern] }]).success, true, pattern)
})

test('glob patterns: *, several *, and exact strings', () => {
  const policy = new Policy([{ name: 'g', who: 'anyone', channels: ['a*b*c', 'exact', '*-end', 'start-*'] }])
  const allows = (channel: string): boolean => {
    try {
      policy.decide(ANONYMOUS, grant({ channels: [channel] }))
      return true
    } catch {
      return false
    }
  }
  for (const channel of ['abc', 'aXbYc', 'abbc', 'exact', 'x-end', '-end', 'start-', 'start-x'])
    assert.equal(allows(channel), true, channel)
  for (const channel of ['ab', 'acb', 'exactly', 'x-ends', 'restart-x', 'aXbYcZ'])
    assert.equal(allows(channel), false, channel)
})

test('presets: allow-all allows wildcards, allow-authenticated needs a caller, deny-all denies', () => {
  assert.equal(
    new Policy(POLICY_PRESETS['allow-all']).decide(ANONYMOUS, grant({ users: [''], channels: [''] })).rule,
    'allow-all',
  )
  const authenticated = new Policy(POLICY_PRESETS['allow-authenticated'])
  assert.equal(authenticated.decide(key('x'), grant()).rule, 'allow-authenticated')
  denied(authenticated, key('x'), grant({ users: [''] }), 'allow-authenticated', 'wildcard')
  denied(authenticated, ANONYMOUS, grant(), 'default-deny', 'no-rule')
  denied(new Policy(POLICY_PRESETS['deny-all']), key('x'), grant(), 'default-deny', 'no-rule')
})
