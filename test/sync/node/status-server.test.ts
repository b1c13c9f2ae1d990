/**
 * The node status data (src/sync/node/node-status.ts) and its HTTP listener (status-server.ts) on
 * loopback nodes, without a browser (the page in Chromium: test/report/browser.test.ts): what
 * /api/status says about peers, dials, discovery and traffic, and what each route serves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyOf } from '../../../src/crypto/secp256k1.js';
import { formatEnode, parseEnode } from '../../../src/enode/enode-url.js';
import { generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import { nodeStatus, type NodeStatus } from '../../../src/sync/node/node-status.js';
import { P2PNode } from '../../../src/sync/node/p2p-node.js';
import { MAX_TRAFFIC_ROWS, statusCharts, STATUS_VIEW_PATH } from '../../../src/sync/node/status-page.js';
import { serveNodeStatus } from '../../../src/sync/node/status-server.js';
import { closedPort } from '../../cli/run-cli.js';

const devnet = generateDevnetChain({ length: 20 });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(opts: { static?: string[]; bootnodes?: string[]; versions?: (68 | 69 | 70)[]; clientId?: string } = {}): Promise<P2PNode> {
  const n = await P2PNode.start({
    network: devnet.network,
    chain: devnet.chain,
    privateKey: generatePrivateKey(),
    addr: { host: '127.0.0.1', port: 0 },
    staticNodes: (opts.static ?? []).map((e) => parseEnode(e)),
    bootnodes: (opts.bootnodes ?? []).map((e) => parseEnode(e)),
    ...(opts.versions ? { ethVersions: opts.versions } : {}),
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
  });
  cleanups.push(() => n.stop());
  return n;
}

async function until(read: () => NodeStatus, cond: (s: NodeStatus) => boolean, ms = 15_000): Promise<NodeStatus> {
  const t0 = Date.now();
  for (;;) {
    const s = read();
    if (cond(s)) return s;
    if (Date.now() - t0 > ms) throw new Error(`never: ${JSON.stringify({ ...s.counts, dials: s.dials, table: s.discovery?.nodes })}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('node status', () => {
  it('peers with client, direction, eth version, announced head, traffic and age; dial outcomes; table fill; traffic by message name', async () => {
    const a = await start({ versions: [68], clientId: 'devp2p-ts/v0.1.0/a' });
    const nobody = formatEnode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: await closedPort(), udpPort: 0 });
    const b = await start({ static: [a.enode, nobody], bootnodes: [a.enode], versions: [68, 70], clientId: 'devp2p-ts/v0.1.0/b' });
    const read = () => nodeStatus({ server: b.server, eth: b.eth, discv4: b.discv4, network: devnet.network, chain: devnet.chain, startedAt: Date.now() - 5_000 });
    const s = await until(read, (x) => x.counts.eth === 1 && x.dials.outcomes.some((o) => o.key === 'refused') && x.discovery!.nodes >= 1);
    expect(s.node).toMatchObject({ id: b.server.id, network: devnet.network.name, head: { number: '20' } });
    expect(s.node.uptimeMs).toBeGreaterThanOrEqual(5_000);
    expect(s.peers).toHaveLength(1);
    const p = s.peers[0]!;
    expect(p).toMatchObject({ id: a.server.id, client: 'devp2p-ts/v0.1.0/a', direction: 'outbound', eth: 68, static: true, trusted: false });
    // eth/68: the head is the Status's hash (no number).
    expect(p.head).toEqual({ hash: `0x${Buffer.from(devnet.chain.head().hash).toString('hex')}` });
    expect(p.bytesIn).toBeGreaterThan(0);
    expect(p.ageMs).toBeGreaterThanOrEqual(0);
    expect(s.dials.outcomes.find((o) => o.key === 'success')?.count).toBeGreaterThanOrEqual(1);
    expect(s.dials.started).toBeGreaterThanOrEqual(2);
    expect(s.discovery!.capacity).toBe(17 * 16);
    expect(s.discovery!.buckets.reduce((n, x) => n + x.nodes, 0)).toBe(s.discovery!.nodes);
    expect(s.traffic).toContainEqual(expect.objectContaining({ protocol: 'eth', message: 'Status', direction: 'in', messages: 1 }));
    // eth/69+ peers give their head's number.
    const c = await start({ static: [b.enode], versions: [70] });
    const s2 = await until(read, (x) => x.counts.eth === 2);
    expect(s2.peers.find((x) => x.id === c.server.id)).toMatchObject({ direction: 'inbound', eth: 70, head: { number: '20' } });
  }, 30_000);

  it('serves the page, /api/status, its refreshed main part, Chart.js and /metrics on one listener', async () => {
    const a = await start();
    const b = await start({ static: [a.enode] });
    const src = { server: b.server, eth: b.eth, discv4: b.discv4, network: devnet.network, chain: devnet.chain };
    await until(() => nodeStatus(src), (x) => x.counts.eth === 1);
    const http = await serveNodeStatus(src, { host: '127.0.0.1', port: 0, refreshMs: 2_000 });
    cleanups.push(() => http.close());
    const url = (p: string) => `http://127.0.0.1:${http.port}${p}`;
    const page = await fetch(url('/'));
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('data-refresh-ms="2000"');
    expect(html).toContain('<script src="/assets/chart.umd.min.js"></script>');
    expect(html).toMatch(/<tr data-peer="[0-9a-f]{64}">/);
    const api = (await (await fetch(url('/api/status'))).json()) as NodeStatus;
    expect(api.peers.map((p) => p.id)).toEqual([a.server.id]);
    const view = (await (await fetch(url(STATUS_VIEW_PATH))).json()) as { at: string; html: string };
    expect(view.html).toContain(`data-peer="${a.server.id}"`);
    const lib = await fetch(url('/assets/chart.umd.min.js'));
    expect(lib.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await lib.text()).toMatch(/Chart\.js v4/);
    expect(await (await fetch(url('/metrics'))).text()).toMatch(/^devp2p_eth_peers\{version="72"\} 1$/m);
    const head = await fetch(url('/api/status'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(url('/api/status'), { method: 'POST' })).status).toBe(405);
    expect((await fetch(url('/nope'))).status).toBe(404);
  }, 30_000);

  it(`charts at most ${MAX_TRAFFIC_ROWS} message rows, the busiest`, () => {
    const traffic = Array.from({ length: MAX_TRAFFIC_ROWS + 5 }, (_, i) => ({ protocol: 'p', message: `m${i}`, direction: 'in' as const, messages: i + 1, bytes: 1 }));
    const s: NodeStatus = {
      at: new Date(0).toISOString(),
      node: { id: '00', enode: 'enode://x', network: 'devnet', networkId: '1', genesis: '0x00' },
      counts: { inbound: 0, outbound: 0, eth: 0, dialing: 0 },
      peers: [],
      dials: { started: 0, succeeded: 0, failed: 0, outcomes: [] },
      inbound: { accepted: 0, failures: [], refused: [] },
      refusedAfterHello: [],
      disconnects: [],
      traffic,
    };
    const chart = statusCharts(s).find((c) => c.id === 'traffic')!;
    expect(chart.labels).toHaveLength(MAX_TRAFFIC_ROWS);
    expect(chart.labels[0]).toBe(`p m${MAX_TRAFFIC_ROWS + 4}`);
    expect(statusCharts(s).map((c) => c.id)).not.toContain('discovery-table');
  });
});
