export * from './key.js';
export * from './enode-url.js';
export * from './enr.js';
