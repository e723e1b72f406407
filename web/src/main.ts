/**
 * The demo page's entry point: reads the server's demo settings and wires the three panels.
 * @module
 */
import type { DemoConfig } from '../../src/demo/config.js'
import { byId } from './dom.js'
import { describeError } from './format.js'
import { setupInspector } from './inspector.js'
import { setupMint } from './mint.js'
import { setupSession } from './session.js'

async function main(): Promise<void> {
  const banner = byId('mode-banner')
  let config: DemoConfig
  try {
    const response = await fetch('/demo/config.json', { cache: 'no-store' })
    if (!response.ok) throw new Error(`the server answered ${response.status}`)
    config = (await response.json()) as DemoConfig
  } catch (error) {
    banner.textContent = `Cannot load the demo's settings: ${describeError(error)}. Is the Agate server running in development mode?`
    banner.setAttribute('role', 'alert')
    return
  }
  banner.textContent =
    config.real === null
      ? `Development mode: tokens come from this server and are checked by the local sandbox (App ID ${config.sandbox.appId}). No media and no internet needed.`
      : `Development mode with a real App ID: choose the sandbox, or the real Agora Web SDK (needs the internet and a browser that can reach Agora).`
  if (config.real !== null) banner.classList.add('real')

  let inspector: ReturnType<typeof setupInspector> | undefined
  const session = setupSession(config, () => inspector?.tick())
  inspector = setupInspector(config, () => session.currentToken())
  const mint = setupMint(
    config,
    () => session.authHeader(),
    (token) => inspector?.show(token),
  )

  const tick = (): void => {
    session.tick()
    inspector?.tick()
    mint.tick()
  }
  tick()
  setInterval(tick, 250)
  document.body.dataset.ready = 'true'
}

void main()
