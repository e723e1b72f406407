import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { adler32 } from '../../../src/token/primitives/adler32.js'

/** Adler-32 straight from the definition in RFC 1950 §9, reducing after every byte. */
function naive(data: Uint8Array, start = 1): number {
  let a = start & 0xffff
  let b = start >>> 16
  for (const byte of data) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  return (b * 65536 + a) >>> 0
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

test('known values', () => {
  assert.equal(adler32(new Uint8Array(0)), 0x00000001)
  assert.equal(adler32(ascii('a')), 0x00620062)
  assert.equal(adler32(ascii('abc')), 0x024d0127)
  assert.equal(adler32(ascii('Wikipedia')), 0x11e60398)
  assert.equal(adler32(ascii('message digest')), 0x29750586)
  assert.equal(adler32(ascii('abcdefghijklmnopqrstuvwxyz')), 0x90860b20)
  // The trailer node:zlib writes for "hello" (78 9c ... 06 2c 02 15).
  assert.equal(adler32(ascii('hello')), 0x062c0215)
})

test('worst-case input: long runs of 0xff wrap both sums many times', () => {
  for (const length of [3799, 3800, 3801, 5552, 5553, 100_000, 1_000_000]) {
    const data = new Uint8Array(length).fill(0xff)
    assert.equal(adler32(data), naive(data), `length ${length}`)
  }
  // Result is unsigned even when the high bit is set.
  const high = adler32(new Uint8Array(1_000_000).fill(0xff))
  assert.ok(high >= 0 && high <= 0xffffffff)
})

test('matches the naive definition on random inputs', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20_000 }), (data) => {
      assert.equal(adler32(data), naive(data))
    }),
    { seed: 1950, numRuns: 500 },
  )
})

test('continues a running checksum across chunks', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 9000 }), fc.nat(), (data, cutSeed) => {
      const cut = data.length === 0 ? 0 : cutSeed % (data.length + 1)
      const running = adler32(data.subarray(cut), adler32(data.subarray(0, cut)))
      assert.equal(running, adler32(data))
      assert.equal(adler32(data.subarray(cut), naive(data.subarray(0, cut))), naive(data))
    }),
    { seed: 1951, numRuns: 300 },
  )
})

test('honours the view bounds of a subarray', () => {
  const backing = Uint8Array.from({ length: 64 }, (_, i) => i * 7)
  const view = backing.subarray(10, 30)
  assert.equal(adler32(view), naive(Uint8Array.from(view)))
  assert.notEqual(adler32(view), adler32(backing))
})
