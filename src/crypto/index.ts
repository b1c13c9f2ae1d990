export * from './keccak.js';
export * from './secp256k1.js';
