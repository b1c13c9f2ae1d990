/**
 * What changed between two crawls of one network: nodes that appeared and went, nodes that
 * became reachable or unreachable, nodes that changed client version, and the main groupings
 * (reachability, clients, eth versions, fork compatibility) side by side. Nodes are matched by
 * node ID; each counts by its latest check in each set.
 */
import type { EthNetwork } from '../chain/chain-config.js';
import { speaksEth, isReachable, type CrawledNode } from '../sync/crawl/crawled-node.js';
import { classifyForkId, FORK_COMPAT_CLASSES } from './fork-compat.js';
import { clientOf, crawlPosition, onNetwork, type Reachability, REACHABILITY_LABELS, reachabilityOf, sortRows } from './node-facts.js';

/** One grouping key with its count in the older and the newer crawl. */
export interface CompareRow {
  key: string;
  before: number;
  after: number;
}

export interface CrawlDiff {
  nodes: { before: number; after: number; added: number; removed: number; kept: number };
  /** Nodes in both sets whose RLPx reachability changed. */
  becameReachable: number;
  becameUnreachable: number;
  /** Nodes in both sets, reachable in both, whose client version changed ("geth v1.16.0 -> geth v1.17.0"). */
  versionChanges: { key: string; count: number }[];
  reachability: CompareRow[];
  clients: CompareRow[];
  ethVersions: CompareRow[];
  forkCompat: CompareRow[];
}

/** Most version changes listed. */
export const MAX_VERSION_CHANGES = 12;

/** Compares an older node set with a newer one of the same network. */
export function diffCrawls(before: readonly CrawledNode[], after: readonly CrawledNode[], network: EthNetwork): CrawlDiff {
  const old = new Map(before.map((r) => [r.node.idHex, r]));
  const now = new Map(after.map((r) => [r.node.idHex, r]));
  let kept = 0;
  let becameReachable = 0;
  let becameUnreachable = 0;
  const changes = new Map<string, number>();
  for (const [id, b] of now) {
    const a = old.get(id);
    if (!a) continue;
    kept++;
    // Only a node checked in both crawls can have changed its reachability.
    if (a.lastCheck !== undefined && b.lastCheck !== undefined) {
      if (!isReachable(a) && isReachable(b)) becameReachable++;
      if (isReachable(a) && !isReachable(b)) becameUnreachable++;
    }
    const ca = clientOf(a);
    const cb = clientOf(b);
    if (ca && cb && ca.label !== cb.label) changes.set(`${ca.label} -> ${cb.label}`, (changes.get(`${ca.label} -> ${cb.label}`) ?? 0) + 1);
  }
  const count = (nodes: readonly CrawledNode[], key: (r: CrawledNode) => string | undefined): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of nodes) {
      const k = key(r);
      if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };
  const side = (keys: readonly string[] | undefined, key: (r: CrawledNode) => string | undefined): CompareRow[] => compare(count(before, key), count(after, key), keys);
  const compatOf = (nodes: readonly CrawledNode[]) => {
    const at = crawlPosition(nodes, network, Date.now());
    return (r: CrawledNode) => (onNetwork(r, network) ? classifyForkId(network, r.status!.forkId, at) : undefined);
  };
  const compatBefore = compatOf(before);
  const compatAfter = compatOf(after);
  return {
    nodes: { before: before.length, after: after.length, added: after.length - kept, removed: before.length - kept, kept },
    becameReachable,
    becameUnreachable,
    versionChanges: sortRows(changes).slice(0, MAX_VERSION_CHANGES),
    reachability: side(Object.keys(REACHABILITY_LABELS), (r) => reachabilityOf(r, network) satisfies Reachability),
    clients: side(undefined, (r) => clientOf(r)?.name),
    ethVersions: side(undefined, (r) => (speaksEth(r) ? `eth/${r.status!.version}` : undefined)).sort((a, b) => a.key.localeCompare(b.key)),
    forkCompat: compare(count(before, compatBefore), count(after, compatAfter), FORK_COMPAT_CLASSES),
  };
}

/** Rows for every key of either side (or exactly `keys`, zeros included), largest first unless `keys` fixes the order. */
function compare(before: Map<string, number>, after: Map<string, number>, keys?: readonly string[]): CompareRow[] {
  const all = keys ?? [...new Set([...before.keys(), ...after.keys()])];
  const rows = all.map((key) => ({ key, before: before.get(key) ?? 0, after: after.get(key) ?? 0 }));
  return keys ? rows : rows.sort((a, b) => b.after + b.before - (a.after + a.before) || a.key.localeCompare(b.key));
}
