/**
 * The data of a crawl report: what a census page shows about a crawl's node set, as plain JSON
 * (numbers and strings only), built from the nodes file's records. Every node counts by its
 * latest check, as in the text summary (crawl-summary.ts):
 *
 * - reachability: eth on our network, on another network, RLPx without eth, discovery only (the
 *   node answered discovery but its RLPx check failed), not checked yet;
 * - failed checks by error kind and phase;
 * - reachable nodes by client, and each client's versions;
 * - eth nodes by negotiated version and by network (network ID, genesis);
 * - nodes on our network by fork ID, each fork ID classified against our chain as EIP-2124 does
 *   ({@link classifyForkId}) at the time of the crawl;
 * - with an older node set, what changed ({@link diffCrawls}).
 */
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { type EthNetwork, networkForkId } from '../chain/chain-config.js';
import { findNetwork, NETWORKS } from '../chain/networks.js';
import { type CrawledNode, speaksEth } from '../sync/crawl/crawled-node.js';
import { classifyForkId, FORK_COMPAT_CLASSES, type ForkCompat } from './fork-compat.js';
import { type CrawlDiff, diffCrawls } from './crawl-diff.js';
import { bump, clientOf, type CountRow, crawlPosition, onNetwork, type Reachability, REACHABILITY_LABELS, reachabilityOf, sortRows } from './node-facts.js';

export type { CountRow, Reachability } from './node-facts.js';
export { REACHABILITY_LABELS } from './node-facts.js';

export interface ClientVersions {
  client: string;
  count: number;
  /** Versions of this client, most frequent first ("1.17.0", or "unknown"). */
  versions: CountRow[];
}

export interface NetworkCount {
  networkId: string;
  /** 0x-hex genesis hash. */
  genesis: string;
  /** Name of a known network with this genesis and ID, if any. */
  name?: string;
  /** True for the report's own network. */
  ours: boolean;
  count: number;
}

export interface ForkIdCount {
  /** 0x-hex FORK_HASH. */
  hash: string;
  /** FORK_NEXT, decimal. */
  next: string;
  count: number;
  compat: ForkCompat;
}

/** A crawl report's data (JSON-friendly). */
export interface CrawlReport {
  title: string;
  /** When the report was made (RFC 3339). */
  generatedAt: string;
  /** The latest check in the node set (RFC 3339), or undefined when nothing was checked. */
  crawledAt?: string;
  network: {
    name: string;
    networkId: string;
    genesis: string;
    /** Our fork ID at the crawl's time, against which the nodes' fork IDs are classified. */
    forkId: { hash: string; next: string };
  };
  /** `ethOurNetwork`: eth nodes whose network ID and genesis are the report's network's. */
  totals: { found: number; checked: number; reachable: number; eth: number; ethOurNetwork: number; withEnr: number };
  reachability: CountRow[];
  /** Failed checks by error kind. */
  errors: CountRow[];
  /** Failed checks by phase and kind ("dial: refused"). */
  errorPhases: CountRow[];
  /** Reachable nodes by client name. */
  clients: CountRow[];
  clientVersions: ClientVersions[];
  /** eth nodes by negotiated version ("eth/68"). */
  ethVersions: CountRow[];
  networks: NetworkCount[];
  /** Nodes on our network by fork ID, most frequent first. */
  forkIds: ForkIdCount[];
  /** Nodes on our network by fork compatibility class (every class, zeros included). */
  forkCompat: CountRow[];
  diff?: CrawlDiff;
}

export interface CrawlReportOptions {
  /** Our network: fork IDs are classified against it. */
  network: EthNetwork;
  title?: string;
  /** An older node set of the same network: the report shows what changed since. */
  previous?: Iterable<CrawledNode>;
  /** Time of the report (default now). */
  now?: number;
}

/** Most client versions listed per client (the rest is summed as "other"). */
export const MAX_VERSIONS_PER_CLIENT = 12;
/** Most fork IDs listed (the rest is summed as "other"). */
export const MAX_FORK_IDS = 16;

/** Builds the report of `nodes` (see the module comment). */
export function buildCrawlReport(nodes: Iterable<CrawledNode>, opts: CrawlReportOptions): CrawlReport {
  const list = [...nodes];
  const now = opts.now ?? Date.now();
  const network = opts.network;
  const at = crawlPosition(list, network, now);
  const ours = networkForkId(network, at.head, at.time);
  const reach = new Map<Reachability, number>();
  const errors = new Map<string, number>();
  const phases = new Map<string, number>();
  const clients = new Map<string, Map<string, number>>();
  const ethVersions = new Map<string, number>();
  const networks = new Map<string, NetworkCount>();
  const forkIds = new Map<string, ForkIdCount>();
  let withEnr = 0;
  let latestCheck: number | undefined;
  for (const r of list) {
    const kind = reachabilityOf(r, network);
    bump(reach, kind);
    if (r.node.enr) withEnr++;
    if (r.lastCheck !== undefined) latestCheck = Math.max(latestCheck ?? 0, r.lastCheck);
    if (r.lastError && r.lastCheck !== undefined) {
      bump(errors, r.lastError.kind);
      bump(phases, `${r.lastError.phase}: ${r.lastError.kind}`);
    }
    const client = clientOf(r);
    if (client) {
      let versions = clients.get(client.name);
      if (!versions) clients.set(client.name, (versions = new Map()));
      bump(versions, client.version);
    }
    if (!speaksEth(r)) continue;
    const s = r.status!;
    bump(ethVersions, `eth/${s.version}`);
    const genesis = `0x${bytesToHex(s.genesis)}`;
    const netKey = `${s.networkId}/${genesis}`;
    let net = networks.get(netKey);
    if (!net) {
      const isOurs = onNetwork(r, network);
      const known = isOurs ? network : Object.values(NETWORKS).find((n) => n.networkId === s.networkId && equalBytes(n.genesisHash, s.genesis));
      networks.set(netKey, (net = { networkId: s.networkId.toString(), genesis, ...(known ? { name: known.name } : {}), ours: isOurs, count: 0 }));
    }
    net.count++;
    if (!net.ours) continue;
    const hash = `0x${bytesToHex(s.forkId.hash)}`;
    const fkey = `${hash}/${s.forkId.next}`;
    let f = forkIds.get(fkey);
    if (!f) forkIds.set(fkey, (f = { hash, next: s.forkId.next.toString(), count: 0, compat: classifyForkId(network, s.forkId, at) }));
    f.count++;
  }
  const sortedForkIds = [...forkIds.values()].sort((a, b) => b.count - a.count || a.hash.localeCompare(b.hash) || a.next.localeCompare(b.next));
  const compat = new Map<ForkCompat, number>(FORK_COMPAT_CLASSES.map((c) => [c, 0]));
  for (const f of sortedForkIds) compat.set(f.compat, compat.get(f.compat)! + f.count);
  const clientRows = [...clients.entries()]
    .map(([client, versions]) => {
      const rows = sortRows(versions);
      return { client, count: rows.reduce((n, r) => n + r.count, 0), versions: capRows(rows, MAX_VERSIONS_PER_CLIENT) };
    })
    .sort((a, b) => b.count - a.count || a.client.localeCompare(b.client));
  const report: CrawlReport = {
    title: opts.title ?? `${network.name} crawl`,
    generatedAt: new Date(now).toISOString(),
    ...(latestCheck !== undefined ? { crawledAt: new Date(latestCheck).toISOString() } : {}),
    network: { name: network.name, networkId: network.networkId.toString(), genesis: `0x${bytesToHex(network.genesisHash)}`, forkId: { hash: `0x${bytesToHex(ours.hash)}`, next: ours.next.toString() } },
    totals: {
      found: list.length,
      checked: list.length - (reach.get('unchecked') ?? 0),
      reachable: (reach.get('eth') ?? 0) + (reach.get('eth-other-chain') ?? 0) + (reach.get('rlpx') ?? 0),
      eth: (reach.get('eth') ?? 0) + (reach.get('eth-other-chain') ?? 0),
      ethOurNetwork: reach.get('eth') ?? 0,
      withEnr,
    },
    reachability: (Object.keys(REACHABILITY_LABELS) as Reachability[]).map((k) => ({ key: k, count: reach.get(k) ?? 0 })),
    errors: sortRows(errors),
    errorPhases: sortRows(phases),
    clients: clientRows.map((c) => ({ key: c.client, count: c.count })),
    clientVersions: clientRows,
    ethVersions: sortRows(ethVersions).sort((a, b) => a.key.localeCompare(b.key)),
    networks: [...networks.values()].sort((a, b) => b.count - a.count || a.networkId.localeCompare(b.networkId)),
    forkIds: capForkIds(sortedForkIds),
    forkCompat: FORK_COMPAT_CLASSES.map((c) => ({ key: c, count: compat.get(c)! })),
  };
  if (opts.previous) report.diff = diffCrawls([...opts.previous], list, network);
  return report;
}

/** The network a report is about when none is given: a known one the nodes' Statuses name most. */
export function likelyNetwork(nodes: Iterable<CrawledNode>): EthNetwork | undefined {
  const counts = new Map<EthNetwork, number>();
  for (const r of nodes) {
    if (!speaksEth(r)) continue;
    const n = Object.values(NETWORKS).find((k) => k.networkId === r.status!.networkId && equalBytes(k.genesisHash, r.status!.genesis));
    if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  return best ? best[0] : findNetwork('mainnet');
}

/** The first `max - 1` rows and one "other" row summing the rest (when there are more than `max`). */
function capRows(rows: CountRow[], max: number): CountRow[] {
  if (rows.length <= max) return rows;
  const rest = rows.slice(max - 1).reduce((n, r) => n + r.count, 0);
  return [...rows.slice(0, max - 1), { key: 'other', count: rest }];
}

function capForkIds(rows: ForkIdCount[]): ForkIdCount[] {
  if (rows.length <= MAX_FORK_IDS) return rows;
  // The rest keeps its classes apart: the compatibility chart must still add up.
  const out = rows.slice(0, MAX_FORK_IDS - 1);
  for (const c of FORK_COMPAT_CLASSES) {
    const n = rows.slice(MAX_FORK_IDS - 1).filter((r) => r.compat === c).reduce((s, r) => s + r.count, 0);
    if (n > 0) out.push({ hash: 'other', next: '', count: n, compat: c });
  }
  return out;
}
