/**
 * GetBlockHeaders (devp2p caps/eth.md "GetBlockHeaders (0x03)", "BlockHeaders (0x04)"): the
 * head by hash, a block by number and by hash, contiguous ranges, skip and reverse walks,
 * unknown blocks (an empty answer, not a disconnect) and a count over the serving limit.
 *
 * Without `--chain` the node's own answers are cross-checked: a range must link by parent
 * hash, and a skip or reverse walk must return the same headers as the contiguous range.
 */
import { bytesToHex, equalBytes } from '../../common/bytes.js';
import type { BlockHeader } from '../../chain/header.js';
import { MAX_HEADERS_SERVE } from '../../eth/serve.js';
import type { EthVersion } from '../../eth/protocol.js';
import { CheckFailure, ensure, type Check, type CheckContext } from '../check.js';
import { EthConn } from './conn.js';
import { describeQuery, ensureAlive, ensureHeadersFollowQuery, getHeaders, randomHash, remoteHead, type HeaderQuery } from './requests.js';
import { handshake } from './status.js';
import { chainBlock } from './test-chain.js';
import type { EthTarget } from './target.js';

const MAX_UINT64 = (1n << 64n) - 1n;

interface Ready {
  conn: EthConn;
  head: { number: bigint; hash: Uint8Array };
}

/** Connects, exchanges Status and learns the node's head. */
async function ready(target: EthTarget, t: CheckContext, v: EthVersion): Promise<Ready> {
  const conn = await EthConn.open(target, t, v);
  const status = await handshake(conn, target);
  return { conn, head: await remoteHead(conn, target, status) };
}

/** Fails unless each header is the parent of the next (ascending) one. */
function ensureLinked(headers: readonly BlockHeader[]): void {
  for (let i = 1; i < headers.length; i++) {
    if (!equalBytes(headers[i]!.parentHash, headers[i - 1]!.hash)) throw new CheckFailure(`header ${headers[i]!.number} does not link to header ${headers[i - 1]!.number} by parent hash`);
  }
}

/**
 * The canonical headers `lo..hi`: from the test chain, or fetched from the node as one
 * contiguous range that must be complete and linked.
 */
async function canonical(r: Ready, target: EthTarget, lo: bigint, hi: bigint): Promise<Map<bigint, BlockHeader>> {
  const out = new Map<bigint, BlockHeader>();
  if (target.chain) {
    for (let n = lo; n <= hi; n++) {
      const b = chainBlock(target.chain, n);
      if (b) out.set(n, b.header);
    }
    return out;
  }
  const q: HeaderQuery = { origin: { number: lo }, amount: hi - lo + 1n };
  const headers = await getHeaders(r.conn, q);
  ensureHeadersFollowQuery(headers, q, lo);
  ensure(BigInt(headers.length) === q.amount, () => `node returned ${headers.length} headers for blocks ${lo}..${hi} below its head ${r.head.number}`);
  ensureLinked(headers);
  for (const h of headers) out.set(h.number, h);
  return out;
}

/** Fails unless every header equals the canonical one of its number. */
function ensureCanonical(headers: readonly BlockHeader[], canon: Map<bigint, BlockHeader>): void {
  for (const h of headers) {
    const c = canon.get(h.number);
    if (c && !equalBytes(c.hash, h.hash)) throw new CheckFailure(`header ${h.number} is ${bytesToHex(h.hash)}, the canonical one is ${bytesToHex(c.hash)}`);
  }
}

function headerCheck(v: EthVersion, name: string, rule: string, body: (r: Ready, target: EthTarget, t: CheckContext) => Promise<void>): Check<EthTarget> {
  return {
    name: `eth/${v}/GetBlockHeaders/${name}`,
    rule,
    async run(target, t) {
      await body(await ready(target, t, v), target, t);
    },
  };
}

/** Every GetBlockHeaders check of version `v`. */
export function headerChecks(v: EthVersion): Check<EthTarget>[] {
  return [
    headerCheck(v, 'Head', 'caps/eth.md GetBlockHeaders: a query by block hash returns that block; the head named in Status is served', async (r) => {
      const headers = await getHeaders(r.conn, { origin: { hash: r.head.hash }, amount: 1n });
      ensure(headers.length === 1, () => `node returned ${headers.length} headers for its head ${bytesToHex(r.head.hash)}`);
      ensure(equalBytes(headers[0]!.hash, r.head.hash), () => `asked for ${bytesToHex(r.head.hash)}, got ${bytesToHex(headers[0]!.hash)}`);
      ensure(headers[0]!.number === r.head.number, () => `head header is block ${headers[0]!.number}, Status says ${r.head.number}`);
    }),

    headerCheck(v, 'ByNumberAndHash', 'caps/eth.md GetBlockHeaders: `startblock` is a block number or a block hash; both name the same canonical block', async (r, target) => {
      const n = r.head.number > 1n ? r.head.number - 1n : r.head.number;
      const byNumber = await getHeaders(r.conn, { origin: { number: n }, amount: 1n });
      ensure(byNumber.length === 1, () => `node returned ${byNumber.length} headers for block ${n}`);
      ensure(byNumber[0]!.number === n, () => `asked for block ${n}, got block ${byNumber[0]!.number}`);
      const byHash = await getHeaders(r.conn, { origin: { hash: byNumber[0]!.hash }, amount: 1n });
      ensure(byHash.length === 1 && equalBytes(byHash[0]!.raw, byNumber[0]!.raw), () => `block ${n} by hash differs from block ${n} by number`);
      const want = target.chain && chainBlock(target.chain, n);
      if (want) ensure(equalBytes(want.header.hash, byNumber[0]!.hash), () => `block ${n} is ${bytesToHex(byNumber[0]!.hash)}, the chain has ${bytesToHex(want.header.hash)}`);
    }),

    headerCheck(v, 'Range', 'caps/eth.md GetBlockHeaders: up to `limit` headers of rising number from `startblock`; consecutive headers link by parent hash', async (r, target) => {
      const lo = r.head.number >= 7n ? r.head.number - 7n : 0n;
      const q: HeaderQuery = { origin: { number: lo }, amount: r.head.number - lo + 1n };
      const headers = await getHeaders(r.conn, q);
      ensureHeadersFollowQuery(headers, q, lo);
      ensure(BigInt(headers.length) === q.amount, () => `node returned ${headers.length} of the ${q.amount} headers ${lo}..${r.head.number} it has`);
      ensureLinked(headers);
      if (target.chain) ensureCanonical(headers, await canonical(r, target, lo, r.head.number));
    }),

    headerCheck(v, 'Skip', 'caps/eth.md GetBlockHeaders: `skip` blocks are left out between consecutive headers', async (r, target, t) => {
      if (r.head.number < 4n) t.skip(`node head is block ${r.head.number}; the check needs 4 blocks`);
      const lo = r.head.number - 4n;
      const q: HeaderQuery = { origin: { number: lo }, amount: 3n, skip: 1n };
      const headers = await getHeaders(r.conn, q);
      ensureHeadersFollowQuery(headers, q, lo);
      ensure(headers.length === 3, () => `node returned ${headers.length} headers for ${describeQuery(q)}`);
      ensureCanonical(headers, await canonical(r, target, lo, r.head.number));
    }),

    headerCheck(v, 'Reverse', 'caps/eth.md GetBlockHeaders: with `reverse` the headers fall in number from `startblock`, `skip` apart', async (r, target, t) => {
      if (r.head.number < 4n) t.skip(`node head is block ${r.head.number}; the check needs 4 blocks`);
      const q: HeaderQuery = { origin: { hash: r.head.hash }, amount: 3n, skip: 1n, reverse: true };
      const headers = await getHeaders(r.conn, q);
      ensureHeadersFollowQuery(headers, q, r.head.number);
      ensure(headers.length === 3, () => `node returned ${headers.length} headers for ${describeQuery(q)}`);
      ensureCanonical(headers, await canonical(r, target, r.head.number - 4n, r.head.number));
    }),

    headerCheck(v, 'ReversePastGenesis', 'caps/eth.md GetBlockHeaders: a reverse walk ends at the genesis block (no wrap-around below block 0)', async (r) => {
      const origin = r.head.number >= 1n ? 1n : 0n;
      const q: HeaderQuery = { origin: { number: origin }, amount: 5n, reverse: true };
      const headers = await getHeaders(r.conn, q);
      ensureHeadersFollowQuery(headers, q, origin);
      ensure(BigInt(headers.length) === origin + 1n, () => `node returned ${headers.length} headers for ${describeQuery(q)}, expected ${origin + 1n}`);
    }),

    headerCheck(v, 'Nonexistent', 'caps/eth.md BlockHeaders: "may validly contain no block headers if none of the requested block headers were found"; asking for unknown blocks is no reason to disconnect', async (r) => {
      for (const q of [
        { origin: { number: MAX_UINT64 }, amount: 1n },
        { origin: { number: r.head.number + 1_000_000n }, amount: 2n },
        { origin: { hash: randomHash() }, amount: 1n },
      ] satisfies HeaderQuery[]) {
        const headers = await getHeaders(r.conn, q);
        ensure(headers.length === 0, () => `node returned ${headers.length} headers for ${describeQuery(q)} (no such block)`);
      }
      await ensureAlive(r.conn, 'requests for nonexistent blocks');
    }),

    headerCheck(
      v,
      'OverLimit',
      `caps/eth.md GetBlockHeaders: the count may be capped by an implementation-defined limit; geth (and this tester) expect at most ${MAX_HEADERS_SERVE} headers, and no disconnect for asking more`,
      async (r, _target, t) => {
        const q: HeaderQuery = { origin: { number: 0n }, amount: 1_000_000n };
        const headers = await getHeaders(r.conn, q);
        ensureHeadersFollowQuery(headers, q, 0n);
        ensure(headers.length <= MAX_HEADERS_SERVE, () => `node returned ${headers.length} headers for an amount of ${q.amount}; geth's limit is ${MAX_HEADERS_SERVE}`);
        ensure(headers.length > 0, 'node returned no header for a query from the genesis block');
        ensureLinked(headers);
        if (r.head.number + 1n < BigInt(MAX_HEADERS_SERVE)) t.note(`node has ${r.head.number + 1n} blocks: the ${MAX_HEADERS_SERVE} cap itself was not reached`);
        else t.note(`node returned ${headers.length} headers`);
        await ensureAlive(r.conn, 'an over-limit header request');
      },
    ),

    headerCheck(v, 'AtMostAmount', 'caps/eth.md GetBlockHeaders: the response has "at most `limit` items"', async (r) => {
      const q: HeaderQuery = { origin: { number: 0n }, amount: 2n };
      const headers = await getHeaders(r.conn, q);
      ensureHeadersFollowQuery(headers, q, 0n);
      const have = r.head.number + 1n < 2n ? r.head.number + 1n : 2n;
      ensure(BigInt(headers.length) === have, () => `node returned ${headers.length} headers for blocks 0..1, expected ${have}`);
    }),
  ];
}
