import assert from 'node:assert/strict'
import { test } from 'node:test'
import { agoText, expiryText, formatDuration, isoTime } from '../../src/cli/time.js'

test('formatDuration keeps the two largest units', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [598, '9m 58s'],
    [3600, '1h'],
    [10_800, '3h'],
    [10_860, '3h 1m'],
    [10_859, '3h'],
    [86_400, '1d'],
    [90_061, '1d 1h'],
    [-598, '9m 58s'],
  ]
  for (const [seconds, expected] of cases) assert.equal(formatDuration(seconds), expected, `${seconds}`)
})

test('expiryText, agoText and isoTime', () => {
  assert.equal(expiryText(1598, 1000), 'expires in 9m 58s')
  assert.equal(expiryText(1000, 1000), 'expired 0s ago')
  assert.equal(expiryText(1000, 11_800), 'expired 3h ago')
  assert.equal(agoText(1000, 1002), '2s ago')
  assert.equal(agoText(1005, 1000), 'in 5s')
  assert.equal(isoTime(1_700_000_000), '2023-11-14T22:13:20Z')
})
