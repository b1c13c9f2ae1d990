/**
 * What a snap server reads: the state at a root (accounts and storage in hash order, with
 * proofs and trie nodes), contract code by hash, and (snap/2) block access lists. An embedding
 * client implements it over its database; {@link DumpStateReader} implements it over a state dump.
 */
import type { StateAccount } from './account.js';

/** An account as iterated: its hash (the trie key) and contents. */
export interface AccountEntry {
  hash: Uint8Array;
  account: StateAccount;
}

/** A storage slot as iterated: the hash of its key and its value as stored in the trie (RLP). */
export interface SlotEntry {
  hash: Uint8Array;
  value: Uint8Array;
}

/** The state under one root. */
export interface StateView {
  readonly root: Uint8Array;
  /** Accounts with hash >= `origin`, ascending. */
  accounts(origin: Uint8Array): Iterable<AccountEntry>;
  /** Slots of account `accountHash` with hash >= `origin`, ascending; undefined if there is no such account. */
  storage(accountHash: Uint8Array, origin: Uint8Array): Iterable<SlotEntry> | undefined;
  /** Proof nodes for `key` (present or absent) in the account trie. */
  proveAccount(key: Uint8Array): Promise<Uint8Array[]>;
  /** Proof nodes for `key` in the storage trie of `accountHash`; undefined if there is no such account. */
  proveStorage(accountHash: Uint8Array, key: Uint8Array): Promise<Uint8Array[] | undefined>;
  /**
   * The trie node at `path` (compact encoding) of the account trie, or of the storage trie of
   * `accountHash` when given: empty when no node is there, undefined when it cannot be served
   * (see {@link HashedTrie.nodeAt}), or when the account does not exist.
   */
  trieNode(path: Uint8Array, accountHash?: Uint8Array): Promise<Uint8Array | undefined>;
}

export interface StateReader {
  /** The state under `root`, or undefined if it is not available. */
  state(root: Uint8Array): StateView | undefined;
  /** Contract code by its hash, or undefined. */
  code(hash: Uint8Array): Uint8Array | undefined;
  /** The RLP-encoded block access list of block `blockHash`, or undefined (snap/2). */
  accessList?(blockHash: Uint8Array): Uint8Array | undefined;
}
