/**
 * Agate's sandbox: a local stand-in for Agora's edge that judges tokens (server side), its HTTP
 * routes, and the browser client with the Web SDK client's surface.
 * @module
 */
export { createSandbox, type Sandbox, type SandboxOptions, type SandboxClock } from './sandbox.js'
export { sandboxRoutes } from './routes.js'
export { SandboxError } from './errors.js'
export { judgeToken, grantOf, isValidChannelName, isValidUser, type Grant, type SandboxApp, type SandboxUser, type JudgeOptions } from './judge.js'
export { SandboxRtcClient, SandboxRtcError, createSandboxClient, type SandboxClientOptions, type PublishTarget } from './client.js'
export * from './wire.js'
