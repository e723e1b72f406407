/**
 * The Durable Object that counts rate limits on Cloudflare Workers: one object per limit key
 * (`identity:api-key:web`, `address:203.0.113.7`), wherever in the world the requests arrive.
 * @module
 */
import { DurableObject } from 'cloudflare:workers'

/**
 * One count's verdict. The window's end is given as time left, as Redis gives its PTTL: each isolate
 * adds it to its own clock, so a skewed clock anywhere does not move the window.
 */
export interface CounterHit {
  allowed: boolean
  remaining: number
  /** Milliseconds until the window ends. */
  resetInMs: number
}

/**
 * Counts one fixed window per key, like the Redis store: the first request of a window sets its end
 * (`now + windowMs`), each request adds one, and the window restarts once its end has passed.
 *
 * The count lives in the object's SQLite database, so it survives the object being evicted or moved
 * and a new deployment. An object runs one call at a time and a SQL statement runs synchronously
 * within it, so concurrent requests never over-admit; the runtime's output gate holds each answer
 * back until its write is durable.
 *
 * Storage is cleaned up with an alarm at the end of the window: expired rows go, and an object with
 * nothing left deletes its storage, so idle callers (one object per address) leave nothing behind.
 */
export class RateLimitCounter extends DurableObject {
  /** Whether the table exists in this instance (it does not after `deleteAll`). */
  #schemaReady = false
  /** When the cleanup alarm is due, as this instance set it (0: not known to be set). */
  #alarmAt = 0

  /**
   * Counts one request for `key` against `limit` requests per `windowMs`.
   * @throws {RangeError} on arguments no caller of the store sends (a bug, not a caller's input).
   */
  hit(key: string, limit: number, windowMs: number): CounterHit {
    if (
      typeof key !== 'string' ||
      key === '' ||
      !Number.isSafeInteger(limit) ||
      limit < 0 ||
      !Number.isSafeInteger(windowMs) ||
      windowMs <= 0
    ) {
      throw new RangeError('hit(key, limit, windowMs): a key, a limit of 0 or more and a window of 1 ms or more')
    }
    this.#ensureSchema()
    const now = Date.now()
    // One statement: start a window (or restart an expired one) or count in the current one.
    // SET expressions all read the row as it was, so `reset_at <= ?` means the old window's end.
    const row = this.ctx.storage.sql
      .exec<{ count: number; reset_at: number }>(
        `INSERT INTO windows (key, count, reset_at) VALUES (?1, 1, ?2)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN reset_at <= ?3 THEN 1 ELSE count + 1 END,
           reset_at = CASE WHEN reset_at <= ?3 THEN excluded.reset_at ELSE reset_at END
         RETURNING count, reset_at`,
        key,
        now + windowMs,
        now,
      )
      .one()
    if (row.count === 1) this.#scheduleCleanup(row.reset_at)
    return {
      allowed: row.count <= limit,
      remaining: Math.max(0, limit - row.count),
      resetInMs: Math.max(0, row.reset_at - now),
    }
  }

  /** Deletes expired windows; the object's storage goes with the last one. */
  async alarm(): Promise<void> {
    this.#alarmAt = 0
    this.#ensureSchema()
    const now = Date.now()
    this.ctx.storage.sql.exec('DELETE FROM windows WHERE reset_at <= ?', now)
    const next = this.ctx.storage.sql
      .exec<{ next: number | null }>('SELECT MIN(reset_at) AS next FROM windows')
      .one().next
    if (next !== null) {
      this.#scheduleCleanup(next)
      return
    }
    this.#schemaReady = false
    await this.ctx.storage.deleteAll()
  }

  #ensureSchema(): void {
    if (this.#schemaReady) return
    this.ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS windows (key TEXT PRIMARY KEY, count INTEGER NOT NULL, reset_at INTEGER NOT NULL)',
    )
    this.#schemaReady = true
  }

  /**
   * An alarm at the window's end, unless one this instance set comes first. (After an eviction the
   * instance does not know its alarm and sets it again: that only moves a cleanup, never loses one,
   * since the alarm reschedules itself while windows are left.)
   */
  #scheduleCleanup(at: number): void {
    if (this.#alarmAt !== 0 && this.#alarmAt <= at) return
    this.#alarmAt = at
    // Not awaited: the output gate keeps the answer until the alarm is stored, as for the SQL write.
    void this.ctx.storage.setAlarm(at)
  }
}
