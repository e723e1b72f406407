/**
 * Runs the token server from a command line: `node --import tsx src/server/main.ts [--port N]
 * [--host HOST] [--config FILE] [--production]` (the bench starts it this way; `agate serve` is the
 * user-facing command).
 * @module
 */
import { parseArgs } from 'node:util'
import { ConfigError, type LoadConfigOptions } from './config.js'
import { runServer } from './listen.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    production: { type: 'boolean' },
  },
})
const options: LoadConfigOptions = {}
if (values.port !== undefined) options.port = Number(values.port)
if (values.host !== undefined) options.host = values.host
if (values.config !== undefined) options.configFile = values.config
if (values.production === true) options.production = true

try {
  await runServer(options)
} catch (error) {
  process.stderr.write(
    `agate server: ${error instanceof ConfigError ? error.message : String((error as Error).message ?? error)}\n`,
  )
  process.exit(1)
}
