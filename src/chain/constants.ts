/** Consensus constants that headers of every post-merge block use. */
import { sha256 } from '../crypto/hash.js';
import { keccak256 } from '../crypto/keccak.js';

/** keccak256(rlp([])): the uncle hash of every post-merge block. */
export const EMPTY_UNCLE_HASH = keccak256(Uint8Array.of(0xc0));
/** EIP-7685 requests hash of a block without requests: sha256 of nothing. */
export const EMPTY_REQUESTS_HASH = sha256();
/** geth `params.InitialBaseFee`. */
export const INITIAL_BASE_FEE = 1_000_000_000n;
