/**
 * The ENR `eth` entry (devp2p enr-entries/eth.md; geth eth/protocols/eth/discovery.go): the
 * node publishes `eth = [[fork-hash, fork-next]]` with its current fork ID and signs its record
 * again when the fork ID changes (a fork passed at the head), and dials only nodes whose
 * record carries a fork ID compatible with our chain (EIP-2124 rules, geth NewNodeFilter).
 */
import type { ChainReader } from '../../chain/chain.js';
import { networkForkFilter, networkForkId, type EthNetwork } from '../../chain/chain-config.js';
import type { ForkId } from '../../chain/forkid.js';
import type { DiscNode } from '../../discv4/node.js';
import { equalBytes } from '../../common/bytes.js';

/**
 * How often the head is checked for a fork ID change. geth re-signs on every chain head event;
 * polling once per slot (12 s) finds the change within a slot of the head passing a fork.
 */
export const ENR_ETH_UPDATE_INTERVAL_MS = 12_000;

/** Our fork ID at the current head. */
export function currentForkId(network: EthNetwork, chain: ChainReader): ForkId {
  const h = chain.head();
  return networkForkId(network, h.number, h.time);
}

export function sameForkId(a: ForkId | undefined, b: ForkId): boolean {
  return !!a && a.next === b.next && equalBytes(a.hash, b.hash);
}

/**
 * The dial filter: a node with a record must carry an `eth` entry the EIP-2124 filter accepts at
 * our head (geth NewNodeFilter); a node without a record (a discv4 neighbour not yet asked) is
 * kept, since its eth Status is checked by the same filter at the handshake.
 */
export function ethEntryFilter(network: EthNetwork, chain: ChainReader): (n: DiscNode) => boolean {
  const filter = networkForkFilter(network);
  return (n) => {
    if (!n.enr) return true;
    let id: ForkId | undefined;
    try {
      id = n.enr.eth();
    } catch {
      return false; // a malformed entry
    }
    if (!id) return false;
    const h = chain.head();
    return filter(id, h.number, h.time) === 'ok';
  };
}

/**
 * Re-signs the record through `update` whenever the fork ID at the head differs from the one
 * `published` returns; checks every {@link ENR_ETH_UPDATE_INTERVAL_MS}. Returns the stop function.
 */
export function startEthEntryUpdater(network: EthNetwork, chain: ChainReader, published: () => ForkId | undefined, update: (id: ForkId) => void, intervalMs = ENR_ETH_UPDATE_INTERVAL_MS): () => void {
  const check = (): void => {
    const id = currentForkId(network, chain);
    if (!sameForkId(published(), id)) update(id);
  };
  check();
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
