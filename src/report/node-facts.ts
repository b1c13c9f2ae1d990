/**
 * What a report says about one crawled node (how far its latest check got, its client, whether
 * it is on our network) and where our chain stood at the crawl: shared by the report and the
 * comparison of two crawls.
 */
import { equalBytes } from '../common/bytes.js';
import type { EthNetwork } from '../chain/chain-config.js';
import { clientLabel, parseClientId } from '../sync/crawl/client-id.js';
import { type CrawledNode, isReachable, speaksEth } from '../sync/crawl/crawled-node.js';
import { type ChainPosition, positionAt } from './fork-compat.js';

/** One bar of a chart: a key and how many nodes have it. */
export interface CountRow {
  key: string;
  count: number;
}

/** How far a node's latest check got. */
export type Reachability = 'eth' | 'eth-other-chain' | 'rlpx' | 'discovery-only' | 'unchecked';

/** Every {@link Reachability}, in report order, with the words the report uses. */
export const REACHABILITY_LABELS: Readonly<Record<Reachability, string>> = {
  eth: 'eth Status, our network',
  'eth-other-chain': 'eth Status, another network',
  rlpx: 'RLPx, no eth',
  'discovery-only': 'discovery only (RLPx failed)',
  unchecked: 'not checked',
};

/** How far `r`'s latest check got; "our network" is `network`'s network ID and genesis. */
export function reachabilityOf(r: CrawledNode, network: EthNetwork): Reachability {
  if (r.lastCheck === undefined) return 'unchecked';
  if (!isReachable(r)) return 'discovery-only';
  if (!speaksEth(r)) return 'rlpx';
  return onNetwork(r, network) ? 'eth' : 'eth-other-chain';
}

/** True if `r`'s eth Status is on `network` (network ID and genesis), whatever its fork ID. */
export function onNetwork(r: CrawledNode, network: EthNetwork): boolean {
  return speaksEth(r) && r.status!.networkId === network.networkId && equalBytes(r.status!.genesis, network.genesisHash);
}

/** The client name and version of a reachable node's Hello. */
export function clientOf(r: CrawledNode): { name: string; version: string; label: string } | undefined {
  if (!isReachable(r) || !r.hello) return undefined;
  const c = parseClientId(r.hello.clientId);
  return { name: c.name, version: c.version ?? 'unknown', label: clientLabel(c) };
}

/**
 * Where our chain stood at the crawl: the time of its latest check, and (for schedules still in
 * block forks) the highest head announced by eth/69+ nodes of our network.
 */
export function crawlPosition(nodes: readonly CrawledNode[], network: EthNetwork, fallbackMs: number): ChainPosition {
  let latest = 0;
  let head = 0n;
  for (const r of nodes) {
    if (r.lastCheck !== undefined) latest = Math.max(latest, r.lastCheck);
    const range = r.status?.blockRange;
    if (range && onNetwork(r, network) && range.latest > head) head = range.latest;
  }
  return positionAt(network, BigInt(Math.floor((latest || fallbackMs) / 1000)), head);
}

export function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** Rows of a count map, most frequent first, then by key. */
export function sortRows(m: Map<string, number>): CountRow[] {
  return [...m.entries()].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

