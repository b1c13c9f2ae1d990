export * from './protocol.js';
export * from './expiring-set.js';
export * from './peer.js';
export * from './dial-scheduler.js';
export * from './server.js';
export * from './reputation.js';
export * from './metrics.js';
export * from './session-view.js';
