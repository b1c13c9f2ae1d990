/**
 * The pages people look at, in headless Chromium (Debian's; see test/support/chromium.ts): the
 * demo crawl's report, a report comparing two crawls, and the status page of a running node.
 * Each must load without console errors or requests beyond its own origin, draw every chart
 * with the expected counts (read back from the DOM) and leave a screenshot in test-artifacts/.
 * With DEVP2P_UPDATE_DOC_IMAGES=1 the screenshots the README shows are rewritten under
 * docs/images/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { formatEnode, parseEnode } from '../../src/enode/enode-url.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { MAINNET } from '../../src/chain/networks.js';
import type { EthVersion } from '../../src/eth/protocol.js';
import { buildCrawlReport } from '../../src/report/crawl-report.js';
import { renderCrawlReportHtml } from '../../src/report/crawl-page.js';
import type { NodeStatus } from '../../src/sync/node/node-status.js';
import { P2PNode } from '../../src/sync/node/p2p-node.js';
import { DEVNET_SEED } from '../../src/cli/common-options.js';
import { cli, closedPort, requireBuild, ROOT, startLongRunning, type LongRunning } from '../cli/run-cli.js';
import { ensureChromium, launchChromium, openPage, renderedCharts, screenshot, type PageWatch, type RenderedChart } from '../support/chromium.js';
import { EXPECTED, EXPECTED_DIFF, fixtureCrawls } from './fixtures.js';

const browserPath = ensureChromium();
const DOC_IMAGES = process.env['DEVP2P_UPDATE_DOC_IMAGES'] === '1';

let browser: Browser;
let dir: string;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'devp2p-ts-pages-'));
  if (browserPath.skip === undefined) browser = await launchChromium(browserPath.path);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * The chart `id`, which must have been drawn: every value laid out, pixels painted, the table
 * agreeing. `mayBeEmpty`: a chart with nothing to show (no labels) says so instead.
 */
function chart(charts: RenderedChart[], id: string, mayBeEmpty = false): RenderedChart {
  const c = charts.find((x) => x.id === id);
  expect(c, `chart ${id}`).toBeDefined();
  if (mayBeEmpty && c!.labels.length === 0) {
    expect(c!.rendered).toBe('empty');
    return c!;
  }
  expect(c!.rendered, `chart ${id} rendered`).toBe('true');
  expect(c!.drawn, `chart ${id}: elements drawn`).toBe(c!.values.reduce((n, s) => n + s.length, 0));
  expect(c!.painted, `chart ${id}: painted pixels`).toBeGreaterThan(500);
  expect(c!.table, `chart ${id}: numbers table`).toEqual(c!.values);
  return c!;
}

/** The chart's first series as { label: value }. */
function counts(c: RenderedChart, series = 0): Record<string, number> {
  return Object.fromEntries(c.labels.map((l, i) => [l, c.values[series]![i]!]));
}

function expectQuiet(watch: PageWatch, origin: string): void {
  expect(watch.errors).toEqual([]);
  for (const url of watch.requests) expect(url.startsWith(origin), `request to ${url}`).toBe(true);
}

/** Saves the page's screenshot in test-artifacts/ (and, with DEVP2P_UPDATE_DOC_IMAGES=1, the README's copy). */
async function keep(page: Page, name: string, opts: { clipHeight?: number } = {}): Promise<void> {
  await screenshot(page, name);
  if (DOC_IMAGES) {
    const docs = join(ROOT, 'docs', 'images');
    mkdirSync(docs, { recursive: true });
    // The README's copies: the top of the page, at a width that stays readable when scaled down.
    await page.setViewportSize({ width: 1100, height: opts.clipHeight ?? 900 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(docs, name), ...(opts.clipHeight ? { clip: { x: 0, y: 0, width: 1100, height: opts.clipHeight } } : {}) });
  }
}

describe.skipIf(browserPath.skip !== undefined)(`pages in headless Chromium${browserPath.skip ? ` (skipped: ${browserPath.skip})` : ''}`, () => {
  it('the demo ends by writing its crawl report; in the browser every chart shows the crawl\'s counts', async () => {
    const file = join(dir, 'demo-crawl.html');
    const r = await cli(['demo', '--nodes', '3', '--blocks', '300', '--json', '--report', file], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const crawl = (JSON.parse(r.stdout) as { crawl: { found: number; checked: number; reachable: number; ethMatching: number; reportFile: string; clients: { key: string; count: number }[]; ethVersions: { key: string; count: number }[]; errors: { key: string; count: number }[] } }).crawl;
    expect(crawl.reportFile).toBe(file);
    const url = pathToFileURL(file).href;
    const { page, watch } = await openPage(browser, url);
    const charts = await renderedCharts(page);
    expectQuiet(watch, url);
    expect(watch.requests).toEqual([url]);
    // The demo's own text summary (crawl-summary.ts) is the reference for the report's charts.
    expect(counts(chart(charts, 'reachability'))).toEqual({
      'eth Status, our network': crawl.ethMatching,
      'eth Status, another network': 0,
      'RLPx, no eth': crawl.reachable - crawl.ethMatching,
      'discovery only (RLPx failed)': crawl.checked - crawl.reachable,
      'not checked': crawl.found - crawl.checked,
    });
    expect(counts(chart(charts, 'clients'))).toEqual(Object.fromEntries(crawl.clients.map((c) => [c.key, c.count])));
    expect(counts(chart(charts, 'clients'))).toEqual({ 'devp2p-ts': 3 });
    expect(counts(chart(charts, 'eth-versions'))).toEqual(Object.fromEntries(crawl.ethVersions.map((c) => [`eth/${c.key}`, c.count])));
    expect(counts(chart(charts, 'eth-versions'))).toEqual({ 'eth/68': 1, 'eth/69': 1, 'eth/70': 1 });
    expect(counts(chart(charts, 'errors'))).toEqual(Object.fromEntries(crawl.errors.map((c) => [c.key, c.count])));
    expect(counts(chart(charts, 'fork-compat'))).toEqual({ compatible: 3, stale: 0, future: 0, incompatible: 0 });
    expect(Object.values(counts(chart(charts, 'networks')))).toEqual([3]);
    chart(charts, 'fork-ids');
    chart(charts, 'versions-devp2p-ts');
    for (const c of charts) chart(charts, c.id);
    expect(await page.textContent('.tiles')).toContain(`${crawl.found}nodes found`);
    await keep(page, 'crawl-report.png', { clipHeight: 1000 });
    await page.close();
  }, 120_000);

  it('a report comparing two crawls draws the changes: nodes new and gone, groupings before and after, version changes', async () => {
    const { newer, older } = fixtureCrawls();
    const file = join(dir, 'compare.html');
    await writeFile(file, renderCrawlReportHtml(buildCrawlReport(newer, { network: MAINNET, previous: older })));
    const url = pathToFileURL(file).href;
    const { page, watch } = await openPage(browser, url);
    const charts = await renderedCharts(page);
    expectQuiet(watch, url);
    for (const c of charts) chart(charts, c.id);
    expect(counts(chart(charts, 'clients'))).toEqual(EXPECTED.clients);
    expect(counts(chart(charts, 'fork-compat'))).toEqual(EXPECTED.forkCompat);
    expect(counts(chart(charts, 'diff-version-changes'))).toEqual(EXPECTED_DIFF.versionChanges);
    const clients = chart(charts, 'diff-clients');
    expect(clients.values[0]![clients.labels.indexOf('geth')]).toBe(17);
    expect(clients.values[1]![clients.labels.indexOf('geth')]).toBe(EXPECTED.clients.geth);
    expect(await page.textContent('#changes .tiles')).toContain(`${EXPECTED_DIFF.nodes.added}new`);
    await screenshot(page, 'crawl-report-compare.png');
    await page.close();
  }, 60_000);

  describe('node --http', () => {
    const devnet = generateDevnetChain({ length: 40, seed: DEVNET_SEED });
    const peers: P2PNode[] = [];
    let node: LongRunning;
    let base: string;

    beforeAll(async () => {
      // One peer the node dials (a static node), and a static node at a port where nobody listens.
      const dialed = await P2PNode.start({ network: devnet.network, chain: devnet.chain, privateKey: generatePrivateKey(), addr: { host: '127.0.0.1', port: 0 }, discovery: false, clientId: 'devp2p-ts/v0.1.0/test-peer-dialed' });
      peers.push(dialed);
      const nobody = formatEnode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: await closedPort(), udpPort: 0 });
      node = await startLongRunning(['node', '--network', 'devnet', '--addr', '127.0.0.1:0', '--bootnodes', '', '--static', `${dialed.enode},${nobody}`, '--http', '127.0.0.1:0', '--datadir', join(dir, 'node'), '--status-interval', '0']);
      base = /status page url=(http:\/\/\S+\/) /.exec(await node.waitForStderr(/status page url=/))![1]!;
    }, 40_000);

    afterAll(async () => {
      await Promise.all(peers.splice(0).map((p) => p.stop()));
      await node?.stop();
    });

    const status = async (): Promise<NodeStatus> => (await (await fetch(`${base}api/status`)).json()) as NodeStatus;

    async function peer(i: number, versions: EthVersion[]): Promise<void> {
      const enode = parseEnode(node.firstLine);
      peers.push(
        await P2PNode.start({
          network: devnet.network,
          chain: devnet.chain,
          privateKey: generatePrivateKey(),
          addr: { host: '127.0.0.1', port: 0 },
          bootnodes: [enode],
          staticNodes: [enode],
          ethVersions: versions,
          clientId: `devp2p-ts/v0.1.0/test-peer-${i}`,
        }),
      );
    }

    async function until(cond: (s: NodeStatus) => boolean, ms = 20_000): Promise<NodeStatus> {
      const t0 = Date.now();
      for (;;) {
        const s = await status();
        if (cond(s)) return s;
        if (Date.now() - t0 > ms) throw new Error(`status never matched: ${JSON.stringify(s.counts)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    it('shows its peers (client, direction, eth version, head, traffic, age), dial outcomes and discovery table fill, and refreshes itself', async () => {
      await peer(0, [68]);
      await peer(1, [69]);
      await peer(2, [68, 69, 70]);
      // The three dial us and join our table; we dialed the static one, and failed to reach the other.
      const before = await until((s) => s.counts.eth === 4 && s.discovery!.nodes === 3 && s.dials.outcomes.some((o) => o.key === 'refused'));
      const { page, watch } = await openPage(browser, base);
      const charts = await renderedCharts(page);
      const after = await status();
      expectQuiet(watch, base);
      // The page, its Chart.js and nothing else.
      expect(new Set(watch.requests.map((u) => new URL(u).pathname))).toEqual(new Set(['/', '/assets/chart.umd.min.js']));

      const rows = await page.$$eval('#peers tr[data-peer]', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(rows).toHaveLength(4);
      expect(rows.map((r) => r[1]).sort()).toEqual(['devp2p-ts/v0.1.0/test-peer-0', 'devp2p-ts/v0.1.0/test-peer-1', 'devp2p-ts/v0.1.0/test-peer-2', 'devp2p-ts/v0.1.0/test-peer-dialed']);
      expect(rows.map((r) => r[3]).sort()).toEqual(['eth/68', 'eth/69', 'eth/70', 'eth/72']);
      expect(rows.find((r) => r[1]!.endsWith('dialed'))![2]).toBe('outbound (static)');
      for (const r of rows) {
        expect(r[2]).toMatch(/^(inbound|outbound)/);
        // eth/69+ peers announce their head's number; the devnet chain is 40 blocks long.
        expect(r[4]).toMatch(/^(#40 )?0x[0-9a-f]{8}…$/);
        expect(r[5]).toMatch(/^\d+(\.\d)? (B|KiB)$/);
        expect(r[8]).toMatch(/^\d+s$/);
      }
      expect(rows.filter((r) => r[4]!.startsWith('#40 '))).toHaveLength(3);

      const p = counts(chart(charts, 'peers'));
      expect(p['inbound']! + p['outbound']!).toBe(4);
      expect(p['outbound']).toBeGreaterThanOrEqual(1);
      expect(p['eth']).toBe(4);
      const table = chart(charts, 'discovery-table');
      expect(table.values[0]!.reduce((a, b) => a + b, 0)).toBe(before.discovery!.nodes);
      expect(table.labels).toHaveLength(17);
      expect(counts(chart(charts, 'clients'))).toEqual({ 'devp2p-ts': 4 });
      const dials = counts(chart(charts, 'dial-outcomes'));
      expect(dials['success']).toBeGreaterThanOrEqual(1);
      expect(dials['refused']).toBeGreaterThanOrEqual(1);
      if (before.dials.started === after.dials.started) expect(Object.values(dials).reduce((a, b) => a + b, 0)).toBe(after.dials.succeeded + after.dials.failed);
      const traffic = chart(charts, 'traffic');
      expect(traffic.labels).toContain('eth Status');
      expect(traffic.values[0]![traffic.labels.indexOf('eth Status')]).toBe(4);
      expect(traffic.values[1]![traffic.labels.indexOf('eth Status')]).toBe(4);
      chart(charts, 'disconnects', true);
      await keep(page, 'node-status.png', { clipHeight: 900 });

      // A fourth peer appears without a reload.
      const updated = await page.getAttribute('body', 'data-updated');
      await peer(3, [70]);
      await until((s) => s.counts.eth === 5);
      // A function, not a string: the page's policy forbids evaluating strings.
      type Doc = { document: { querySelectorAll(s: string): { length: number } } };
      await page.waitForFunction((n) => (globalThis as unknown as Doc).document.querySelectorAll('#peers tr[data-peer]').length === n, 5, { timeout: 15_000 });
      expect(await page.getAttribute('body', 'data-updated')).not.toBe(updated);
      expect(await page.textContent('#peers')).toContain('test-peer-3');
      const redrawn = await renderedCharts(page);
      for (const c of redrawn) chart(redrawn, c.id, c.id === 'disconnects');
      expectQuiet(watch, base);
      await page.close();
    }, 60_000);

    it('serves the same data as JSON at /api/status and Prometheus metrics at /metrics on the same listener', async () => {
      const s = await until((x) => x.counts.eth === 5);
      expect(s.node.network).toBe('devnet');
      expect(parseEnode(s.node.enode).publicKey).toEqual(parseEnode(node.firstLine).publicKey);
      expect(s.peers.map((x) => x.eth).sort()).toEqual([68, 69, 70, 70, 72]);
      const metrics = await (await fetch(`${base}metrics`)).text();
      expect(metrics).toMatch(/^devp2p_eth_peers\{version="70"\} 2$/m);
      expect(metrics).toMatch(/^devp2p_connections_total\{direction="outbound",outcome="refused"\} [1-9]/m);
      expect(metrics).toMatch(/^devp2p_discv4_table_nodes \d+$/m);
      const res = await fetch(`${base}nothing-here`);
      expect(res.status).toBe(404);
    }, 30_000);
  });
});
