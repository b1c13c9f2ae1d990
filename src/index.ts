/**
 * devp2p-ts: the common path of an embedding client. Keys, enode/ENR, RLPx dial, the server
 * and its protocol interface, eth (EthService, EthPeer requests), header sync, chains, metrics
 * and logs. Each layer is also its own entry, with everything it exports:
 * `devp2p-ts/enode`, `/rlpx`, `/discv4`, `/eth`, `/chain`, `/server`, `/sync`, `/conformance`,
 * `/dnsdisc`, `/report`, `/crypto`; test and simulation helpers are in `devp2p-ts/testing`.
 */
export * from './common/bytes.js';
export * from './common/errors.js';
export { TypedEmitter, type EventMap, type EventName, type Listener, type ErrorEvent } from './common/emitter.js';
export { AbortError, isAbortError } from './common/abortable.js';
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './common/log.js';
export * from './crypto/index.js';
export * from './enode/index.js';
export * from './rlpx/index.js';
export * from './server/index.js';
export * from './common/netutil.js';
export { EthService, type EthServiceEvents, type EthServiceOptions } from './sync/node/eth-service.js';
export { HeaderSync, SyncError, type HeaderSyncEvents, type SyncProgress, type SyncResult, type SyncPeer } from './sync/headers/header-sync.js';
export { HeaderStore } from './sync/headers/header-store.js';
export { runSyncNode, type SyncNodeOptions, type SyncSummary } from './sync/node/sync-node.js';
export { P2PNode, type P2PNodeOptions } from './sync/node/p2p-node.js';
export { discoveryCandidates } from './sync/node/discovery-candidates.js';
export { ethMetrics, headerSyncMetrics, discoveryMetrics, nodeMetrics } from './sync/node/node-metrics.js';
export { EthPeer, type EthPeerEvents, type EthPeerOptions } from './eth/peer.js';
export { EthHandshakeError, EthRequestError, EthProtocolError, EthUnsupportedMessageError } from './eth/errors.js';
export { MemoryChain, type ChainReader, type ChainHead, type ChainBlock, type TxSource } from './chain/chain.js';
export type { BlockHeader } from './chain/header.js';
export type { BlockBody } from './chain/block.js';
export type { Receipt69 } from './chain/receipt.js';
export type { Transaction } from './chain/transaction.js';
export type { EthNetwork } from './chain/chain-config.js';
export { generateDevnetChain, type DevnetChain } from './chain/devnet-chain.js';
export * as discv4 from './discv4/index.js';
export * as dnsdisc from './dnsdisc/index.js';
export * as eth from './eth/index.js';
export * as chain from './chain/index.js';
export * as crawl from './sync/crawl/crawl.js';
