/**
 * The reference-vector checks as one runtime-neutral function, so the same code runs in Node and,
 * bundled, in Chromium: a token must not change with the runtime.
 * @module
 */
import { parseToken, verifyToken } from '../../../src/token/index.js'
import { encodeToken006 } from '../../../src/token/v006/build.js'
import { encodeToken007 } from '../../../src/token/v007/build.js'

interface SuiteVector {
  id: string
  version: '006' | '007'
  kind: string
  inputs: Record<string, any>
  expected: any
  zlibC?: string
  signatureHex?: string
}

/** Runs every build and parse-invalid vector; returns the ids that failed (empty = all passed) and a count. */
export function runVectorSuite(vectors: SuiteVector[]): { checked: number; failures: string[] } {
  const failures: string[] = []
  let checked = 0
  for (const vector of vectors) {
    try {
      if (vector.kind === 'build' && vector.version === '007') {
        const { appId, appCertificate, issueTs, salt, expire, services } = vector.inputs
        const specs = services.map(({ serviceType: _t, service, ...fields }: Record<string, any>) => ({
          type: service.toLowerCase(),
          ...fields,
        }))
        const token = encodeToken007(
          { appId, appCertificate, issuedAt: issueTs, salt, expire, services: specs },
          { strict: false },
        )
        if (token !== vector.zlibC) throw new Error('token differs from the C zlib encoding')
        const parsed = parseToken(vector.expected)
        if (parsed.signature !== vector.signatureHex) throw new Error('signature differs')
        verifyToken(vector.expected, { certificates: appCertificate, now: false })
      } else if (vector.kind === 'build' && vector.version === '006') {
        const { appId, appCertificate, channelName, uid, salt, ts, privileges } = vector.inputs
        const entries = Object.entries(privileges as Record<string, number>).map(([id, at]): [number, number] => [
          Number(id),
          at,
        ])
        const token = encodeToken006({ appId, appCertificate, channelName, uid, salt, ts, privileges: entries })
        if (token !== vector.expected) throw new Error('006 token differs')
      } else if (vector.kind === 'parse-invalid') {
        let threw = false
        try {
          parseToken(vector.inputs.token)
        } catch (error) {
          threw = (error as { name?: string }).name === 'TokenError'
        }
        if (!threw) throw new Error('accepted an invalid token')
      } else {
        continue
      }
      checked++
    } catch (error) {
      failures.push(`${vector.id}: ${(error as Error).message}`)
    }
  }
  return { checked, failures }
}
