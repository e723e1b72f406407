// Times zlibDeflate against pako.deflate and node:zlib deflateSync on a realistic AccessToken2
// payload (about 140 bytes, from the reference vectors), and checks all three agree.
// Usage: node --import tsx bench/deflate.mjs [vector-id]
import { existsSync, readFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import { deflate as pakoDeflate } from 'pako'
import { zlibDeflate } from '../src/token/primitives/deflate.ts'

const vectorsUrl = new URL('../test/fixtures/agora-reference-vectors.json', import.meta.url)
// The 007-rtc-uid payload, used when the vectors file is not there.
const FALLBACK_PAYLOAD =
  '200016a0b84c5a5e82cbf74fb813d09f59c54bdac9c06120580539ac97578e958b1a2000393730434133356465' +
  '363063343436343562626165386132313530363162333347f410005802000001000000010001000100010058' +
  '020000200037643732333635656239383334383533393765336533663964343630626464610a003238383233' +
  '3431323733'

const id = process.argv[2] ?? '007-rtc-uid'
let payloadHex = FALLBACK_PAYLOAD
if (existsSync(vectorsUrl)) {
  const { vectors } = JSON.parse(readFileSync(vectorsUrl, 'utf8'))
  const vector = vectors.find((v) => v.id === id && v.payloadHex)
  if (!vector) throw new Error(`no vector ${id} with a payloadHex`)
  payloadHex = vector.payloadHex
} else {
  console.log(`(vectors file not found; using the built-in ${id} payload)`)
}
const payload = Uint8Array.from(Buffer.from(payloadHex, 'hex'))

const hex = (bytes) => Buffer.from(bytes).toString('hex')
const reference = hex(pakoDeflate(payload))
if (hex(zlibDeflate(payload)) !== reference) throw new Error('zlibDeflate differs from pako')
const nodeSame = hex(deflateSync(payload)) === reference

// Real tokens differ in their 32-byte signature (an HMAC: effectively random) and salt, which
// changes the Huffman trees; timing one payload over and over lets branch predictors learn it.
// So time both: the payload as is, and 1024 variants with random signatures, taken in turn.
let seed = 0x2545f491
const nextByte = () => {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return seed & 0xff
}
const variants = Array.from({ length: 1024 }, () => {
  const variant = payload.slice()
  for (let i = 2; i < 34; i++) variant[i] = nextByte() // packString(signature): 2-byte length first
  return variant
})
for (const variant of variants.slice(0, 64)) {
  if (hex(zlibDeflate(variant)) !== hex(pakoDeflate(variant))) throw new Error('variant differs')
}

const candidates = [
  ['zlibDeflate', zlibDeflate],
  ['pako.deflate', (data) => pakoDeflate(data)],
  ['node:zlib deflateSync', (data) => deflateSync(data)],
]

/** Best µs per call over short interleaved rounds: robust against other load on the machine. */
function measure(inputs) {
  const best = new Map(candidates.map(([name]) => [name, Infinity]))
  for (let round = 0; round < 20; round++) {
    for (const [name, run] of candidates) {
      let calls = 0
      let elapsed
      const start = process.hrtime.bigint()
      do {
        for (let i = 0; i < 64; i++) run(inputs[(calls + i) & (inputs.length - 1)])
        calls += 64
        elapsed = Number(process.hrtime.bigint() - start) / 1e6
      } while (elapsed < 40)
      best.set(name, Math.min(best.get(name), (elapsed * 1000) / calls))
    }
  }
  return best
}

function report(title, best) {
  console.log(title)
  const ours = best.get('zlibDeflate')
  for (const [name] of candidates) {
    const us = best.get(name)
    const ratio = name === 'zlibDeflate' ? '' : `  (zlibDeflate ${(us / ours).toFixed(1)}x faster)`
    console.log(`  ${name.padEnd(22)} ${us.toFixed(2).padStart(7)} µs/op${ratio}`)
  }
}

console.log(`payload: ${id}, ${payload.length} bytes -> ${reference.length / 2} bytes compressed`)
console.log(`node:zlib output ${nodeSame ? 'matches' : 'differs from'} pako/C zlib on this payload`)
report('same payload every call:', measure([payload]))
report('1024 variants with random signatures, in turn:', measure(variants))
