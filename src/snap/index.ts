/**
 * The snap protocol (snap/1 and snap/2): message codecs, a verified client ({@link SnapPeer}),
 * serving over a {@link StateReader}, and a state reader over a state dump.
 */
export * from './account.js';
export * from './errors.js';
export * from './messages/index.js';
export * from './peer.js';
export * from './protocol.js';
export * from './serve.js';
export * from './state-dump.js';
export type * from './state-reader.js';
export { HashedTrie, RangeProofError, verifyRangeProof, nibblesToCompact, compactToNibbles } from './trie.js';
export { stateSet } from './state-set.js';
