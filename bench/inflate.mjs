// Times zlibInflate against node:zlib inflateSync and pako.inflate on 007 token content.
// Usage: node --import tsx bench/inflate.mjs
import { readFileSync, existsSync } from 'node:fs'
import { inflateSync, deflateSync } from 'node:zlib'
import pako from 'pako'
import { zlibInflate } from '../src/token/primitives/inflate.ts'

const vectorsUrl = new URL('../test/fixtures/agora-reference-vectors.json', import.meta.url)

const base64 = (text) => Uint8Array.from(Buffer.from(text, 'base64'))

/** Compressed 007 contents by name: the vector closest to 130 bytes, plus other encoder shapes. */
function loadStreams() {
  const streams = []
  if (existsSync(vectorsUrl)) {
    const { vectors } = JSON.parse(readFileSync(vectorsUrl, 'utf8'))
    const decoded = vectors
      .filter((v) => v.payloadHex && typeof v.expected === 'string' && v.expected.startsWith('007'))
      .map((v) => ({ name: v.id, bytes: base64(v.expected.slice(3)) }))
    const hex = (bytes) => Buffer.from(bytes).toString('hex')
    const byHeader = (prefix) => decoded.filter((s) => hex(s.bytes).startsWith(prefix))
    const fixed = byHeader('789c53').sort((a, b) => Math.abs(a.bytes.length - 130) - Math.abs(b.bytes.length - 130))
    if (fixed[0]) streams.push({ ...fixed[0], name: `${fixed[0].name} (fixed Huffman)` })
    const dynamic = byHeader('789c9d')[0]
    if (dynamic) streams.push({ ...dynamic, name: `${dynamic.name} (dynamic Huffman)` })
    const go = byHeader('789c52')[0]
    if (go) streams.push({ ...go, name: `${go.name} (Go, 2 blocks)` })
    const stored = byHeader('789c01')[0]
    if (stored) streams.push({ ...stored, name: `${stored.name} (stored)` })
  }
  if (streams.length === 0) {
    // Stand-in of the same shape: a 32-byte signature followed by a short, mildly repetitive body.
    const payload = new Uint8Array(130)
    for (let i = 0; i < payload.length; i++) payload[i] = i < 40 ? (i * 151 + 7) & 255 : i % 7
    const bytes = Uint8Array.from(deflateSync(payload))
    streams.push({ name: 'synthetic 130-byte payload', bytes })
  }
  return streams
}

/**
 * µs/op of each function: rounds of the three are interleaved so that load from other processes
 * hits them alike, and the median round is reported (the minimum is printed too).
 */
function timeAll(fns, rounds = 25, iterations = 5000) {
  for (const fn of fns) for (let i = 0; i < 20000; i++) fn()
  const samples = fns.map(() => [])
  for (let round = 0; round < rounds; round++) {
    fns.forEach((fn, index) => {
      const start = process.hrtime.bigint()
      for (let i = 0; i < iterations; i++) fn()
      samples[index].push(Number(process.hrtime.bigint() - start) / 1000 / iterations)
    })
  }
  return samples.map((list) => {
    list.sort((x, y) => x - y)
    return { median: list[Math.floor(list.length / 2)], min: list[0] }
  })
}

const format = ({ median, min }) => `${median.toFixed(3)} µs/op (min ${min.toFixed(3)})`

for (const { name, bytes } of loadStreams()) {
  const buffer = Buffer.from(bytes)
  const expected = inflateSync(buffer)
  if (!Buffer.from(zlibInflate(bytes, 65536)).equals(expected)) throw new Error(`${name}: mismatch`)
  if (!Buffer.from(pako.inflate(bytes)).equals(expected)) throw new Error(`${name}: pako mismatch`)

  const [ours, node, pakoTime] = timeAll([
    () => zlibInflate(bytes, 65536),
    () => inflateSync(buffer),
    () => pako.inflate(bytes),
  ])
  const ratio = (other) => `${(other.median / ours.median).toFixed(1)}x zlibInflate`
  console.log(`${name}: ${bytes.length} -> ${expected.length} bytes`)
  console.log(`  zlibInflate       ${format(ours)}`)
  console.log(`  node inflateSync  ${format(node)}  ${ratio(node)}`)
  console.log(`  pako.inflate      ${format(pakoTime)}  ${ratio(pakoTime)}`)
}
