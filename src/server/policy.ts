/**
 * The authorization policy: declarative rules that say which caller may get which tokens, checked
 * for every token request. Deny by default: a request no rule allows is refused with 403.
 * @module
 */
import { z } from 'zod'
import { HttpError } from './errors.js'
import type { Identity } from './identity.js'
import { compilePattern, expand, globMatch, patternProblem, type Pattern } from './policy-pattern.js'

/** The kinds of service a token can grant, as the policy names them. */
export const SERVICE_KINDS = ['rtc', 'rtm', 'chat', 'apaas', 'fpa'] as const
/** A service kind: `rtc`, `rtm`, `chat`, `apaas` or `fpa`. */
export type ServiceKind = (typeof SERVICE_KINDS)[number]

/** The role names a rule can allow: RTC roles and Flexible Classroom (APaaS) roles. */
export const ROLE_NAMES = [
  'publisher',
  'subscriber',
  'invisible',
  'teacher',
  'student',
  'assistant',
  'observer',
] as const

const claimValue = z.union([z.string(), z.number(), z.boolean()])
const whoSchema = z.union(
  [
    z.enum(['anyone', 'authenticated', 'anonymous']),
    z.strictObject({
      anonymous: z.boolean().optional(),
      apiKeys: z.array(z.string().min(1)).min(1).optional(),
      jwt: z
        .union([z.literal(true), z.record(z.string().min(1), z.union([claimValue, z.array(claimValue).min(1)]))])
        .optional(),
    }),
  ],
  { error: 'must be "anyone", "authenticated", "anonymous" or an object of anonymous, apiKeys and jwt' },
)
const patternList = z
  .array(
    z
      .string()
      .max(256)
      .superRefine((source, context) => {
        const problem = patternProblem(source)
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem })
      }),
  )
  .min(1)

/** The schema of one policy rule (see the token server section of `README.md` for the full description). */
export const policyRuleSchema = z.strictObject({
  /** Shown in denials and audit logs. */
  name: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 characters of A-Z a-z 0-9 _ . : -'),
  /** Which callers the rule is about. The first rule whose `who` matches the caller decides. */
  who: whoSchema,
  /** App names or App IDs; default every app. */
  apps: z.array(z.string().min(1)).min(1).optional(),
  /** Services the tokens may hold; default every service. */
  services: z.array(z.enum(SERVICE_KINDS)).min(1).optional(),
  /** Channel (and APaaS room) patterns: `*` matches any text, `{claim}` inserts a caller claim. */
  channels: patternList.optional(),
  /** Patterns for the uid (decimal), account, RTM/Chat user id or APaaS user. */
  users: patternList.optional(),
  /** Roles that may be asked for; default every role. */
  roles: z.array(z.enum(ROLE_NAMES)).min(1).optional(),
  /** The longest lifetime in seconds a token (or any privilege in it) may have. */
  maxExpire: z.number().int().min(1).max(86_400).optional(),
  /** Whether wildcard tokens (uid 0, empty account, channel or user) may be issued. Default false. */
  wildcards: z.boolean().optional(),
})

/** One rule of the policy, as configured. */
export type PolicyRule = z.infer<typeof policyRuleSchema>

/** A policy: a list of rules, or `{ rules: [...] }` (read as the latter, so errors say `rules.0.who`). */
export const policySchema = z.preprocess(
  (value) => (Array.isArray(value) ? { rules: value } : value),
  z.strictObject({ rules: z.array(policyRuleSchema) }, { error: 'must be a list of rules or {"rules": [...]}' }),
)

/** Named policies that need no file. */
export const POLICY_PRESETS = {
  /** Anyone gets anything, wildcards included: the development default. */
  'allow-all': [{ name: 'allow-all', who: 'anyone', wildcards: true }],
  /** Any authenticated caller gets any non-wildcard token; anonymous callers get nothing. */
  'allow-authenticated': [{ name: 'allow-authenticated', who: 'authenticated' }],
  /** Nobody gets anything. */
  'deny-all': [],
} as const satisfies Record<string, readonly PolicyRule[]>

/**
 * What a request asks for, reduced to what the policy checks. Wildcards are the empty string:
 * uid 0 is the user `""`, an empty channel is the channel `""`, a Chat app token the user `""`.
 */
export interface Grant {
  /** The app's configured name and App ID. */
  app: { name: string; appId: string; maxExpire: number }
  services: readonly ServiceKind[]
  channels: readonly string[]
  users: readonly string[]
  roles: readonly string[]
  /** The longest lifetime the caller asked for explicitly, or undefined for the server default. */
  expire: number | undefined
}

/** An allowed request: the rule that allowed it and the longest lifetime it may have. */
export interface Decision {
  rule: string
  maxExpire: number
}

interface CompiledRule {
  name: string
  matches: (identity: Identity) => boolean
  apps: ReadonlySet<string> | undefined
  services: ReadonlySet<string> | undefined
  channels: readonly Pattern[] | undefined
  users: readonly Pattern[] | undefined
  roles: ReadonlySet<string> | undefined
  maxExpire: number | undefined
  wildcards: boolean
}

/**
 * A compiled policy. Rules are checked in order; the first rule whose `who` matches the caller
 * decides, allowing the request or denying it with the check that failed. A caller no rule is
 * about is denied by the implicit last rule, `default-deny`.
 *
 * @example
 * ```ts
 * const policy = new Policy([{ name: 'members', who: { jwt: true }, channels: ['room-{sub}-*'], users: ['{sub}'] }])
 * policy.decide(identity, grant) // { rule: 'members', maxExpire: 86400 } or throws HttpError 403
 * ```
 */
export class Policy {
  readonly rules: readonly PolicyRule[]
  readonly #compiled: readonly CompiledRule[]

  constructor(rules: readonly PolicyRule[]) {
    this.rules = rules
    this.#compiled = rules.map(compileRule)
  }

  /**
   * Decides a request.
   * @throws {HttpError} `forbidden` naming the deciding rule, with `reason` one of `no-rule`, `app`,
   * `service`, `wildcard`, `channel`, `user`, `role`, `claim`, `expire`.
   */
  decide(identity: Identity, grant: Grant): Decision {
    return check(this.#ruleOf(identity), identity, grant)
  }

  /**
   * The name of the rule about this caller, for requests that grant nothing of an app (verifying a
   * token of an app this server does not serve).
   * @throws {HttpError} `forbidden` with reason `no-rule` when no rule is about the caller.
   */
  ruleFor(identity: Identity): string {
    return this.#ruleOf(identity).name
  }

  #ruleOf(identity: Identity): CompiledRule {
    for (const rule of this.#compiled) {
      if (rule.matches(identity)) return rule
    }
    throw new HttpError('forbidden', 'denied by rule "default-deny": no policy rule applies to this caller', {
      rule: 'default-deny',
      reason: 'no-rule',
    })
  }
}

function check(rule: CompiledRule, identity: Identity, grant: Grant): Decision {
  const deny = (reason: string, message: string): HttpError => denial(rule.name, reason, message)

  if (rule.apps !== undefined && !rule.apps.has(grant.app.name) && !rule.apps.has(grant.app.appId.toLowerCase())) {
    throw deny('app', `app "${grant.app.name}" is not allowed`)
  }
  if (rule.services !== undefined) {
    for (const service of grant.services)
      if (!rule.services.has(service)) throw deny('service', `service ${service} is not allowed`)
  }
  if (!rule.wildcards) {
    if (grant.channels.includes('')) throw deny('wildcard', 'wildcard channels (empty channel name) are not allowed')
    if (grant.users.includes('')) {
      throw deny('wildcard', 'wildcard users (uid 0, empty account or app-wide tokens) are not allowed')
    }
  }
  if (rule.channels !== undefined) {
    for (const channel of grant.channels) matchAny(rule.channels, identity, channel, 'channel', deny)
  }
  if (rule.users !== undefined) {
    for (const user of grant.users) matchAny(rule.users, identity, user, 'user', deny)
  }
  if (rule.roles !== undefined) {
    for (const role of grant.roles) if (!rule.roles.has(role)) throw deny('role', `role ${role} is not allowed`)
  }
  const maxExpire = Math.min(rule.maxExpire ?? grant.app.maxExpire, grant.app.maxExpire)
  if (grant.expire !== undefined && grant.expire > maxExpire) {
    throw deny('expire', `lifetimes over ${maxExpire} s are not allowed`)
  }
  return { rule: rule.name, maxExpire }
}

function denial(rule: string, reason: string, message: string): HttpError {
  return new HttpError('forbidden', `denied by rule "${rule}": ${message}`, { rule, reason })
}

function matchAny(
  patterns: readonly Pattern[],
  identity: Identity,
  value: string,
  what: 'channel' | 'user',
  deny: (reason: string, message: string) => HttpError,
): void {
  let claimProblem: string | undefined
  let checked = 0
  for (const pattern of patterns) {
    if (pattern.exact !== undefined) {
      checked++
      if (pattern.exact === value) return
      continue
    }
    const expansion = expand(pattern, identity)
    if ('missing' in expansion) {
      claimProblem ??= `the caller has no "${expansion.missing}" claim to check the ${what} against`
      continue
    }
    if ('unsafe' in expansion) {
      claimProblem ??=
        `the caller's "${expansion.unsafe}" claim contains "${expansion.separator}", the separator around it in ` +
        `${pattern.source}, so the ${what}s it allows could be other callers'`
      continue
    }
    checked++
    if (globMatch(expansion.segments, value)) return
  }
  // The reason is the claim only when no pattern could be checked at all; otherwise the claim's
  // problem is still told, as it may be why the value was not allowed.
  if (checked === 0 && claimProblem !== undefined) throw deny('claim', claimProblem)
  const shown = value === '' ? '(wildcard)' : JSON.stringify(value)
  const none = `${what} ${shown} matches none of ${patterns.map((pattern) => pattern.source).join(', ')}`
  throw deny(what, claimProblem === undefined ? none : `${none}; ${claimProblem}`)
}

function compileRule(rule: PolicyRule): CompiledRule {
  return {
    name: rule.name,
    matches: compileWho(rule.who),
    apps:
      rule.apps === undefined
        ? undefined
        : new Set(rule.apps.map((app) => (/^[0-9a-fA-F]{32}$/.test(app) ? app.toLowerCase() : app))),
    services: rule.services === undefined ? undefined : new Set(rule.services),
    channels: rule.channels?.map(compilePattern),
    users: rule.users?.map(compilePattern),
    roles: rule.roles === undefined ? undefined : new Set(rule.roles),
    maxExpire: rule.maxExpire,
    wildcards: rule.wildcards ?? false,
  }
}

function compileWho(who: PolicyRule['who']): (identity: Identity) => boolean {
  if (who === 'anyone') return () => true
  if (who === 'authenticated') return (identity) => identity.kind !== 'anonymous'
  if (who === 'anonymous') return (identity) => identity.kind === 'anonymous'
  const keys = who.apiKeys === undefined ? undefined : new Set(who.apiKeys)
  const jwt = who.jwt
  return (identity) => {
    if (identity.kind === 'anonymous') return who.anonymous === true
    if (identity.kind === 'api-key') return keys !== undefined && (keys.has('*') || keys.has(identity.id))
    if (jwt === undefined) return false
    if (jwt === true) return true
    for (const [claim, wanted] of Object.entries(jwt)) {
      if (!claimMatches(identity.claims[claim], Array.isArray(wanted) ? wanted : [wanted])) return false
    }
    return true
  }
}

/** A claim matches when it (or, for an array claim such as `roles`, any element) equals a wanted value. */
function claimMatches(actual: unknown, wanted: readonly unknown[]): boolean {
  if (Array.isArray(actual)) return actual.some((element) => wanted.includes(element))
  return wanted.includes(actual)
}
