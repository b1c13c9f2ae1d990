/**
 * Requests as the checks send them: built and read at the wire level, so a check sees the
 * request ID the node echoed and every header it sent, not what a well-behaved client would
 * have accepted.
 */
import { bytesToHex, concatBytes, equalBytes } from '../../common/bytes.js';
import { randomBytes } from '../../crypto/random.js';
import type { BlockBody } from '../../chain/block.js';
import { receiptsRoot } from '../../chain/block-roots.js';
import { isStatus68, type AnyStatus } from '../../eth/handshake.js';
import type { BlockHeader } from '../../chain/header.js';
import { decodeBlockBodies, encodeGetBlockBodies } from '../../eth/messages/bodies.js';
import { decodeBlockHeaders, encodeGetBlockHeaders, type BlockOrigin } from '../../eth/messages/headers.js';
import { decodeReceipts68, decodeReceipts69, decodeReceipts70, encodeGetReceipts, encodeGetReceipts70 } from '../../eth/messages/receipts.js';
import { EthMessageCode, hasPaginatedReceipts } from '../../eth/protocol.js';
import { encodeReceipt68Item, type Receipt68, type Receipt69 } from '../../chain/receipt.js';
import { orderedTrieRoot } from '../../chain/trie.js';
import { CheckFailure } from '../check.js';
import type { EthConn } from './conn.js';
import { chainHead } from './test-chain.js';
import type { EthTarget } from './target.js';

/** A random request ID (uint64). */
export function randomRequestId(): bigint {
  return randomBytes(8).reduce((v, b) => (v << 8n) | BigInt(b), 0n);
}

/** A random 32-byte hash (no block has it). */
export function randomHash(): Uint8Array {
  return randomBytes(32);
}

/** A header query. */
export interface HeaderQuery {
  origin: BlockOrigin;
  amount: bigint;
  skip?: bigint;
  reverse?: boolean;
}

/** Describes a query for reports. */
export function describeQuery(q: HeaderQuery): string {
  const o = 'hash' in q.origin ? `hash ${bytesToHex(q.origin.hash).slice(0, 16)}...` : `number ${q.origin.number}`;
  return `from ${o}, amount ${q.amount}, skip ${q.skip ?? 0n}${q.reverse ? ', reverse' : ''}`;
}

/** Sends a GetBlockHeaders. */
export function sendGetHeaders(conn: EthConn, requestId: bigint, q: HeaderQuery): void {
  conn.send(EthMessageCode.GetBlockHeaders, encodeGetBlockHeaders({ requestId, origin: q.origin, amount: q.amount, skip: q.skip ?? 0n, reverse: q.reverse ?? false }));
}

/** Reads the next BlockHeaders, whatever its request ID. */
export async function readHeaders(conn: EthConn): Promise<{ requestId: bigint; headers: BlockHeader[] }> {
  const m = await conn.next([EthMessageCode.BlockHeaders], 'BlockHeaders');
  try {
    return decodeBlockHeaders(m.data);
  } catch (err) {
    throw new CheckFailure(`BlockHeaders does not decode: ${(err as Error).message}`);
  }
}

/** Fails unless the response echoes `sent` (eth/66+ request IDs, EIP-2481). */
export function ensureRequestId(what: string, got: bigint, sent: bigint): void {
  if (got !== sent) throw new CheckFailure(`${what} carries request ID ${got}, the request had ${sent}`);
}

/** Fails unless at most `amount` headers came (eth.md GetBlockHeaders: "at most `limit` items"). */
export function ensureAtMostAmount(headers: readonly BlockHeader[], q: HeaderQuery): void {
  if (BigInt(headers.length) > q.amount) throw new CheckFailure(`${headers.length} headers for a query of at most ${q.amount} (${describeQuery(q)})`);
}

/** GetBlockHeaders and its response, with the request ID and the count checked. */
export async function getHeaders(conn: EthConn, q: HeaderQuery, requestId = randomRequestId()): Promise<BlockHeader[]> {
  sendGetHeaders(conn, requestId, q);
  const r = await readHeaders(conn);
  ensureRequestId('BlockHeaders', r.requestId, requestId);
  ensureAtMostAmount(r.headers, q);
  return r.headers;
}

/** Fails unless `headers` are exactly what `q` asks for, given the canonical headers by number. */
export function ensureHeadersFollowQuery(headers: readonly BlockHeader[], q: HeaderQuery, origin: bigint): void {
  const step = (q.skip ?? 0n) + 1n;
  headers.forEach((h, i) => {
    const want = q.reverse ? origin - BigInt(i) * step : origin + BigInt(i) * step;
    if (h.number !== want) throw new CheckFailure(`header ${i} of the response is block ${h.number}, expected ${want} (${describeQuery(q)})`);
  });
}

/** Sends a GetBlockBodies and reads its response (request ID and count checked). */
export async function getBodies(conn: EthConn, hashes: readonly Uint8Array[], requestId = randomRequestId()): Promise<BlockBody[]> {
  conn.send(EthMessageCode.GetBlockBodies, encodeGetBlockBodies({ requestId, hashes: [...hashes] }));
  const m = await conn.next([EthMessageCode.BlockBodies], 'BlockBodies');
  let r;
  try {
    r = decodeBlockBodies(m.data);
  } catch (err) {
    throw new CheckFailure(`BlockBodies does not decode: ${(err as Error).message}`);
  }
  ensureRequestId('BlockBodies', r.requestId, requestId);
  if (r.bodies.length > hashes.length) throw new CheckFailure(`${r.bodies.length} bodies for ${hashes.length} hashes`);
  return r.bodies;
}

/** Receipts in either wire form, with how to hash them. */
export type ReceiptLists = { form: 68; lists: Receipt68[][]; lastBlockIncomplete: false } | { form: 69; lists: Receipt69[][]; lastBlockIncomplete: boolean };

/** Sends a GetReceipts in the negotiated form and reads its response (request ID and count checked). */
export async function getReceipts(conn: EthConn, hashes: readonly Uint8Array[], requestId = randomRequestId()): Promise<ReceiptLists> {
  const v = conn.version;
  conn.send(EthMessageCode.GetReceipts, hasPaginatedReceipts(v) ? encodeGetReceipts70({ requestId, firstBlockReceiptIndex: 0n, hashes: [...hashes] }) : encodeGetReceipts({ requestId, hashes: [...hashes] }));
  const m = await conn.next([EthMessageCode.Receipts], 'Receipts');
  let out: ReceiptLists;
  let id: bigint;
  try {
    if (v === 68) {
      const r = decodeReceipts68(m.data);
      id = r.requestId;
      out = { form: 68, lists: r.receipts, lastBlockIncomplete: false };
    } else if (v === 69) {
      const r = decodeReceipts69(m.data);
      id = r.requestId;
      out = { form: 69, lists: r.receipts, lastBlockIncomplete: false };
    } else {
      const r = decodeReceipts70(m.data);
      id = r.requestId;
      out = { form: 69, lists: r.receipts, lastBlockIncomplete: r.lastBlockIncomplete };
    }
  } catch (err) {
    throw new CheckFailure(`eth/${v} Receipts does not decode: ${(err as Error).message}`);
  }
  ensureRequestId('Receipts', id, requestId);
  if (out.lists.length > hashes.length) throw new CheckFailure(`${out.lists.length} receipt lists for ${hashes.length} hashes`);
  return out;
}

/** The receipts root of an eth/68 receipt list: the trie of their consensus encodings. */
export function receipts68Root(receipts: readonly Receipt68[]): Uint8Array {
  return orderedTrieRoot(
    receipts.map((r) => {
      if (r.type === 0) return encodeReceipt68Item(r);
      // A typed receipt in the trie is `type || rlp([...])`, not the byte string the wire wraps it in.
      return concatBytes(Uint8Array.of(r.type), encodeReceipt68Item({ ...r, type: 0 }));
    }),
  );
}

/** The receipts root of block `i` of a response. */
export function receiptListRoot(r: ReceiptLists, i: number): Uint8Array {
  return r.form === 68 ? receipts68Root(r.lists[i]!) : receiptsRoot(r.lists[i]!);
}

/** The node's head: from the test chain, the eth/69 Status, or (eth/68) by fetching its head hash. */
export async function remoteHead(conn: EthConn, target: EthTarget, status: AnyStatus): Promise<{ number: bigint; hash: Uint8Array }> {
  if (target.chain) return chainHead(target.chain);
  if (!isStatus68(status)) return { number: status.latestBlock, hash: status.latestBlockHash };
  const [h] = await getHeaders(conn, { origin: { hash: status.head }, amount: 1n });
  if (!h || !equalBytes(h.hash, status.head)) throw new CheckFailure(`node does not serve the header of its Status head ${bytesToHex(status.head)}`);
  return { number: h.number, hash: h.hash };
}

/**
 * Proves the node kept the session and processes our messages after `what`: a header request
 * must be answered (eth messages are handled in order, so this also means `what` was read).
 */
export async function ensureAlive(conn: EthConn, what: string): Promise<void> {
  try {
    await getHeaders(conn, { origin: { number: 0n }, amount: 1n });
  } catch (err) {
    throw new CheckFailure(`after ${what}: ${(err as Error).message}`);
  }
}
