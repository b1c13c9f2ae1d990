/**
 * `devp2p-ts/sync`: what runs on top of the server: eth as a server protocol (EthService),
 * header sync into a HeaderStore, the ready-made sync and P2P nodes, their metrics and status
 * pages, and the crawler.
 */
export * from './node/eth-service.js';
export * from './headers/header-sync.js';
export * from './headers/header-store.js';
export * from './headers/store-chain.js';
export * from './headers/eth-sync-peer.js';
export * from './node/sync-node.js';
export * from './node/p2p-node.js';
export * from './node/node-metrics.js';
export * from './node/node-status.js';
export * from './node/status-server.js';
export * from './node/discovery-candidates.js';
export * from './crawl/crawl.js';
