/**
 * `useTokenRenewal`: keeps the token of a client joined by agora-rtc-react's `useJoin` fresh.
 * @module
 */
import { useEffect, useRef, useState } from 'react'
import type { SessionState } from '../client/lifecycle.js'
import {
  keepRtcTokenFresh,
  type RtcClientLike,
  type RtcTokenEvent,
  type RtcTokenSession,
} from '../client/rtc-session.js'
import { useLatest, type FreshTokenOptions } from './fresh-join-options.js'

/** Options of {@link useTokenRenewal}: the join's options, and the session's switches. */
export interface TokenRenewalOptions extends FreshTokenOptions {
  /** Renew on will-expire; default true. May change between renders. */
  autoRenew?: boolean
  /** Join again with a fresh token on did-expire; default true. */
  autoRejoin?: boolean
  /** Called with every event of the session (see `keepRtcTokenFresh`). */
  onEvent?: (event: RtcTokenEvent) => void
}

/** What {@link useTokenRenewal} reports, for the UI. */
export interface TokenRenewalStatus {
  /** The renewal session's state: `idle` until the client connects, then `joined`, `renewing`, `rejoining`. */
  state: SessionState
  /** When the current token stops working, Unix s, once the helper has fetched one. */
  expiresAt: number | undefined
  /** The last error the session reported (a refused token, a failed renewal), if any. */
  error: unknown
}

/**
 * Keeps the token of `client` (from `useRTCClient()`) fresh while it is joined: on will-expire it
 * fetches a fresh token and calls `renewToken`, on did-expire it joins again with a fresh token.
 * It adopts the client when `useJoin` connects it and lets go when the app leaves, ready for the next
 * join. It uses the helper's session (`keepRtcTokenFresh`) underneath, so tokens are checked before the
 * SDK sees them; it removes its listeners and timers on unmount (StrictMode's too).
 */
export function useTokenRenewal(
  client: RtcClientLike | null | undefined,
  options: TokenRenewalOptions,
): TokenRenewalStatus {
  const [status, setStatus] = useState<TokenRenewalStatus>({ state: 'idle', expiresAt: undefined, error: undefined })
  // A session ends when the app leaves or the SDK drops the client; the next one waits for the next join.
  const [generation, setGeneration] = useState(0)
  const latest = useLatest(options)
  const session = useRef<RtcTokenSession | undefined>(undefined)
  const { appId, channel, uid, role } = options

  useEffect(() => {
    if (client === null || client === undefined) return
    let live = true
    const current = latest.current
    const created = keepRtcTokenFresh(client, {
      appId,
      channel,
      uid,
      ...(role === undefined ? {} : { role }),
      tokenSource: current.tokenSource,
      // Unset, the session's own defaults apply (both true).
      ...(current.autoRenew === undefined ? {} : { autoRenew: current.autoRenew }),
      ...(current.autoRejoin === undefined ? {} : { autoRejoin: current.autoRejoin }),
      ...(current.minValiditySeconds === undefined ? {} : { minValiditySeconds: current.minValiditySeconds }),
      onEvent: (event) => {
        latest.current.onEvent?.(event)
        if (!live) return
        if (event.type === 'state' || event.type === 'renewed' || event.type === 'rejoined') {
          setStatus((before) => ({ ...before, state: created.state, expiresAt: created.expiresAt }))
        } else if (event.type === 'error') {
          setStatus((before) => ({ ...before, error: event.error }))
        } else if (event.type === 'stopped' && event.reason !== 'disposed') {
          setGeneration((value) => value + 1)
        }
      },
    })
    session.current = created
    setStatus({ state: created.state, expiresAt: undefined, error: undefined })
    return () => {
      live = false
      if (session.current === created) session.current = undefined
      created.dispose()
    }
  }, [client, appId, channel, uid, role, generation, latest])

  useEffect(() => {
    if (session.current !== undefined) session.current.autoRenew = options.autoRenew ?? true
  })

  return status
}
