/**
 * The crawl report's data (src/report/crawl-report.ts, crawl-diff.ts) and its HTML
 * (crawl-page.ts) from a made-up mainnet crawl with known counts (fixtures.ts). What the page
 * looks like in a browser is tested in browser.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAINNET } from '../../src/chain/networks.js';
import { buildCrawlReport, likelyNetwork, MAX_FORK_IDS, MAX_VERSIONS_PER_CLIENT } from '../../src/report/crawl-report.js';
import { MAX_VERSION_CHANGES } from '../../src/report/crawl-diff.js';
import { MAX_CLIENT_VERSION_CHARTS, REPORT_CSP, renderCrawlReportHtml, reportSections } from '../../src/report/crawl-page.js';
import { nodesToJson, parseNodesJson } from '../../src/sync/crawl/nodes-file.js';
import { CRAWL_TIME_MS, crawled, EXPECTED, EXPECTED_DIFF, fixtureCrawls, MAINNET_FORK_IDS } from './fixtures.js';

const asObject = (rows: readonly { key: string; count: number }[]) => Object.fromEntries(rows.map((r) => [r.key, r.count]));

describe('crawl report data', () => {
  const { newer, older } = fixtureCrawls();
  const report = buildCrawlReport(newer, { network: MAINNET, now: CRAWL_TIME_MS + 1000 });

  it('totals and reachability: eth on our network, another network, RLPx only, discovery only, unchecked', () => {
    expect(report.totals).toEqual({ found: EXPECTED.found, checked: EXPECTED.found - 2, reachable: 24, eth: 20, ethOurNetwork: 18, withEnr: 0 });
    expect(asObject(report.reachability)).toEqual(EXPECTED.reachability);
    expect(report.crawledAt).toBe(new Date(CRAWL_TIME_MS).toISOString());
  });

  it('errors by kind and by phase', () => {
    expect(asObject(report.errors)).toEqual(EXPECTED.errors);
    expect(asObject(report.errorPhases)).toEqual({ 'dial: refused': 4, 'dial: timeout': 2, 'rlpx: handshake': 1, 'rlpx: too-many-peers': 3 });
  });

  it('clients, most frequent first, and each client\'s versions', () => {
    expect(report.clients.map((r) => r.key)).toEqual(['geth', 'nethermind', 'reth', 'erigon', 'bor']);
    expect(asObject(report.clients)).toEqual(EXPECTED.clients);
    expect(asObject(report.clientVersions.find((c) => c.client === 'geth')!.versions)).toEqual(EXPECTED.gethVersions);
  });

  it('eth versions, networks (ours marked, known ones named) and fork IDs classified against ours', () => {
    expect(asObject(report.ethVersions)).toEqual(EXPECTED.ethVersions);
    expect(Object.fromEntries(report.networks.map((n) => [n.name, n.count]))).toEqual(EXPECTED.networks);
    expect(report.networks.find((n) => n.ours)?.name).toBe('mainnet');
    expect(asObject(report.forkCompat)).toEqual(EXPECTED.forkCompat);
    expect(report.forkIds.reduce((n, f) => n + f.count, 0)).toBe(EXPECTED.networks.mainnet);
    expect(report.forkIds[0]).toMatchObject({ count: 13, compat: 'compatible', hash: report.network.forkId.hash });
  });

  it('compares with an older crawl: nodes new and gone, reachability and version changes, groupings side by side', () => {
    const d = buildCrawlReport(newer, { network: MAINNET, previous: older }).diff!;
    expect(d.nodes).toEqual(EXPECTED_DIFF.nodes);
    expect(d.becameReachable).toBe(EXPECTED_DIFF.becameReachable);
    expect(d.becameUnreachable).toBe(EXPECTED_DIFF.becameUnreachable);
    expect(asObject(d.versionChanges)).toEqual(EXPECTED_DIFF.versionChanges);
    const geth = d.clients.find((r) => r.key === 'geth')!;
    expect(geth).toEqual({ key: 'geth', before: 1 + 2 + 6 + 2 + 4 + 2, after: EXPECTED.clients.geth });
    expect(d.reachability.map((r) => r.key)).toEqual(['eth', 'eth-other-chain', 'rlpx', 'discovery-only', 'unchecked']);
    expect(d.forkCompat.reduce((n, r) => n + r.after, 0)).toBe(EXPECTED.networks.mainnet);
  });

  it('survives the nodes file: a report of the saved and reloaded set is the same', () => {
    const reloaded = parseNodesJson(JSON.stringify(nodesToJson(newer)));
    expect(buildCrawlReport(reloaded.values(), { network: MAINNET, now: CRAWL_TIME_MS + 1000 })).toEqual(report);
  });

  it('guesses the network most nodes are on when none is given', () => {
    expect(likelyNetwork(newer)?.name).toBe('mainnet');
    expect(likelyNetwork([])?.name).toBe('mainnet');
  });
});

describe('crawl report page', () => {
  const { newer, older } = fixtureCrawls();
  const report = buildCrawlReport(newer, { network: MAINNET, previous: older, title: 'fixture <crawl>' });
  const html = renderCrawlReportHtml(report);

  it('is one document with Chart.js inlined, a policy that forbids loading anything, and no external reference', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`content="${REPORT_CSP.replace(/'/g, '&#39;')}"`);
    expect(html).toMatch(/Chart\.js v4\.\d+\.\d+/);
    // (Links remain only in the libraries' license comments; the browser test checks that the page requests nothing.)
    const external = /<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|sourceMappingURL/.exec(html);
    expect(external?.[0]).toBeUndefined();
    expect(html).toContain('<title>fixture &lt;crawl&gt;</title>');
  });

  it('has one figure per chart, each with its numbers in a table', () => {
    const charts = reportSections(report).flatMap((s) => s.charts);
    expect(charts.map((c) => c.id)).toEqual([
      'reachability', 'errors', 'error-phases', 'clients',
      'versions-geth', 'versions-nethermind', 'versions-reth', 'versions-erigon', 'versions-bor',
      'eth-versions', 'networks', 'fork-compat', 'fork-ids',
      'diff-reachability', 'diff-clients', 'diff-eth-versions', 'diff-fork-compat', 'diff-version-changes',
    ]);
    for (const c of charts) expect(html).toContain(`data-chart="${c.id}"`);
    expect(html).toMatch(/<td>geth<\/td><td class="n">14<\/td>/);
  });
});

describe('crawl report bounds', () => {
  const geth = (v: string) => `Geth/v${v}-stable/linux-amd64/go1.25`;

  it(`lists at most ${MAX_VERSIONS_PER_CLIENT} versions per client, the rest summed as "other"`, () => {
    const nodes = Array.from({ length: MAX_VERSIONS_PER_CLIENT + 3 }, (_, i) => crawled({ client: geth(`1.${i}.0`) }, CRAWL_TIME_MS));
    const versions = buildCrawlReport(nodes, { network: MAINNET }).clientVersions[0]!.versions;
    expect(versions).toHaveLength(MAX_VERSIONS_PER_CLIENT);
    expect(versions[versions.length - 1]).toEqual({ key: 'other', count: 4 });
    expect(versions.reduce((n, r) => n + r.count, 0)).toBe(nodes.length);
  });

  it(`lists at most ${MAX_FORK_IDS} fork IDs; the rest are summed per class, so the classes still add up`, () => {
    const odd = (i: number) => ({ hash: Uint8Array.of(0xee, 0, 0, i), next: 0n });
    const nodes = [
      ...Array.from({ length: 3 }, () => crawled({ client: geth('1.16.7'), eth: { version: 69, forkId: MAINNET_FORK_IDS.bpo1 } }, CRAWL_TIME_MS)),
      ...Array.from({ length: MAX_FORK_IDS + 2 }, (_, i) => crawled({ client: geth('1.16.7'), eth: { version: 69, forkId: odd(i) } }, CRAWL_TIME_MS)),
    ];
    const r = buildCrawlReport(nodes, { network: MAINNET });
    expect(r.forkIds).toHaveLength(MAX_FORK_IDS);
    // The first: ours (3 nodes), then 14 of the 18 unknown ones; the last 4 are summed.
    expect(r.forkIds[r.forkIds.length - 1]).toMatchObject({ hash: 'other', compat: 'incompatible', count: 4 });
    expect(r.forkIds.reduce((n, f) => n + f.count, 0)).toBe(nodes.length);
  });

  it(`lists at most ${MAX_VERSION_CHANGES} version changes and charts versions of at most ${MAX_CLIENT_VERSION_CHARTS} clients`, () => {
    const names = Array.from({ length: MAX_VERSION_CHANGES + 2 }, (_, i) => `client${String.fromCharCode(97 + i)}`);
    const older = names.map((n) => crawled({ client: `${n}/v1.0.0` }, CRAWL_TIME_MS - 1000));
    const newer = older.map((o) => ({ ...structuredClone(o), hello: { ...o.hello!, clientId: o.hello!.clientId.replace('1.0.0', '2.0.0') } }));
    const r = buildCrawlReport(newer, { network: MAINNET, previous: older });
    expect(r.diff!.versionChanges).toHaveLength(MAX_VERSION_CHANGES);
    const charts = reportSections(r).flatMap((s) => s.charts).filter((c) => c.id.startsWith('versions-'));
    expect(charts).toHaveLength(MAX_CLIENT_VERSION_CHARTS);
  });
});
