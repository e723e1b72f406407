import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { createApiKey } from '../../src/server/auth/api-keys.js'
import { ConfigError, loadConfig } from '../../src/server/config.js'
import { startServer } from '../../src/server/listen.js'
import {
  type Doc,
  KUBERNETES,
  OVERLAYS,
  podTemplates,
  read,
  readYaml,
  renderOverlay,
  ROOT,
  SECRET_NAME,
  selects,
  settingOf,
  validateObject,
} from './helpers/deploy-files.js'
import { freePort } from './helpers/ports.js'
import { APP_ID, CERTIFICATE } from './helpers/processes.js'
import { requireRedisServer } from './helpers/redis.js'

/** Secrets the operator creates (never in the kustomizations, so no placeholder is ever applied). */
const EXTERNAL_SECRETS = ['agate-secrets', 'agate-redis']
const rendered = Object.fromEntries(OVERLAYS.map((overlay) => [overlay, renderOverlay(overlay)])) as Record<
  (typeof OVERLAYS)[number],
  Doc[]
>

const find = (docs: Doc[], kind: string, name: string): Doc => {
  const found = docs.filter((doc) => doc.kind === kind && doc.metadata?.name === name)
  assert.equal(found.length, 1, `one ${kind}/${name}`)
  return found[0]!
}
const agateContainer = (docs: Doc[]): Doc =>
  (find(docs, 'Deployment', 'agate').spec.template.spec.containers as Doc[]).find((c) => c.name === 'agate')!
/** The ConfigMap an `envFrom` names (generated, so with a hash suffix). */
const configFor = (docs: Doc[], container: Doc): Doc => {
  const names = (container.envFrom as Doc[]).map((entry) => entry.configMapRef.name as string)
  assert.equal(names.length, 1)
  return find(docs, 'ConfigMap', names[0]!)
}
/** Every variable the container sees, from its ConfigMap and its env. */
const environment = (docs: Doc[], container: Doc): Record<string, string> => ({
  ...configFor(docs, container).data,
  ...Object.fromEntries((container.env as Doc[]).map((entry) => [entry.name, entry.value])),
})

describe('Kubernetes: every overlay renders and every object is valid', () => {
  test('the layout is a base, a dev and a production overlay; kustomize renders each', () => {
    assert.deepEqual(readdirSync(`${ROOT}${KUBERNETES}/overlays`).sort(), [...OVERLAYS])
    for (const overlay of OVERLAYS)
      assert.ok(rendered[overlay].length >= 10, `${overlay}: ${rendered[overlay].length} objects`)
  })

  for (const overlay of OVERLAYS) {
    test(`${overlay}: every object passes its Kubernetes schema (kubernetes-models)`, async () => {
      for (const doc of rendered[overlay]) await validateObject(doc)
    })

    test(`${overlay}: every ConfigMap and Secret a pod names exists or is one the operator creates`, () => {
      const docs = rendered[overlay]
      for (const { owner, pod } of podTemplates(docs)) {
        const configMaps = [
          ...(pod.volumes ?? []).filter((v: Doc) => v.configMap).map((v: Doc) => v.configMap.name),
          ...pod.containers.flatMap((c: Doc) =>
            (c.envFrom ?? []).map((e: Doc) => e.configMapRef?.name).filter(Boolean),
          ),
        ]
        for (const name of configMaps) {
          find(docs, 'ConfigMap', name)
          assert.match(name, /-[a-z0-9]{10}$/, `${owner}: ${name} is generated, so a change rolls the pods`)
        }
        for (const volume of (pod.volumes ?? []).filter((v: Doc) => v.secret)) {
          assert.ok(EXTERNAL_SECRETS.includes(volume.secret.secretName), `${owner}: ${volume.secret.secretName}`)
        }
      }
      assert.ok(!docs.some((doc) => doc.kind === 'Secret'), 'no Secret is applied (placeholders never reach a cluster)')
    })

    test(`${overlay}: every pod meets Pod Security "restricted", without service links or API token`, () => {
      const pods = podTemplates(rendered[overlay])
      assert.ok(pods.length >= 1)
      for (const { owner, pod } of pods) {
        assert.equal(pod.securityContext.runAsNonRoot, true, owner)
        assert.ok(pod.securityContext.runAsUser > 0, owner)
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', owner)
        assert.equal(pod.automountServiceAccountToken, false, owner)
        assert.equal(pod.enableServiceLinks, false, `${owner}: Service links would inject AGATE_PORT=tcp://…`)
        for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) assert.ok(!pod[key], `${owner}: ${key}`)
        assert.ok(!(pod.volumes ?? []).some((v: Doc) => v.hostPath), `${owner}: hostPath`)
        for (const container of pod.containers as Doc[]) {
          const where = `${owner} ${container.name}`
          assert.equal(container.securityContext.allowPrivilegeEscalation, false, where)
          assert.equal(container.securityContext.readOnlyRootFilesystem, true, where)
          assert.deepEqual(container.securityContext.capabilities.drop, ['ALL'], where)
          assert.equal(container.securityContext.capabilities.add, undefined, where)
          assert.ok(container.resources.requests.cpu && container.resources.requests.memory, `${where}: requests`)
          assert.ok(container.resources.limits.memory, `${where}: memory limit`)
          assert.match(container.image, /:[\w.-]+(@sha256:[0-9a-f]{64})?$/, `${where}: a pinned tag`)
          assert.doesNotMatch(container.image, /:latest|:\d+-alpine$/, `${where}: not a floating tag`)
          assert.ok(container.readinessProbe && container.livenessProbe, `${where}: probes`)
        }
      }
    })
  }
})

describe('Kubernetes: the token server Deployment', () => {
  for (const overlay of OVERLAYS) {
    test(`${overlay}: the HPA owns the scale; PDB maxUnavailable 1; spread over zones and nodes`, () => {
      const docs = rendered[overlay]
      const deployment = find(docs, 'Deployment', 'agate')
      assert.equal(deployment.spec.replicas, undefined, 'no replicas beside the HPA (each apply would reset the scale)')
      const labels = deployment.spec.template.metadata.labels
      assert.ok(selects(deployment.spec.selector, labels))
      const hpa = find(docs, 'HorizontalPodAutoscaler', 'agate')
      assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'agate' })
      assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas)
      const pdb = find(docs, 'PodDisruptionBudget', 'agate')
      assert.equal(pdb.spec.maxUnavailable, 1)
      assert.equal(pdb.spec.minAvailable, undefined)
      assert.ok(selects(pdb.spec.selector, labels))
      const service = find(docs, 'Service', 'agate')
      assert.ok(selects({ matchLabels: service.spec.selector }, labels))
      const spread = deployment.spec.template.spec.topologySpreadConstraints as Doc[]
      for (const key of ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']) {
        const constraint = spread.find((entry) => entry.topologyKey === key)
        assert.ok(constraint !== undefined, key)
        assert.ok(selects(constraint.labelSelector, labels), key)
      }
      assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0)
    })

    test(`${overlay}: probes, the port, and a grace period that covers the drain delay and the shutdown`, () => {
      const docs = rendered[overlay]
      const pod = find(docs, 'Deployment', 'agate').spec.template.spec
      const container = agateContainer(docs)
      const env = environment(docs, container)
      assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'http' })
      assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'http' })
      assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }])
      assert.equal(env.AGATE_PORT ?? env.PORT, undefined, 'the image default (8080) is the container port')
      // The server's own drain delay keeps it serving while endpoints are removed: no preStop hook.
      assert.equal(container.lifecycle?.preStop, undefined)
      const drain = Number(env.AGATE_DRAIN_DELAY_MS ?? 5000) / 1000
      assert.ok(drain >= 5, 'the drain delay covers endpoint removal')
      const shutdown = Number(env.AGATE_SHUTDOWN_TIMEOUT_MS ?? 10_000) / 1000
      assert.ok(pod.terminationGracePeriodSeconds >= drain + shutdown + 5, 'grace covers drain + shutdown + margin')
    })

    test(`${overlay}: every variable is a server setting; secrets only as files; no setting given twice`, () => {
      const docs = rendered[overlay]
      const container = agateContainer(docs)
      const config = configFor(docs, container).data as Record<string, string>
      const env = container.env as Doc[]
      const names = [...Object.keys(config), ...env.map((entry) => entry.name as string)]
      const seen = new Map<string, string>()
      for (const name of names) {
        const setting = settingOf(name)
        assert.ok(setting !== undefined, `${name} is not a setting the server declares`)
        assert.ok(
          !seen.has(setting),
          `${seen.get(setting)} and ${name} both set ${setting}: the server refuses to start`,
        )
        seen.set(setting, name)
        if (SECRET_NAME.test(name)) assert.match(name, /_FILE$/, `${name} comes from a secret file`)
      }
      for (const entry of env)
        assert.equal(entry.valueFrom, undefined, `${entry.name}: no secretKeyRef (env is visible)`)
      const mount = (container.volumeMounts as Doc[]).find((m) => m.mountPath === '/var/run/secrets/agate')
      assert.ok(mount !== undefined)
      const volume = (find(docs, 'Deployment', 'agate').spec.template.spec.volumes as Doc[]).find(
        (v) => v.name === mount.name,
      )
      assert.equal(volume?.secret.secretName, 'agate-secrets')
      const example = readYaml(`${KUBERNETES}/secret.example.yaml`)[0]!
      assert.equal(example.metadata.name, 'agate-secrets')
      for (const entry of env.filter((e) => e.name.endsWith('_FILE'))) {
        const key = (entry.value as string).slice(`${mount.mountPath}/`.length)
        assert.ok(
          Object.hasOwn(example.stringData, key),
          `${entry.name} reads ${key}, which secret.example.yaml describes`,
        )
      }
      for (const entry of env.filter((e) => e.name.endsWith('_FILE')))
        assert.ok(entry.value.startsWith(`${mount.mountPath}/`))
      assert.ok(seen.has('AGATE_REDIS_URL'), 'the rate limits are shared through Redis')
      assert.equal(config.AGATE_MODE ?? env.find((e) => e.name === 'NODE_ENV')?.value, 'production')
      assert.equal(config.AGATE_WORKERS, '1', 'pods scale out; one worker each')
    })
  }

  test("production: keep-alive above the balancers' 60 s idle timeout, headers above it, request above that", () => {
    const docs = rendered.production
    const env = environment(docs, agateContainer(docs))
    const keepAlive = Number(env.AGATE_KEEP_ALIVE_TIMEOUT_MS)
    const headers = Number(env.AGATE_HEADERS_TIMEOUT_MS)
    const request = Number(env.AGATE_REQUEST_TIMEOUT_MS)
    assert.ok(keepAlive > 60_000, `keep-alive ${keepAlive} ms`)
    assert.ok(headers > keepAlive, `headers ${headers} ms`)
    assert.ok(request >= headers, `request ${request} ms`)
  })

  test('production: a PodMonitor sends the metrics token the server requires; no scrape annotations', () => {
    const docs = rendered.production
    const monitor = find(docs, 'PodMonitor', 'agate')
    const deployment = find(docs, 'Deployment', 'agate')
    assert.ok(selects(monitor.spec.selector, deployment.spec.template.metadata.labels))
    const [endpoint] = monitor.spec.podMetricsEndpoints as Doc[]
    assert.equal(endpoint!.port, 'http')
    assert.equal(endpoint!.path, '/metrics')
    assert.equal(endpoint!.authorization.type, 'Bearer')
    assert.equal(endpoint!.authorization.credentials.name, 'agate-secrets')
    const tokenFile = (agateContainer(docs).env as Doc[]).find((e) => e.name === 'AGATE_METRICS_TOKEN_FILE')
    assert.equal(tokenFile?.value, `/var/run/secrets/agate/${endpoint!.authorization.credentials.key}`)
    assert.equal(deployment.spec.template.metadata.annotations?.['prometheus.io/scrape'], undefined)
    assert.ok(find(docs, 'HorizontalPodAutoscaler', 'agate').spec.minReplicas >= 3, 'one pod per zone')
  })

  test('dev: Redis is there, and Agate names it (in the Secret, as the docs say)', () => {
    const docs = rendered.dev
    find(docs, 'Deployment', 'agate-redis')
    assert.equal(find(docs, 'Service', 'agate-redis').spec.ports[0].port, 6379)
    assert.ok(
      !rendered.production.some((doc) => doc.metadata.name === 'agate-redis'),
      'production has no in-cluster Redis',
    )
    assert.match(read('docs/deploy.md'), /redis:\/\/:\$\w+@agate-redis:6379\/0/)
  })
})

describe('Kubernetes: network policies', () => {
  const policies = (docs: Doc[]): Doc[] => docs.filter((doc) => doc.kind === 'NetworkPolicy')
  const podLabels = (docs: Doc[], name: string): Doc => find(docs, 'Deployment', name).spec.template.metadata.labels
  /** The rules of every policy that selects the pod, in one direction. */
  const rules = (docs: Doc[], labels: Doc, direction: 'ingress' | 'egress'): Doc[] =>
    policies(docs)
      .filter((policy) => selects(policy.spec.podSelector, labels))
      .flatMap((policy) => (policy.spec[direction] ?? []) as Doc[])
  const ports = (rule: Doc): string[] => (rule.ports ?? []).map((port: Doc) => `${port.protocol}/${port.port}`).sort()

  for (const overlay of OVERLAYS) {
    test(`${overlay}: default deny in and out, for every pod of the namespace`, () => {
      const deny = policies(rendered[overlay]).find((policy) => policy.metadata.name === 'default-deny')
      assert.ok(deny !== undefined)
      assert.deepEqual(deny.spec.podSelector, {})
      assert.deepEqual(deny.spec.policyTypes.sort(), ['Egress', 'Ingress'])
      assert.equal(deny.spec.ingress, undefined)
      assert.equal(deny.spec.egress, undefined)
    })

    test(`${overlay}: Agate is reached from the ingress controller and Prometheus only, on its port`, () => {
      const ingress = rules(rendered[overlay], podLabels(rendered[overlay], 'agate'), 'ingress')
      assert.equal(ingress.length, 1)
      assert.deepEqual(ports(ingress[0]!), ['TCP/8080'])
      const peers = (ingress[0]!.from as Doc[]).map((peer) => ({
        namespace: peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'],
        pod: peer.podSelector?.matchLabels?.['app.kubernetes.io/name'],
      }))
      assert.deepEqual(peers, [
        { namespace: 'ingress-nginx', pod: 'ingress-nginx' },
        { namespace: 'monitoring', pod: 'prometheus' },
      ])
    })

    test(`${overlay}: Agate reaches DNS and Redis only`, () => {
      const docs = rendered[overlay]
      const egress = rules(docs, podLabels(docs, 'agate'), 'egress')
      const dns = egress.find((rule) => ports(rule).includes('UDP/53'))
      assert.deepEqual(ports(dns!), ['TCP/53', 'UDP/53'])
      assert.equal(dns!.to[0].podSelector.matchLabels['k8s-app'], 'kube-dns')
      const others = egress.filter((rule) => rule !== dns)
      assert.equal(others.length, 1)
      if (overlay === 'dev') {
        assert.deepEqual(ports(others[0]!), ['TCP/6379'])
        assert.ok(selects(others[0]!.to[0].podSelector, podLabels(docs, 'agate-redis')), 'to the Redis pods')
      } else {
        assert.deepEqual(ports(others[0]!), ['TCP/6379', 'TCP/6380'])
      }
    })
  }

  test('dev: Redis is reached from Agate only, and reaches nothing', () => {
    const docs = rendered.dev
    const labels = podLabels(docs, 'agate-redis')
    const ingress = rules(docs, labels, 'ingress')
    assert.equal(ingress.length, 1)
    assert.deepEqual(ports(ingress[0]!), ['TCP/6379'])
    assert.deepEqual(ingress[0]!.from, [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'agate' } } }])
    assert.deepEqual(rules(docs, labels, 'egress'), [])
  })
})

/** Resolves once something accepts connections on the loopback port; gives up after 100 tries. */
async function listening(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' })
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false))
      socket.unref()
      setTimeout(() => socket.destroy(), 500).unref()
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`)
}

/** The first reply line of Redis to `command`, sent on a plain socket (no client library handshake). */
function rawReply(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write(command))
    socket.setEncoding('utf8')
    socket.once('data', (data: string) => {
      socket.destroy()
      resolve(data.split('\r\n')[0]!)
    })
    socket.once('error', reject)
    socket.setTimeout(5000, () => socket.destroy(new Error('no reply')))
  })
}

describe("Kubernetes, run for real: the dev Redis configuration, and each overlay's environment starting the server", () => {
  const executable = requireRedisServer()
  const dir = mkdtempSync(join(tmpdir(), 'agate-redis-conf-'))
  const password = 'dev-only-password-for-the-test'
  let port = 0
  let server: ReturnType<typeof spawn> | undefined

  before(async () => {
    if (executable === undefined) return
    const docs = rendered.dev
    const redis = find(docs, 'Deployment', 'agate-redis').spec.template.spec
    const [container] = redis.containers as Doc[]
    const configVolume = (redis.volumes as Doc[]).find((v) => v.configMap)!
    const conf = find(docs, 'ConfigMap', configVolume.configMap.name).data['redis.conf'] as string
    const authMount = (container!.volumeMounts as Doc[]).find(
      (m) => m.name === (redis.volumes as Doc[]).find((v) => v.secret)!.name,
    )!
    // The same file, with the Secret's mount point moved into the temporary directory.
    writeFileSync(join(dir, 'redis.conf'), conf.replaceAll(authMount.mountPath, dir))
    writeFileSync(join(dir, 'auth.conf'), `requirepass ${password}\n`)
    port = await freePort()
    server = spawn(executable, [join(dir, 'redis.conf'), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir], {
      stdio: 'ignore',
    })
    await listening(port)
  })

  after(() => {
    server?.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  test(
    'starts, wants the password, and refuses the commands that would wipe or reconfigure it',
    { skip: executable === undefined },
    async () => {
      const client = new Redis({
        port,
        host: '127.0.0.1',
        password,
        lazyConnect: true,
        retryStrategy: (n) => (n > 50 ? null : 100),
      })
      try {
        await client.connect()
        assert.equal(await client.ping(), 'PONG')
        assert.match(await rawReply(port, 'PING\r\n'), /^-NOAUTH/, 'a client without the password gets nothing')
        for (const command of ['FLUSHALL', 'FLUSHDB', 'CONFIG']) {
          await assert.rejects(
            client.call(command, ...(command === 'CONFIG' ? ['GET', 'maxmemory'] : [])),
            /unknown command/i,
            command,
          )
        }
        assert.equal(
          await client.eval("return redis.call('INCR', KEYS[1])", 1, 'agate:rl:test'),
          1,
          'the rate-limit script still runs',
        )
      } finally {
        client.disconnect()
      }
    },
  )
  for (const overlay of OVERLAYS) {
    test(
      `${overlay}: the pod's environment and Secret files start the server, counting limits in the password-protected Redis`,
      { skip: executable === undefined },
      async () => {
        const docs = rendered[overlay]
        const container = agateContainer(docs)
        const mount = '/var/run/secrets/agate'
        const secrets = join(dir, `secrets-${overlay}`)
        mkdirSync(secrets)
        const apiKey = createApiKey()
        const files: Record<string, string> = {
          AGORA_APP_CERTIFICATE: CERTIFICATE,
          AGATE_API_KEYS: `test=${apiKey.hash}`,
          AGATE_REDIS_URL: `redis://:${password}@127.0.0.1:${port}/0`,
          AGATE_METRICS_TOKEN: 'metrics-token-for-the-deploy-test',
        }
        for (const [key, value] of Object.entries(files)) writeFileSync(join(secrets, key), value)
        // The pod's variables, with the Secret's mount point moved into the temporary directory.
        const env = Object.fromEntries(
          Object.entries(environment(docs, container)).map(([name, value]) => [name, value.replace(mount, secrets)]),
        )
        // The App ID is a placeholder until the operator sets it, and it stops the start by name.
        await assert.rejects(
          loadConfig(env),
          (error: unknown) => error instanceof ConfigError && error.setting === 'AGORA_APP_ID',
        )
        const config = await loadConfig({ ...env, AGORA_APP_ID: APP_ID }, { port: 0, host: '127.0.0.1' })
        assert.equal(config.mode, 'production')
        assert.equal(config.rateLimit.store.redisUrl, files.AGATE_REDIS_URL)
        assert.equal(config.limits.keepAliveTimeoutMs, Number(env.AGATE_KEEP_ALIVE_TIMEOUT_MS))
        assert.deepEqual(config.warnings, [])
        const server = await startServer(config, { logger: pino({ level: 'silent' }) })
        const client = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true })
        try {
          assert.equal((await fetch(`${server.url}/readyz`)).status, 200)
          const response = await fetch(`${server.url}/fetch_rtc_token`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey.key },
            body: JSON.stringify({ uid: 7, ChannelName: overlay, role: 1 }),
          })
          assert.equal(response.status, 200)
          await client.connect()
          const [, keys] = await client.scan(
            '0',
            'MATCH',
            `${config.rateLimit.store.redisKeyPrefix ?? 'agate:rl:'}*`,
            'COUNT',
            1000,
          )
          assert.ok(keys.length > 0, 'the request was counted in Redis')
          const metricsProtected = env.AGATE_METRICS_TOKEN_FILE !== undefined
          assert.equal((await fetch(`${server.url}/metrics`)).status, metricsProtected ? 401 : 200)
          if (metricsProtected) {
            const scrape = await fetch(`${server.url}/metrics`, {
              headers: { Authorization: `Bearer ${files.AGATE_METRICS_TOKEN}` },
            })
            assert.equal(scrape.status, 200)
          }
        } finally {
          client.disconnect()
          await server.close()
        }
      },
    )
  }
})
