/**
 * Answering eth requests from a {@link ChainReader}, with geth's bounds
 * (`eth/protocols/eth/handlers.go`): at most 1024 items, stopping once the response passes
 * the 2 MiB soft limit, and an empty list (never an error) for anything unknown, so a peer
 * asking for block 2^64-1 gets `[]` and stays connected.
 */
import { encodeBodyItem, type BlockBody } from '../chain/block.js';
import type { ChainReader, TxSource } from '../chain/chain.js';
import type { BlockHeader } from '../chain/header.js';
import type { GetBlockHeaders } from './messages/headers.js';
import type { AnyEthMessage } from './messages/index.js';
import { encodeReceipt69Item, toReceipt68, type Receipt69 } from '../chain/receipt.js';
import type { Transaction } from '../chain/transaction.js';
import { hasPaginatedReceipts, type EthVersion } from './protocol.js';
import { UNAVAILABLE_BLOCK_ACCESS_LIST, type GetBlockAccessLists } from './messages/access-lists.js';
import { CELL_LENGTH, type GetCells } from './messages/cells.js';

/** geth `softResponseLimit`: a response stops growing once it passes this many bytes. */
export const SOFT_RESPONSE_LIMIT = 2 * 1024 * 1024;
/** geth `maxHeadersServe`. */
export const MAX_HEADERS_SERVE = 1024;
/** geth `maxBodiesServe`. */
export const MAX_BODIES_SERVE = 1024;
/** geth `maxReceiptsServe`. */
export const MAX_RECEIPTS_SERVE = 1024;
/** geth `maxNonCanonical`: parent links followed off the canonical chain per header query. */
export const MAX_NON_CANONICAL_STEPS = 100;
/** geth `maxPooledTxServe`: hashes looked up per GetPooledTransactions. */
export const MAX_POOLED_TXS_SERVE = 4096;

const MAX_UINT64 = (1n << 64n) - 1n;

/** Limits for serving; defaults are geth's. */
export interface ServeLimits {
  softResponseLimit?: number;
}

function isCanonical(chain: ChainReader, h: BlockHeader): boolean {
  const c = chain.headerByNumber(h.number);
  return c !== undefined && c.hash.length === h.hash.length && c.hash.every((b, i) => b === h.hash[i]);
}

/**
 * The headers for a GetBlockHeaders query: from the origin (by hash or number), `amount`
 * headers `skip` apart, towards genesis if `reverse`. Stops at the first unknown block.
 * Forward walks follow the canonical chain only; a reverse walk from a non-canonical origin
 * follows parent links (at most {@link MAX_NON_CANONICAL_STEPS}).
 */
export function serveBlockHeaders(chain: ChainReader, q: Pick<GetBlockHeaders, 'origin' | 'amount' | 'skip' | 'reverse'>, limits: ServeLimits = {}): BlockHeader[] {
  const soft = limits.softResponseLimit ?? SOFT_RESPONSE_LIMIT;
  const out: BlockHeader[] = [];
  let bytes = 0;
  let cur = 'hash' in q.origin ? chain.headerByHash(q.origin.hash) : chain.headerByNumber(q.origin.number);
  const step = q.skip + 1n;
  let nonCanonical = MAX_NON_CANONICAL_STEPS;
  while (cur !== undefined && BigInt(out.length) < q.amount && out.length < MAX_HEADERS_SERVE && bytes < soft) {
    out.push(cur);
    bytes += cur.raw.length;
    if (q.reverse) {
      if (cur.number < step) break;
      if (isCanonical(chain, cur)) {
        cur = chain.headerByNumber(cur.number - step);
      } else {
        let h: BlockHeader | undefined = cur;
        for (let i = 0n; i < step && h !== undefined; i++) {
          if (nonCanonical-- <= 0) h = undefined;
          else h = chain.headerByHash(h.parentHash);
        }
        cur = h;
      }
    } else {
      // Descendants are only known along the canonical chain; the skip may not overflow uint64.
      if (!isCanonical(chain, cur) || cur.number + step > MAX_UINT64) break;
      cur = chain.headerByNumber(cur.number + step);
    }
  }
  return out;
}

/** The bodies for a GetBlockBodies, in request order, unknown blocks left out. */
export function serveBlockBodies(chain: ChainReader, hashes: readonly Uint8Array[], limits: ServeLimits = {}): BlockBody[] {
  const soft = limits.softResponseLimit ?? SOFT_RESPONSE_LIMIT;
  const out: BlockBody[] = [];
  let bytes = 0;
  for (let i = 0; i < hashes.length && i < 2 * MAX_BODIES_SERVE; i++) {
    if (bytes >= soft || out.length >= MAX_BODIES_SERVE) break;
    const body = chain.bodyByHash(hashes[i]!);
    if (body === undefined) continue;
    out.push(body);
    bytes += encodeBodyItem(body).length;
  }
  return out;
}

/** The receipts for an eth/68 or eth/69 GetReceipts: one list per known block (whole blocks only). */
export function serveReceipts(chain: ChainReader, hashes: readonly Uint8Array[], limits: ServeLimits = {}): Receipt69[][] {
  const soft = limits.softResponseLimit ?? SOFT_RESPONSE_LIMIT;
  const out: Receipt69[][] = [];
  let bytes = 0;
  for (let i = 0; i < hashes.length && i < 2 * MAX_RECEIPTS_SERVE; i++) {
    if (bytes >= soft || out.length >= MAX_RECEIPTS_SERVE) break;
    const receipts = chain.receiptsByHash(hashes[i]!);
    if (receipts === undefined) continue;
    out.push(receipts);
    for (const r of receipts) bytes += encodeReceipt69Item(r).length;
  }
  return out;
}

/**
 * The receipts for an eth/70 GetReceipts (EIP-7975): the first block's list starts at
 * `firstBlockReceiptIndex`; when the soft limit is hit inside a block, that block's list is
 * cut there and `lastBlockIncomplete` is set, so the peer asks again from where it stopped.
 * At least one receipt is always returned when any is available.
 */
export function serveReceipts70(
  chain: ChainReader,
  hashes: readonly Uint8Array[],
  firstBlockReceiptIndex: bigint,
  limits: ServeLimits = {},
): { receipts: Receipt69[][]; lastBlockIncomplete: boolean } {
  const soft = limits.softResponseLimit ?? SOFT_RESPONSE_LIMIT;
  const out: Receipt69[][] = [];
  let bytes = 0;
  for (let i = 0; i < hashes.length && i < 2 * MAX_RECEIPTS_SERVE; i++) {
    if (bytes >= soft || out.length >= MAX_RECEIPTS_SERVE) break;
    const all = chain.receiptsByHash(hashes[i]!);
    if (all === undefined) continue;
    // The index applies to the first requested block; past its end it selects nothing.
    const start = i === 0 ? Number(firstBlockReceiptIndex < BigInt(all.length) ? firstBlockReceiptIndex : BigInt(all.length)) : 0;
    const list: Receipt69[] = [];
    out.push(list);
    for (let j = start; j < all.length; j++) {
      const size = encodeReceipt69Item(all[j]!).length;
      if (bytes + size > soft && bytes > 0) {
        // Cut before this block's first receipt: leave the block out rather than send it empty.
        if (list.length === 0) {
          out.pop();
          return { receipts: out, lastBlockIncomplete: false };
        }
        return { receipts: out, lastBlockIncomplete: true };
      }
      list.push(all[j]!);
      bytes += size;
    }
  }
  return { receipts: out, lastBlockIncomplete: false };
}

/** The transactions for a GetPooledTransactions that `pool` has (none without a pool). */
export function servePooledTransactions(pool: TxSource | undefined, hashes: readonly Uint8Array[], limits: ServeLimits = {}): Transaction[] {
  if (pool === undefined) return [];
  const soft = limits.softResponseLimit ?? SOFT_RESPONSE_LIMIT;
  const out: Transaction[] = [];
  let bytes = 0;
  for (let i = 0; i < hashes.length && i < MAX_POOLED_TXS_SERVE; i++) {
    if (bytes >= soft) break;
    const tx = pool.pooledTransaction(hashes[i]!);
    if (tx === undefined) continue;
    out.push(tx);
    bytes += tx.raw.length;
  }
  return out;
}

/** geth `maxBALsServe`: block access lists served per GetBlockAccessLists. */
export const MAX_BALS_SERVE = 1024;
/** geth `maxCellsServe`: transactions looked up per GetCells. */
export const MAX_CELLS_SERVE = 4096;

/** Blob cells a node holds (its blob pool), for eth/72 GetCells. */
export interface BlobSource {
  /**
   * The cells of blob transaction `txHash` in the columns of `mask` (flattened per column, as
   * geth sends them), or undefined if it is not held whole.
   */
  cells(txHash: Uint8Array, mask: Uint8Array): Uint8Array[] | undefined;
}

/** Where requests are answered from. */
export interface ServeSource {
  chain: ChainReader;
  /** Transactions for GetPooledTransactions (none if absent: empty responses). */
  txSource?: TxSource | undefined;
  /** Cells for GetCells (none if absent: empty responses, as geth answers without them). */
  blobSource?: BlobSource | undefined;
}

/**
 * The entries for an eth/71 GetBlockAccessLists (geth `serviceGetBlockAccessListsQuery`): one
 * per hash in request order, the RLP empty string where the chain has no access list, until
 * {@link MAX_BALS_SERVE} entries or the soft limit.
 */
export function serveBlockAccessLists(chain: ChainReader, hashes: readonly Uint8Array[], limits: ServeLimits = {}): Uint8Array[] {
  const soft = limits.softResponseLimit ?? SOFT_RESPONSE_LIMIT;
  const out: Uint8Array[] = [];
  let bytes = 0;
  for (const hash of hashes) {
    if (bytes >= soft || out.length >= MAX_BALS_SERVE) break;
    const bal = chain.accessListByHash?.(hash);
    if (bal === undefined || bal.length === 0) {
      out.push(UNAVAILABLE_BLOCK_ACCESS_LIST);
      continue;
    }
    out.push(bal);
    bytes += bal.length;
  }
  return out;
}

/**
 * The answer to an eth/72 GetCells (geth `answerGetCells`): the transactions whose cells the
 * source holds whole, until {@link MAX_CELLS_SERVE} lookups or the soft limit's worth of cells;
 * the request's mask echoed.
 */
export function serveCells(source: BlobSource | undefined, hashes: readonly Uint8Array[], mask: Uint8Array, limits: ServeLimits = {}): { hashes: Uint8Array[]; cells: Uint8Array[][] } {
  const maxCells = Math.floor((limits.softResponseLimit ?? SOFT_RESPONSE_LIMIT) / CELL_LENGTH);
  const out = { hashes: [] as Uint8Array[], cells: [] as Uint8Array[][] };
  if (source === undefined) return out;
  let count = 0;
  for (let i = 0; i < hashes.length; i++) {
    if (count >= maxCells || i >= MAX_CELLS_SERVE) break;
    const cells = source.cells(hashes[i]!, mask);
    if (cells === undefined || cells.length === 0) continue;
    out.hashes.push(hashes[i]!);
    out.cells.push(cells);
    count += cells.length;
  }
  return out;
}

/**
 * The answer to a request of the peer, in the form of `version`, echoing its request ID
 * (whatever it is, 0 and repeats included); undefined for a message that is not a request.
 */
export function answerRequest(version: EthVersion, m: AnyEthMessage, source: ServeSource, limits: ServeLimits = {}): AnyEthMessage | undefined {
  const chain = source.chain;
  switch (m.name) {
    case 'GetBlockHeaders': {
      const q = m.value;
      return { name: 'BlockHeaders', value: { requestId: q.requestId, headers: serveBlockHeaders(chain, q, limits) } };
    }
    case 'GetBlockBodies':
      return { name: 'BlockBodies', value: { requestId: m.value.requestId, bodies: serveBlockBodies(chain, m.value.hashes, limits) } };
    case 'GetReceipts': {
      const q = m.value as { requestId: bigint; hashes: Uint8Array[]; firstBlockReceiptIndex?: bigint };
      if (hasPaginatedReceipts(version)) {
        const r = serveReceipts70(chain, q.hashes, q.firstBlockReceiptIndex ?? 0n, limits);
        return { name: 'Receipts', value: { requestId: q.requestId, receipts: r.receipts, lastBlockIncomplete: r.lastBlockIncomplete } } as AnyEthMessage;
      }
      const r = serveReceipts(chain, q.hashes, limits);
      return { name: 'Receipts', value: { requestId: q.requestId, receipts: version === 68 ? r.map((b) => b.map(toReceipt68)) : r } } as AnyEthMessage;
    }
    case 'GetBlockAccessLists': {
      const q = m.value as GetBlockAccessLists;
      return { name: 'BlockAccessLists', value: { requestId: q.requestId, accessLists: serveBlockAccessLists(chain, q.hashes, limits) } } as AnyEthMessage;
    }
    case 'GetCells': {
      const q = m.value as GetCells;
      return { name: 'Cells', value: { requestId: q.requestId, ...serveCells(source.blobSource, q.hashes, q.mask, limits), mask: q.mask } } as AnyEthMessage;
    }
    case 'GetPooledTransactions':
      return { name: 'PooledTransactions', value: { requestId: m.value.requestId, transactions: servePooledTransactions(source.txSource, m.value.hashes, limits) } };
    default:
      return undefined;
  }
}
