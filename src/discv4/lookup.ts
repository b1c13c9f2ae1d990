/**
 * Iterative Kademlia lookups (geth `p2p/discover/lookup.go`): start from the 16 nodes of our
 * table closest to the target, keep up to {@link ALPHA} FINDNODE queries in flight to the
 * closest nodes not yet asked, merge every answer into a result list of the 16 closest seen,
 * and stop when every node in that list has been asked (or answered with a failure).
 */
import { ignoreAbort, sleep } from '../common/abortable.js';
import { keccak256 } from '../crypto/keccak.js';
import { type DiscNode, NodesByDistance } from './node.js';
import { BUCKET_SIZE } from './table.js';

/** Concurrent FINDNODE queries per lookup (geth alpha). */
export const ALPHA = 3;
/** Result size (geth bucketSize). */
export const LOOKUP_RESULT_SIZE = BUCKET_SIZE;

/** What a lookup needs from the node running it. */
export interface LookupHost {
  /** Our ID, never part of a result. */
  readonly selfId: Uint8Array;
  /** The nodes of our table closest to `targetId`. */
  closest(targetId: Uint8Array, n: number): DiscNode[];
  /** Asks `node` for the nodes closest to `target` (a 64-byte public key). Rejects on failure. */
  findNode(node: DiscNode, target: Uint8Array, opts: { signal?: AbortSignal | undefined }): Promise<DiscNode[]>;
}

/** Figures from one lookup. */
export interface LookupStats {
  /** FINDNODE queries sent. */
  queries: number;
  /** Queries that failed (timeout, no answer). */
  failures: number;
  /** Distinct nodes seen in answers. */
  seen: number;
  /** Wall time in ms. */
  ms: number;
}

export interface LookupResult {
  /** Up to 16 nodes closest to the target, closest first. */
  nodes: DiscNode[];
  stats: LookupStats;
}

/**
 * Runs one lookup for `target` (64-byte public key; distances are to keccak256(target)).
 * Aborting stops sending queries and resolves with what was found so far.
 */
export async function lookup(host: LookupHost, target: Uint8Array, opts: { signal?: AbortSignal; alpha?: number } = {}): Promise<LookupResult> {
  const started = performance.now();
  const targetId = keccak256(target);
  const selfHex = Buffer.from(host.selfId).toString('hex');
  const alpha = opts.alpha ?? ALPHA;
  const result = new NodesByDistance(targetId, LOOKUP_RESULT_SIZE);
  const seen = new Set<string>([selfHex]);
  const asked = new Set<string>();
  for (const n of host.closest(targetId, LOOKUP_RESULT_SIZE)) {
    if (seen.has(n.idHex)) continue;
    seen.add(n.idHex);
    result.push(n);
  }
  const stats: LookupStats = { queries: 0, failures: 0, seen: 0, ms: 0 };
  let inFlight = 0;

  await new Promise<void>((resolve) => {
    const advance = (): void => {
      if (!opts.signal?.aborted) {
        for (const n of result.entries) {
          if (inFlight >= alpha) break;
          if (asked.has(n.idHex)) continue;
          asked.add(n.idHex);
          inFlight++;
          stats.queries++;
          host.findNode(n, target, { signal: opts.signal }).then(
            (found) => {
              for (const f of found) {
                if (seen.has(f.idHex)) continue;
                seen.add(f.idHex);
                result.push(f);
              }
              done();
            },
            () => {
              stats.failures++;
              done();
            },
          );
        }
      }
      if (inFlight === 0) resolve();
    };
    const done = (): void => {
      inFlight--;
      advance();
    };
    advance();
  });
  stats.seen = seen.size - 1;
  stats.ms = performance.now() - started;
  return { nodes: result.entries.slice(), stats };
}

/**
 * An endless supply of random nodes for a dialer (geth's RandomNodes iterator): runs lookups
 * for random targets and yields each node the first time it is seen. Ends when `signal`
 * aborts, after `max` nodes, or when `maxEmptyLookups` lookups in a row found nothing new
 * (each such lookup is followed by a pause of `emptyDelayMs`, default 1 s).
 */
export async function* randomNodes(
  host: LookupHost,
  opts: { signal?: AbortSignal; max?: number; maxEmptyLookups?: number; emptyDelayMs?: number; random?: (n: number) => Uint8Array } = {},
): AsyncGenerator<DiscNode, void, undefined> {
  const yielded = new Set<string>();
  const max = opts.max ?? Infinity;
  const maxEmpty = opts.maxEmptyLookups ?? 3;
  const rnd = opts.random ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)));
  let empty = 0;
  while (!opts.signal?.aborted && yielded.size < max && empty < maxEmpty) {
    const { nodes } = await lookup(host, rnd(64), opts.signal ? { signal: opts.signal } : {});
    let fresh = 0;
    for (const n of nodes) {
      if (yielded.has(n.idHex)) continue;
      yielded.add(n.idHex);
      fresh++;
      yield n;
      if (opts.signal?.aborted || yielded.size >= max) return;
    }
    empty = fresh === 0 ? empty + 1 : 0;
    // Nothing new (e.g. an empty table): pause instead of spinning through lookups.
    if (fresh === 0 && empty < maxEmpty) await sleep(opts.emptyDelayMs ?? EMPTY_LOOKUP_DELAY_MS, { signal: opts.signal }).catch(ignoreAbort);
  }
}

/** Pause after a lookup that found nothing new, in {@link randomNodes}. */
export const EMPTY_LOOKUP_DELAY_MS = 1000;
