/**
 * The node status page: a {@link NodeStatus} as tiles, charts (peers, dial outcomes, discovery
 * table fill, clients, traffic, disconnects) and the peer table. The page refreshes itself: its
 * script fetches the freshly rendered main part from the node every few seconds and redraws.
 */
import { type ChartSpec, CHART_SCRIPT, escapeHtml, figureHtml, pageHtml, tilesHtml } from './web-page.js';
import type { NodeStatus } from './node-status.js';

/** Where the status server serves Chart.js (same origin: the page loads nothing from elsewhere). */
export const CHART_LIBRARY_PATH = '/assets/chart.umd.min.js';
/** Where the page fetches its refreshed main part. */
export const STATUS_VIEW_PATH = '/api/status-view';
/** Scripts from the node only, fetches to the node only. */
export const STATUS_PAGE_CSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:";
/** Most rows in the traffic chart. */
export const MAX_TRAFFIC_ROWS = 12;

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const short = (hex: string, n = 10): string => (hex.length > n + 2 ? `${hex.slice(0, n)}…` : hex);

/** The charts of the status page (pure). */
export function statusCharts(s: NodeStatus): ChartSpec[] {
  const clients = new Map<string, number>();
  for (const p of s.peers) {
    const name = p.client.split('/')[0] || '?';
    clients.set(name, (clients.get(name) ?? 0) + 1);
  }
  const clientRows = [...clients.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const traffic = new Map<string, { in: number; out: number }>();
  for (const t of s.traffic) {
    const k = `${t.protocol} ${t.message}`;
    const row = traffic.get(k) ?? { in: 0, out: 0 };
    row[t.direction] += t.messages;
    traffic.set(k, row);
  }
  const trafficRows = [...traffic.entries()].sort((a, b) => b[1].in + b[1].out - (a[1].in + a[1].out) || a[0].localeCompare(b[0])).slice(0, MAX_TRAFFIC_ROWS);
  const charts: ChartSpec[] = [
    { id: 'peers', title: 'Peers', type: 'bar', labels: ['inbound', 'outbound', 'eth', 'dialing'], series: [{ label: 'now', values: [s.counts.inbound, s.counts.outbound, s.counts.eth, s.counts.dialing] }] },
    { id: 'dial-outcomes', title: 'Dial outcomes', note: `since start: ${s.dials.started} dials`, type: 'hbar', labels: s.dials.outcomes.map((r) => r.key), series: [{ label: 'dials', values: s.dials.outcomes.map((r) => r.count), colors: s.dials.outcomes.map((r) => (r.key === 'success' ? '#59a14f' : '#f28e2b')) }] },
  ];
  if (s.discovery) {
    const d = s.discovery;
    charts.push({
      id: 'discovery-table',
      title: 'Discovery table fill',
      note: `${d.nodes} of ${d.capacity} slots, by log distance of the bucket`,
      type: 'bar',
      labels: d.buckets.map((b, i) => (i === 0 ? `≤${b.distance}` : String(b.distance))),
      series: [
        { label: 'nodes', values: d.buckets.map((b) => b.nodes) },
        { label: 'replacements', values: d.buckets.map((b) => b.replacements) },
      ],
    });
  }
  charts.push(
    { id: 'clients', title: 'Peers by client', type: 'hbar', labels: clientRows.map(([k]) => k), series: [{ label: 'peers', values: clientRows.map(([, n]) => n) }] },
    {
      id: 'traffic',
      title: 'Messages by protocol and name',
      type: 'hbar',
      labels: trafficRows.map(([k]) => k),
      series: [
        { label: 'in', values: trafficRows.map(([, r]) => r.in) },
        { label: 'out', values: trafficRows.map(([, r]) => r.out) },
      ],
    },
    {
      id: 'disconnects',
      title: 'Disconnect reasons',
      type: 'hbar',
      labels: s.disconnects.map((d) => d.reason),
      series: [
        { label: 'by us', values: s.disconnects.map((d) => d.local) },
        { label: 'by the peer', values: s.disconnects.map((d) => d.remote) },
      ],
    },
  );
  return charts;
}

/** The peer table. */
function peerTable(s: NodeStatus): string {
  if (s.peers.length === 0) return '<p class="empty">no peers</p>';
  const head = '<tr><th>peer</th><th>client</th><th>direction</th><th>eth</th><th>head</th><th class="n">in</th><th class="n">out</th><th class="n">messages in/out</th><th class="n">age</th></tr>';
  const rows = s.peers.map((p) => {
    const headText = p.head ? (p.head.number !== undefined ? `#${p.head.number} ${short(p.head.hash)}` : short(p.head.hash)) : '';
    const flags = [p.trusted ? 'trusted' : '', p.static ? 'static' : ''].filter(Boolean).join(', ');
    return (
      `<tr data-peer="${escapeHtml(p.id)}"><td title="${escapeHtml(`${p.id} ${p.address}`)}"><code>${escapeHtml(p.id.slice(0, 16))}</code></td>` +
      `<td>${escapeHtml(p.client)}</td><td>${p.direction}${flags ? ` (${flags})` : ''}</td><td>${p.eth !== undefined ? `eth/${p.eth}` : ''}</td>` +
      `<td><code>${escapeHtml(headText)}</code></td><td class="n">${bytes(p.bytesIn)}</td><td class="n">${bytes(p.bytesOut)}</td>` +
      `<td class="n">${p.messagesIn} / ${p.messagesOut}</td><td class="n">${duration(p.ageMs)}</td></tr>`
    );
  });
  return `<div class="card"><table id="peers">${head}${rows.join('')}</table></div>`;
}

/** The page's main part (what each refresh replaces). */
export function renderStatusMain(s: NodeStatus): string {
  const tiles = tilesHtml([
    ['peers', s.counts.inbound + s.counts.outbound],
    ['inbound', s.counts.inbound],
    ['outbound', s.counts.outbound],
    ['eth peers', s.counts.eth],
    ['dials ok / started', `${s.dials.succeeded} / ${s.dials.started}`],
    ...(s.discovery ? [['discovery table', `${s.discovery.nodes} / ${s.discovery.capacity}`] as const] : []),
    ...(s.node.head ? [['our head', `#${s.node.head.number}`] as const] : []),
    ...(s.node.uptimeMs !== undefined ? [['uptime', duration(s.node.uptimeMs)] as const] : []),
  ]);
  return (
    `<section>${tiles}</section>` +
    `<section><h2>Peers (${s.peers.length})</h2>${peerTable(s)}</section>` +
    `<section><div class="grid">${statusCharts(s).map(figureHtml).join('')}</div></section>`
  );
}

/** Refreshes the main part every `data-refresh-ms` and redraws its charts; says when the node stops answering. */
const REFRESH_SCRIPT = `
(function () {
  var every = Number(document.body.getAttribute('data-refresh-ms'));
  var state = document.getElementById('state');
  function tick() {
    fetch('${STATUS_VIEW_PATH}', { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (v) {
        var main = document.getElementById('main');
        main.innerHTML = v.html;
        window.drawCharts(main);
        document.body.setAttribute('data-updated', v.at);
        state.textContent = 'updated ' + v.at.slice(11, 19) + ' UTC';
      })
      .catch(function (e) { state.textContent = 'node not answering (' + e.message + ')'; })
      .then(function () { setTimeout(tick, every); });
  }
  if (every > 0) setTimeout(tick, every);
})();
`;

/** The whole status page for `s`, refreshing every `refreshMs` (0: never). */
export function renderStatusPage(s: NodeStatus, refreshMs: number): string {
  const title = `devp2p-ts node ${s.node.id.slice(0, 16)} on ${s.node.network}`;
  return pageHtml({
    title,
    csp: STATUS_PAGE_CSP,
    body:
      `<header><h1>${escapeHtml(title)}</h1><p><code>${escapeHtml(s.node.enode)}</code></p>` +
      `<p>network ${escapeHtml(s.node.networkId)}, genesis ${escapeHtml(short(s.node.genesis))} · <span id="state">updated ${escapeHtml(s.at.slice(11, 19))} UTC</span> · <a href="/api/status">JSON</a> · <a href="/metrics">metrics</a></p></header>` +
      `<main id="main">${renderStatusMain(s)}</main>`,
    bodyAttributes: { 'data-refresh-ms': String(Math.max(0, Math.floor(refreshMs))), 'data-updated': s.at },
    scripts: [{ src: CHART_LIBRARY_PATH }, CHART_SCRIPT, REFRESH_SCRIPT],
  });
}
