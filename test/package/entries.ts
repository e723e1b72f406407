/**
 * Every entry point of the package with a few of the values and types it documents: the install
 * test loads each value from the installed tarball and type-checks each type against it.
 * @module
 */

export interface Entry {
  /** As users import it. */
  specifier: string
  /** Exported values (functions, classes, constants). */
  values: readonly string[]
  /** Exported types and interfaces. */
  types: readonly string[]
}

/** In the order of package.json "exports" (the package lint test holds the two lists together). */
export const ENTRIES: readonly Entry[] = [
  {
    specifier: 'agate-tokens',
    values: [
      'buildRtcToken',
      'buildRtmToken',
      'buildChatToken',
      'buildApaasToken',
      'buildFpaToken',
      'buildToken',
      'parseToken',
      'verifyToken',
      'TokenError',
    ],
    types: ['ParsedToken', 'RtcTokenOptions', 'VerifyTokenOptions', 'VerifiedToken', 'TokenErrorCode'],
  },
  {
    specifier: 'agate-tokens/compat/agora-token',
    values: [
      'RtcTokenBuilder',
      'RtcRole',
      'RtmTokenBuilder',
      'ChatTokenBuilder',
      'AccessToken2',
      'ServiceRtc',
      'TokenError',
    ],
    types: ['TokenErrorCode'],
  },
  {
    specifier: 'agate-tokens/compat/agora-access-token',
    values: ['RtcTokenBuilder', 'RtcRole', 'RtmTokenBuilder', 'RtmRole', 'AccessToken', 'priviledges', 'TokenError'],
    types: ['TokenErrorCode'],
  },
  {
    specifier: 'agate-tokens/client',
    values: ['createTokenSource', 'keepRtcTokenFresh', 'keepRtmTokenFresh', 'checkToken', 'TokenClientError'],
    types: ['TokenSource', 'RtcClientLike', 'RtmClientLike', 'RtcTokenEvent'],
  },
  {
    specifier: 'agate-tokens/react',
    values: ['useFreshJoinOptions', 'useTokenRenewal', 'createTokenSource', 'TokenClientError'],
    types: ['FreshJoinArgs', 'FreshTokenOptions', 'TokenRenewalOptions', 'TokenRenewalStatus', 'SessionState'],
  },
  {
    specifier: 'agate-tokens/server',
    values: [
      'createApp',
      'loadConfig',
      'startServer',
      'runServer',
      'startCluster',
      'MemoryRateLimitStore',
      'RedisRateLimitStore',
      'createRateLimitStore',
      'createApiKey',
      'openApiDocument',
      'ConfigError',
    ],
    types: ['RateLimitStore', 'ServerConfig', 'RunningServer', 'StartOptions', 'AppDeps'],
  },
  {
    specifier: 'agate-tokens/sandbox',
    values: ['createSandbox', 'sandboxRoutes', 'SandboxError', 'judgeToken'],
    types: ['Sandbox', 'SandboxOptions', 'SandboxClock'],
  },
  {
    specifier: 'agate-tokens/sandbox/client',
    values: ['createSandboxClient', 'SandboxRtcClient', 'SandboxRtcError'],
    types: ['SandboxClientOptions'],
  },
  {
    specifier: 'agate-tokens/demo',
    values: ['mountDemo'],
    types: ['DemoOptions', 'MountedDemo', 'DemoConfig'],
  },
]
