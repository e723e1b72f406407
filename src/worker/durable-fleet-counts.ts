/**
 * The Durable Object that keeps the fleet's counts on Cloudflare Workers: tokens issued, requests
 * denied and rate limited, summed over every isolate in every location.
 * @module
 */
import { DurableObject } from 'cloudflare:workers'

/** One count to add: the metric's name, its labels as JSON, and how many. */
export type CountDelta = readonly [metric: string, labels: string, by: number]

/**
 * Running totals by metric and label set, in the object's SQLite database (they survive eviction
 * and deployments). Isolates add their counts in batches ({@link add}); `/metrics/fleet` reads them
 * ({@link totals}). The fleet writes to a few of these objects (shards), so no single one limits
 * how many requests can be counted.
 */
export class FleetCounts extends DurableObject {
  #schemaReady = false

  /**
   * Adds a batch of counts, all or nothing.
   * @throws {RangeError} on a malformed batch (a bug of the caller, not a request's input).
   */
  add(deltas: readonly CountDelta[]): void {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- `unknown`: Array.isArray would make the entries `any`
    if (!Array.isArray(deltas as unknown) || !deltas.every(isDelta))
      throw new RangeError('add(deltas): [metric, labels, by] entries with a positive integer count')
    this.#ensureSchema()
    const sql = this.ctx.storage.sql
    this.ctx.storage.transactionSync(() => {
      for (const [metric, labels, by] of deltas) {
        sql.exec(
          'INSERT INTO totals (metric, labels, value) VALUES (?1, ?2, ?3) ON CONFLICT (metric, labels) DO UPDATE SET value = value + ?3',
          metric,
          labels,
          by,
        )
      }
    })
  }

  /** Every total. */
  totals(): CountDelta[] {
    this.#ensureSchema()
    return this.ctx.storage.sql
      .exec<{ metric: string; labels: string; value: number }>(
        'SELECT metric, labels, value FROM totals ORDER BY metric, labels',
      )
      .toArray()
      .map((row) => [row.metric, row.labels, row.value] as const)
  }

  #ensureSchema(): void {
    if (this.#schemaReady) return
    this.ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS totals (metric TEXT NOT NULL, labels TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (metric, labels))',
    )
    this.#schemaReady = true
  }
}

function isDelta(value: unknown): boolean {
  if (!Array.isArray(value) || value.length !== 3) return false
  const [metric, labels, by] = value as unknown[]
  return (
    typeof metric === 'string' &&
    /^[a-z_]{1,100}$/.test(metric) &&
    typeof labels === 'string' &&
    labels.length <= 2000 &&
    Number.isSafeInteger(by) &&
    (by as number) > 0
  )
}
