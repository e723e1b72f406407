/**
 * `node:fs/promises` for the Cloudflare Workers bundle: there are no files on Workers, so every call
 * fails with `ENOTSUP`, which the config turns into an error naming the setting (a `*_FILE`
 * setting or development credentials). Settings come from Worker bindings instead.
 * @module
 */

function unsupported(): Promise<never> {
  return Promise.reject(Object.assign(new Error('there is no file system on Cloudflare Workers'), { code: 'ENOTSUP' }))
}

export const readFile = unsupported
export const writeFile = unsupported
export const mkdir = unsupported
