/**
 * Crawl summaries: how many nodes were found, reachable over RLPx and speaking eth, grouped by
 * client (name and version from the Hello client ID), network (network ID and genesis from
 * Status), eth version, and error kind. Built from the node set after (or during) a crawl, so
 * it describes every node's latest check, resumed nodes included.
 */
import { bytesToHex } from '../../common/bytes.js';
import { parseClientId } from './client-id.js';
import { type CrawledNode, isReachable, speaksEth } from './crawled-node.js';
import type { CheckErrorKind } from './node-check.js';

/** One row of a grouping, most frequent first. */
export interface CountRow {
  key: string;
  count: number;
}

export interface NetworkRow {
  networkId: string;
  /** Genesis hash, 0x-hex. */
  genesis: string;
  count: number;
  /** True if these nodes' Status matched our chain. */
  matching: boolean;
}

/** What a crawl found, as plain JSON-friendly data. */
export interface CrawlSummary {
  /** Nodes in the set. */
  found: number;
  /** Nodes checked at least once. */
  checked: number;
  /** Nodes whose last check got their Hello (RLPx handshake worked). */
  reachable: number;
  /** Nodes whose last check got their eth Status. */
  eth: number;
  /** Of those, the ones whose Status matched our chain. */
  ethMatching: number;
  /** Reachable nodes by client name ("geth"). */
  clients: CountRow[];
  /** Reachable nodes by client name and version ("geth v1.17.0"). */
  clientVersions: CountRow[];
  /** eth-speaking nodes by network ID and genesis. */
  networks: NetworkRow[];
  /** eth-speaking nodes by negotiated eth version ("68", "69", "70"). */
  ethVersions: CountRow[];
  /** Nodes whose last check failed, by error kind. */
  errors: CountRow[];
}

/** Summarises a node set. */
export function summarizeCrawl(nodes: Iterable<CrawledNode>): CrawlSummary {
  let found = 0;
  let checked = 0;
  let reachable = 0;
  let eth = 0;
  let ethMatching = 0;
  const clients = new Map<string, number>();
  const versions = new Map<string, number>();
  const networks = new Map<string, NetworkRow>();
  const ethVersions = new Map<string, number>();
  const errors = new Map<CheckErrorKind, number>();
  const bump = <K>(m: Map<K, number>, k: K): void => void m.set(k, (m.get(k) ?? 0) + 1);
  for (const r of nodes) {
    found++;
    if (r.lastCheck === undefined) continue;
    checked++;
    if (r.lastError) bump(errors, r.lastError.kind);
    if (!isReachable(r)) continue;
    reachable++;
    if (r.hello) {
      const c = parseClientId(r.hello.clientId);
      bump(clients, c.name);
      bump(versions, c.version ? `${c.name} v${c.version}` : c.name);
    }
    if (!speaksEth(r)) continue;
    const s = r.status!;
    eth++;
    const matching = s.mismatch === undefined;
    if (matching) ethMatching++;
    bump(ethVersions, String(s.version));
    const key = `${s.networkId}/${bytesToHex(s.genesis)}/${matching}`;
    const row = networks.get(key) ?? { networkId: s.networkId.toString(), genesis: `0x${bytesToHex(s.genesis)}`, count: 0, matching };
    row.count++;
    networks.set(key, row);
  }
  return {
    found,
    checked,
    reachable,
    eth,
    ethMatching,
    clients: rows(clients),
    clientVersions: rows(versions),
    networks: [...networks.values()].sort((a, b) => b.count - a.count || a.networkId.localeCompare(b.networkId)),
    ethVersions: rows(ethVersions).sort((a, b) => a.key.localeCompare(b.key)),
    errors: rows(errors),
  };
}

function rows<K extends string>(m: Map<K, number>): CountRow[] {
  return [...m.entries()].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** The summary as an aligned text table (what `devp2p-ts crawl` prints). */
export function formatCrawlSummary(s: CrawlSummary, opts: { maxRows?: number } = {}): string {
  const max = opts.maxRows ?? 20;
  const lines: string[] = [];
  const pct = (n: number): string => (s.found > 0 ? ` (${((n / s.found) * 100).toFixed(0)}%)` : '');
  lines.push(`nodes found        ${s.found}`);
  lines.push(`checked            ${s.checked}`);
  lines.push(`reachable (RLPx)   ${s.reachable}${pct(s.reachable)}`);
  lines.push(`eth Status         ${s.eth}${pct(s.eth)}, ${s.ethMatching} on our chain`);
  const section = (title: string, items: CountRow[]): void => {
    if (items.length === 0) return;
    lines.push('', title);
    const width = Math.max(...items.slice(0, max).map((r) => r.key.length));
    for (const r of items.slice(0, max)) lines.push(`  ${r.key.padEnd(width)}  ${String(r.count).padStart(5)}`);
    if (items.length > max) lines.push(`  ... ${items.length - max} more`);
  };
  section('by client', s.clients);
  section('by client version', s.clientVersions);
  section(
    'by network (network ID, genesis)',
    s.networks.map((n) => ({ key: `${n.networkId} ${n.genesis.slice(0, 18)}...${n.matching ? '' : ' (mismatch)'}`, count: n.count })),
  );
  section('by eth version', s.ethVersions.map((r) => ({ key: `eth/${r.key}`, count: r.count })));
  section('errors (last check)', s.errors);
  return lines.join('\n') + '\n';
}
