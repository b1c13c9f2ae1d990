/**
 * `devp2p-ts/sync`: what runs on top of the server: eth as a server protocol (EthService),
 * header sync into a HeaderStore, the ready-made sync and P2P nodes, their metrics and status
 * pages, and the crawler.
 */
export * from './eth-service.js';
export * from './header-sync.js';
export * from './header-store.js';
export * from './store-chain.js';
export * from './eth-sync-peer.js';
export * from './sync-node.js';
export * from './p2p-node.js';
export * from './node-metrics.js';
export * from './node-status.js';
export * from './status-server.js';
export * from './crawl.js';
export * from './discovery-candidates.js';
