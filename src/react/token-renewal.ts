/**
 * `useTokenRenewal`: keeps the token of a client joined by agora-rtc-react's `useJoin` fresh.
 * @module
 */
import { useEffect, useRef, useState } from 'react'
import type { SessionState } from '../client/lifecycle.js'
import {
  keepRtcTokenFresh,
  toFetcher,
  type RtcClientLike,
  type RtcTokenEvent,
  type RtcTokenSession,
} from '../client/rtc-session.js'
import { sourceNow, type TokenSource } from '../client/token-source.js'
import { useLatest, type FreshTokenOptions } from './fresh-join-options.js'

/** Options of {@link useTokenRenewal}: the join's options, and the session's switches. */
export interface TokenRenewalOptions extends FreshTokenOptions {
  /**
   * Whether the app wants to be in the channel: the `ready` given to `useFreshJoinOptions` (or
   * `useJoin`); default true. While it is false there is no session: nothing renews, and above all
   * nothing joins again on did-expire after the app has asked to leave.
   */
  ready?: boolean
  /** Renew on will-expire; default true. May change between renders. */
  autoRenew?: boolean
  /** Join again with a fresh token on did-expire; default true. May change between renders. */
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
  /**
   * The last error the session reported (a refused token, a failed renewal), until a renewal or a
   * rejoin succeeds; undefined when there is none.
   */
  error: unknown
}

/**
 * Keeps the token of `client` (from `useRTCClient()`) fresh while it is joined: on will-expire it
 * fetches a fresh token and calls `renewToken`, on did-expire it joins again with a fresh token.
 * It adopts the client when `useJoin` connects it and lets go when the app leaves, ready for the next
 * join. It uses the helper's session (`keepRtcTokenFresh`) underneath, so tokens are checked before the
 * SDK sees them; it removes its listeners and timers on unmount (StrictMode's too). Pass the `ready`
 * given to `useFreshJoinOptions` (see {@link TokenRenewalOptions.ready}); a new `tokenSource` on a
 * later render serves the next fetch.
 *
 * @example
 * ```tsx
 * const join = useFreshJoinOptions(options, inCall)
 * useJoin(join.fetchArgs, join.ready)
 * const { state } = useTokenRenewal(useRTCClient(), { ...options, ready: inCall })
 * ```
 */
export function useTokenRenewal(
  client: RtcClientLike | null | undefined,
  options: TokenRenewalOptions,
): TokenRenewalStatus {
  const [status, setStatus] = useState<TokenRenewalStatus>(IDLE)
  // A session ends when the app leaves or the SDK drops the client; the next one waits for the next join.
  const [generation, setGeneration] = useState(0)
  const latest = useLatest(options)
  const session = useRef<RtcTokenSession | undefined>(undefined)
  const { appId, channel, uid, role } = options
  const ready = options.ready ?? true

  useEffect(() => {
    if (client === null || client === undefined || !ready) {
      // No session (any earlier one was disposed by its cleanup): nothing to report.
      setStatus(IDLE)
      return
    }
    let live = true
    const current = latest.current
    // Checked now, so a wrong source is an error at once rather than at the first renewal.
    toFetcher(current.tokenSource)
    const created = keepRtcTokenFresh(client, {
      appId,
      channel,
      uid,
      ...(role === undefined ? {} : { role }),
      tokenSource: latestTokenSource(latest),
      // Unset, the session's own defaults apply (both true).
      ...(current.autoRenew === undefined ? {} : { autoRenew: current.autoRenew }),
      ...(current.autoRejoin === undefined ? {} : { autoRejoin: current.autoRejoin }),
      ...(current.minValiditySeconds === undefined ? {} : { minValiditySeconds: current.minValiditySeconds }),
      onEvent: (event) => {
        latest.current.onEvent?.(event)
        if (!live) return
        if (event.type === 'state') {
          setStatus((before) => ({ ...before, state: created.state, expiresAt: created.expiresAt }))
        } else if (event.type === 'renewed' || event.type === 'rejoined') {
          // A fresh token is in use: an earlier failure is over, and the UI should stop showing it.
          setStatus({ state: created.state, expiresAt: created.expiresAt, error: undefined })
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
  }, [client, appId, channel, uid, role, ready, generation, latest])

  useEffect(() => {
    if (session.current === undefined) return
    session.current.autoRenew = options.autoRenew ?? true
    session.current.autoRejoin = options.autoRejoin ?? true
  })

  return status
}

const IDLE: TokenRenewalStatus = Object.freeze({ state: 'idle', expiresAt: undefined, error: undefined })

/**
 * A token source that asks the one the latest render passed: the session outlives renders, and an
 * app may hand over a new source (a new sign-in, new headers) while the client stays joined.
 */
function latestTokenSource(latest: { readonly current: FreshTokenOptions }): TokenSource {
  return {
    getToken: (request, init) => toFetcher(latest.current.tokenSource)(request, init ?? {}),
    serverTime: () => sourceNow(latest.current.tokenSource),
  }
}
