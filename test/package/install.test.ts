/**
 * A stranger's first hour, from the packed tarball: installed into an empty project (once), then the
 * README quick start, the server, every entry point, the CLI's bin, require() from CommonJS and a
 * TypeScript consumer, each in its own process with the project's node_modules only.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { parseToken, verifyToken, type ParsedToken007 } from '../../src/token/index.js'
import { ENTRIES } from './entries.js'
import { packTarball, ROOT } from './tarball.js'

/** Agora's shared test App ID and certificate. */
const APP_ID = '970CA35de60c44645bbae8a215061b33'
const CERTIFICATE = '5CFd2fd1755d40ecb72977518be15d3b'

const repoManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>
}

let work: string
let project: string

/**
 * The environment without Agate's or Agora's settings, the test runner's, or what `npm test` sets
 * for this repository (its package and prefix must not leak into the stranger's project); npm's
 * cache, registry and user config stay.
 */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(AGORA_|AGATE_|NODE_TEST|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$)/.test(name)) continue
    if (/^npm_/i.test(name) && !/^npm_config_(cache|registry|userconfig)$/i.test(name)) continue
    env[name] = value
  }
  return { ...env, ...extra }
}

interface Ran {
  status: number | null
  stdout: string
  stderr: string
}

function runIn(command: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Ran {
  const result = spawnSync(command, args, {
    cwd: project,
    encoding: 'utf8',
    input: options.input ?? '',
    env: cleanEnv(options.env),
    timeout: 120_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Runs a script file of the project with Node and parses the JSON it prints last. */
function nodeScript(name: string, source: string, env: Record<string, string> = {}): { result: Ran; output: any } {
  writeFileSync(join(project, name), source)
  const result = runIn(process.execPath, [name], { env })
  assert.equal(result.status, 0, `${name} failed:\n${result.stdout}${result.stderr}`)
  const lines = result.stdout.trim().split('\n')
  return { result, output: JSON.parse(lines[lines.length - 1]!) }
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'agate-install-'))
  const tarball = packTarball(work)
  project = join(work, 'project')
  mkdirSync(project)
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'stranger', private: true, type: 'module' })}\n`,
  )
  // The optional peers (the Agora SDKs, React and agora-rtc-react) and Node's and React's types are
  // what a TypeScript app using the client helpers has; the same versions as the repository's, so
  // npm's cache serves them.
  const dev = repoManifest.devDependencies
  const extras = ['@types/node', '@types/react', 'agora-rtc-sdk-ng', 'agora-rtm-sdk', 'react', 'agora-rtc-react'].map(
    (name) => `${name}@${dev[name]}`,
  )
  const install = runIn('npm', ['install', tarball.path, ...extras, '--prefer-offline', '--no-audit', '--no-fund'])
  assert.equal(install.status, 0, `npm install failed:\n${install.stdout}${install.stderr}`)
})
after(() => rmSync(work, { recursive: true, force: true }))

test('ESM: the README quick start builds, parses and verifies an RTC token', () => {
  const { result, output } = nodeScript(
    'quick-start.mjs',
    `import { buildRtcToken, parseToken, verifyToken } from 'agate-tokens'

const appId = process.env.AGORA_APP_ID
const appCertificate = process.env.AGORA_APP_CERTIFICATE
const token = buildRtcToken({ appId, appCertificate, channelName: 'ChannelA', uid: 42, expire: 3600 })
const parsed = parseToken(token)
const verified = verifyToken(token, { certificates: appCertificate, channelName: 'ChannelA', uid: 42 })
console.log(JSON.stringify({ token, parsed, certificateIndex: verified.certificateIndex }))
`,
    { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE },
  )
  assert.equal(result.stderr, '')
  assert.equal(output.certificateIndex, 0)
  const parsed = output.parsed as ParsedToken007
  assert.deepEqual(
    [parsed.version, parsed.appId, parsed.expire, parsed.services[0]?.type],
    ['007', APP_ID, 3600, 'rtc'],
  )
  assert.deepEqual(parseToken(output.token), parsed)
  verifyToken(output.token, { certificates: CERTIFICATE, appId: APP_ID, channelName: 'ChannelA', uid: 42 })
})

test('ESM: every entry point loads and exports what it documents', () => {
  const source = `const entries = ${JSON.stringify(ENTRIES.map(({ specifier, values }) => ({ specifier, values })))}
const missing = {}
for (const { specifier, values } of entries) {
  const module = await import(specifier)
  missing[specifier] = values.filter((name) => !['function', 'object'].includes(typeof module[name]))
}
console.log(JSON.stringify(missing))
`
  const { result, output } = nodeScript('entries.mjs', source)
  assert.equal(result.stderr, '')
  assert.deepEqual(output, Object.fromEntries(ENTRIES.map((entry) => [entry.specifier, []])))
})

let devAppId: string | undefined
let serverToken: string | undefined

test('agate-tokens/server: startServer in development mode answers /fetch_rtc_token and serves the demo', () => {
  const { output } = nodeScript(
    'server.mjs',
    `import { loadConfig, startServer } from 'agate-tokens/server'

const config = await loadConfig({ AGATE_LOG_DESTINATION: 'stderr' }, { host: '127.0.0.1', port: 0, mode: 'development' })
const server = await startServer(config)
try {
  const reply = await fetch(server.url + '/fetch_rtc_token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uid: 42, ChannelName: 'ChannelA', role: 1 }),
  })
  const page = await fetch(server.url + '/demo/')
  const script = await fetch(server.url + '/demo/assets/demo.js')
  console.log(JSON.stringify({
    url: server.url,
    status: reply.status,
    body: await reply.json(),
    appId: config.apps[0].appId,
    page: [page.status, page.headers.get('content-type'), (await page.text()).includes('<html')],
    script: [script.status, (await script.text()).length > 1000],
  }))
} finally {
  await server.close()
}
`,
  )
  assert.match(output.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(output.status, 200)
  assert.equal(output.body.code, '200')
  assert.deepEqual(output.page, [200, 'text/html; charset=utf-8', true])
  assert.deepEqual(output.script, [200, true])
  // The development credentials are where `npm start` keeps them, in the project.
  const stored = JSON.parse(readFileSync(join(project, '.agate/dev-credentials.json'), 'utf8'))
  assert.equal(stored.appId, output.appId)
  verifyToken(output.body.token, { certificates: stored.appCertificate, channelName: 'ChannelA', uid: 42 })
  devAppId = output.appId
  serverToken = output.body.token
})

test('the CLI from the installed bin: npx agate token rtc, then npx agate inspect -', () => {
  const env = { AGORA_APP_ID: APP_ID, AGORA_APP_CERTIFICATE: CERTIFICATE }
  const made = runIn('npx', ['--no-install', 'agate', 'token', 'rtc', '--channel', 'ChannelA', '--uid', '42'], { env })
  assert.equal(made.status, 0, made.stderr)
  assert.equal(made.stderr, '')
  const token = made.stdout.trim()
  verifyToken(token, { certificates: CERTIFICATE, appId: APP_ID, channelName: 'ChannelA', uid: 42 })
  const inspected = runIn('npx', ['--no-install', 'agate', 'inspect', '-'], { input: `${token}\n` })
  assert.equal(inspected.status, 0, inspected.stderr)
  assert.match(inspected.stdout, new RegExp(`^App ID {6}${APP_ID}$`, 'm'))
  assert.match(inspected.stdout, /^ {2}Channel {2}ChannelA$/m)
  assert.match(runIn('npx', ['--no-install', 'agate', '--version']).stdout, /^1\.\d+\.\d+\n$/)
})

test('the quick start line after the server made development credentials, and agate verify of its token', () => {
  assert.ok(devAppId !== undefined && serverToken !== undefined, 'the server test above makes the credentials')
  const line = runIn('/bin/sh', [
    '-c',
    'npx --no-install agate token rtc --channel ChannelA --uid 42 | npx --no-install agate inspect -',
  ])
  assert.equal(line.status, 0, line.stderr)
  assert.match(line.stdout, new RegExp(`^App ID {6}${devAppId}$`, 'm'))
  assert.match(line.stderr, /^agate: using the development credentials in \.agate\/dev-credentials\.json /)
  const verified = runIn('npx', [
    '--no-install',
    'agate',
    'verify',
    serverToken,
    '--channel',
    'ChannelA',
    '--uid',
    '42',
  ])
  assert.deepEqual([verified.status, verified.stdout], [0, 'valid (certificate #1)\n'])
})

test('CommonJS: require() loads every entry point (Node 20.19 and later)', () => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
  const source = `const entries = ${JSON.stringify(ENTRIES.map(({ specifier, values }) => ({ specifier, values })))}
const missing = {}
for (const { specifier, values } of entries) {
  const module = require(specifier)
  missing[specifier] = values.filter((name) => !['function', 'object'].includes(typeof module[name]))
}
const { buildRtcToken } = require('agate-tokens')
const { RtcTokenBuilder, RtcRole } = require('agate-tokens/compat/agora-token')
const appId = '${APP_ID}'
const certificate = '${CERTIFICATE}'
const tokens = [
  buildRtcToken({ appId, appCertificate: certificate, channelName: 'ChannelA', uid: 42 }),
  RtcTokenBuilder.buildTokenWithUid(appId, certificate, 'ChannelA', 42, RtcRole.PUBLISHER, 600, 600),
]
console.log(JSON.stringify({ missing, tokens }))
`
  writeFileSync(join(project, 'require.cjs'), source)
  const result = runIn(process.execPath, ['require.cjs'])
  if (major === 20 && minor < 19) {
    // Before 20.19, Node cannot require() an ES module: such apps use `await import('agate-tokens')`.
    assert.match(result.stderr, /ERR_REQUIRE_ESM/)
    return
  }
  assert.equal(result.status, 0, result.stderr)
  assert.equal(result.stderr, '', 'no warning either')
  const output = JSON.parse(result.stdout)
  assert.deepEqual(output.missing, Object.fromEntries(ENTRIES.map((entry) => [entry.specifier, []])))
  for (const token of output.tokens) verifyToken(token, { certificates: CERTIFICATE, channelName: 'ChannelA', uid: 42 })
})

test('TypeScript: a consumer type-checks against every entry point under node16 and bundler resolution', () => {
  const imports = ENTRIES.map(
    (entry, index) => `import * as entry${index} from '${entry.specifier}'
export const values${index} = [${entry.values.map((name) => `entry${index}.${name}`).join(', ')}]
export type Types${index} = [${entry.types.map((name) => `entry${index}.${name}`).join(', ')}]`,
  ).join('\n')
  // The types are real (not `any` from a declaration that failed to resolve): wrong calls do not compile.
  const usage = `
import { buildRtcToken, parseToken, type ParsedToken } from 'agate-tokens'
import { loadConfig, startServer, type RunningServer } from 'agate-tokens/server'
import { createTokenSource, type RtcClientLike } from 'agate-tokens/client'
import type { IAgoraRTCClient } from 'agora-rtc-sdk-ng'

const token: string = buildRtcToken({ appId: 'a', appCertificate: 'b', channelName: 'ChannelA', uid: 42 })
export const parsed: ParsedToken = parseToken(token)
export const running: Promise<RunningServer> = loadConfig({}, { port: 0 }).then((config) => startServer(config))
export const source = createTokenSource({ url: '/v1/tokens' })
export const client = (sdk: IAgoraRTCClient): RtcClientLike => sdk
// @ts-expect-error: channelName is a string
buildRtcToken({ appId: 'a', appCertificate: 'b', channelName: 42, uid: 42 })
// @ts-expect-error: a numeric uid is a number (an account is the string form)
buildRtcToken({ appId: 'a', appCertificate: 'b', channelName: 'ChannelA', uid: '42' })
`
  writeFileSync(join(project, 'consumer.ts'), `${imports}\n${usage}`)
  const compilerOptions = { strict: true, noEmit: true, target: 'ES2022', lib: ['ES2022', 'DOM'], types: ['node'] }
  const settings = {
    // Agate's declarations are checked once, in full (an import in them that does not resolve
    // would otherwise turn into `any` silently); a third party's are not ours to fix (see below).
    node16: { module: 'node16', moduleResolution: 'node16', skipLibCheck: false },
    // Inside the package the imports are relative, the same under any resolution: what differs
    // here is how the entry points resolve, which is checked with the consumer.
    bundler: { module: 'preserve', moduleResolution: 'bundler', skipLibCheck: true },
  }
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
  for (const [name, resolution] of Object.entries(settings)) {
    const config = `tsconfig.${name}.json`
    writeFileSync(
      join(project, config),
      JSON.stringify({ compilerOptions: { ...compilerOptions, ...resolution }, files: ['consumer.ts'] }),
    )
    const result = runIn(process.execPath, [tsc, '-p', config, '--pretty', 'false'])
    const errors = result.stdout.split('\n').filter((line) => /error TS\d+/.test(line))
    // Some dependencies' declarations import packages without types (ioredis: redis-errors,
    // agora-rtm-sdk: debug): their errors under skipLibCheck false, not Agate's.
    const ours = errors.filter((line) => !/^node_modules\/(?!agate-tokens\/)/.test(line))
    assert.deepEqual(ours, [], `${name}:\n${result.stdout}${result.stderr}`)
  }
})
