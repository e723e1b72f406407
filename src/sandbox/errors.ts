/**
 * The sandbox's refusal: an AgoraRTCError-shaped error with Agora's reason.
 * @module
 */
import { SANDBOX_REASONS, type SandboxErrorBody, type SandboxErrorCode, type SandboxReason } from './wire.js'

/**
 * A refusal of the sandbox, shaped like the Web SDK's `AgoraRTCError`: `code` is the SDK's error
 * code, `data.reason` Agora's platform reason and `data.detail` which check failed. Messages never
 * contain a token or a certificate.
 */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode
  readonly reason: SandboxReason
  readonly detail: string
  /** The HTTP status the routes answer with. */
  readonly status: 400 | 403 | 404 | 409

  constructor(code: SandboxErrorCode, reason: SandboxReason, detail: string, status?: 400 | 403 | 404 | 409) {
    super(`${SANDBOX_REASONS[reason].desc} (sandbox: ${detail})`)
    this.name = 'AgoraRTCError'
    this.code = code
    this.reason = reason
    this.detail = detail
    this.status = status ?? (code === 'INVALID_PARAMS' ? 400 : code === 'INVALID_OPERATION' ? 409 : 403)
  }

  /** The JSON form sent over HTTP. */
  toBody(): SandboxErrorBody {
    const { agoraCode, desc } = SANDBOX_REASONS[this.reason]
    return {
      name: 'AgoraRTCError',
      code: this.code,
      message: this.message,
      data: { reason: this.reason, ...(agoraCode === undefined ? {} : { agoraCode }), desc, detail: this.detail },
    }
  }
}
