/**
 * The session panel: join a channel through the renewal helper, against the sandbox or the real SDK.
 * @module
 */
import type { IAgoraRTC } from 'agora-rtc-sdk-ng'
import {
  createTokenSource,
  keepRtcTokenFresh,
  type RtcClientLike,
  type RtcTokenEvent,
  type RtcTokenSession,
  type TokenSource,
} from '../../src/client/index.js'
import type { DemoConfig } from '../../src/demo/config.js'
import { createSandboxClient, type SandboxRtcClient } from '../../src/sandbox/client.js'
import { byId } from './dom.js'
import { describeError, formatDuration } from './format.js'
import { Timeline } from './timeline.js'

/** What the rest of the page needs from the session panel. */
export interface SessionPanel {
  /** The token the session uses now (for the inspector); undefined before a join. */
  currentToken(): string | undefined
  /** The Authorization header typed on the form, if any. */
  authHeader(): string | undefined
  /** Redraws the countdown (called by the page's ticker). */
  tick(): void
}

/** Wires the session form, the countdown and the timeline. */
export function setupSession(config: DemoConfig, onToken: () => void): SessionPanel {
  const form = byId<HTMLFormElement>('session-form')
  const mode = byId<HTMLSelectElement>('mode')
  const speed = byId<HTMLSelectElement>('speed')
  const channel = byId<HTMLInputElement>('channel')
  const uidInput = byId<HTMLInputElement>('uid')
  const endpoint = byId<HTMLSelectElement>('endpoint')
  const auth = byId<HTMLInputElement>('auth')
  const joinButton = byId<HTMLButtonElement>('join')
  const leaveButton = byId<HTMLButtonElement>('leave')
  const autoRenew = byId<HTMLInputElement>('auto-renew')
  const connection = byId('connection')
  const joinedUid = byId('joined-uid')
  const renewals = byId('renewals')
  const countdown = byId('countdown')
  const countdownNote = byId('countdown-note')
  const countdownBar = byId<HTMLProgressElement>('countdown-bar')
  const timeline = new Timeline(byId<HTMLOListElement>('timeline'))

  byId('channel-label').textContent = config.channel
  channel.value = config.channel
  uidInput.value = String(1000 + Math.floor(Math.random() * 9000))
  const endpointOption = endpoint.querySelector<HTMLOptionElement>('option[value="v1"]')
  if (endpointOption !== null)
    endpointOption.textContent = `POST ${config.endpoints.v1} (asks for a ${config.tokenLifetimeSeconds} s token)`
  if (config.real !== null)
    mode.append(new Option(`Real Agora (App ID ${config.real.appId.slice(0, 6)}…, needs the internet)`, 'real'))
  chooseSpeed(speed, config)
  const params = new URLSearchParams(location.search)
  if (params.get('mode') === 'real' && config.real !== null) mode.value = 'real'
  const syncSpeed = (): void => {
    speed.disabled = mode.value !== 'sandbox' || session !== undefined
  }
  mode.addEventListener('change', syncSpeed)

  let client: RtcClientLike | undefined
  let sandboxClient: SandboxRtcClient | undefined
  let session: RtcTokenSession | undefined
  let lastToken: string | undefined
  let renewCount = 0

  const setBusy = (joined: boolean): void => {
    for (const element of [mode, channel, uidInput, endpoint, auth]) element.disabled = joined
    syncSpeed()
    joinButton.disabled = joined
    leaveButton.disabled = !joined
  }

  autoRenew.addEventListener('change', () => {
    if (session !== undefined) session.autoRenew = autoRenew.checked
    timeline.add(
      'switch',
      autoRenew.checked ? 'Renewal on' : 'Renewal off',
      autoRenew.checked
        ? 'will-expire renews the token'
        : 'will-expire is ignored: did-expire and the rejoin come next',
      'info',
    )
  })

  byId('clear-timeline').addEventListener('click', () => timeline.clear())

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void join()
  })
  // The session's leave, not the client's: during the token fetch the client is not connecting yet,
  // and only the session knows to cancel the fetch and never join.
  leaveButton.addEventListener('click', () => {
    if (session !== undefined)
      void session.leave().catch((error: unknown) => timeline.add('error', 'Error', describeError(error), 'bad'))
    else void client?.leave()
  })

  async function join(): Promise<void> {
    const uid = Number(uidInput.value)
    if (!Number.isInteger(uid) || uid < 1 || uid > 0xffffffff) {
      timeline.add('error', 'Error', 'the uid must be a whole number from 1 to 4294967295', 'bad')
      uidInput.focus()
      return
    }
    const real = mode.value === 'real' && config.real !== null
    const appId = real ? config.real!.appId : config.sandbox.appId
    let joinClient: RtcClientLike
    try {
      if (real) {
        joinClient = (await loadSdk(config.real!.sdkUrl)).createClient({ mode: 'rtc', codec: 'vp8' })
        sandboxClient = undefined
      } else {
        sandboxClient = createSandboxClient({ baseUrl: config.sandbox.base, timeScale: Number(speed.value) })
        joinClient = sandboxClient
      }
    } catch (error) {
      timeline.add('error', 'Error', describeError(error), 'bad')
      return
    }
    client = joinClient
    const header = auth.value.trim()
    const v1 = endpoint.value === 'v1'
    const source = createTokenSource({
      url: v1 ? config.endpoints.v1 : config.endpoints.fetchRtcToken,
      kind: v1 ? 'v1' : 'fetch-rtc-token',
      ...(v1 ? { expire: config.tokenLifetimeSeconds } : {}),
      ...(v1 && real ? { app: appId } : {}),
      ...(header === '' ? {} : { headers: { authorization: header } }),
    })
    // Keep the last token for the inspector; the helper itself never exposes tokens.
    const recording: TokenSource = {
      getToken: async (request, options) => {
        lastToken = await source.getToken(request, options)
        onToken()
        return lastToken
      },
      serverTime: () => source.serverTime!(),
    }
    renewCount = 0
    renewals.textContent = '0'
    joinClient.on('connection-state-change', (current: string, _previous: string, reason?: string) => {
      if (client !== joinClient) return
      connection.textContent = reason === undefined ? current : `${current} (${reason})`
      // A disconnect with a reason (a ban, the token's end, the app leaving) reads as a sentence too.
      timeline.addConnectionChange(current, reason)
    })
    const current = keepRtcTokenFresh(joinClient, {
      appId,
      channel: channel.value,
      uid,
      tokenSource: recording,
      autoRenew: autoRenew.checked,
      onEvent: (event) => {
        describeOnTimeline(event, current.now() / 1000)
        if (event.type === 'renewed') renewals.textContent = String(++renewCount)
        if (event.type === 'joined' || event.type === 'rejoined') joinedUid.textContent = String(event.uid)
        if (event.type === 'joined' || event.type === 'renewed' || event.type === 'rejoined') resetBar()
        if (event.type === 'stopped') {
          session = undefined
          setBusy(false)
          joinedUid.textContent = '–'
        }
      },
    })
    session = current
    setBusy(true)
    timeline.add(
      'start',
      'Joining',
      `${real ? 'Agora' : `the sandbox at ${speed.value}×`}: ${channel.value} as uid ${uid}`,
      'info',
    )
    try {
      await current.join()
    } catch {
      // The session reported the error on the timeline; let the user try again.
      current.dispose()
      if (session === current) session = undefined
      setBusy(false)
    }
  }

  /** Puts a session event on the timeline, with the lifecycle's endings told apart. */
  function describeOnTimeline(event: RtcTokenEvent, nowSeconds: number): void {
    if (event.type === 'join-timeout') {
      timeline.add(
        'join-timeout',
        'Join timed out',
        `the SDK did not connect within ${formatDuration(Math.round(event.timeoutMs / 1000))}; the helper left`,
        'bad',
      )
    } else if (event.type === 'stopped' && event.reason !== 'left' && event.reason !== 'disposed') {
      const why = {
        aborted: 'the session was aborted',
        disconnected: `the SDK disconnected (${event.sdkReason ?? 'no reason'})`,
        failed: 'the join did not succeed',
      }[event.reason]
      timeline.add('stopped', 'Stopped', `${why}; the helper stopped`, event.reason === 'aborted' ? 'info' : 'bad')
    } else {
      timeline.addSessionEvent(event, nowSeconds)
    }
  }

  /** The countdown's scale: the life left when the token was (re)newed. */
  function resetBar(): void {
    const left = secondsLeft()
    if (left !== undefined) countdownBar.max = Math.max(1, Math.round(left))
  }

  /** The session's token life left, in the clock that judges it (the sandbox's, or Agora's). */
  function secondsLeft(): number | undefined {
    if (session === undefined) return undefined
    const timing = sandboxClient?.timing
    if (sandboxClient !== undefined)
      return timing === undefined ? undefined : ((timing.didExpireAt - Date.now()) * timing.timeScale) / 1000
    const expiresAt = session.expiresAt
    return expiresAt === undefined ? undefined : expiresAt - session.now() / 1000
  }

  return {
    currentToken: () => lastToken,
    authHeader: () => (auth.value.trim() === '' ? undefined : auth.value.trim()),
    tick(): void {
      const left = secondsLeft()
      if (left === undefined) {
        countdown.textContent = '–'
        countdownNote.textContent = ''
        countdownBar.value = 0
        return
      }
      countdown.textContent = left > 0 ? formatDuration(Math.ceil(left)) : 'expired'
      const scale = sandboxClient?.timing?.timeScale
      countdownNote.textContent =
        scale === undefined
          ? "(Agora's clock)"
          : scale === 1
            ? '(sandbox clock, real time)'
            : `(sandbox clock at ${scale}×: ${formatDuration(Math.ceil(Math.max(0, left) / scale))} real)`
      countdownBar.value = Math.max(0, Math.min(countdownBar.max, left))
    },
  }
}

/** Picks the sandbox speed: `?speed=` when valid, else the server's default. */
function chooseSpeed(select: HTMLSelectElement, config: DemoConfig): void {
  const asked = Number(new URLSearchParams(location.search).get('speed') ?? config.sandbox.timeScale)
  const value =
    Number.isFinite(asked) && asked > 0 && asked <= config.sandbox.maxTimeScale ? asked : config.sandbox.timeScale
  if (![...select.options].some((option) => Number(option.value) === value))
    select.append(new Option(`${value}×`, String(value)))
  select.value = [...select.options].find((option) => Number(option.value) === value)!.value
}

let sdk: Promise<IAgoraRTC> | undefined

/** Loads the Web SDK's browser build (it defines the `AgoraRTC` global) once. */
function loadSdk(url: string): Promise<IAgoraRTC> {
  sdk ??= new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = url
    script.onload = () => {
      const global = (window as unknown as { AgoraRTC?: IAgoraRTC }).AgoraRTC
      if (global === undefined) reject(new Error('the Agora Web SDK did not load'))
      else resolve(global)
    }
    script.onerror = () => reject(new Error(`cannot load the Agora Web SDK from ${url}`))
    document.head.append(script)
  })
  return sdk
}
