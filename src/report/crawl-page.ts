/**
 * A crawl report as one self-contained HTML file: the report's data drawn as charts (Chart.js,
 * inlined), each with its numbers in a table, under a Content-Security-Policy that lets the page
 * load nothing at all: opened from disk it works offline and cannot reach the network.
 */
import { chartLibrary, CHART_SCRIPT, type ChartSpec, escapeHtml, figureHtml, pageHtml, scriptJson, tilesHtml } from '../sync/node/web-page.js';
import type { CompareRow } from './crawl-diff.js';
import type { CrawlReport } from './crawl-report.js';
import type { ForkCompat } from './fork-compat.js';
import { REACHABILITY_LABELS, type Reachability } from './node-facts.js';

/** Everything inline, nothing fetched (no connect-src, no img/font from anywhere but data:). */
export const REPORT_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

/** Colors of the fork compatibility classes. */
export const FORK_COMPAT_COLORS: Readonly<Record<ForkCompat, string>> = { compatible: '#59a14f', stale: '#f28e2b', future: '#4e79a7', incompatible: '#e15759' };

/** Colors of the reachability classes. */
export const REACHABILITY_COLORS: Readonly<Record<Reachability, string>> = { eth: '#59a14f', 'eth-other-chain': '#bab0ac', rlpx: '#4e79a7', 'discovery-only': '#f28e2b', unchecked: '#e0e3e8' };

/** Client versions charted one chart per client for this many clients at most. */
export const MAX_CLIENT_VERSION_CHARTS = 6;

/** A report's sections: a heading, and the charts under it. */
export interface ReportSection {
  id: string;
  title: string;
  charts: ChartSpec[];
  /** Extra HTML after the charts (already escaped). */
  html?: string;
}

const rowsChart = (id: string, title: string, type: ChartSpec['type'], rows: readonly { key: string; count: number }[], label = 'nodes', note?: string): ChartSpec => ({
  id,
  title,
  type,
  labels: rows.map((r) => r.key),
  series: [{ label, values: rows.map((r) => r.count) }],
  ...(note ? { note } : {}),
});

const compareChart = (id: string, title: string, rows: readonly CompareRow[], labelOf: (k: string) => string = (k) => k): ChartSpec => ({
  id,
  title,
  type: 'hbar',
  labels: rows.map((r) => labelOf(r.key)),
  series: [
    { label: 'older crawl', values: rows.map((r) => r.before) },
    { label: 'this crawl', values: rows.map((r) => r.after) },
  ],
});

const short = (hex: string): string => (hex.length > 14 ? `${hex.slice(0, 10)}…` : hex);

/** The sections and charts of a report (pure: what the page shows, before any HTML). */
export function reportSections(r: CrawlReport): ReportSection[] {
  const reachLabel = (k: string): string => REACHABILITY_LABELS[k as Reachability] ?? k;
  const sections: ReportSection[] = [
    {
      id: 'reachability',
      title: 'Reachability',
      charts: [
        {
          ...rowsChart('reachability', 'How far each node got', 'doughnut', r.reachability, 'nodes', 'discovery only: the node answered discovery but not RLPx'),
          labels: r.reachability.map((x) => reachLabel(x.key)),
          series: [{ label: 'nodes', values: r.reachability.map((x) => x.count), colors: r.reachability.map((x) => REACHABILITY_COLORS[x.key as Reachability]) }],
        },
        rowsChart('errors', 'Failed checks by error', 'hbar', r.errors, 'nodes', 'the last check of each node'),
        rowsChart('error-phases', 'Failed checks by phase', 'hbar', r.errorPhases),
      ],
    },
    {
      id: 'clients',
      title: 'Clients',
      charts: [
        rowsChart('clients', 'Reachable nodes by client', 'hbar', r.clients, 'nodes', 'from the client ID in the Hello'),
        ...r.clientVersions.slice(0, MAX_CLIENT_VERSION_CHARTS).map((c) => rowsChart(`versions-${c.client}`, `${c.client} versions`, 'hbar', c.versions)),
      ],
    },
    {
      id: 'eth',
      title: 'eth protocol and networks',
      charts: [
        rowsChart('eth-versions', 'eth version negotiated', 'bar', r.ethVersions),
        {
          id: 'networks',
          title: 'Networks (network ID, genesis)',
          type: 'hbar',
          labels: r.networks.map((n) => `${n.name ?? `network ${n.networkId}`} ${short(n.genesis)}${n.ours ? ' (ours)' : ''}`),
          series: [{ label: 'nodes', values: r.networks.map((n) => n.count), colors: r.networks.map((n) => (n.ours ? '#59a14f' : '#bab0ac')) }],
        },
      ],
    },
    {
      id: 'forks',
      title: 'Fork IDs (EIP-2124)',
      charts: [
        {
          ...rowsChart('fork-compat', 'Fork ID against ours', 'doughnut', r.forkCompat, 'nodes', `ours: ${r.network.forkId.hash} next ${r.network.forkId.next}`),
          series: [{ label: 'nodes', values: r.forkCompat.map((x) => x.count), colors: r.forkCompat.map((x) => FORK_COMPAT_COLORS[x.key as ForkCompat]) }],
        },
        {
          id: 'fork-ids',
          title: `Fork IDs on ${r.network.name}`,
          type: 'hbar',
          labels: r.forkIds.map((f) => (f.hash === 'other' ? `other (${f.compat})` : `${f.hash} next ${f.next}`)),
          series: [{ label: 'nodes', values: r.forkIds.map((f) => f.count), colors: r.forkIds.map((f) => FORK_COMPAT_COLORS[f.compat]) }],
          note: 'green compatible, orange stale, blue future, red incompatible',
        },
      ],
    },
  ];
  const d = r.diff;
  if (d) {
    sections.push({
      id: 'changes',
      title: 'What changed since the older crawl',
      charts: [
        compareChart('diff-reachability', 'Reachability', d.reachability, reachLabel),
        compareChart('diff-clients', 'Reachable nodes by client', d.clients),
        compareChart('diff-eth-versions', 'eth versions', d.ethVersions),
        compareChart('diff-fork-compat', 'Fork ID against ours', d.forkCompat),
        rowsChart('diff-version-changes', 'Client version changes (same node)', 'hbar', d.versionChanges),
      ],
    });
  }
  return sections;
}

/** The report as one HTML document (see the module comment). */
export function renderCrawlReportHtml(r: CrawlReport): string {
  const lib = chartLibrary();
  const t = r.totals;
  const tiles = tilesHtml([
    ['nodes found', t.found],
    ['checked', t.checked],
    ['reachable (RLPx)', t.reachable],
    ['eth Status', t.eth],
    [`on ${r.network.name}`, t.ethOurNetwork],
    ['with an ENR', t.withEnr],
  ]);
  const d = r.diff;
  const diffTiles = d
    ? tilesHtml([
        ['nodes before', d.nodes.before],
        ['nodes now', d.nodes.after],
        ['new', d.nodes.added],
        ['gone', d.nodes.removed],
        ['became reachable', d.becameReachable],
        ['became unreachable', d.becameUnreachable],
      ])
    : '';
  const body = reportSections(r)
    .map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${s.id === 'changes' ? diffTiles : ''}<div class="grid">${s.charts.map(figureHtml).join('')}</div>${s.html ?? ''}</section>`)
    .join('\n');
  const when = r.crawledAt ? `crawled ${r.crawledAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : 'no node checked yet';
  return pageHtml({
    title: r.title,
    csp: REPORT_CSP,
    body:
      `<header><h1>${escapeHtml(r.title)}</h1><p>${escapeHtml(`${r.network.name} (network ${r.network.networkId}, genesis ${short(r.network.genesis)}), ${when}`)}</p></header>\n` +
      `<main><section id="totals">${tiles}</section>\n${body}</main>\n` +
      `<footer>Made by devp2p-ts at ${escapeHtml(r.generatedAt)}; charts by Chart.js ${escapeHtml(lib.version)} (MIT), inlined. Each node counts by its latest check.</footer>\n` +
      `<script type="application/json" id="report-data">${scriptJson(r)}</script>`,
    scripts: [lib.source, CHART_SCRIPT],
  });
}
