/**
 * `GET /metrics/fleet`: the fleet's counts, behind the same bearer token as `/metrics`.
 * @module
 */
import type { Hono } from 'hono'
import type { ServerContext } from '../server/context.js'
import { HttpError, PROBLEM_JSON, problemOf } from '../server/errors.js'
import { constantTimeEqual, utf8Bytes } from '../token/primitives/bytes.js'
import type { FleetMetrics } from './fleet-metrics.js'

/** Mounts `GET /metrics/fleet`. */
export function mountFleetMetrics(app: Hono, ctx: ServerContext, fleet: FleetMetrics): void {
  const token = ctx.config.metricsToken === undefined ? undefined : utf8Bytes(`Bearer ${ctx.config.metricsToken}`)
  app.get('/metrics/fleet', async (c) => {
    // Constant time: the metrics token is a secret compared directly, not through a hash.
    if (token !== undefined && !constantTimeEqual(utf8Bytes(c.req.header('authorization') ?? ''), token)) {
      c.header('WWW-Authenticate', 'Bearer realm="agate-metrics"')
      return c.text('metrics need Authorization: Bearer <AGATE_METRICS_TOKEN>', 401)
    }
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
      return c.body(JSON.stringify(problemOf(problem)), 503, { 'Content-Type': PROBLEM_JSON, 'Retry-After': '1' })
    }
    return c.body(text, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' })
  })
}
