export * from './errors.js';
export * from './endpoint.js';
export * from './messages.js';
export * from './packets.js';
export * from './neighbors.js';
