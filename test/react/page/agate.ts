/** Agate's React entry with the browser helper and the sandbox client, as the page global `Agate`. */
export * from '../../../src/react/index.js'
export { createSandboxClient } from '../../../src/sandbox/client.js'
