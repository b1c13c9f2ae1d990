/**
 * Request IDs (EIP-2481, eth/66+; devp2p caps/eth.md "request-id"): every response echoes the
 * ID of its request, whatever its value (0, above 2^63) and even when two requests share one;
 * several requests in flight are each answered with their own ID.
 */
import type { BlockHeader } from '../../chain/header.js';
import type { EthVersion } from '../../eth/protocol.js';
import { CheckFailure, ensure, type Check } from '../check.js';
import { EthConn } from './conn.js';
import { describeQuery, ensureAtMostAmount, ensureHeadersFollowQuery, ensureRequestId, getHeaders, readHeaders, remoteHead, sendGetHeaders, type HeaderQuery } from './requests.js';
import { handshake } from './status.js';
import type { EthTarget } from './target.js';

const RULE = 'EIP-2481 / caps/eth.md (eth/66+): a response carries the request-id of the request it answers';

function idCheck(v: EthVersion, name: string, rule: string, body: (conn: EthConn, head: bigint) => Promise<void>): Check<EthTarget> {
  return {
    name: `eth/${v}/RequestID/${name}`,
    rule,
    async run(target, t) {
      const conn = await EthConn.open(target, t, v);
      const status = await handshake(conn, target);
      const head = await remoteHead(conn, target, status);
      await body(conn, head.number);
    },
  };
}

/** Sends `queries` back to back under `ids` and returns the responses by arrival. */
async function inFlight(conn: EthConn, queries: readonly HeaderQuery[], ids: readonly bigint[]): Promise<{ requestId: bigint; headers: BlockHeader[] }[]> {
  queries.forEach((q, i) => sendGetHeaders(conn, ids[i]!, q));
  const out = [];
  for (let i = 0; i < queries.length; i++) out.push(await readHeaders(conn));
  return out;
}

/** Every request-ID check of version `v`. */
export function requestIdChecks(v: EthVersion): Check<EthTarget>[] {
  return [
    idCheck(v, 'Echo', `${RULE}; IDs are uint64, so values above 2^53 and 2^63 must survive`, async (conn) => {
      const id = 0xfedc_ba98_7654_3210n;
      await getHeaders(conn, { origin: { number: 0n }, amount: 1n }, id);
    }),

    idCheck(v, 'Zero', `${RULE}; 0 is a valid ID`, async (conn) => {
      await getHeaders(conn, { origin: { number: 0n }, amount: 1n }, 0n);
    }),

    idCheck(v, 'Concurrent', `${RULE}; requests in flight at the same time are each answered with their own ID (in any order)`, async (conn, head) => {
      const ids = [111n, 222n, 333n, 444n];
      // Different origins, so each response shows which query it answers.
      const queries: HeaderQuery[] = ids.map((_, i) => ({ origin: { number: head >= BigInt(i) ? head - BigInt(i) : 0n }, amount: 1n }));
      const responses = await inFlight(conn, queries, ids);
      const seen = new Set<bigint>();
      for (const r of responses) {
        const i = ids.indexOf(r.requestId);
        if (i < 0) throw new CheckFailure(`response with request ID ${r.requestId}, sent ${ids.join(', ')}`);
        if (seen.has(r.requestId)) throw new CheckFailure(`two responses with request ID ${r.requestId}`);
        seen.add(r.requestId);
        const q = queries[i]!;
        ensureAtMostAmount(r.headers, q);
        ensureHeadersFollowQuery(r.headers, q, (q.origin as { number: bigint }).number);
        ensure(r.headers.length === 1, () => `response ${r.requestId} has ${r.headers.length} headers for ${describeQuery(q)}`);
      }
    }),

    idCheck(v, 'SameTwice', `${RULE}; a node answers two requests with the same ID, both with that ID`, async (conn) => {
      const id = 1234n;
      const q: HeaderQuery = { origin: { number: 0n }, amount: 1n };
      const responses = await inFlight(conn, [q, q], [id, id]);
      for (const r of responses) {
        ensureRequestId('BlockHeaders', r.requestId, id);
        ensure(r.headers.length === 1, () => `response has ${r.headers.length} headers for ${describeQuery(q)}`);
      }
    }),
  ];
}
