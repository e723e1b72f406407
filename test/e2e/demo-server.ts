/**
 * Starts the real token server (development mode, fresh development credentials in a temporary
 * directory) with the demo and the sandbox mounted, as `npm start` does, on 127.0.0.1 and a free port.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mountDemo, type DemoOptions, type MountedDemo } from '../../src/demo/index.js'
import { loadConfig, startServer, type ServerConfig } from '../../src/server/index.js'

/** A running demo server. */
export interface DemoServer {
  url: string
  config: ServerConfig
  demo: MountedDemo
  close(): Promise<void>
}

/** Starts it; `options` go to `mountDemo` (e.g. `timeScale`, `webDir`). */
export async function startDemoServer(options: Omit<DemoOptions, 'apps'> = {}, settings: Record<string, unknown> = {}): Promise<DemoServer> {
  const dir = await mkdtemp(join(tmpdir(), 'agate-demo-'))
  const config = await loadConfig({}, {
    mode: 'development',
    port: 0,
    host: '127.0.0.1',
    cwd: dir,
    overrides: { AGATE_DEV_CREDENTIALS_FILE: join(dir, 'dev-credentials.json'), AGATE_LOG_LEVEL: 'silent', ...settings },
  })
  let demo: MountedDemo | undefined
  const server = await startServer(config, { extraRoutes: (app) => void (demo = mountDemo(app, { apps: config.apps, ...options })) })
  return {
    url: server.url,
    config,
    demo: demo!,
    async close() {
      // Ending the sandbox first answers its long polls, so the server drains at once.
      demo?.close()
      await server.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
