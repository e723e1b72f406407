/**
 * How the page shows when a token ends: the inspector and the mint result both use these rows, and
 * `usableUntil` from the token library, so they agree with each other and with `agate inspect`.
 * @module
 */
import type { ParsedToken } from '../../src/token/parse-token.js'
import { usableUntil } from '../../src/token/usable-until.js'
import { h } from './dom.js'
import { formatCountdown, formatDuration, formatUnix } from './format.js'

/** A countdown span that {@link tickCountdowns} keeps current. */
export function countdown(expiresAt: number): HTMLElement {
  return h('span', { 'data-expires-at': String(expiresAt) }, formatCountdown(expiresAt, Date.now() / 1000))
}

/** Redraws every countdown under `root` (the page's ticker calls it). */
export function tickCountdowns(root: ParentNode): void {
  const now = Date.now() / 1000
  for (const element of root.querySelectorAll<HTMLElement>('[data-expires-at]')) {
    element.textContent = formatCountdown(Number(element.dataset.expiresAt), now)
  }
}

/** A term and its description, for a `<dl>`. */
export function descriptionRow(term: string, ...value: (Node | string)[]): Node[] {
  return [h('dt', {}, term), h('dd', {}, ...value)]
}

/**
 * The expiry rows of a token's description list: one ("Expires") when the token and its join
 * privilege end together; else "Usable until" (when joining stops) and "Token expires" (the token's
 * own end), so the later time is never read as the one that counts.
 */
export function expiryRows(parsed: ParsedToken): Node[] {
  const usable = usableUntil(parsed)
  const tokenNote = parsed.version === '006' ? 'the message ts' : `lifetime ${formatDuration(parsed.expire)}`
  const when = (field: string, time: number, note: string): HTMLElement =>
    h(
      'span',
      { 'data-field': field, 'data-time': String(time) },
      `${formatUnix(time)} (`,
      countdown(time),
      `; ${note})`,
    )
  if (usable.limitedBy === 'token') return descriptionRow('Expires', when('expires', usable.tokenExpiresAt, tokenNote))
  return [
    ...descriptionRow('Usable until', when('usable-until', usable.until, 'the joinChannel privilege ends first')),
    ...descriptionRow('Token expires', when('token-expires', usable.tokenExpiresAt, tokenNote)),
  ]
}
