import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { readToml } from './helpers/toml.js'
import { parseYamlDocuments } from './helpers/yaml.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string): string => readFileSync(`${ROOT}${path}`, 'utf8')

/** A parsed manifest; its fields are checked one by one. */
type Doc = Record<string, any>

/** Names that carry secrets: none of them may be a build argument or a baked-in variable. */
const SECRET_NAME = /SECRET|CERT|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE|REDIS_URL|CREDENTIAL/i

describe('Dockerfile', () => {
  const text = read('Dockerfile')
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  const stages: string[][] = []
  for (const line of instructions) {
    if (/^FROM\s/i.test(line)) stages.push([line])
    else stages[stages.length - 1]?.push(line)
  }
  const final = stages[stages.length - 1] ?? []

  test('is multi-stage, with named stages and a small final base', () => {
    assert.ok(stages.length >= 2, `${stages.length} stage(s)`)
    for (const stage of stages) assert.match(stage[0]!, /^FROM\s+\S+\s+AS\s+\w+/i)
    assert.match(final[0]!, /alpine|distroless|slim/, 'the final stage starts from a small base image')
    assert.ok(final.some((line) => /^COPY\s+--from=/i.test(line)), 'the final stage copies build output from earlier stages')
    assert.ok(instructions.some((line) => /npm ci[^&]*--omit=dev/.test(line)), 'production dependencies only in the image')
  })

  test('runs as a non-root user, numerically (so Kubernetes runAsNonRoot can check it)', () => {
    const users = final.filter((line) => /^USER\s/i.test(line))
    assert.equal(users.length, 1)
    const user = users[0]!.split(/\s+/)[1]!
    assert.match(user, /^\d+(:\d+)?$/)
    assert.notEqual(user.split(':')[0], '0')
    const userIndex = final.indexOf(users[0]!)
    const after = final.slice(userIndex + 1)
    assert.ok(after.some((line) => /^CMD\s/i.test(line)) && !after.some((line) => /^USER\s+(0|root)\b/i.test(line)))
  })

  test('has a HEALTHCHECK against /healthz and drains on SIGTERM', () => {
    const check = final.find((line) => /^HEALTHCHECK\s/i.test(line))
    assert.ok(check !== undefined)
    assert.match(check, /\/healthz/)
    assert.match(check, /--timeout=\d+s/)
    assert.ok(final.some((line) => /^STOPSIGNAL\s+SIGTERM$/i.test(line)))
    assert.ok(final.some((line) => /^EXPOSE\s+8080$/i.test(line)))
  })

  test('no build argument or environment variable carries a secret, and no secret file is copied', () => {
    for (const line of instructions) {
      if (/^ARG\s/i.test(line)) assert.doesNotMatch(line.split(/\s+/)[1]!, SECRET_NAME, line)
      if (/^ENV\s/i.test(line)) {
        for (const name of line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)) assert.doesNotMatch(name[1]!, SECRET_NAME, line)
      }
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
    assert.deepEqual(allowed.sort(), ['package-lock.json', 'package.json', 'scripts/', 'src/', 'tsconfig*.json', 'web/'])
    for (const never of ['**/.env*', '**/.agate', '**/node_modules']) assert.ok(rules.includes(never), never)
    // Every directory the Dockerfile copies is let in.
    for (const match of read('Dockerfile').matchAll(/^COPY\s+(?!--from)(?:--\S+\s+)*(\S+)\s/gm)) {
      const source = match[1]!
      assert.ok(allowed.some((rule) => rule.replace(/\/$/, '') === source || (rule.includes('*') && new RegExp(`^${rule.replace('.', '\\.').replace('*', '.*')}$`).test(source))), `${source} is in the context`)
    }
  })
})

describe('compose.yaml', () => {
  const [compose] = parseYamlDocuments(read('compose.yaml')) as Doc[]

  test('runs the server built from the Dockerfile with Redis, secrets as files', () => {
    const agate = compose!.services.agate
    const redis = compose!.services.redis
    assert.equal(agate.build, '.')
    assert.match(redis.image, /^redis:\d/)
    assert.equal(agate.environment.REDIS_URL, 'redis://redis:6379/0')
    assert.match(agate.environment.RATE_LIMIT_REDIS_FAILURE, /allow|refuse/)
    assert.equal(agate.depends_on.redis.condition, 'service_healthy')
    assert.ok(Array.isArray(redis.healthcheck.test))
    for (const name of Object.keys(agate.environment)) {
      if (SECRET_NAME.test(name) && name !== 'REDIS_URL') assert.match(name, /_FILE$/, `${name} comes from a secret file`)
    }
    for (const secret of agate.secrets as string[]) assert.match(compose!.secrets[secret].file, /^\.\/secrets\//)
    assert.equal(agate.environment.AGORA_APP_CERTIFICATE_FILE, '/run/secrets/agora_app_certificate')
    assert.equal(agate.read_only, true)
    assert.deepEqual(agate.cap_drop, ['ALL'])
    assert.ok(Number.parseInt(agate.stop_grace_period, 10) > 10, 'longer than the server shutdown timeout')
    assert.equal(redis.ports, undefined, 'Redis is not published')
  })
})

describe('Kubernetes manifests', () => {
  const dir = 'deploy/kubernetes/'
  const kustomization = parseYamlDocuments(read(`${dir}kustomization.yaml`))[0] as Doc
  const all = (kustomization.resources as string[]).flatMap((file) => parseYamlDocuments(read(`${dir}${file}`)) as Doc[])
  const find = (kind: string, name: string): Doc => {
    const found = all.find((doc) => doc.kind === kind && doc.metadata?.name === name)
    assert.ok(found !== undefined, `${kind}/${name}`)
    return found
  }

  test('every manifest parses and names its apiVersion, kind and name', () => {
    assert.ok(all.length >= 7)
    for (const doc of all) {
      assert.equal(typeof doc.apiVersion, 'string')
      assert.equal(typeof doc.kind, 'string')
      assert.equal(typeof doc.metadata?.name, 'string')
    }
    for (const file of kustomization.resources as string[]) assert.ok(existsSync(`${ROOT}${dir}${file}`), file)
  })

  test('the Deployment has readiness and liveness probes, resource requests, and drains in time', () => {
    const deployment = find('Deployment', 'agate')
    const pod = deployment.spec.template.spec
    const [container] = pod.containers as Doc[]
    assert.deepEqual(container!.readinessProbe.httpGet, { path: '/readyz', port: 'http' })
    assert.deepEqual(container!.livenessProbe.httpGet, { path: '/healthz', port: 'http' })
    assert.match(container!.resources.requests.cpu, /^\d+m?$/)
    assert.match(container!.resources.requests.memory, /^\d+(Mi|Gi)$/)
    assert.ok(container!.resources.limits.memory)
    assert.equal(container!.ports[0].containerPort, 8080)
    assert.equal(pod.securityContext.runAsNonRoot, true)
    assert.equal(container!.securityContext.readOnlyRootFilesystem, true)
    assert.equal(container!.securityContext.allowPrivilegeEscalation, false)
    assert.deepEqual(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)
    assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0)
    const preStop = Number((container!.lifecycle.preStop.exec.command as string[])[1])
    assert.ok(pod.terminationGracePeriodSeconds >= preStop + 10 + 5, 'grace covers the pause, the shutdown timeout and a margin')
  })

  test('secrets reach the pod as files, from the Secret the example describes', () => {
    const deployment = find('Deployment', 'agate')
    const [container] = deployment.spec.template.spec.containers as Doc[]
    const secret = parseYamlDocuments(read(`${dir}secret.example.yaml`))[0] as Doc
    assert.equal(secret.kind, 'Secret')
    assert.ok(!(kustomization.resources as string[]).includes('secret.example.yaml'), 'the example is never applied with the rest')
    const volume = (deployment.spec.template.spec.volumes as Doc[]).find((entry) => entry.secret !== undefined)
    assert.equal(volume!.secret.secretName, secret.metadata.name)
    const mount = (container!.volumeMounts as Doc[]).find((entry) => entry.name === volume!.name)
    for (const key of Object.keys(secret.stringData)) {
      const env = (container!.env as Doc[]).find((entry) => entry.name === `${key}_FILE`)
      assert.equal(env?.value, `${mount!.mountPath}/${key}`, `${key}_FILE points at the mounted key`)
    }
    const config = find('ConfigMap', 'agate-config')
    for (const name of Object.keys(config.data)) assert.ok(!SECRET_NAME.test(name) || name === 'REDIS_URL', `${name} is not in the ConfigMap`)
    assert.doesNotMatch(config.data.REDIS_URL, /@/, 'no password in the ConfigMap')
  })

  test('a Service, an HPA and a PodDisruptionBudget target the Deployment', () => {
    const labels = find('Deployment', 'agate').spec.template.metadata.labels
    const service = find('Service', 'agate')
    assert.deepEqual(service.spec.selector, labels)
    assert.equal(service.spec.ports[0].targetPort, 'http')
    const hpa = find('HorizontalPodAutoscaler', 'agate')
    assert.equal(hpa.apiVersion, 'autoscaling/v2')
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'agate' })
    assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas)
    assert.equal(hpa.spec.metrics[0].resource.name, 'cpu')
    const pdb = find('PodDisruptionBudget', 'agate')
    assert.equal(pdb.apiVersion, 'policy/v1')
    assert.deepEqual(pdb.spec.selector.matchLabels, labels)
    assert.ok(pdb.spec.minAvailable < hpa.spec.minReplicas, 'a node can always be drained')
  })

  test('Redis for shared limits is there, and the config points at it', () => {
    const redisService = find('Service', 'agate-redis')
    find('Deployment', 'agate-redis')
    const config = find('ConfigMap', 'agate-config')
    assert.equal(config.data.REDIS_URL, `redis://${redisService.metadata.name}:${redisService.spec.ports[0].port}/0`)
    assert.equal(config.data.WORKERS, '1', 'pods scale out; one worker each')
  })
})

describe('wrangler.toml', () => {
  const toml = readToml(read('wrangler.toml'))
  const top = toml[''] ?? {}

  test('deploys the bundle the Workers test runs, without Node compatibility flags', async () => {
    // @ts-expect-error: a plain .mjs build script without declarations
    const { buildWorker } = (await import('../../scripts/build-worker.mjs')) as { buildWorker: unknown }
    assert.equal(typeof buildWorker, 'function')
    assert.equal(top.main, 'dist/cloudflare/worker.js')
    assert.match(read('scripts/build-worker.mjs'), /dist\/cloudflare\/worker\.js/)
    assert.equal(top.no_bundle, true)
    assert.equal(toml.build?.command, 'node scripts/build-worker.mjs')
    assert.match(String(top.compatibility_date), /^\d{4}-\d{2}-\d{2}$/)
    assert.equal(top.compatibility_flags, undefined)
  })

  test('no secret is a plain var', () => {
    for (const name of Object.keys(toml.vars ?? {})) assert.doesNotMatch(name, SECRET_NAME, name)
    assert.equal(toml.vars?.AGATE_MODE, 'production')
  })
})

describe('docs/deploy.md', () => {
  const text = read('docs/deploy.md')

  test('gives each platform its start command and its "is it up" check', () => {
    for (const command of ['docker compose up', 'docker build', 'kubectl apply -k deploy/kubernetes', 'wrangler deploy', 'npm run soak', '--workers']) {
      assert.ok(text.includes(command), command)
    }
    assert.ok((text.match(/\/readyz|\/healthz/g) ?? []).length >= 4)
    for (const setting of ['REDIS_URL', 'RATE_LIMIT_REDIS_FAILURE', 'WORKERS']) assert.ok(text.includes(setting), setting)
  })
})
