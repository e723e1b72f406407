/**
 * Operational routes: `GET /healthz` (the process is up), `GET /readyz` (it takes traffic; 503
 * while shutting down), `GET /ping` (the community servers' `{"message":"pong"}`) and
 * `GET /metrics` (Prometheus).
 * @module
 */
import { timingSafeEqual } from 'node:crypto'
import type { Hono } from 'hono'
import type { ServerContext } from '../context.js'

/** Mounts the operational routes. */
export function mountHealth(app: Hono, ctx: ServerContext): void {
  const { state, metrics, cors } = ctx
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', (c) => (state.draining ? c.json({ status: 'draining' }, 503) : c.json({ status: 'ready' })))
  app.get('/ping', (c) => {
    cors.apply(c)
    return c.json({ message: 'pong' })
  })
  app.options('/ping', (c) => cors.preflight(c))

  const token = ctx.config.metricsToken === undefined ? undefined : Buffer.from(`Bearer ${ctx.config.metricsToken}`)
  app.get('/metrics', async (c) => {
    if (token !== undefined) {
      const given = Buffer.from(c.req.header('authorization') ?? '')
      // Constant time: the metrics token is a secret compared directly, not through a hash.
      if (given.length !== token.length || !timingSafeEqual(given, token)) {
        c.header('WWW-Authenticate', 'Bearer realm="agate-metrics"')
        return c.text('metrics need Authorization: Bearer <AGATE_METRICS_TOKEN>', 401)
      }
    }
    c.header('Content-Type', metrics.registry.contentType)
    return c.body(await metrics.registry.metrics())
  })
}
