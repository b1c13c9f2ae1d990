/**
 * Chain data and its sources: headers, blocks, transactions, receipts, tries and blooms,
 * genesis and chain configuration (fork schedule, fork ID), the known networks, and chains
 * held in memory, in RLP files, or generated for a devnet. Nothing here speaks a protocol.
 */
export * from './forkid.js';
export * from './crc32.js';
export * from './chain-config.js';
export * from './networks.js';
export * from './header.js';
export * from './transaction.js';
export * from './block.js';
export * from './receipt.js';
export * from './trie.js';
export * from './block-roots.js';
export * from './bloom.js';
export * from './chain.js';
export * from './devnet-chain.js';
export * from './rlp-file.js';
export * from './chain-file.js';
export * from './receipts-file.js';
export * from './receipts-json.js';
export * from './genesis.js';
export * from './file-chain.js';
export * from './engine-payload.js';
