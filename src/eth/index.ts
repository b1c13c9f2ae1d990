/** The eth wire protocol (eth/68, eth/69, eth/70): message codecs, Status handshake, peer, serving. */
export * from './protocol.js';
export * from '../common/rlp-reader.js';
export * from './messages/request-id.js';
export * from './messages/status.js';
export * from './messages/block-range-update.js';
export * from './messages/new-block-hashes.js';
export * from './messages/new-block.js';
export * from './messages/transactions.js';
export * from './messages/headers.js';
export * from './messages/bodies.js';
export * from './messages/pooled-transactions.js';
export * from './messages/receipts.js';
export * from './messages/index.js';
export * from './capabilities.js';
export * from './errors.js';
export * from './handshake.js';
export * from './serve.js';
export * from './request-tracker.js';
export * from './serve-queue.js';
export * from './announcements.js';
export * from './peer.js';
// The chain data the protocol carries; re-exported so `eth.*` keeps every name it had before chain/ existed.
export * from '../chain/index.js';
