/**
 * GetBlockBodies and GetReceipts (devp2p caps/eth.md "GetBlockBodies (0x05)", "GetReceipts
 * (0x0f)", eth/69 EIP-7642, eth/70 EIP-7975): bodies of known blocks match their headers'
 * transactions, uncles and withdrawals roots; receipts match the receipts root; unknown
 * hashes get an empty answer.
 */
import { bytesToHex, equalBytes } from '../../common/bytes.js';
import { bodyMismatch } from '../../chain/chain-file.js';
import type { BlockHeader } from '../../chain/header.js';
import type { EthVersion } from '../../eth/protocol.js';
import { CheckFailure, ensure, type Check, type CheckContext } from '../check.js';
import { EthConn } from './conn.js';
import { getBodies, getHeaders, getReceipts, randomHash, receiptListRoot, remoteHead } from './requests.js';
import { earliestServed, handshake } from './status.js';
import type { EthTarget } from './target.js';

/** How many blocks the body and receipt checks ask for. */
const BLOCKS_ASKED = 4;

interface Picked {
  conn: EthConn;
  headers: BlockHeader[];
}

/**
 * Connects and picks up to {@link BLOCKS_ASKED} blocks the node serves: with a test chain the
 * most recent ones with transactions, otherwise the head and its parents (never below the
 * node's announced earliest block).
 */
async function pick(target: EthTarget, t: CheckContext, v: EthVersion): Promise<Picked> {
  const conn = await EthConn.open(target, t, v);
  const status = await handshake(conn, target);
  const earliest = earliestServed(status);
  if (target.chain) {
    const withTxs = target.chain.blocks.filter((b) => b.header.number >= earliest && b.transactions.length > 0);
    const chosen = (withTxs.length > 0 ? withTxs : target.chain.blocks.filter((b) => b.header.number >= earliest)).slice(-BLOCKS_ASKED);
    return { conn, headers: chosen.map((b) => b.header) };
  }
  const head = await remoteHead(conn, target, status);
  const n = head.number - earliest + 1n < BigInt(BLOCKS_ASKED) ? head.number - earliest + 1n : BigInt(BLOCKS_ASKED);
  const headers = n <= 0n ? [] : await getHeaders(conn, { origin: { hash: head.hash }, amount: n, reverse: true });
  ensure(headers.length > 0, () => `node serves no header at or below its head ${bytesToHex(head.hash)}`);
  return { conn, headers: headers.reverse() };
}

function describe(headers: readonly BlockHeader[]): string {
  return headers.length === 1 ? `block ${headers[0]!.number}` : `blocks ${headers.map((h) => h.number).join(', ')}`;
}

function bodiesKnown(v: EthVersion): Check<EthTarget> {
  return {
    name: `eth/${v}/GetBlockBodies/Known`,
    rule: 'caps/eth.md GetBlockBodies/BlockBodies: bodies of the requested blocks, in request order; each matches its header (transactions root, ommers hash, withdrawals root)',
    async run(target, t) {
      const { conn, headers } = await pick(target, t, v);
      const bodies = await getBodies(conn, headers.map((h) => h.hash));
      ensure(bodies.length === headers.length, () => `node returned ${bodies.length} bodies for ${describe(headers)}, which it serves`);
      let txs = 0;
      bodies.forEach((body, i) => {
        const why = bodyMismatch({ header: headers[i]!, ...body });
        if (why !== undefined) throw new CheckFailure(`body ${i} (block ${headers[i]!.number}): ${why}`);
        txs += body.transactions.length;
      });
      t.note(`${describe(headers)}: ${txs} transactions`);
    },
  };
}

function receiptsKnown(v: EthVersion): Check<EthTarget> {
  return {
    name: `eth/${v}/GetReceipts/Known`,
    rule: `caps/eth.md GetReceipts/Receipts: the receipts of each requested block, which hash to its receipts root${v === 68 ? ' (eth/68: consensus encoding with bloom)' : v === 69 ? ' (eth/69: no bloom, EIP-7642)' : ` (eth/${v}: paginated, EIP-7975)`}`,
    async run(target, t) {
      const { conn, headers } = await pick(target, t, v);
      const r = await getReceipts(conn, headers.map((h) => h.hash));
      ensure(r.lists.length === headers.length || (r.lastBlockIncomplete && r.lists.length <= headers.length), () => `node returned ${r.lists.length} receipt lists for ${describe(headers)}, which it serves`);
      let receipts = 0;
      r.lists.forEach((list, i) => {
        receipts += list.length;
        if (i === r.lists.length - 1 && r.lastBlockIncomplete) {
          t.note(`block ${headers[i]!.number}: lastBlockIncomplete, root not checked`);
          return;
        }
        const root = receiptListRoot(r, i);
        if (!equalBytes(root, headers[i]!.receiptRoot)) throw new CheckFailure(`receipts of block ${headers[i]!.number} hash to ${bytesToHex(root)}, its receipts root is ${bytesToHex(headers[i]!.receiptRoot)}`);
      });
      t.note(`${describe(headers)}: ${receipts} receipts`);
    },
  };
}

function unknownHashes(v: EthVersion, what: 'GetBlockBodies' | 'GetReceipts'): Check<EthTarget> {
  return {
    name: `eth/${v}/${what}/Unknown`,
    rule: `caps/eth.md ${what}: blocks the node does not have are left out of the response; for only unknown hashes it is empty (and no reason to disconnect)`,
    async run(target, t) {
      const conn = await EthConn.open(target, t, v);
      await handshake(conn, target);
      const hashes = [randomHash(), randomHash()];
      const n = what === 'GetBlockBodies' ? (await getBodies(conn, hashes)).length : (await getReceipts(conn, hashes)).lists.length;
      ensure(n === 0, () => `node returned ${n} items for two unknown block hashes`);
    },
  };
}

/** Every body and receipt check of version `v`. */
export function bodyChecks(v: EthVersion): Check<EthTarget>[] {
  return [bodiesKnown(v), unknownHashes(v, 'GetBlockBodies'), receiptsKnown(v), unknownHashes(v, 'GetReceipts')];
}
