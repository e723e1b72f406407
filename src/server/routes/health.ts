/**
 * Operational routes: `GET /healthz` (the process is up), `GET /readyz` (it takes traffic; 503
 * while shutting down, or while something it cannot serve without is down), `GET /ping` (the
 * community servers' `{"message":"pong"}`) and `GET /metrics` (Prometheus).
 * @module
 */
import type { Hono } from 'hono'
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

  const token = ctx.config.metricsToken === undefined ? undefined : utf8Bytes(`Bearer ${ctx.config.metricsToken}`)
  app.get('/metrics', async (c) => {
    if (token !== undefined) {
      const given = utf8Bytes(c.req.header('authorization') ?? '')
      // Constant time: the metrics token is a secret compared directly, not through a hash.
      if (!constantTimeEqual(given, token)) {
        c.header('WWW-Authenticate', 'Bearer realm="agate-metrics"')
        return c.text('metrics need Authorization: Bearer <AGATE_METRICS_TOKEN>', 401)
      }
    }
    c.header('Content-Type', metrics.registry.contentType)
    return c.body(await metrics.registry.metrics())
  })
}
