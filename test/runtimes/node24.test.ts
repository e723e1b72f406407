/** Node 24 (LTS): the built library and the server from dist/. */
import { locate, nodeBinary } from './helpers/binaries.js'
import { nodeRuntimeTests } from './helpers/node-runtime.js'

nodeRuntimeTests(
  'Node 24',
  locate('Node 24', () => nodeBinary('24.22.3'), 'npm could not install node-<platform>-<arch>@24.22.3'),
)
