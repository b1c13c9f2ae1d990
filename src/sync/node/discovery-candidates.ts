/** Dial candidates from discv4 for the server's dialer, for as long as the node runs. */
import { ignoreAbort, sleep } from '../../common/abortable.js';
import type { Discv4 } from '../../discv4/discv4.js';
import type { DialCandidate } from '../../server/dial-scheduler.js';

/** Pause before a new random-node run once one has stopped finding new nodes. */
export const DISCOVERY_RESTART_MS = 2_000;

/**
 * A random-node run ends once lookups stop finding new nodes; a dialer needs candidates for as
 * long as it runs (peers leave, refusals expire), so another run starts after a pause. The
 * server's dial history keeps re-offered nodes from being redialed too soon. Nodes without a
 * TCP port are skipped. `discv4` may be a promise (the node binds it after the server).
 */
export async function* discoveryCandidates(discv4: Discv4 | undefined | Promise<Discv4 | undefined>, signal: AbortSignal): AsyncGenerator<DialCandidate> {
  const d = await discv4;
  if (!d) return;
  while (!signal.aborted) {
    for await (const n of d.randomNodes({ signal })) {
      if (n.tcpPort > 0) yield { publicKey: n.publicKey, ip: n.ip, tcpPort: n.tcpPort, udpPort: n.udpPort };
    }
    await sleep(DISCOVERY_RESTART_MS, { signal }).catch(ignoreAbort);
  }
}
