/**
 * devp2p-ts public API. Each layer is also importable on its own; this barrel re-exports the
 * stable surface.
 */
export * from './common/bytes.js';
export * from './common/errors.js';
export { TypedEmitter } from './common/emitter.js';
export * from './crypto/index.js';
export * from './enode/index.js';
export * from './rlpx/index.js';
export * as discv4 from './discv4/index.js';
export * as dnsdisc from './dnsdisc/index.js';
export * as chain from './chain/index.js';
export * as eth from './eth/index.js';
export * as crawl from './sync/crawl/crawl.js';
export * from './common/netutil.js';
