/**
 * Runs the token server on several cores: `node --import tsx src/server/cluster-main.ts
 * [--workers N] [--port N] [--host HOST] [--config FILE] [--production]`. `--workers 0` (or none,
 * in production) starts one worker per usable CPU. The cluster counterpart of `main.ts`, for the
 * bench, the soak and container images; `agate serve --workers N` is the user-facing command.
 * @module
 */
import { parseArgs } from 'node:util'
import { runCluster } from './cluster.js'
import { ConfigError, type LoadConfigOptions } from './config.js'

const { values } = parseArgs({
  options: {
    workers: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    production: { type: 'boolean' },
  },
})
const options: LoadConfigOptions & { workers?: number } = {}
if (values.workers !== undefined) {
  const workers = Number(values.workers)
  if (!Number.isSafeInteger(workers) || workers < 0 || workers > 256) {
    process.stderr.write('agate cluster: --workers must be an integer from 0 (one per CPU) to 256\n')
    process.exit(2)
  }
  options.workers = workers
}
if (values.port !== undefined) options.port = Number(values.port)
if (values.host !== undefined) options.host = values.host
if (values.config !== undefined) options.configFile = values.config
if (values.production === true) options.production = true

try {
  await runCluster(options)
} catch (error) {
  process.stderr.write(
    `agate cluster: ${error instanceof ConfigError ? error.message : String((error as Error).message ?? error)}\n`,
  )
  process.exit(1)
}
