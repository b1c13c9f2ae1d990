/**
 * `devp2p-ts/testing`: helpers for tests and simulations, kept out of the main entry because
 * none of them belongs on a real network: an in-memory UDP network, a many-node discv4
 * simulation, and the packet "signer" that skips signatures (anyone could impersonate any node
 * with it).
 */
export { MemoryNetwork, MemoryTransport } from '../discv4/udp.js';
export * from '../discv4/simulation.js';
/** A local geth process (init, optional import, JSON-RPC and the engine API on loopback) for interop tests. */
export { findGethBinary, startGeth, isExecutableFile, freePort, toolCacheDir, CACHED_GETH_VERSIONS, type GethNode, type StartGethOptions } from './geth-node.js';
