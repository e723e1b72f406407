/**
 * The machine's Node (the one running the tests, and the oldest `engines.node` admits): the built
 * library and the server from dist/, as on Node 22 and 24.
 */
import { nodeRuntimeTests } from './helpers/node-runtime.js'

nodeRuntimeTests("the machine's Node", { path: process.execPath, version: process.versions.node })
