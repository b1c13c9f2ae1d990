/**
 * docs/grafana/devp2p-ts.json against what a node exports: every metric (and every label a
 * selector names) in the dashboard's queries must be in the /metrics of a running
 * `devp2p-ts node --metrics` with a peer, or of a header sync's registry (runSyncNode({ metrics }),
 * served the same way); and the dashboard must chart what docs/operations.md says it does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { serveMetrics } from '../../src/server/metrics.js';
import { P2PNode } from '../../src/sync/node/p2p-node.js';
import { runSyncNode } from '../../src/sync/node/sync-node.js';
import { DEVNET_SEED } from '../../src/cli/common-options.js';
import { requireBuild, ROOT, startLongRunning, type LongRunning } from '../cli/run-cli.js';

interface Target {
  expr: string;
  refId: string;
  datasource: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  __inputs: { name: string; type: string; pluginId: string }[];
  panels: Panel[];
  templating: { list: { name: string }[] };
}

/** Metric families (from # TYPE) and the label names seen in each family's samples. */
function families(exposition: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)$/.exec(line);
    if (type) out.set(type[1]!, new Set());
  }
  for (const line of exposition.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? /.exec(line);
    if (!m || line.startsWith('#')) continue;
    const family = [...out.keys()].find((f) => m[1] === f || m[1] === `${f}_bucket` || m[1] === `${f}_count` || m[1] === `${f}_sum`);
    if (!family) continue;
    for (const l of (m[2] ?? '').matchAll(/(\w+)="/g)) out.get(family)!.add(l[1]!);
  }
  return out;
}

/** Each `devp2p_name{matchers}` in a query: the family (histogram suffixes dropped) and the label names matched. */
function selectors(expr: string): { name: string; family: string; labels: string[] }[] {
  return [...expr.matchAll(/\b(devp2p_\w+)(?:\{([^}]*)\})?/g)].map((m) => ({
    name: m[1]!,
    family: m[1]!.replace(/_(bucket|count|sum)$/, ''),
    labels: [...(m[2] ?? '').matchAll(/(\w+)\s*[=!]~?"/g)].map((l) => l[1]!),
  }));
}

const devnet = generateDevnetChain({ length: 60, seed: DEVNET_SEED });
let dir: string;
let node: LongRunning | undefined;
let peer: P2PNode | undefined;
let exported: Map<string, Set<string>>;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'devp2p-ts-grafana-'));
  // A node with discovery and one eth peer (so the labelled series exist).
  node = await startLongRunning(['node', '--network', 'devnet', '--addr', '127.0.0.1:0', '--bootnodes', '', '--metrics', '127.0.0.1:0', '--datadir', join(dir, 'node'), '--status-interval', '0']);
  const url = /metrics url=(\S+)/.exec(await node.waitForStderr(/metrics url=/))![1]!;
  const enode = parseEnode(node.firstLine);
  peer = await P2PNode.start({ network: devnet.network, chain: devnet.chain, privateKey: generatePrivateKey(), addr: { host: '127.0.0.1', port: 0 }, bootnodes: [enode], staticNodes: [enode] });
  let text = '';
  for (let i = 0; i < 100 && !/^devp2p_eth_peers\{/m.test(text); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await (await fetch(url)).text();
  }
  // A header sync from that peer, its metrics served over HTTP as the node's are.
  const registry = new Registry();
  await runSyncNode({ network: devnet.network, datadir: join(dir, 'sync'), privateKey: generatePrivateKey(), peers: [parseEnode(peer.enode)], settleMs: 100, metrics: registry });
  const http = await serveMetrics(registry, '127.0.0.1', 0);
  const syncText = await (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();
  await http.close();
  exported = families(text);
  for (const [k, v] of families(syncText)) exported.set(k, new Set([...(exported.get(k) ?? []), ...v]));
}, 60_000);

afterAll(async () => {
  await peer?.stop();
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('docs/grafana/devp2p-ts.json', async () => {
  const dashboard = JSON.parse(await readFile(join(ROOT, 'docs', 'grafana', 'devp2p-ts.json'), 'utf8')) as Dashboard;
  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('is an importable dashboard: a Prometheus input, unique panel IDs, every query on that data source', () => {
    expect(dashboard.uid).toBe('devp2p-ts-node');
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['instance']);
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) {
      expect(['timeseries', 'stat', 'bargauge', 'gauge'], p.title).toContain(p.type);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.targets!.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.datasource.uid, p.title).toBe('${DS_PROMETHEUS}');
    }
    expect(queries.length).toBeGreaterThan(20);
  });

  it('queries only metrics the node exports, with labels they have', () => {
    for (const q of queries) {
      const sels = selectors(q.expr);
      expect(sels.length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
      for (const s of sels) {
        expect(exported.has(s.family), `${q.panel}: ${s.name} is not exported`).toBe(true);
        const labels = exported.get(s.family)!;
        // instance and job are added by Prometheus when it scrapes.
        for (const l of s.labels.filter((x) => x !== 'instance' && x !== 'job')) expect(labels, `${q.panel}: ${s.family} has no label ${l}`).toContain(l);
      }
    }
  });

  it('charts peers in/out, dials by outcome, messages and bytes by protocol and message name, request latency, disconnect reasons, header sync progress', () => {
    const all = queries.map((q) => q.expr).join('\n');
    expect(all).toMatch(/sum by \(direction\) \(devp2p_peers\{/);
    expect(all).toMatch(/sum by \(outcome\) \(rate\(devp2p_connections_total\{direction="outbound"/);
    expect(all).toMatch(/sum by \(protocol, message\) \(rate\(devp2p_protocol_messages_total/);
    expect(all).toMatch(/sum by \(protocol, message, direction\) \(rate\(devp2p_protocol_bytes_total/);
    expect(all).toMatch(/histogram_quantile\(0\.95, sum by \(le, message\) \(rate\(devp2p_eth_request_duration_seconds_bucket/);
    expect(all).toMatch(/sum by \(reason, side\) \(rate\(devp2p_disconnects_total/);
    expect(all).toMatch(/devp2p_header_sync_verified_headers.*devp2p_header_sync_total_headers/);
    // Every metric the node and the sync export is on the dashboard.
    for (const family of exported.keys()) expect(all, family).toContain(family);
  });
});
