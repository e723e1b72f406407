/**
 * Checking a Redis URL setting. Kept apart from the Redis client so that the config (which the
 * Cloudflare Workers bundle includes) can validate it without pulling the client in.
 * @module
 */

/**
 * Checks a Redis URL without connecting: `redis:` or `rediss:` with a host. Returns a message for
 * the config error, or undefined when it is fine. The message never repeats the URL, which may hold
 * a password.
 */
export function checkRedisUrl(text: string): string | undefined {
  if (!URL.canParse(text)) return 'must be a URL such as redis://host:6379 or rediss://user:password@host:6380/0'
  const url = new URL(text)
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return 'must start with redis:// or rediss:// (TLS)'
  if (url.hostname === '') return 'must name a host'
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname))
    return 'the path, when given, must be a database number (e.g. /0)'
  return undefined
}
