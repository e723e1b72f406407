/**
 * The listener's limits: sizes, and timeouts whose order matters.
 * @module
 */
import { ConfigError } from './errors.js'
import type { SettingName } from './settings.js'
import type { Sources } from './sources.js'
import type { LimitSettings } from './types.js'

/**
 * The limits. The timeouts must keep their order, keep-alive < headers <= request: a keep-alive
 * timeout above the load balancer's idle timeout (60 s on AWS ALB and ingress-nginx) avoids the
 * race where the server closes a connection the balancer is reusing (a 502), and Node refuses a
 * request timeout below the headers timeout.
 */
export function limitSettings(source: Sources): LimitSettings {
  const keepAliveTimeoutMs = source.get('AGATE_KEEP_ALIVE_TIMEOUT_MS')
  const headersTimeoutMs = source.get('AGATE_HEADERS_TIMEOUT_MS')
  const requestTimeoutMs = source.get('AGATE_REQUEST_TIMEOUT_MS')
  if (headersTimeoutMs <= keepAliveTimeoutMs) {
    throw misordered(source, 'AGATE_KEEP_ALIVE_TIMEOUT_MS', 'AGATE_HEADERS_TIMEOUT_MS', 'greater than', 'less than')
  }
  if (requestTimeoutMs < headersTimeoutMs) {
    throw misordered(source, 'AGATE_HEADERS_TIMEOUT_MS', 'AGATE_REQUEST_TIMEOUT_MS', 'at least', 'at most')
  }
  return {
    bodyBytes: source.get('AGATE_BODY_LIMIT'),
    headerBytes: source.get('AGATE_MAX_HEADER_SIZE'),
    keepAliveTimeoutMs,
    headersTimeoutMs,
    requestTimeoutMs,
    drainDelayMs: source.get('AGATE_DRAIN_DELAY_MS'),
    shutdownTimeoutMs: source.get('AGATE_SHUTDOWN_TIMEOUT_MS'),
  }
}

type Timeout = 'AGATE_KEEP_ALIVE_TIMEOUT_MS' | 'AGATE_HEADERS_TIMEOUT_MS' | 'AGATE_REQUEST_TIMEOUT_MS'

/**
 * The error for `lower` not staying below `upper`, naming the one that was set (the other one kept
 * its default), `upper` when both were.
 */
function misordered(
  source: Sources,
  lower: Timeout,
  upper: Timeout,
  upperMust: string,
  lowerMust: string,
): ConfigError {
  const named: SettingName = source.has(upper) ? upper : lower
  return named === upper
    ? new ConfigError(source.nameOf(upper), `must be ${upperMust} ${lower} (${source.get(lower)})`)
    : new ConfigError(source.nameOf(lower), `must be ${lowerMust} ${upper} (${source.get(upper)})`)
}
