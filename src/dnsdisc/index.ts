/** DNS discovery (EIP-1459): node trees, their TXT records, and the client that reads them. */
export * from './base32.js';
export * from './entries.js';
export * from './errors.js';
export * from './tree.js';
export * from './resolver.js';
export * from './rate-limiter.js';
export * from './client.js';
export { ROOT_RECHECK_FAIL_COUNT } from './client-tree.js';
export * from './iterator.js';
export * from './tree-definition.js';
export * from './keystore.js';
