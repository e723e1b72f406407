import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { describe, test } from 'node:test'
import { generateApiKey, hashApiKey } from '../../../src/cli/commands/keys.js'
import { assertUsage, run } from '../helpers.js'

const KEY = /^agate_[A-Za-z0-9_-]{32}$/

describe('agate keys', () => {
  test('generateApiKey: agate_ and 32 base64url characters, different each time', () => {
    const keys = new Set(Array.from({ length: 100 }, generateApiKey))
    assert.equal(keys.size, 100)
    for (const key of keys) assert.match(key, KEY)
  })

  test('hashApiKey: sha256: and the hex SHA-256 of the whole key', () => {
    assert.equal(hashApiKey('abc'), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    const key = generateApiKey()
    assert.equal(hashApiKey(key), `sha256:${createHash('sha256').update(key).digest('hex')}`)
  })

  // The server verifies keys with its own hash function; both must agree until they are merged.
  const serverKeys = 'src/server/auth/api-keys.ts'
  test(
    'the server computes the same hash',
    { skip: !existsSync(serverKeys) && `${serverKeys} is not there` },
    async () => {
      const server = (await import(new URL(`../../../${serverKeys}`, import.meta.url).href)) as {
        hashApiKey?: (key: string) => string
      }
      assert.equal(typeof server.hashApiKey, 'function')
      const key = generateApiKey()
      assert.equal(server.hashApiKey!(key), hashApiKey(key))
    },
  )

  test('create prints name, key and hash on stdout, the advice on stderr', async () => {
    const result = await run(['keys', 'create', '--name', 'mobile-app'])
    assert.equal(result.code, 0)
    const match = /^name {2}mobile-app\nkey {3}(agate_\S+)\nhash {2}(sha256:[0-9a-f]{64})\n$/.exec(result.stdout)
    assert.ok(match, result.stdout)
    assert.match(match[1]!, KEY)
    assert.equal(match[2], hashApiKey(match[1]!))
    assert.match(result.stderr, /shown only now/)
  })

  test('create --json', async () => {
    const result = await run(['keys', 'create', '--json'])
    assert.equal(result.code, 0)
    const output = JSON.parse(result.stdout)
    assert.equal(output.name, null)
    assert.match(output.key, KEY)
    assert.equal(output.hash, hashApiKey(output.key))
  })

  test('usage errors and help', async () => {
    assertUsage(await run(['keys', 'delete']), "agate keys: unknown subcommand 'delete' (expected create)")
    assertUsage(await run(['keys', 'create', '--name', '']), '--name must not be empty')
    assertUsage(await run(['keys', 'create', '--size', '9']), 'agate keys create: unknown option --size')
    const bare = await run(['keys'])
    assert.equal(bare.code, 2)
    assert.match(bare.stderr, /Usage: agate keys create/)
    for (const argv of [
      ['keys', '--help'],
      ['keys', 'create', '--help'],
    ]) {
      const help = await run(argv)
      assert.equal(help.code, 0)
      assert.match(help.stdout, /Usage: agate keys create \[--name NAME\]/)
    }
  })
})
