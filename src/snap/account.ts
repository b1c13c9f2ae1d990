/**
 * State accounts in their two encodings: the consensus ("full") form stored in the account trie,
 * `[nonce, balance, storageRoot, codeHash]`, and the snap wire ("slim") form, where the empty
 * storage root and the empty code hash are sent as empty strings (geth `types.SlimAccountRLP`).
 */
import { equalBytes } from '../common/bytes.js';
import { DecodeError } from '../common/errors.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';
import { keccak256 } from '../crypto/keccak.js';

/** Root of the empty trie, keccak256(rlp("")). */
export const EMPTY_ROOT_HASH: Uint8Array = keccak256(Uint8Array.of(0x80));
/** Hash of empty code, keccak256(""). */
export const EMPTY_CODE_HASH: Uint8Array = keccak256(new Uint8Array(0));

/** An account of the state trie. */
export interface StateAccount {
  nonce: bigint;
  balance: bigint;
  /** Root of the account's storage trie ({@link EMPTY_ROOT_HASH} when it has none). */
  storageRoot: Uint8Array;
  /** keccak256 of its code ({@link EMPTY_CODE_HASH} when it has none). */
  codeHash: Uint8Array;
}

/** The consensus encoding, the value under the account's hash in the state trie. */
export function encodeFullAccount(a: StateAccount): Uint8Array {
  return encList([encUint(a.nonce), encUint(a.balance), encBytes(a.storageRoot), encBytes(a.codeHash)]);
}

/** The snap wire encoding: empty root and empty code hash as empty strings. */
export function encodeSlimAccount(a: StateAccount): Uint8Array {
  const root = equalBytes(a.storageRoot, EMPTY_ROOT_HASH) ? new Uint8Array(0) : a.storageRoot;
  const code = equalBytes(a.codeHash, EMPTY_CODE_HASH) ? new Uint8Array(0) : a.codeHash;
  return encList([encUint(a.nonce), encUint(a.balance), encBytes(root), encBytes(code)]);
}

/** Reads a slim account from `r` (strict: the root and code hash are empty or 32 bytes). */
export function readSlimAccount(r: RlpReader): StateAccount {
  const nonce = r.uint64('nonce');
  const balance = r.uint('balance', 32);
  const root = r.bytes('storageRoot');
  if (root.length !== 0 && root.length !== 32) failLength(r, 'storageRoot', root.length);
  const code = r.bytes('codeHash');
  if (code.length !== 0 && code.length !== 32) failLength(r, 'codeHash', code.length);
  r.done();
  return { nonce, balance, storageRoot: root.length === 0 ? EMPTY_ROOT_HASH : root, codeHash: code.length === 0 ? EMPTY_CODE_HASH : code };
}

function failLength(r: RlpReader, field: string, n: number): never {
  throw new DecodeError(r.what, r.pathOf(field), `expected 0 or 32 bytes, got ${n}`);
}

/** Decodes a slim account body (one RLP list). */
export function decodeSlimAccount(body: Uint8Array, what = 'slim account'): StateAccount {
  return readSlimAccount(RlpReader.root(body, what, { name: 'account' }));
}

/** The consensus encoding of a slim account body (geth `types.FullAccountRLP`). */
export function slimToFull(body: Uint8Array): Uint8Array {
  return encodeFullAccount(decodeSlimAccount(body));
}

/** Reads a full (consensus) account. */
export function decodeFullAccount(body: Uint8Array): StateAccount {
  const r = RlpReader.root(body, 'account', { name: 'account' });
  const a = { nonce: r.uint64('nonce'), balance: r.uint('balance', 32), storageRoot: r.hash('storageRoot'), codeHash: r.hash('codeHash') };
  r.done();
  return a;
}
