import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type Doc,
  OVERLAYS,
  read,
  readToml,
  readYaml,
  renderOverlay,
  SECRET_NAME,
  SETTING_ALIASES,
  settingOf,
} from './helpers/deploy-files.js'

/** The Dockerfile as instructions (continuations joined, comments dropped), grouped by stage. */
function dockerfile(): { instructions: string[]; preamble: string[]; stages: string[][] } {
  const instructions = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  const preamble: string[] = []
  const stages: string[][] = []
  for (const line of instructions) {
    if (/^FROM\s/i.test(line)) stages.push([line])
    else (stages[stages.length - 1] ?? preamble).push(line)
  }
  return { instructions, preamble, stages }
}

/** Names set by ENV instructions. */
const envNames = (lines: string[]): string[] =>
  lines
    .filter((line) => /^ENV\s/i.test(line))
    .flatMap((line) => [...line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!))

describe('Dockerfile', () => {
  const { instructions, preamble, stages } = dockerfile()
  const final = stages[stages.length - 1] ?? []

  test('every stage is Node 24 (the current LTS), pinned to a release and an Alpine branch', () => {
    const arg = preamble.find((line) => /^ARG\s+NODE_IMAGE=/.test(line))
    assert.ok(arg !== undefined, 'ARG NODE_IMAGE=… before the first FROM')
    const image = arg.split('=')[1]!
    assert.match(image, /^node:24\.\d+\.\d+-alpine3\.\d+(@sha256:[0-9a-f]{64})?$/, image)
    for (const stage of stages) assert.match(stage[0]!, /^FROM\s+\$\{NODE_IMAGE\}\s+AS\s+\w+$/i)
    // The image's Node line satisfies the package's engines.
    const engines = JSON.parse(read('package.json')).engines.node as string
    assert.ok(Number(/^node:(\d+)/.exec(image)![1]) >= Number(/>=\s*(\d+)/.exec(engines)![1]), engines)
  })

  test('is multi-stage, the final stage copies the build and production dependencies only', () => {
    assert.ok(stages.length >= 2, `${stages.length} stage(s)`)
    assert.ok(
      final.some((line) => /^COPY\s+--from=/i.test(line)),
      'the final stage copies build output from earlier stages',
    )
    assert.ok(
      instructions.some((line) => /npm ci[^&]*--omit=dev/.test(line)),
      'production dependencies only in the image',
    )
  })

  test('runs as a non-root user, numerically (so Kubernetes runAsNonRoot can check it)', () => {
    const users = final.filter((line) => /^USER\s/i.test(line))
    assert.equal(users.length, 1)
    const user = users[0]!.split(/\s+/)[1]!
    assert.match(user, /^\d+(:\d+)?$/)
    assert.notEqual(user.split(':')[0], '0')
    const after = final.slice(final.indexOf(users[0]!) + 1)
    assert.ok(after.some((line) => /^CMD\s/i.test(line)) && !after.some((line) => /^USER\s+(0|root)\b/i.test(line)))
  })

  test('tini is PID 1 and runs `agate serve`; SIGTERM stops it; a HEALTHCHECK against /healthz', () => {
    assert.ok(
      final.some((line) => /^RUN\s+apk add --no-cache tini$/.test(line)),
      'Alpine tini installed',
    )
    const entrypoint = final.find((line) => /^ENTRYPOINT\s/i.test(line))
    assert.deepEqual(JSON.parse(entrypoint!.slice('ENTRYPOINT'.length)), ['/sbin/tini', '--'])
    const cmd = final.find((line) => /^CMD\s/i.test(line))
    assert.deepEqual(JSON.parse(cmd!.slice(3)), ['node', 'dist/cli/main.js', 'serve'])
    assert.equal(JSON.parse(read('package.json')).bin.agate, './dist/cli/main.js')
    const check = final.find((line) => /^HEALTHCHECK\s/i.test(line))
    assert.match(check!, /\/healthz/)
    assert.match(check!, /--timeout=\d+s/)
    assert.match(check!, /AGATE_PORT\|\|process\.env\.PORT\|\|8080/, 'the health check follows the port rule')
    assert.ok(final.some((line) => /^STOPSIGNAL\s+SIGTERM$/i.test(line)))
    assert.ok(final.some((line) => /^EXPOSE\s+8080$/i.test(line)))
  })

  test("sets neither AGATE_PORT nor PORT (a platform's PORT must win), and only server settings", () => {
    const names = envNames(instructions)
    assert.ok(!names.includes('AGATE_PORT') && !names.includes('PORT'), names.join(', '))
    for (const name of names) assert.ok(settingOf(name) !== undefined, `${name} is not a server setting`)
  })

  test('no build argument or environment variable carries a secret, and no secret file is copied', () => {
    for (const line of instructions) {
      if (/^ARG\s/i.test(line)) assert.doesNotMatch(line.split(/\s+/)[1]!.split('=')[0]!, SECRET_NAME, line)
      for (const name of envNames([line])) assert.doesNotMatch(name, SECRET_NAME, line)
      if (/^COPY\s/i.test(line)) assert.doesNotMatch(line, /\.env|secrets|\.agate|\bcredentials/i, line)
      assert.doesNotMatch(line, /--mount=type=secret|--build-arg/i)
    }
  })
})

describe('.dockerignore', () => {
  const rules = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))

  test('is an allow-list: everything is excluded, then only the build inputs are let in', () => {
    assert.equal(rules[0], '*')
    const allowed = rules.filter((rule) => rule.startsWith('!')).map((rule) => rule.slice(1))
    assert.deepEqual(allowed.sort(), [
      'package-lock.json',
      'package.json',
      'scripts/',
      'src/',
      'tsconfig*.json',
      'web/',
    ])
    for (const never of ['**/.env*', '**/.agate', '**/node_modules']) assert.ok(rules.includes(never), never)
    // Every directory the Dockerfile copies is let in.
    for (const match of read('Dockerfile').matchAll(/^COPY\s+(?!--from)(?:--\S+\s+)*(\S+)\s/gm)) {
      const source = match[1]!
      const pattern = (rule: string): RegExp => new RegExp(`^${rule.replace('.', '\\.').replace('*', '.*')}$`)
      assert.ok(
        allowed.some(
          (rule) => rule.replace(/\/$/, '') === source || (rule.includes('*') && pattern(rule).test(source)),
        ),
        `${source} is in the context`,
      )
    }
  })
})

describe('compose.yaml', () => {
  const [compose] = readYaml('compose.yaml')
  const agate = compose!.services.agate
  const redis = compose!.services.redis

  test('runs the server built from the Dockerfile with Redis; every secret is a file, the Redis URL too', () => {
    assert.equal(agate.build, '.')
    assert.equal(agate.environment.AGATE_REDIS_URL_FILE, '/run/secrets/agate_redis_url')
    assert.equal(
      agate.environment.REDIS_URL ?? agate.environment.AGATE_REDIS_URL,
      undefined,
      'not both the URL and its file',
    )
    assert.match(agate.environment.AGATE_RATE_LIMIT_REDIS_FAILURE, /allow|refuse/)
    assert.equal(agate.depends_on.redis.condition, 'service_healthy')
    for (const name of Object.keys(agate.environment)) {
      if (SECRET_NAME.test(name)) assert.match(name, /_FILE$/, `${name} comes from a secret file`)
    }
    for (const secret of [...agate.secrets, ...redis.secrets] as string[])
      assert.match(compose!.secrets[secret].file, /^\.\/secrets\//)
    for (const [name, value] of Object.entries(agate.environment as Record<string, string>)) {
      if (name.endsWith('_FILE'))
        assert.ok(agate.secrets.includes(value.replace('/run/secrets/', '')), `${name} is a mounted secret`)
    }
    assert.equal(agate.read_only, true)
    assert.deepEqual(agate.cap_drop, ['ALL'])
    assert.ok(agate.security_opt.includes('no-new-privileges:true'))
    assert.ok(
      Number.parseInt(agate.stop_grace_period, 10) >= 10 + 5 + 5,
      'longer than the drain delay plus the shutdown timeout',
    )
  })

  test('both services have CPU, memory and process limits, and rotated logs', () => {
    for (const [name, service] of Object.entries(compose!.services as Record<string, Doc>)) {
      const limits = service.deploy.resources.limits
      assert.ok(Number(limits.cpus) > 0, `${name}: cpus`)
      assert.match(limits.memory, /^\d+[MG]$/, `${name}: memory`)
      assert.ok(service.pids_limit > 0, `${name}: pids_limit`)
      assert.equal(service.logging.driver, 'json-file', name)
      assert.match(service.logging.options['max-size'], /^\d+[km]$/, name)
      assert.ok(Number(service.logging.options['max-file']) >= 1, name)
    }
    // Workers: one per CPU of the limit (the server counts cgroup cpu.max), or a number within it.
    const workers = /^\$\{AGATE_WORKERS:-(\d+)\}$/.exec(agate.environment.AGATE_WORKERS)
    assert.ok(workers !== null && Number(workers[1]) <= Number(agate.deploy.resources.limits.cpus))
  })

  test('Redis is pinned, unpublished, password-protected and hardened', () => {
    assert.match(redis.image, /^redis:\d+\.\d+\.\d+-alpine3\.\d+(@sha256:[0-9a-f]{64})?$/)
    assert.equal(redis.ports, undefined, 'Redis is not published')
    assert.equal(redis.read_only, true)
    assert.deepEqual(redis.cap_drop, ['ALL'])
    assert.ok(redis.security_opt.includes('no-new-privileges:true'))
    assert.match(redis.user, /^[1-9]\d*:\d+$/, 'non-root from the start, so no capability is needed')
    const conf = compose!.configs[redis.configs[0].source].content as string
    assert.deepEqual(redis.command, ['redis-server', redis.configs[0].target])
    assert.match(conf, /^include \/run\/secrets\/redis_auth\.conf$/m)
    assert.match(conf, /^protected-mode yes$/m)
    for (const command of ['FLUSHALL', 'FLUSHDB', 'CONFIG', 'DEBUG'])
      assert.match(conf, new RegExp(`^rename-command ${command} ""$`, 'm'))
    // The same Redis settings as the Kubernetes dev Redis, but for the include path.
    const kubernetes = read('deploy/kubernetes/overlays/dev/redis.conf')
    const directives = (text: string): string[] =>
      text
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.trim().startsWith('#') && !line.startsWith('include'))
    assert.deepEqual(directives(conf), directives(kubernetes))
    assert.match(
      redis.healthcheck.test.join(' '),
      /REDISCLI_AUTH=/,
      'the health check authenticates without the password in argv',
    )
  })
})

describe('wrangler.toml', () => {
  const toml = readToml('wrangler.toml')

  test('deploys the bundle the Workers test runs, without Node compatibility flags', async () => {
    // @ts-expect-error: a plain .mjs build script without declarations
    const { buildWorker } = (await import('../../scripts/build-worker.mjs')) as { buildWorker: unknown }
    assert.equal(typeof buildWorker, 'function')
    assert.equal(toml.main, 'dist/cloudflare/worker.js')
    assert.match(read('scripts/build-worker.mjs'), /dist\/cloudflare\/worker\.js/)
    assert.equal(toml.no_bundle, true)
    assert.equal(toml.build?.command, 'node scripts/build-worker.mjs')
    assert.match(String(toml.compatibility_date), /^\d{4}-\d{2}-\d{2}$/)
    assert.equal(toml.compatibility_flags, undefined)
  })

  test('no secret is a plain var', () => {
    for (const name of Object.keys(toml.vars ?? {})) assert.doesNotMatch(name, SECRET_NAME, name)
    assert.equal(toml.vars?.AGATE_MODE, 'production')
  })
})

describe('setting names in every deploy file', () => {
  /** Where each variable name is set, by file. */
  const sources: [string, string[]][] = [
    ['Dockerfile', envNames(dockerfile().instructions)],
    ['compose.yaml', Object.keys((readYaml('compose.yaml')[0] as Doc).services.agate.environment)],
    ['wrangler.toml', Object.keys(readToml('wrangler.toml').vars ?? {})],
    ['render.yaml', ((readYaml('render.yaml')[0] as Doc).services[0].envVars as Doc[]).map((v) => v.key as string)],
    ['fly.toml', Object.keys(readToml('fly.toml').env ?? {})],
    ...OVERLAYS.map((overlay): [string, string[]] => {
      const docs = renderOverlay(overlay)
      const pod = docs.find((doc) => doc.kind === 'Deployment' && doc.metadata.name === 'agate')!.spec.template.spec
      const [container] = pod.containers as Doc[]
      const config = docs.find(
        (doc) => doc.kind === 'ConfigMap' && doc.metadata.name === container!.envFrom[0].configMapRef.name,
      )!
      return [
        `overlays/${overlay}`,
        [...Object.keys(config.data), ...(container!.env as Doc[]).map((entry) => entry.name as string)],
      ]
    }),
  ]

  test('every name is a setting the server declares (or its _FILE, or its alias): no typo is silently ignored', () => {
    for (const [file, names] of sources) {
      assert.ok(names.length > 0, file)
      for (const name of names)
        assert.ok(settingOf(name) !== undefined, `${file}: ${name} is not a setting the server declares`)
    }
  })

  test('the check itself: aliases come from SETTINGS, and pending names are not declared yet', () => {
    assert.equal(SETTING_ALIASES.AGATE_REDIS_URL, 'REDIS_URL')
    assert.equal(SETTING_ALIASES.AGATE_PORT, 'PORT')
    assert.equal(settingOf('REDIS_URL_FILE'), 'AGATE_REDIS_URL')
    assert.equal(settingOf('AGATE_REDIS_URL_FILE'), 'AGATE_REDIS_URL')
    assert.equal(settingOf('AGATE_KEEPALIVE_TIMEOUT_MS'), undefined, 'a typo is caught')
    assert.equal(settingOf('NODE_ENV_FILE'), undefined)
  })
})

describe('docs/deploy.md', () => {
  const text = read('docs/deploy.md')

  test('gives each platform its start command and its "is it up" check', () => {
    const commands = [
      'docker compose up',
      'docker build',
      'apply -k deploy/kubernetes/overlays/dev',
      'apply -k deploy/kubernetes/overlays/production',
      'wrangler deploy',
      'New > Blueprint',
      'fly deploy',
      'npm run soak',
      '--workers',
    ]
    for (const command of commands) assert.ok(text.includes(command), command)
    assert.ok((text.match(/\/readyz|\/healthz/g) ?? []).length >= 4)
    for (const setting of [
      'REDIS_URL',
      'RATE_LIMIT_REDIS_FAILURE',
      'WORKERS',
      'AGATE_KEEP_ALIVE_TIMEOUT_MS',
      'AGATE_HEADERS_TIMEOUT_MS',
    ]) {
      assert.ok(text.includes(setting), setting)
    }
  })
})
