/**
 * The discovery half of a crawl (geth `devp2p discv4 crawl`'s iterator): fill the table from the
 * bootnodes with a self lookup, then run random-target lookups, and report every node seen on
 * the way: nodes already in the table, nodes entering it, and lookup results. `discv4 crawl`
 * (ENR only) and the RLPx crawler both walk the network this way.
 *
 * In a network that just formed, nodes answer FindNode only with the neighbours they have
 * revalidated (geth's preferLive), so what a walk can see keeps growing for a while: "nothing
 * new" is therefore measured in time ({@link DiscoveryWalkOptions.idleMs}), not in lookups.
 */
import type { Discv4 } from '../../discv4/discv4.js';
import type { DiscNode } from '../../discv4/node.js';
import { ignoreAbort, sleep, untilSettledOrAborted } from '../../common/abortable.js';

/** Pause after a lookup that found nothing new, so an empty table does not spin. */
export const DEFAULT_EMPTY_LOOKUP_DELAY_MS = 500;

export interface DiscoveryWalkOptions {
  /** Ends the walk. */
  signal: AbortSignal;
  /** Called for every node seen (a node may be reported more than once). */
  onNode: (node: DiscNode) => void;
  /** End once no node new to this walk was seen for this long (default Infinity: until the signal). */
  idleMs?: number;
  /** Pause after a lookup that found nothing new (default {@link DEFAULT_EMPTY_LOOKUP_DELAY_MS}). */
  emptyDelayMs?: number;
}

/**
 * Walks the network reachable from `discv4`'s bootnodes and table. Resolves when the signal
 * aborts or the walk has been idle for `idleMs`. The node need not be started; it is not closed
 * here.
 */
export async function walkDiscovery(discv4: Discv4, opts: DiscoveryWalkOptions): Promise<void> {
  const { signal, onNode } = opts;
  if (signal.aborted) return;
  const idleMs = opts.idleMs ?? Infinity;
  const seen = new Set<string>();
  let lastNew = Date.now();
  const report = (n: DiscNode): void => {
    if (!seen.has(n.idHex)) {
      seen.add(n.idHex);
      lastNew = Date.now();
    }
    onNode(n);
  };
  discv4.on('node:added', report);
  try {
    for (const n of discv4.table.nodes()) report(n);
    // Adds the bootnodes to the table (reported through node:added) and runs a self lookup.
    const first = discv4.refresh(0).catch(() => undefined);
    while (!signal.aborted) {
      const before = seen.size;
      const { nodes } = await discv4.lookupRandom(signal);
      for (const n of nodes) report(n);
      if (Date.now() - lastNew >= idleMs) break;
      if (seen.size === before) await sleep(opts.emptyDelayMs ?? DEFAULT_EMPTY_LOOKUP_DELAY_MS, { signal }).catch(ignoreAbort);
    }
    // The self lookup is bounded by its reply timeouts; do not wait for it once stopped.
    await untilSettledOrAborted(first, signal);
  } finally {
    discv4.off('node:added', report);
  }
}
