/**
 * Development credentials: a random App ID and certificate kept in a git-ignored local file, so a
 * development server works out of the box and its tokens stay valid across restarts.
 * @module
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { bytesToHex } from '../token/primitives/bytes.js'
import { isHex32 } from '../token/validate.js'

/** Credentials for development; they are not known to Agora, so they work only with Agate itself. */
export interface DevCredentials {
  appId: string
  appCertificate: string
  /** Whether this call created the file. */
  created: boolean
}

/**
 * Reads the development credentials from `path` without creating them (the CLI uses those of a
 * development server this way).
 * @returns undefined when the file does not exist.
 * @throws {Error} when the file exists but does not hold two 32-hex-digit values.
 */
export async function readDevCredentials(path: string): Promise<Omit<DevCredentials, 'created'> | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined
    throw error
  }
  let stored: { appId?: unknown; appCertificate?: unknown }
  try {
    stored = JSON.parse(text) as typeof stored
  } catch {
    throw new Error(`${path} is not valid JSON; delete it to get new development credentials`)
  }
  if (
    typeof stored.appId !== 'string' ||
    !isHex32(stored.appId) ||
    typeof stored.appCertificate !== 'string' ||
    !isHex32(stored.appCertificate)
  ) {
    throw new Error(`${path} does not hold a 32-hex-digit appId and appCertificate; delete it to get new ones`)
  }
  return { appId: stored.appId, appCertificate: stored.appCertificate }
}

/**
 * Reads the development credentials from `path`, creating the file (mode 0600) with fresh random
 * values when it does not exist. A directory made for it gets a `.gitignore` of its own (the
 * default, `.agate/`, is also in this repository's `.gitignore`).
 * @throws {Error} when the file exists but does not hold two 32-hex-digit values.
 */
export async function loadDevCredentials(path: string): Promise<DevCredentials> {
  const stored = await readDevCredentials(path)
  if (stored !== undefined) return { ...stored, created: false }
  const credentials = { appId: randomHex(16), appCertificate: randomHex(16) }
  const created = await mkdir(dirname(path), { recursive: true })
  // A directory made for the credentials ignores itself, so they stay out of any repository the
  // server is started in (`.agate/` of a project that does not list it in its own .gitignore).
  if (created !== undefined) await writeFile(`${dirname(path)}/.gitignore`, '*\n')
  const note = 'Development credentials made by agate; not known to Agora. Never use them in production.'
  // 'wx' fails if another process created the file in between; then read what it wrote.
  try {
    await writeFile(
      path,
      `${JSON.stringify({ note, ...credentials, createdAt: new Date().toISOString() }, null, 2)}\n`,
      {
        mode: 0o600,
        flag: 'wx',
      },
    )
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return loadDevCredentials(path)
    throw error
  }
  return { ...credentials, created: true }
}

/** `bytes` random bytes as hex, from Web Crypto. */
function randomHex(bytes: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)))
}
