import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { describe, test } from 'node:test'
import { serveCommand, type ServeOptions } from '../../../src/cli/commands/serve.js'
import { CliError } from '../../../src/cli/io.js'
import { assertUsage, run } from '../helpers.js'

function memoryIo(signal?: AbortSignal) {
  const io = {
    out: '',
    err: '',
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    env: { AGORA_APP_ID: 'from-env' } as Record<string, string | undefined>,
    ...(signal === undefined ? {} : { signal }),
  }
  return io
}

describe('agate serve (adapter over src/server)', () => {
  test('passes env and flags to loadConfig, starts, prints the URL on stderr, closes on abort', async () => {
    const calls: unknown[] = []
    const fake = {
      loadConfig: async (env: Record<string, string | undefined>, options: ServeOptions) => {
        calls.push(['loadConfig', env.AGORA_APP_ID, options])
        return { config: true }
      },
      startServer: async (config: unknown) => {
        calls.push(['startServer', config])
        return { url: 'http://127.0.0.1:8080', close: async () => void calls.push(['close']) }
      },
    }
    const controller = new AbortController()
    const io = memoryIo(controller.signal)
    const done = serveCommand(
      ['--port', '8080', '--host', '127.0.0.1', '--config', 'agate.json', '--production'],
      io,
      async () => fake,
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(io.err, 'agate serve: listening on http://127.0.0.1:8080\n')
    assert.deepEqual(calls, [
      ['loadConfig', 'from-env', { port: 8080, host: '127.0.0.1', configFile: 'agate.json', production: true }],
      ['startServer', { config: true }],
    ])
    controller.abort()
    assert.equal(await done, 0)
    assert.deepEqual(calls.at(-1), ['close'])
    assert.equal(io.out, '')
  })

  test('absent flags are not passed', async () => {
    let seen: unknown
    const fake = {
      loadConfig: (_env: unknown, options: ServeOptions) => void (seen = options),
      startServer: () => ({ url: 'http://x', close: () => undefined }),
    }
    const controller = new AbortController()
    controller.abort()
    assert.equal(await serveCommand([], memoryIo(controller.signal), async () => fake), 0)
    assert.deepEqual(seen, {})
  })

  test('startup failures exit 1 with the reason', async () => {
    const fake = {
      loadConfig: () => {
        throw new Error('AGORA_APP_ID is not set')
      },
      startServer: () => ({ url: '', close: () => undefined }),
    }
    await assert.rejects(
      serveCommand([], memoryIo(), async () => fake),
      {
        name: 'CliError',
        exitCode: 1,
        message: 'cannot start the server: AGORA_APP_ID is not set',
      },
    )
  })

  test('a module without loadConfig/startServer, or a missing module, exits 1', async () => {
    await assert.rejects(
      serveCommand([], memoryIo(), async () => ({ start: () => undefined })),
      (error: unknown) => {
        assert.ok(error instanceof CliError)
        assert.equal(error.exitCode, 1)
        assert.equal(error.message, 'the token server module does not export loadConfig and startServer')
        return true
      },
    )
    const missing = Object.assign(new Error("Cannot find module '/app/dist/server/index.js'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    await assert.rejects(
      serveCommand([], memoryIo(), async () => {
        throw missing
      }),
      {
        name: 'CliError',
        exitCode: 1,
        message: 'the token server is not part of this build (server/index.js is missing)',
      },
    )
  })

  test('bad flags exit 2 before anything starts', async () => {
    assertUsage(await run(['serve', '--port', 'http']), "--port must be a non-negative integer, got 'http'")
    assertUsage(await run(['serve', '--port', '65536']), '--port must be from 0 to 65535')
    assertUsage(await run(['serve', '--host', '']), '--host must not be empty')
    assertUsage(await run(['serve', '--tls']), 'unknown option --tls')
    assertUsage(await run(['serve', 'now']), "unexpected argument 'now'")
  })

  test('--help', async () => {
    const result = await run(['serve', '--help'])
    assert.equal(result.code, 0)
    for (const flag of ['--port', '--host', '--config', '--production']) assert.ok(result.stdout.includes(flag))
  })

  // Until src/server exists, the real loader must report it cleanly instead of crashing.
  test(
    'without src/server, main reports it and exits 1',
    { skip: existsSync('src/server/index.ts') && 'src/server exists' },
    async () => {
      const result = await run(['serve'])
      assert.equal(result.code, 1)
      assert.equal(
        result.stderr,
        'agate serve: the token server is not part of this build (server/index.js is missing)\n',
      )
    },
  )
})
