/**
 * `AGATE_API_KEYS`: the callers' API keys, by name and hash.
 * @module
 */
import { z } from 'zod'
import { API_KEY_HASH, API_KEY_PREFIX, type ApiKeyEntry } from '../auth/api-keys.js'

/**
 * `name=sha256:<hex>,…` or a JSON object `{"name": "sha256:<hex>"}` (text in the environment, an
 * object in the config file). A message never repeats a value: it might be a key pasted by mistake.
 */
export const apiKeysSchema: z.ZodType<ApiKeyEntry[]> = z.unknown().transform((raw, context) => {
  try {
    return apiKeyEntries(raw)
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message })
    return z.NEVER
  }
})

function apiKeyEntries(raw: unknown): ApiKeyEntry[] {
  let pairs: [string, unknown][]
  if (typeof raw === 'string' && !raw.trim().startsWith('{')) {
    pairs = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
      .map((item) => {
        const equals = item.indexOf('=')
        if (equals <= 0) throw new Error('each entry must be name=sha256:<hex>')
        return [item.slice(0, equals).trim(), item.slice(equals + 1).trim()]
      })
  } else {
    let value = raw
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value)
      } catch {
        throw new Error('must be name=sha256:<hex>,… or a JSON object')
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error('must be a JSON object of name: hash')
    }
    pairs = Object.entries(value)
  }
  if (pairs.length === 0) throw new Error('must not be empty')
  const seen = new Set<string>()
  return pairs.map(([keyName, hash]) => {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(keyName)) {
      throw new Error('key names must be 1 to 64 characters of A-Z a-z 0-9 _ . : -')
    }
    if (seen.has(keyName)) throw new Error(`key name "${keyName}" is used twice`)
    seen.add(keyName)
    if (typeof hash === 'string' && hash.startsWith(API_KEY_PREFIX)) {
      throw new Error(`"${keyName}" holds an API key; configure its hash (agate keys create prints it), never the key`)
    }
    if (typeof hash !== 'string' || !API_KEY_HASH.test(hash)) {
      throw new Error(`"${keyName}" must be sha256: and 64 lowercase hex digits`)
    }
    return { name: keyName, hash }
  })
}
