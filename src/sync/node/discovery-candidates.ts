/** Dial candidates from discovery (discv4 or discv5) for the server's dialer, for as long as the node runs. */
import { ignoreAbort, sleep } from '../../common/abortable.js';
import type { DiscNode } from '../../discv4/node.js';
import type { DialCandidate } from '../../server/dial-scheduler.js';

/** What candidates are drawn from: a discovery node's random-node iterator (Discv4, Discv5). */
export interface RandomNodeSource {
  randomNodes(opts: { signal: AbortSignal }): AsyncIterable<DiscNode>;
}

/** Pause before a new random-node run once one has stopped finding new nodes. */
export const DISCOVERY_RESTART_MS = 2_000;

/**
 * A random-node run ends once lookups stop finding new nodes; a dialer needs candidates for as
 * long as it runs (peers leave, refusals expire), so another run starts after a pause. The
 * server's dial history keeps re-offered nodes from being redialed too soon. Nodes without a
 * TCP port, and nodes `filter` refuses (the node's fork ID filter), are skipped. `source` may be
 * a promise (the node binds it after the server).
 */
export async function* discoveryCandidates(source: RandomNodeSource | undefined | Promise<RandomNodeSource | undefined>, signal: AbortSignal, filter?: (n: DiscNode) => boolean): AsyncGenerator<DialCandidate> {
  const d = await source;
  if (!d) return;
  while (!signal.aborted) {
    for await (const n of d.randomNodes({ signal })) {
      if (n.tcpPort > 0 && (!filter || filter(n))) yield { publicKey: n.publicKey, ip: n.ip, tcpPort: n.tcpPort, udpPort: n.udpPort };
    }
    await sleep(DISCOVERY_RESTART_MS, { signal }).catch(ignoreAbort);
  }
}
