/**
 * Reading the deploy files as their tools do: YAML with `yaml`, TOML with `smol-toml`, the
 * Kubernetes overlays rendered by `kubectl kustomize`, and the setting names the server declares.
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse as parseToml } from 'smol-toml'
import { parseAllDocuments } from 'yaml'
import { SETTINGS } from '../../../src/server/config.js'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** A parsed manifest or file; its fields are checked one by one. */
export type Doc = Record<string, any>

export const read = (path: string): string => readFileSync(`${ROOT}${path}`, 'utf8')

/** Every document of a YAML stream; a syntax error or warning fails, naming the file. */
export function parseYaml(text: string, name: string): Doc[] {
  return parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true })
    .map((document) => {
      const problems = [...document.errors, ...document.warnings]
      if (problems.length > 0)
        throw new SyntaxError(`${name}: ${problems.map((problem) => problem.message).join('; ')}`)
      return document.toJS() as Doc
    })
    .filter((doc) => doc !== null)
}

export const readYaml = (path: string): Doc[] => parseYaml(read(path), path)
export const readToml = (path: string): Doc => parseToml(read(path))

/** The Dockerfile's final stage: its ENV, ENTRYPOINT and CMD. */
export function imageSpec(): { env: Record<string, string>; command: string[] } {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
  const final = lines.slice(lines.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true))
  const env: Record<string, string> = {}
  for (const line of final.filter((l) => /^ENV\s/i.test(l))) {
    for (const match of line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) env[match[1]!] = match[2]!
  }
  const exec = (keyword: string): string[] =>
    JSON.parse(final.find((l) => l.startsWith(`${keyword} `))?.slice(keyword.length) ?? '[]')
  return { env, command: [...exec('ENTRYPOINT'), ...exec('CMD')] }
}

/** Names that carry secrets: none of them may be a build argument, a baked-in variable or a plain value. */
export const SECRET_NAME = /SECRET|CERT|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE|REDIS_URL|CREDENTIAL/i

// ---------------------------------------------------------------------------------------------
// Setting names

/** Read by the server besides SETTINGS: `NODE_ENV=production` selects production mode (see AGATE_MODE). */
const RUNTIME_NAMES = ['NODE_ENV']

/** The community alias each setting declares (`PORT` for `AGATE_PORT`), by setting. */
export const SETTING_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SETTINGS).flatMap(([name, setting]) => {
    const aliases = 'aliases' in setting ? setting.aliases : []
    return aliases.map((alias) => [name, alias])
  }),
)

/** The setting a name sets (`REDIS_URL` and `AGATE_REDIS_URL_FILE` both set `AGATE_REDIS_URL`), or undefined. */
export function settingOf(name: string): string | undefined {
  const base = name.endsWith('_FILE') ? name.slice(0, -5) : name
  for (const candidate of [name, base]) {
    if (Object.hasOwn(SETTINGS, candidate)) return candidate
    const aliased = Object.entries(SETTING_ALIASES).find(([, alias]) => alias === candidate)
    if (aliased !== undefined) return aliased[0]
    if (RUNTIME_NAMES.includes(candidate) && candidate === name) return candidate
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

export const KUBERNETES = 'deploy/kubernetes'
export const OVERLAYS = ['dev', 'production'] as const

/** `kubectl`, or a failure that says how to get it (the tests need it everywhere, CI included). */
export function kubectl(): string {
  const found = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim()
  if (found === '') {
    throw new Error(
      'kubectl not found: install kubectl 1.27 or later (its kustomize must know components); Debian 12 kubernetes-client (1.20) is too old',
    )
  }
  return found
}

/** An overlay as `kubectl apply -k` would send it. */
export function renderOverlay(overlay: string): Doc[] {
  const text = execFileSync(kubectl(), ['kustomize', `${ROOT}${KUBERNETES}/overlays/${overlay}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return parseYaml(text, `overlays/${overlay} rendered`)
}

const MODEL_PACKAGES: Readonly<Record<string, string>> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator/monitoring.coreos.com',
}

/**
 * Validates an object against its Kubernetes (or Prometheus Operator) JSON schema with the
 * `kubernetes-models` classes; throws naming the object and the fields. A kind without a model fails.
 */
export async function validateObject(doc: Doc): Promise<void> {
  const [group, version] = String(doc.apiVersion).includes('/')
    ? String(doc.apiVersion).split('/')
    : ['', String(doc.apiVersion)]
  const base = MODEL_PACKAGES[group!] ?? (group === '' ? 'kubernetes-models' : `kubernetes-models/${group}`)
  const specifier = `${base}/${version}/${doc.kind}`
  let Model: new (data: Doc) => { validate(): void }
  try {
    Model = ((await import(specifier)) as Record<string, typeof Model>)[doc.kind]!
  } catch {
    throw new Error(`${doc.kind}/${doc.metadata?.name}: no schema for ${doc.apiVersion} ${doc.kind} (${specifier})`)
  }
  try {
    new Model(doc).validate()
  } catch (error) {
    throw new Error(`${doc.kind}/${doc.metadata?.name} does not match its schema: ${(error as Error).message}`)
  }
}

/** The pod templates of the workloads among `docs`, with their owners' names. */
export function podTemplates(docs: Doc[]): { owner: string; pod: Doc; labels: Doc }[] {
  return docs
    .filter((doc) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(doc.kind))
    .map((doc) => ({
      owner: `${doc.kind}/${doc.metadata.name}`,
      pod: doc.spec.template.spec,
      labels: doc.spec.template.metadata.labels,
    }))
}

/** Whether a label selector (`matchLabels` only, as these manifests use) selects `labels`. */
export function selects(selector: Doc | undefined, labels: Doc): boolean {
  return Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels?.[key] === value)
}
