/** The real SDKs as page globals for the race page. */
import AgoraRTC, { type IAgoraRTC } from 'agora-rtc-sdk-ng'
import AgoraRTM, { type RTMClient } from 'agora-rtm-sdk'

/** What the race page uses of the RTM SDK's default export (its own type is not exported). */
export interface IAgoraRTMCompat {
  RTM: typeof RTMClient
}

;(AgoraRTC as unknown as IAgoraRTC).setLogLevel(4)
Object.assign(window, { AgoraRTC, AgoraRTM })
