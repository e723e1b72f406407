import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { md5Hex } from '../../../src/token/primitives/md5.js'

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
const nodeMd5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex')

test('RFC 1321 appendix A.5 test suite', () => {
  const suite: Array<[string, string]> = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ]
  for (const [input, digest] of suite) {
    assert.equal(md5Hex(ascii(input)), digest, JSON.stringify(input))
  }
})

test('the APaaS Chat user id of uid 2882341273', () => {
  assert.equal(md5Hex(ascii('2882341273')), '6063383428a36fba3fb6030becf8094e')
})

test('matches node:crypto for every length 0..300, across padding boundaries', () => {
  let seed = 0x1321
  for (let length = 0; length <= 300; length++) {
    const data = new Uint8Array(length)
    for (let i = 0; i < length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      data[i] = seed >>> 24
    }
    const digest = md5Hex(data)
    assert.match(digest, /^[0-9a-f]{32}$/)
    assert.equal(digest, nodeMd5(data), `length ${length}`)
  }
})

test('matches node:crypto on random inputs', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
      assert.equal(md5Hex(data), nodeMd5(data))
    }),
    { seed: 1992, numRuns: 1000 },
  )
})

test('hashes only the bytes of a subarray view and leaves the input untouched', () => {
  const backing = Uint8Array.from({ length: 200 }, (_, i) => i)
  const view = backing.subarray(13, 13 + 120)
  const copy = Uint8Array.from(view)
  assert.equal(md5Hex(view), nodeMd5(copy))
  assert.deepEqual(view, copy)
})

test('a large input spanning many blocks', () => {
  const data = new Uint8Array(1_000_003).map((_, i) => (i * 31) & 0xff)
  assert.equal(md5Hex(data), nodeMd5(data))
})
