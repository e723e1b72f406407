/**
 * Cryptographically random salts, drawn in batches.
 * @module
 */

// getRandomValues is a global in Node 20, browsers, Deno and Workers. One call per token costs
// more than the HMACs of a 006 token, so draw 256 at a time.
const pool = new Uint32Array(256)
let next = pool.length

/** Returns a uniformly random integer in 1..2^32-1 (0 is skipped so a salt is never "unset"). */
export function randomSalt(): number {
  for (;;) {
    if (next === pool.length) {
      crypto.getRandomValues(pool)
      next = 0
    }
    const salt = pool[next++]!
    if (salt !== 0) return salt
  }
}
