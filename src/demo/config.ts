/**
 * What the demo page reads from `/demo/config.json` (shared by the server and the page; no secret is in it).
 * @module
 */

/** The demo's settings, as served to the page. */
export interface DemoConfig {
  /** The channel the demo joins. */
  channel: string
  /** The lifetime the demo asks `/v1/tokens` for, seconds. */
  tokenLifetimeSeconds: number
  /** The token server's routes the page calls. */
  endpoints: { v1: string; fetchRtcToken: string }
  /** The sandbox: the App ID to join with, where its routes are, and its clock settings. */
  sandbox: {
    appId: string
    base: string
    timeScale: number
    maxTimeScale: number
    coHostAuthentication: boolean
    willExpireSeconds: number
  }
  /** The real-SDK mode, when the server has real credentials: the App ID and where the SDK's browser build is. */
  real: { appId: string; sdkUrl: string } | null
}
