// Preloaded with `node --import` by test/crypto/optional-accelerators.test.ts: makes the
// optional accelerator packages (and, with BLOCK_NODE_CRYPTO=1, node:crypto) impossible to
// load, as on an install with `--omit=optional`, and records every attempt.
import { register } from 'node:module';
import Module from 'node:module';

const blocked = new Set(['tiny-secp256k1', 'snappy-wasm']);
if (process.env.BLOCK_NODE_CRYPTO === '1') blocked.add('node:crypto').add('crypto');

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      const blocked = new Set(${JSON.stringify([...blocked])});
      export async function resolve(specifier, context, next) {
        if (blocked.has(specifier)) {
          const err = new Error("Cannot find package '" + specifier + "' (blocked by the test)");
          err.code = 'ERR_MODULE_NOT_FOUND';
          throw err;
        }
        return next(specifier, context);
      }
    `),
);

// CommonJS require() does not pass through the ESM hooks in Node 20.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (blocked.has(request)) {
    const err = new Error(`Cannot find module '${request}' (blocked by the test)`);
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  }
  return resolveFilename.call(this, request, ...rest);
};
