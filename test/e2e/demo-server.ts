/**
 * Starts the real token server (development mode, fresh development credentials in a temporary
 * directory), which mounts the demo and the sandbox as `npm start` does, on 127.0.0.1 and a free port.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MountedDemo } from '../../src/demo/index.js'
import { loadConfig, startServer, type DemoSettings, type ServerConfig } from '../../src/server/index.js'

/** A running demo server. */
export interface DemoServer {
  url: string
  config: ServerConfig
  demo: MountedDemo
  close(): Promise<void>
}

/** Starts it; `options` go to `mountDemo` (e.g. `timeScale`, `webDir`). */
export async function startDemoServer(
  options: DemoSettings = {},
  settings: Record<string, unknown> = {},
): Promise<DemoServer> {
  const dir = await mkdtemp(join(tmpdir(), 'agate-demo-'))
  const config = await loadConfig(
    {},
    {
      mode: 'development',
      port: 0,
      host: '127.0.0.1',
      cwd: dir,
      overrides: {
        AGATE_DEV_CREDENTIALS_FILE: join(dir, 'dev-credentials.json'),
        AGATE_LOG_LEVEL: 'silent',
        ...settings,
      },
    },
  )
  const server = await startServer(config, { demo: options })
  return {
    url: server.url,
    config,
    demo: server.demo!,
    async close() {
      // close() ends the sandbox first, which answers its long polls, so the server drains at once.
      await server.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
