/**
 * Shared by the compat and differential tests: the npm reference packages, pinning of the compat
 * layer's clock and salts, and payload extraction.
 * @module
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { inflateSync } from 'node:zlib'
import { compatSources } from '../../src/compat/sources.js'
import { parseToken, type ParsedToken006, type ParsedToken007 } from '../../src/token/index.js'

/** The shared test credentials of every Agora reference suite. */
export const APP_ID = '970CA35de60c44645bbae8a215061b33'
export const CERT = '5CFd2fd1755d40ecb72977518be15d3b'

const require = createRequire(import.meta.url)

/** npm `agora-token` 2.0.6, its index (builders) and its low-level modules. */
export const agoraToken = require('agora-token')
export const agoraTokenAccessToken2 = require('agora-token/src/AccessToken2.js')
export const agoraTokenAccessToken006 = require('agora-token/src/AccessToken.js')
/** npm `agora-access-token` 2.0.4. */
export const agoraAccessToken = require('agora-access-token')
export const agoraAccessTokenAccessToken = require('agora-access-token/src/AccessToken.js')

/**
 * Runs `fn` with the compat layer's clock and salts pinned, restoring them afterwards. The compat
 * builders take neither as an argument, as in the npm packages.
 */
export function pinCompat<T>(pins: { now?: number; salt007?: number; salt006?: number }, fn: () => T): T {
  const saved = { ...compatSources }
  if (pins.now !== undefined) compatSources.nowSeconds = () => pins.now!
  if (pins.salt007 !== undefined) compatSources.salt007 = () => pins.salt007!
  if (pins.salt006 !== undefined) compatSources.salt006 = () => pins.salt006!
  try {
    return fn()
  } finally {
    Object.assign(compatSources, saved)
  }
}

/** The decompressed content of a 007 token, hex: what the references' encoders agree on byte for byte. */
export function payloadHex(token: string): string {
  assert.ok(token.startsWith('007'), 'expected a 007 token')
  return inflateSync(Buffer.from(token.slice(3), 'base64')).toString('hex')
}

/** Parses a token that must be 007. */
export function parse007(token: string): ParsedToken007 {
  const parsed = parseToken(token)
  assert.equal(parsed.version, '007')
  return parsed
}

/** Parses a token that must be 006. */
export function parse006(token: string): ParsedToken006 {
  const parsed = parseToken(token)
  assert.equal(parsed.version, '006')
  return parsed
}

/**
 * Builds with our compat layer pinned to the issue time and salt found in a reference token, so
 * the two can be compared byte for byte.
 */
export function pinnedLike<T>(referenceToken: string, fn: () => T): T {
  if (referenceToken.startsWith('007')) {
    const { issuedAt, salt } = parse007(referenceToken)
    return pinCompat({ now: issuedAt, salt007: salt }, fn)
  }
  const { ts, salt } = parse006(referenceToken)
  return pinCompat({ now: ts - 86_400, salt006: salt }, fn)
}

/** Asserts that `fn` throws a TokenError with `code` (and `field`, when given). */
export function assertTokenError(fn: () => unknown, code: string, field?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof Error && error.name === 'TokenError', `expected a TokenError, got ${String(error)}`)
    assert.equal((error as { code?: string }).code, code)
    if (field !== undefined) assert.equal((error as { field?: string }).field, field)
    return true
  })
}

/** Static members of a class, without the built-in ones. */
export function staticNames(cls: object): string[] {
  return Object.getOwnPropertyNames(cls).filter((name) => !['length', 'name', 'prototype'].includes(name))
}
