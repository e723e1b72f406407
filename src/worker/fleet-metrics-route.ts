/**
 * `GET /metrics/fleet`: the fleet's counts, behind the same bearer token as `/metrics`.
 * @module
 */
import type { Hono } from 'hono'
import type { ServerContext } from '../server/context.js'
import { HttpError, problemResponse } from '../server/errors.js'
import { metricsAuthorization } from '../server/routes/health.js'
import type { FleetMetrics } from './fleet-metrics.js'

/** Mounts `GET /metrics/fleet`. */
export function mountFleetMetrics(app: Hono, ctx: ServerContext, fleet: FleetMetrics): void {
  const refused = metricsAuthorization(ctx.config.metricsToken)
  app.get('/metrics/fleet', async (c) => {
    const refusal = refused(c)
    if (refusal !== undefined) return refusal
    let text: string
    try {
      text = await fleet.render()
    } catch (error) {
      ctx.logger.warn(
        { event: 'fleet-counts-unreadable', error: error instanceof Error ? error.message : String(error) },
        'fleet counts cannot be read',
      )
      const problem = new HttpError('unavailable', 'the fleet counts cannot be read right now; try again shortly', {
        reason: 'fleet-counts',
        retryAfter: 1,
      })
      return problemResponse(problem)
    }
    return c.body(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' })
  })
}
