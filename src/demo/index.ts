/**
 * The web demo: mounts the demo page and the sandbox on the server's Hono app in development mode.
 * @module
 */
export { mountDemo, type DemoOptions, type DemoApp, type MountedDemo, type RouteTarget } from './mount.js'
export type { DemoConfig } from './config.js'
