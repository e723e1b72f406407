/** base64, CRC-32 and the little-endian packer. */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { TokenError } from '../../../src/token/errors.js'
import { base64ToBytes, bytesToBase64 } from '../../../src/token/primitives/base64.js'
import { ByteReader, ByteWriter, constantTimeEqual } from '../../../src/token/primitives/bytes.js'
import { crc32 } from '../../../src/token/primitives/crc32.js'

const text = (s: string) => new TextEncoder().encode(s)
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

test('bytesToBase64 and base64ToBytes match Buffer for every length up to 200', () => {
  for (let length = 0; length <= 200; length++) {
    const data = randomBytes(length)
    const encoded = bytesToBase64(data)
    assert.equal(encoded, data.toString('base64'))
    assert.deepEqual(Buffer.from(base64ToBytes(encoded, 'token')), data)
  }
  assert.equal(bytesToBase64(text('hello')), 'aGVsbG8=')
})

test('base64ToBytes rejects bad input with ERR_TOKEN_MALFORMED and a reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['abc', /multiple of 4/],
    ['ab c', /space at offset 2.*URL decoding/],
    ['ab-_', /base64url/],
    ['ab*c', /invalid base64 character at offset 2/],
    ['a===', /invalid base64 character|padding/],
    ['aGVsbG9=', /padding bits/],
    ['aR==', /padding bits/],
    // Non-ASCII never copies one to one into bytes; the first bad character is still the one named.
    ['abé=', /invalid base64 character at offset 2/],
    ['ab\u0141c', /invalid base64 character at offset 2/],
    ['abc\ud800', /invalid base64 character at offset 3/],
    ['a*é=', /invalid base64 character at offset 1/],
    ['aGVsbG8é' + 'aGVs'.repeat(300), /invalid base64 character at offset 7/],
  ]
  for (const [input, message] of cases) {
    assert.throws(
      () => base64ToBytes(input, 'token'),
      (error: unknown) => {
        assert.ok(error instanceof TokenError)
        assert.equal(error.code, 'ERR_TOKEN_MALFORMED')
        assert.equal(error.field, 'token')
        assert.match(error.message, message)
        return true
      },
      input,
    )
  }
})

test('base64ToBytes from an offset names offsets in the whole text', () => {
  assert.deepEqual(Buffer.from(base64ToBytes('007aGVsbG8=', 'token', 3)), Buffer.from('hello'))
  assert.throws(() => base64ToBytes('007aGé=', 'token', 3), /invalid base64 character at offset 5/)
  // What comes before the start is not read, even when it is not ASCII.
  assert.deepEqual(Buffer.from(base64ToBytes('été:aGVsbG8=', 'token', 4)), Buffer.from('hello'))
})

test('crc32 matches the values the 006 vectors carry', () => {
  assert.equal(crc32(text('')), 0)
  assert.equal(crc32(text('7d72365eb983485397e3e3f9d460bdda')), 276646071)
  assert.equal(crc32(text('2882341273')), 3847331927)
  assert.equal(crc32(text('123456789')), 0xcbf43926)
})

test('ByteWriter packs the primitive vectors of the references', () => {
  const w = new ByteWriter(4)
  assert.equal(hex(w.reset().putUint16LE(600).view()), '5802')
  assert.equal(hex(w.reset().putUint32LE(600).view()), '58020000')
  assert.equal(hex(w.reset().putInt16LE(-1).view()), 'ffff')
  assert.equal(hex(w.reset().putString('hello', 's').view()), '050068656c6c6f')
  assert.equal(
    hex(
      w
        .reset()
        .putUint32Map([
          [1, 2],
          [3, 4],
        ])
        .view(),
    ),
    '0200010002000000030004000000',
  )
  // Growing past the initial capacity keeps what was written.
  assert.equal(w.reset().putString('x'.repeat(1000), 's').view().length, 1002)
  assert.equal(hex(w.reset().putString('é', 's').view()), '0200c3a9')
})

test('ByteWriter refuses strings over 65535 bytes, naming the field', () => {
  assert.throws(() => new ByteWriter().putString('x'.repeat(65536), 'services[0].userId'), {
    name: 'TokenError',
    code: 'ERR_INVALID_ARGUMENT',
    field: 'services[0].userId',
  })
})

test('ByteReader reads what ByteWriter wrote and names the field it ran out in', () => {
  const bytes = new ByteWriter()
    .putUint16LE(7)
    .putUint32LE(0xfffffffe)
    .putInt16LE(-2)
    .putString('héllo', 's')
    .putUint32Map([[5, 6]])
    .toBytes()
  const r = new ByteReader(bytes)
  assert.equal(r.readUint16LE('a'), 7)
  assert.equal(r.readUint32LE('b'), 0xfffffffe)
  assert.equal(r.readInt16LE('c'), -2)
  assert.equal(r.readString('d'), 'héllo')
  assert.deepEqual(r.readUint32Map('e'), [[5, 6]])
  assert.equal(r.remaining, 0)
  assert.throws(() => r.readUint16LE('services[2].type'), { code: 'ERR_TOKEN_MALFORMED', field: 'services[2].type' })
  assert.throws(() => new ByteReader(Uint8Array.of(0xff, 0xff, 0)).readUint32Map('privileges'), {
    code: 'ERR_TOKEN_MALFORMED',
    field: 'privileges',
  })
  assert.throws(() => new ByteReader(Uint8Array.of(2, 0, 0xc3, 0x28)).readString('appId'), {
    code: 'ERR_TOKEN_MALFORMED',
    message: /UTF-8/,
  })
})

test('constantTimeEqual compares content and length', () => {
  assert.equal(constantTimeEqual(text('abc'), text('abc')), true)
  assert.equal(constantTimeEqual(text('abc'), text('abd')), false)
  assert.equal(constantTimeEqual(text('abc'), text('ab')), false)
})
