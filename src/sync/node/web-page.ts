/**
 * The parts the HTML pages share (the crawl report, src/report/; the node status page,
 * status-page.ts): escaping, a page shell with its styles, and charts.
 *
 * Charts are drawn by Chart.js (the `chart.js` package, MIT), read from node_modules when a page
 * is made and inlined, so a page needs no network: a report file opens offline, and the status
 * page loads it from the node itself. Each chart is a `<figure data-chart>` carrying its data as
 * a {@link ChartSpec} in `data-spec`, with the same numbers in a table beside it (readable
 * without scripts); the page script draws every figure and records on it what it drew
 * (`data-rendered`, `data-drawn`: elements Chart.js laid out, `data-values`), which is what the
 * browser tests read.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One data series of a chart. */
export interface ChartSeries {
  label: string;
  values: number[];
  /** One color per value (bars colored by class); else the series' color from the palette. */
  colors?: string[];
}

/** A chart as data: what a figure draws and tabulates. */
export interface ChartSpec {
  /** Stable name of the chart within its page (`data-chart`). */
  id: string;
  title: string;
  /** `bar` (vertical), `hbar` (horizontal) or `doughnut`. Several series draw grouped bars. */
  type: 'bar' | 'hbar' | 'doughnut';
  labels: string[];
  series: ChartSeries[];
  /** One line under the title. */
  note?: string;
}

/** Colors of the series and of doughnut slices, in order. */
export const PALETTE: readonly string[] = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

let chartLibraryCache: { version: string; source: string } | undefined;

/** Chart.js's browser build (UMD, minified), ready to inline in a `<script>`; read once. */
export function chartLibrary(): { version: string; source: string } {
  if (chartLibraryCache) return chartLibraryCache;
  // The package exports only its module entries; the UMD build sits next to the CommonJS one.
  const dir = dirname(createRequire(import.meta.url).resolve('chart.js'));
  const raw = readFileSync(join(dir, 'chart.umd.min.js'), 'utf8');
  // Inlined scripts end at the first "</script"; "<!--" switches the parser's script state.
  if (/<\/script|<!--/i.test(raw)) throw new Error('chart.umd.min.js cannot be inlined: it contains "</script" or "<!--"');
  const version = /Chart\.js v(\d+\.\d+\.\d+)/.exec(raw)?.[1] ?? 'unknown';
  // A source map comment would make developer tools fetch the map: a page must not reach out.
  chartLibraryCache = { version, source: raw.replace(/\n?\/\/# sourceMappingURL=.*$/m, '') };
  return chartLibraryCache;
}

/** Text as HTML (element content or a quoted attribute). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A value as JSON inside a `<script type="application/json">` (no "</script" can end it early). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** Height of a chart's drawing area in pixels: horizontal bars grow with their labels. */
function chartHeight(spec: ChartSpec): number {
  if (spec.type === 'hbar') return Math.max(140, 26 * spec.labels.length * Math.max(1, spec.series.length * 0.7) + 50);
  return spec.type === 'doughnut' ? 260 : 240;
}

/** A chart's figure: title, note, drawing area, and its numbers as a table. */
export function figureHtml(spec: ChartSpec): string {
  const head = `<tr><th></th>${spec.series.map((s) => `<th>${escapeHtml(s.label)}</th>`).join('')}</tr>`;
  const rows = spec.labels.map((l, i) => `<tr><td>${escapeHtml(l)}</td>${spec.series.map((s) => `<td class="n">${s.values[i] ?? 0}</td>`).join('')}</tr>`).join('');
  const empty = spec.labels.length === 0 ? '<p class="empty">nothing to show</p>' : '';
  return (
    `<figure class="chart" data-chart="${escapeHtml(spec.id)}" data-spec="${escapeHtml(JSON.stringify(spec))}">` +
    `<figcaption>${escapeHtml(spec.title)}${spec.note ? `<small>${escapeHtml(spec.note)}</small>` : ''}</figcaption>` +
    (empty || `<div class="canvas-box" style="height:${Math.round(chartHeight(spec))}px"></div>`) +
    `<details><summary>numbers</summary><table>${head}${rows}</table></details></figure>`
  );
}

/** A row of numbered tiles ("found 120"). */
export function tilesHtml(tiles: readonly (readonly [string, number | string])[]): string {
  return `<div class="tiles">${tiles.map(([k, v]) => `<div class="tile"><b>${escapeHtml(String(v))}</b><span>${escapeHtml(k)}</span></div>`).join('')}</div>`;
}

const BASE_CSS = `
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#dde2ea;--bg:#f5f7fa;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 24px 8px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:var(--muted)}
main{padding:8px 24px 24px}
section{margin:14px 0}
section>h2{font-size:16px;margin:18px 0 8px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px}
figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
figcaption{font-weight:600;margin-bottom:6px}
figcaption small{display:block;font-weight:400;color:var(--muted)}
.canvas-box{position:relative;width:100%}
details{margin-top:6px;color:var(--muted)}
summary{cursor:pointer;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:12px}
td,th{padding:3px 6px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.tiles{display:flex;flex-wrap:wrap;gap:10px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px}
.tile b{display:block;font-size:22px}
.tile span{color:var(--muted);font-size:12px}
.empty{color:var(--muted);font-style:italic}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;overflow-x:auto}
code{font-size:12px}
header code{word-break:break-all}
footer{padding:0 24px 24px;color:var(--muted);font-size:12px}
`;

/**
 * The browser side: draws every `figure[data-chart]` under a root with Chart.js and records what
 * it drew on the figure. Plain ES2017, no imports: it is inlined as is.
 */
export const CHART_SCRIPT = `
(function () {
  var PALETTE = ${JSON.stringify(PALETTE)};
  var charts = [];
  function config(spec) {
    var doughnut = spec.type === 'doughnut';
    var datasets = spec.series.map(function (s, i) {
      var color = s.colors || (doughnut ? spec.labels.map(function (_, j) { return PALETTE[j % PALETTE.length]; }) : PALETTE[i % PALETTE.length]);
      return { label: s.label, data: s.values, backgroundColor: color, borderWidth: doughnut ? 1 : 0, maxBarThickness: 40 };
    });
    var options = { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: doughnut || spec.series.length > 1, position: doughnut ? 'bottom' : 'top' } } };
    if (!doughnut) {
      options.indexAxis = spec.type === 'hbar' ? 'y' : 'x';
      var valueAxis = spec.type === 'hbar' ? 'x' : 'y';
      options.scales = {};
      options.scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 } };
    }
    return { type: doughnut ? 'doughnut' : 'bar', data: { labels: spec.labels, datasets: datasets }, options: options };
  }
  function drawCharts(root) {
    charts.splice(0).forEach(function (c) { c.destroy(); });
    var figures = root.querySelectorAll('figure[data-chart]');
    for (var i = 0; i < figures.length; i++) {
      var fig = figures[i];
      var spec = JSON.parse(fig.getAttribute('data-spec'));
      fig.setAttribute('data-values', JSON.stringify(spec.series.map(function (s) { return s.values; })));
      if (spec.labels.length === 0) { fig.setAttribute('data-rendered', 'empty'); continue; }
      var box = fig.querySelector('.canvas-box');
      var canvas = document.createElement('canvas');
      box.appendChild(canvas);
      var chart = new Chart(canvas, config(spec));
      charts.push(chart);
      var drawn = 0;
      chart.data.datasets.forEach(function (_, d) {
        chart.getDatasetMeta(d).data.forEach(function (el) { if (isFinite(el.x) && isFinite(el.y)) drawn++; });
      });
      fig.setAttribute('data-drawn', String(drawn));
      fig.setAttribute('data-rendered', canvas.width > 0 && canvas.height > 0 ? 'true' : 'no-size');
    }
  }
  window.drawCharts = drawCharts;
  drawCharts(document);
})();
`;

export interface PageOptions {
  title: string;
  /** Content-Security-Policy of the page. */
  csp: string;
  /** Extra `<head>` markup (already HTML). */
  head?: string;
  /** The `<body>` markup (already HTML). */
  body: string;
  /** Attributes of `<body>` (values are escaped). */
  bodyAttributes?: Record<string, string>;
  /** Scripts to run at the end of the body, in order: [inline source] or { src }. */
  scripts: readonly (string | { src: string })[];
}

/** A whole HTML document. */
export function pageHtml(p: PageOptions): string {
  const scripts = p.scripts.map((s) => (typeof s === 'string' ? `<script>${s}</script>` : `<script src="${escapeHtml(s.src)}"></script>`)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(p.csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)}</title>
<style>${BASE_CSS}</style>${p.head ?? ''}
</head><body${Object.entries(p.bodyAttributes ?? {}).map(([k, v]) => ` ${k}="${escapeHtml(v)}"`).join('')}>
${p.body}
${scripts}
</body></html>
`;
}
