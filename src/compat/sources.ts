/** Where the compat builders get the time and their salts (internal; tests swap these to pin a build). @module */
import { randomSalt } from '../token/primitives/random.js'

/** agora-token draws 007 salts from 1..99999999; we keep that range, from a cryptographic source. */
const SALT_RANGE_007 = 99_999_999
// randomSalt() - 1 is uniform over 2^32 - 1 values: reject the top partial range so that the
// remainder below stays uniform.
const SALT_LIMIT_007 = Math.floor(0xffff_ffff / SALT_RANGE_007) * SALT_RANGE_007

/**
 * The clock and salt sources of the compat layer. Not part of the package's exports: tests
 * replace these functions (and restore them) to pin the issue time and salt of a build, since the
 * compat builders, like the npm packages they mirror, take neither as an argument.
 */
export const compatSources = {
  /** Current Unix time in whole seconds. */
  nowSeconds: (): number => Math.floor(Date.now() / 1000),
  /** A uniformly random AccessToken2 salt in 1..99999999, as agora-token's range. */
  salt007: (): number => {
    for (;;) {
      const draw = randomSalt() - 1
      if (draw < SALT_LIMIT_007) return (draw % SALT_RANGE_007) + 1
    }
  },
  /** A fresh uniformly random AccessToken (006) salt in 1..2^32-1 (agora-access-token draws one per process). */
  salt006: (): number => randomSalt(),
}
