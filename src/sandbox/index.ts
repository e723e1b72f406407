/**
 * Agate's sandbox, server side (`agate-tokens/sandbox`): a local stand-in for Agora's edge that
 * judges tokens, and its HTTP routes. The browser client, shaped like the Web SDK's client, is the
 * separate entry `agate-tokens/sandbox/client`, so server code needs neither it nor the SDK's types.
 * @module
 */
export { createSandbox, type Sandbox, type SandboxOptions, type SandboxClock } from './sandbox.js'
export { sandboxRoutes } from './routes.js'
export { SandboxError } from './errors.js'
export {
  judgeToken,
  grantOf,
  isValidChannelName,
  isValidUser,
  type Grant,
  type SandboxApp,
  type SandboxUser,
  type JudgeOptions,
} from './judge.js'
export * from './wire.js'
