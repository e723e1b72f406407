/**
 * Operational routes: `GET /healthz` (the process is up), `GET /readyz` (it takes traffic; 503
 * while shutting down, or while something it cannot serve without is down), `GET /ping` (the
 * community servers' `{"message":"pong"}`) and `GET /metrics` (Prometheus).
 * @module
 */
import type { Context, Hono } from 'hono'
import { constantTimeEqual, utf8Bytes } from '../../token/primitives/bytes.js'
import type { ServerContext } from '../context.js'

/** Mounts the operational routes. */
export function mountHealth(app: Hono, ctx: ServerContext): void {
  const { state, metrics, cors } = ctx
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', (c) => {
    if (state.draining) return c.json({ status: 'draining' }, 503)
    const reason = state.unavailable?.()
    return reason === undefined ? c.json({ status: 'ready' }) : c.json({ status: 'unavailable', reason }, 503)
  })
  app.get('/ping', (c) => {
    cors.apply(c)
    return c.json({ message: 'pong' })
  })
  app.options('/ping', (c) => cors.preflight(c))

  const refused = metricsAuthorization(ctx.config.metricsToken)
  app.get('/metrics', async (c) => {
    const refusal = refused(c)
    if (refusal !== undefined) return refusal
    c.header('Content-Type', metrics.registry.contentType)
    return c.body(await metrics.registry.metrics())
  })
}

/**
 * The check in front of every metrics route (`/metrics`, and `/metrics/fleet` on Workers): with
 * `AGATE_METRICS_TOKEN` set, a request without `Authorization: Bearer <token>` gets a 401. Returns
 * the refusal, or undefined to go on.
 */
export function metricsAuthorization(metricsToken: string | undefined): (c: Context) => Response | undefined {
  if (metricsToken === undefined) return () => undefined
  const expected = utf8Bytes(`Bearer ${metricsToken}`)
  return (c) => {
    // Constant time: the metrics token is a secret compared directly, not through a hash.
    if (constantTimeEqual(utf8Bytes(c.req.header('authorization') ?? ''), expected)) return undefined
    c.header('WWW-Authenticate', 'Bearer realm="agate-metrics"')
    return c.text('metrics need Authorization: Bearer <AGATE_METRICS_TOKEN>', 401)
  }
}
