/**
 * Mounts the web demo and the sandbox on a Hono app (development mode only).
 * @module
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Hono, type Context } from 'hono'
import { sandboxRoutes } from '../sandbox/routes.js'
import { createSandbox, type Sandbox } from '../sandbox/sandbox.js'
import type { DemoConfig } from './config.js'
import { readStaticFile } from './static-files.js'

/** An app as the server's config holds it: the demo needs its App ID and certificates. */
export interface DemoApp {
  readonly appId: string
  readonly certificate: string
  readonly secondaryCertificate?: string | undefined
  /** True for generated development credentials, which only the sandbox accepts. */
  readonly development?: boolean
}

/** Options of {@link mountDemo}. */
export interface DemoOptions {
  /** The server's apps (`config.apps`); the first is the one the demo uses. Certificates stay on the server. */
  apps: readonly DemoApp[]
  /** Sandbox seconds per real second by default; the page can ask for its own scale (up to `maxTimeScale`). Default 1. */
  timeScale?: number
  /** Default 100. */
  maxTimeScale?: number
  /** Co-host authentication in the sandbox; default false (Agora Console's default). */
  coHostAuthentication?: boolean
  /**
   * The App ID for the real-SDK mode, or null to turn that mode off; default the first app with
   * real (not development) credentials, if any.
   */
  realAppId?: string | null
  /** The token endpoints the page calls; defaults `/v1/tokens` and `/fetch_rtc_token`. */
  endpoints?: { v1?: string; fetchRtcToken?: string }
  /** The lifetime the demo asks for, seconds; default 40, as in Agora's docs. */
  tokenLifetimeSeconds?: number
  /** The demo's channel; default `ChannelA`, as in Agora's docs. */
  channel?: string
  /** Where the built page is (`node scripts/build-web.mjs` writes it); default `dist/web` of this package. */
  webDir?: string
  /** Also serve the page at `/` (it is always at `/demo/`); default true. */
  serveAtRoot?: boolean
}

/** What {@link mountDemo} returns. */
export interface MountedDemo {
  /** The sandbox behind `/sandbox/*`. */
  sandbox: Sandbox
  /** Ends the sandbox's sessions and timers (call on shutdown). */
  close(): void
}

/** Anything with Hono's `route`: the server's app. */
export interface RouteTarget {
  route(path: string, app: Hono): unknown
}

const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url))

// The page's own code, the sandbox and the token server are same-origin; the real SDK talks to
// Agora over https and wss and decodes media in blob workers.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "connect-src 'self' https: wss:",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "style-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ')

/**
 * Adds the web demo and the sandbox to `app`, for development mode:
 *
 * - `GET /` (unless `serveAtRoot: false`) and `GET /demo/`: the demo page;
 * - `GET /demo/assets/<file>`: its script and style sheet (built into `dist/web` by `scripts/build-web.mjs`);
 * - `GET /demo/config.json`: the App ID, channel, endpoints and sandbox settings the page needs;
 * - `GET /demo/vendor/agora-rtc-sdk-ng.js`: the real Web SDK's browser build, when the real mode is on;
 * - `/sandbox/*`: the sandbox's routes (see `sandboxRoutes`).
 *
 * Never mount it in production: the sandbox lets anyone check tokens against the certificates.
 *
 * @example
 * ```ts
 * const app = createApp(config, hooks)
 * const demo = config.mode === 'development' ? mountDemo(app, { apps: config.apps }) : undefined
 * // on shutdown: demo?.close()
 * ```
 */
export function mountDemo(app: RouteTarget, options: DemoOptions): MountedDemo {
  const [first] = options.apps
  if (first === undefined) throw new TypeError('mountDemo: give at least one app')
  const sandbox = createSandbox({
    apps: options.apps.map((entry) => ({
      appId: entry.appId,
      certificates:
        entry.secondaryCertificate === undefined
          ? [entry.certificate]
          : [entry.certificate, entry.secondaryCertificate],
    })),
    ...(options.timeScale === undefined ? {} : { timeScale: options.timeScale }),
    ...(options.maxTimeScale === undefined ? {} : { maxTimeScale: options.maxTimeScale }),
    ...(options.coHostAuthentication === undefined ? {} : { coHostAuthentication: options.coHostAuthentication }),
  })
  const realAppId =
    options.realAppId === undefined
      ? options.apps.find((entry) => entry.development === false)?.appId
      : (options.realAppId ?? undefined)
  const webDir = options.webDir ?? DEFAULT_WEB_DIR
  const settings = sandbox.config()
  const config: DemoConfig = {
    channel: options.channel ?? 'ChannelA',
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 40,
    endpoints: {
      v1: options.endpoints?.v1 ?? '/v1/tokens',
      fetchRtcToken: options.endpoints?.fetchRtcToken ?? '/fetch_rtc_token',
    },
    sandbox: {
      appId: first.appId,
      base: '/sandbox',
      timeScale: settings.timeScale,
      maxTimeScale: settings.maxTimeScale,
      coHostAuthentication: settings.coHostAuthentication,
      willExpireSeconds: settings.willExpireSeconds,
    },
    real: realAppId === undefined ? null : { appId: realAppId, sdkUrl: '/demo/vendor/agora-rtc-sdk-ng.js' },
  }

  const demo = new Hono()
  const page = async (c: Context): Promise<Response> => {
    const file = await readStaticFile(webDir, 'index.html')
    if (file === undefined) return c.html(notBuiltPage(), 503)
    secure(c)
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': file.type, 'cache-control': 'no-cache' })
  }
  if (options.serveAtRoot !== false) demo.get('/', page)
  demo.get('/demo', (c) => c.redirect('/demo/'))
  demo.get('/demo/', page)
  demo.get('/demo/config.json', (c) => {
    c.header('cache-control', 'no-store')
    return c.json(config)
  })
  demo.get('/demo/assets/:file', async (c) => {
    const file = await readStaticFile(webDir, c.req.param('file'))
    if (file === undefined) return c.text('not found', 404)
    c.header('x-content-type-options', 'nosniff')
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': file.type, 'cache-control': 'no-cache' })
  })
  demo.get('/demo/vendor/agora-rtc-sdk-ng.js', async (c) => {
    if (config.real === null) return c.text('the real-SDK mode is off: configure a real App ID and certificate', 404)
    const file = await readSdk()
    if (file === undefined) return c.text('agora-rtc-sdk-ng is not installed (npm install agora-rtc-sdk-ng)', 404)
    c.header('x-content-type-options', 'nosniff')
    return c.body(file as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'max-age=3600',
    })
  })
  demo.route('/sandbox', sandboxRoutes(sandbox))
  app.route('/', demo)
  return { sandbox, close: () => sandbox.close() }
}

function secure(c: Context): void {
  c.header('content-security-policy', CSP)
  c.header('x-content-type-options', 'nosniff')
  c.header('referrer-policy', 'no-referrer')
}

let sdkBytes: Promise<Uint8Array | undefined> | undefined

/** The Web SDK's UMD build (it defines the `AgoraRTC` global), read once. */
function readSdk(): Promise<Uint8Array | undefined> {
  sdkBytes ??= (async () => {
    try {
      const path = createRequire(import.meta.url).resolve('agora-rtc-sdk-ng')
      const { readFile } = await import('node:fs/promises')
      return await readFile(path)
    } catch {
      return undefined
    }
  })()
  return sdkBytes
}

function notBuiltPage(): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Agate demo not built</title>
<main><h1>The demo is not built yet</h1><p>Run <code>npm run build</code> (or <code>node scripts/build-web.mjs</code>) and reload.</p></main></html>`
}
