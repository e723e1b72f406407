/**
 * `useFreshJoinOptions`: what agora-rtc-react's `useJoin` takes, with a fresh, checked token.
 * @module
 */
import type { JoinOptions } from 'agora-rtc-react'
import { useCallback, useEffect, useRef, useState } from 'react'
import { checkToken } from '../client/check-token.js'
import { rtcTokenRequest } from '../client/rtc-request.js'
import { aborted, TokenClientError } from '../client/errors.js'
import { toFetcher } from '../client/rtc-session.js'
import {
  DEFAULT_MIN_VALIDITY_SECONDS,
  expectationOf,
  sourceNow,
  type TokenFetcher,
  type TokenSource,
} from '../client/token-source.js'

/** Who joins where, and where tokens come from: the options both hooks share. */
export interface FreshTokenOptions {
  /** The App ID the client joins with; fetched tokens must be for it. */
  appId: string
  /** The channel. */
  channel: string
  /** The uid (number) or user account (string); 0 lets the SDK pick (wildcard token). */
  uid: number | string
  /** The role to ask the token server for; default `publisher`. */
  role?: 'publisher' | 'subscriber'
  /** Where tokens come from: `createTokenSource(…)`'s result, or any function. */
  tokenSource: TokenSource | TokenFetcher
  /** Refuse tokens with less life than this, seconds; default 30. */
  minValiditySeconds?: number
}

/** The latest value of `value`, for callbacks that must stay the same function across renders. */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value)
  ref.current = value
  return ref
}

/** What {@link useFreshJoinOptions} returns: the two arguments of `useJoin`. */
export interface FreshJoinArgs {
  /** `useJoin`'s first argument: fetches a fresh, checked token and resolves with the join options. */
  fetchArgs: () => Promise<JoinOptions>
  /** `useJoin`'s `ready`: the caller's `ready`, once the component is mounted for good. */
  ready: boolean
}

/**
 * Returns the two arguments of agora-rtc-react's `useJoin`: `fetchArgs` fetches a fresh token, checks
 * it (App ID, channel, uid, life left) and resolves with `{ appid, channel, token, uid }`; `ready`
 * holds the join back until the component has mounted. Under StrictMode (mount, unmount, mount again)
 * `useJoin` would otherwise join, leave and join again; this way the client joins once. The fetch is
 * cancelled when the component unmounts, so `useJoin` never joins after an unmount.
 *
 * @example
 * ```tsx
 * const options = { appId, channel: 'ChannelA', uid: 42, tokenSource }
 * const join = useFreshJoinOptions(options, inCall)
 * const { isConnected } = useJoin(join.fetchArgs, join.ready)
 * useTokenRenewal(useRTCClient(), { ...options, ready: inCall })
 * ```
 */
export function useFreshJoinOptions(options: FreshTokenOptions, ready = true): FreshJoinArgs {
  const latest = useLatest(options)
  const mounted = useRef<AbortController | undefined>(undefined)
  const [isMounted, setMounted] = useState(false)
  useEffect(() => {
    if (mounted.current === undefined || mounted.current.signal.aborted) mounted.current = new AbortController()
    const controller = mounted.current
    setMounted(true)
    return () => controller.abort(new TokenClientError('ERR_ABORTED', 'the component unmounted'))
  }, [])
  const fetchArgs = useCallback(async (): Promise<JoinOptions> => {
    if (mounted.current === undefined) mounted.current = new AbortController()
    const { signal } = mounted.current
    if (signal.aborted) throw aborted(signal)
    const current = latest.current
    const request = rtcTokenRequest(current)
    const token = await toFetcher(current.tokenSource)(request, { signal, appId: current.appId })
    if (signal.aborted) throw aborted(signal)
    checkToken(token, expectationOf(request, current.appId), {
      now: sourceNow(current.tokenSource) / 1000,
      minValiditySeconds: current.minValiditySeconds ?? DEFAULT_MIN_VALIDITY_SECONDS,
    })
    return { appid: current.appId, channel: current.channel, token, uid: current.uid }
  }, [latest])
  return { fetchArgs, ready: ready && isMounted }
}
