/** Node 22 (LTS): the built library and the server from dist/. */
import { locate, nodeBinary } from './helpers/binaries.js'
import { nodeRuntimeTests } from './helpers/node-runtime.js'

nodeRuntimeTests(
  'Node 22',
  locate('Node 22', () => nodeBinary('22.23.5'), 'npm could not install node-<platform>-<arch>@22.23.5'),
)
