/** SHA-256 and HMAC-SHA256 against RFC vectors and node:crypto. */
import assert from 'node:assert/strict'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import {
  hmacSha256,
  hmacSha256Words32,
  prepareHmacKey,
  prepareHmacKeyWords,
} from '../../../src/token/primitives/hmac.js'
import { sha256 } from '../../../src/token/primitives/sha256.js'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const text = (s: string) => new TextEncoder().encode(s)

test('sha256 matches FIPS 180-4 examples', () => {
  assert.equal(hex(sha256(text(''))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  assert.equal(hex(sha256(text('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  assert.equal(
    hex(sha256(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  )
})

test('sha256 matches node:crypto for every length across block and padding boundaries', () => {
  for (let length = 0; length < 300; length++) {
    const data = randomBytes(length)
    assert.equal(hex(sha256(data)), createHash('sha256').update(data).digest('hex'), `length ${length}`)
  }
})

// RFC 4231 test cases 1, 2, 4, 6 (6 has a key longer than the block size).
const RFC4231 = [
  {
    key: '0b'.repeat(20),
    data: Buffer.from('Hi There').toString('hex'),
    mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  },
  {
    key: Buffer.from('Jefe').toString('hex'),
    data: Buffer.from('what do ya want for nothing?').toString('hex'),
    mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  },
  {
    key: '0102030405060708090a0b0c0d0e0f10111213141516171819',
    data: 'cd'.repeat(50),
    mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  {
    key: 'aa'.repeat(131),
    data: Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First').toString('hex'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
]

for (const [index, vector] of RFC4231.entries()) {
  test(`hmacSha256 RFC 4231 case ${index + 1}, raw and prepared key`, () => {
    const key = Buffer.from(vector.key, 'hex')
    const data = Buffer.from(vector.data, 'hex')
    assert.equal(hex(hmacSha256(key, data)), vector.mac)
    assert.equal(hex(hmacSha256(prepareHmacKey(key), data)), vector.mac)
  })
}

test('hmacSha256 matches node:crypto for random keys and messages, and a prepared key is reusable', () => {
  for (let i = 0; i < 200; i++) {
    const key = randomBytes(i % 80)
    const prepared = prepareHmacKey(key)
    for (const length of [0, 1, 55, 56, 63, 64, 65, 100 + i]) {
      const data = randomBytes(length)
      const expected = createHmac('sha256', key).update(data).digest('hex')
      assert.equal(hex(hmacSha256(prepared, data)), expected)
    }
  }
})

test('hmacSha256 writes into a given output buffer', () => {
  const out = new Uint8Array(32)
  const result = hmacSha256(text('key'), text('data'), out)
  assert.equal(result, out)
  assert.equal(hex(out), '5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0')
})

test('the word-level HMAC (32-byte keys and messages as big-endian words) matches node:crypto', () => {
  const words = (bytes: Uint8Array) => Int32Array.from({ length: 8 }, (_, i) => Buffer.from(bytes).readInt32BE(4 * i))
  const bytes = (w: Int32Array) =>
    Buffer.concat(
      Array.from(w, (word) => {
        const b = Buffer.alloc(4)
        b.writeInt32BE(word)
        return b
      }),
    )
  for (let i = 0; i < 50; i++) {
    const key = randomBytes(32)
    const message = randomBytes(32)
    const data = randomBytes(i * 3)
    const out = new Int32Array(8)
    assert.equal(hmacSha256Words32(prepareHmacKey(key), words(message), out), out)
    assert.equal(bytes(out).toString('hex'), createHmac('sha256', key).update(message).digest('hex'))
    assert.equal(
      hex(hmacSha256(prepareHmacKeyWords(words(key)), data)),
      createHmac('sha256', key).update(data).digest('hex'),
    )
  }
})
