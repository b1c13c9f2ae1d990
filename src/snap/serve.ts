/**
 * Answers to snap requests from a {@link StateReader}, as geth v1.17.10 builds them
 * (`eth/protocols/snap/handlers.go`): byte limits clamped to {@link SNAP_SOFT_RESPONSE_LIMIT},
 * lookups bounded, an empty answer when the state is not available.
 */
import { equalBytes } from '../common/bytes.js';
import { SnapProtocolError } from './errors.js';
import { EMPTY_CODE_HASH, encodeSlimAccount } from './account.js';
import { bytesToHash, compareBytes } from './bytes-order.js';
import { UNAVAILABLE_ACCESS_LIST, type AccessLists, type GetAccessLists } from './messages/access-lists.js';
import type { AccountData, AccountRange, GetAccountRange } from './messages/account-range.js';
import type { ByteCodes, GetByteCodes } from './messages/bytecodes.js';
import type { GetStorageRanges, StorageData, StorageRanges } from './messages/storage-ranges.js';
import type { GetTrieNodes, TrieNodes } from './messages/trie-nodes.js';
import { MAX_ACCESS_LIST_LOOKUPS, MAX_CODE_LOOKUPS, MAX_TRIE_NODE_LOOKUPS, MAX_TRIE_NODE_TIME_MS, SNAP_SOFT_RESPONSE_LIMIT, STATE_LOOKUP_SLACK } from './protocol.js';
import type { StateReader } from './state-reader.js';

const HASH_LENGTH = 32;
const ZERO_HASH = new Uint8Array(32);
const MAX_HASH = new Uint8Array(32).fill(0xff);

/** The request's byte limit, clamped to the soft response limit. */
function clampBytes(bytes: bigint): number {
  return bytes > BigInt(SNAP_SOFT_RESPONSE_LIMIT) ? SNAP_SOFT_RESPONSE_LIMIT : Number(bytes);
}

/** Deduplicated proof nodes (the two edge proofs share their upper nodes). */
function uniqueNodes(nodes: Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return nodes.filter((n) => {
    const k = Buffer.from(n.buffer, n.byteOffset, n.length).toString('latin1');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** AccountRange: accounts from `origin` until past `limit` or past the byte limit, with both edge proofs. */
export async function serveAccountRange(state: StateReader, req: GetAccountRange): Promise<AccountRange> {
  const bytes = clampBytes(req.bytes);
  const empty = { requestId: req.requestId, accounts: [], proof: [] };
  const view = state.state(req.root);
  if (view === undefined) return empty;
  const accounts: AccountData[] = [];
  let size = 0;
  for (const { hash, account } of view.accounts(req.origin)) {
    const body = encodeSlimAccount(account);
    size += HASH_LENGTH + body.length;
    accounts.push({ hash, body });
    if (compareBytes(hash, req.limit) >= 0 || size > bytes) break;
  }
  const proof = await view.proveAccount(req.origin);
  if (accounts.length > 0) proof.push(...(await view.proveAccount(accounts[accounts.length - 1]!.hash)));
  return { requestId: req.requestId, accounts, proof: uniqueNodes(proof) };
}

/**
 * StorageRanges: the storage of each requested account in turn until the byte limit; a range
 * cut short (or started past zero) ends the reply, with its edge proofs.
 */
export async function serveStorageRanges(state: StateReader, req: GetStorageRanges): Promise<StorageRanges> {
  const bytes = clampBytes(req.bytes);
  const hardLimit = Math.floor(bytes * (1 + STATE_LOOKUP_SLACK));
  const view = state.state(req.root);
  const empty = { requestId: req.requestId, slots: [], proof: [] };
  if (view === undefined) return empty;
  const slots: StorageData[][] = [];
  const proof: Uint8Array[] = [];
  let size = 0;
  let first = true;
  for (const account of req.accounts) {
    if (size >= bytes) break;
    // Only the first account may start past zero or end before the last slot.
    const origin = first && req.origin.length > 0 ? bytesToHash(req.origin) : ZERO_HASH;
    const limit = first && req.limit.length > 0 ? bytesToHash(req.limit) : MAX_HASH;
    first = false;
    const it = view.storage(account, origin);
    if (it === undefined) return empty;
    const storage: StorageData[] = [];
    let abort = false;
    for (const { hash, value } of it) {
      if (size >= hardLimit) {
        abort = true;
        break;
      }
      storage.push({ hash, body: value });
      size += HASH_LENGTH + value.length;
      if (compareBytes(hash, limit) >= 0) {
        abort = true;
        break;
      }
    }
    if (storage.length > 0) slots.push(storage);
    if (!equalBytes(origin, ZERO_HASH) || (abort && storage.length > 0)) {
      const edges = await view.proveStorage(account, origin);
      if (edges === undefined) return empty;
      if (storage.length > 0) edges.push(...((await view.proveStorage(account, storage[storage.length - 1]!.hash)) ?? []));
      proof.push(...uniqueNodes(edges));
      break;
    }
  }
  return { requestId: req.requestId, slots, proof };
}

/** ByteCodes: known codes in request order (the empty code for its hash), until the byte limit. */
export function serveByteCodes(state: StateReader, req: GetByteCodes): ByteCodes {
  const bytes = clampBytes(req.bytes);
  const codes: Uint8Array[] = [];
  let size = 0;
  for (const hash of req.hashes.slice(0, MAX_CODE_LOOKUPS)) {
    if (equalBytes(hash, EMPTY_CODE_HASH)) {
      codes.push(new Uint8Array(0));
    } else {
      const code = state.code(hash);
      if (code !== undefined && code.length > 0) {
        codes.push(code);
        size += code.length;
      }
    }
    if (size > bytes) break;
  }
  return { requestId: req.requestId, codes };
}

/**
 * TrieNodes (snap/1): nodes by path until the byte limit, {@link MAX_TRIE_NODE_LOOKUPS} loads or
 * {@link MAX_TRIE_NODE_TIME_MS}. An empty path set is a bad request: throws
 * {@link SnapProtocolError} ('bad-request'), and the peer is dropped, as geth drops it.
 */
export async function serveTrieNodes(state: StateReader, req: GetTrieNodes, now: () => number = Date.now): Promise<TrieNodes> {
  const start = now();
  const bytes = clampBytes(req.bytes);
  const view = state.state(req.root);
  if (view === undefined) return { requestId: req.requestId, nodes: [] };
  const nodes: Uint8Array[] = [];
  let size = 0;
  let loads = 0;
  const spent = (): boolean => size > bytes || loads > MAX_TRIE_NODE_LOOKUPS || now() - start > MAX_TRIE_NODE_TIME_MS;
  for (const set of req.paths) {
    if (set.length === 0) throw new SnapProtocolError('bad-request', 'zero-item path set requested');
    if (set.length === 1) {
      const node = await view.trieNode(set[0]!);
      loads++;
      if (node !== undefined) {
        nodes.push(node);
        size += node.length;
      }
    } else {
      // The account's storage trie; the first element is the account hash (its full path).
      const account = bytesToHash(set[0]!);
      loads++;
      for (const path of set.slice(1)) {
        const node = await view.trieNode(path, account);
        loads++;
        if (node === undefined) break;
        nodes.push(node);
        size += node.length;
        if (spent()) break;
      }
    }
    if (spent()) break;
  }
  return { requestId: req.requestId, nodes };
}

/** AccessLists (snap/2): one entry per requested hash, the RLP empty string when unknown, until the byte limit. */
export function serveAccessLists(state: StateReader, req: GetAccessLists): AccessLists {
  const bytes = clampBytes(req.bytes);
  const accessLists: Uint8Array[] = [];
  let size = 0;
  for (const hash of req.hashes.slice(0, MAX_ACCESS_LIST_LOOKUPS)) {
    const bal = state.accessList?.(hash);
    const entry = bal !== undefined && bal.length > 0 ? bal : UNAVAILABLE_ACCESS_LIST;
    accessLists.push(entry);
    size += entry.length;
    if (size > bytes) break;
  }
  return { requestId: req.requestId, accessLists };
}
