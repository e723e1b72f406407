/**
 * Why a session or a connection stopped, in a user's words. The codes come from the renewal helper
 * (`stopped` events), the Web SDK (`connection-state-change` reasons, which the sandbox client
 * mirrors) and the token client's errors; the page shows the sentence with the code next to it.
 * @module
 */

/** The renewal helper's `stopped` reasons. */
const HELPER_STOPS: Record<string, string> = {
  left: 'You left the channel, so the helper stopped renewing the token.',
  disposed: 'The page ended the helper; nothing renews the token any more.',
  'logged-out': 'You logged out, so the helper stopped renewing the token.',
}

/** The Web SDK's `ConnectionDisconnectedReason` values (the sandbox client uses the same names). */
const DISCONNECT_REASONS: Record<string, string> = {
  LEAVE: 'You left the channel.',
  TOKEN_EXPIRE: 'The token ran out, so the client was removed from the channel.',
  NETWORK_ERROR: 'The network went away and did not come back after several tries.',
  SERVER_ERROR: 'The server ended the session (usually a wrong App ID, channel or token).',
  UID_BANNED: 'This uid was removed from the channel and may not join again.',
  IP_BANNED: "This device's IP address was banned from the project.",
  CHANNEL_BANNED: 'The channel was closed for everyone.',
  UID_CONFLICT: 'Another client joined the channel with the same uid.',
  FALLBACK: 'The connection fell back to another route.',
  FALLBACK_TO_HLS: 'The connection fell back to HLS streaming.',
}

/** The token client's and the sandbox's error codes that a user can act on. */
const ERROR_CODES: Record<string, string> = {
  ERR_TOKEN_FETCH_TIMEOUT: 'The token server did not answer in time.',
  ERR_TOKEN_FETCH_NETWORK: 'The token server could not be reached.',
  ERR_TOKEN_FETCH_HTTP: 'The token server refused the request.',
  ERR_TOKEN_FETCH_RESPONSE: 'The token server answered without a token.',
  ERR_TOKEN_UNREADABLE: 'The token server sent something that is not a token.',
  ERR_TOKEN_MISMATCH: 'The token server sent a token for another App ID, channel or user.',
  ERR_TOKEN_EXPIRING: 'The token server sent a token that was about to run out.',
  ERR_ABORTED: 'The request was cancelled.',
  CAN_NOT_GET_GATEWAY_SERVER: 'The channel refused the join.',
  INVALID_PARAMS: 'A join setting is not valid.',
  NETWORK_ERROR: 'The sandbox or Agora could not be reached.',
  // Agora's refusal reasons, which the sandbox names on its errors (`data.reason`).
  ERR_TOKEN_EXPIRED: 'The token (or its join privilege) has run out.',
  ERR_INVALID_TOKEN: 'The channel does not accept this token (wrong certificate, channel or uid).',
  ERR_INVALID_APP_ID: 'The App ID is not known.',
  ERR_INVALID_CHANNEL_NAME: 'The channel name is not valid.',
  ERR_INVALID_USER_ID: 'The uid is not valid.',
  ERR_NOT_IN_CHANNEL: 'The client is no longer in the channel.',
  ERR_NO_PERMISSION: 'The token does not allow this.',
}

/** A sentence for a helper's `stopped` reason. */
export function describeStop(reason: string): string {
  return HELPER_STOPS[reason] ?? 'The helper stopped.'
}

/** A sentence for an SDK disconnect reason (`connection-state-change`'s third argument). */
export function describeDisconnect(reason: string): string {
  if (reason.startsWith('LICENSE_')) return "The SDK's license does not allow this connection."
  return DISCONNECT_REASONS[reason] ?? 'The connection ended.'
}

/** A sentence for an error's code, when it has a known one; the error's own message otherwise. */
export function describeErrorCode(code: string | undefined): string | undefined {
  return code === undefined ? undefined : ERROR_CODES[code]
}
