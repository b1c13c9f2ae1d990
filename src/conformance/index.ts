/**
 * Conformance checks against a remote node: the framework (checks, runner, reporters) and the
 * eth (with RLPx handshake) and discv4 suites. Above eth, discv4 and rlpx; used by the CLI.
 */
export * from './check.js';
export * from './runner.js';
export * from './report/tap.js';
export * from './report/json.js';
export * from './report/table.js';
export { ethChecks, ethVersionChecks } from './eth/suite.js';
export { DEFAULT_READ_TIMEOUT_MS, type EthTarget } from './eth/target.js';
export { loadTestChain, testChainFromBlocks, TestChainError, type TestChain } from './eth/test-chain.js';
export { discv4Checks } from './discv4/suite.js';
export { DEFAULT_WAIT_MS, type Discv4Target } from './discv4/target.js';
