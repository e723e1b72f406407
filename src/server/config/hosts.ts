/**
 * Recognising loopback hosts, for the warnings and checks that depend on reach.
 * @module
 */

/** Whether a host (a listen address, or a URL's hostname) is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}
