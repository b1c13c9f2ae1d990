/**
 * The metrics above the server (src/sync/node/node-metrics.ts) on real loopback nodes: eth message
 * names in the traffic labels, request latency per message and outcome, discovery table fill,
 * and header sync progress from a real sync.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { generatePrivateKey } from '../../../src/crypto/secp256k1.js';
import { parseEnode } from '../../../src/enode/enode-url.js';
import { generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import type { EthPeer } from '../../../src/eth/peer.js';
import { nodeMetrics, REQUEST_LATENCY_BUCKETS } from '../../../src/sync/node/node-metrics.js';
import { P2PNode } from '../../../src/sync/node/p2p-node.js';
import { runSyncNode } from '../../../src/sync/node/sync-node.js';

const devnet = generateDevnetChain({ length: 300 });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error('condition not met in time')) : setTimeout(tick, 20));
    tick();
  });
}

async function node(opts: { discovery?: boolean; static?: string[] } = {}): Promise<P2PNode> {
  const n = await P2PNode.start({
    network: devnet.network,
    chain: devnet.chain,
    privateKey: generatePrivateKey(),
    addr: { host: '127.0.0.1', port: 0 },
    discovery: opts.discovery ?? false,
    staticNodes: (opts.static ?? []).map((e) => parseEnode(e)),
  });
  cleanups.push(() => n.stop());
  return n;
}

/** The value of one sample line, or undefined. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('node metrics', () => {
  it('labels eth traffic with message names and times each request by message and outcome', async () => {
    const server = await node();
    const client = await node({ static: [server.enode] });
    await waitFor(() => client.eth.peers.size === 1 && server.eth.peers.size === 1);
    const registry = nodeMetrics(client);
    const peer: EthPeer = [...client.eth.peers.values()][0]!;
    for (let i = 0; i < 3; i++) expect(await peer.getBlockHeaders({ origin: { number: 0n }, amount: 10n })).toHaveLength(10);
    const bodies = await peer.getBlockBodies([devnet.blocks[1]!.header.hash]);
    expect(bodies).toHaveLength(1);
    // Aborted after it was sent: observed with outcome "aborted".
    const ac = new AbortController();
    const aborted = peer.getBlockHeaders({ origin: { number: 0n }, amount: 1n }, { signal: ac.signal });
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ reason: 'aborted' });
    await waitFor(() => (client.server.traffic.rows().find((r) => r.direction === 'in' && r.code === 0x06)?.messages ?? 0) >= 1);

    const text = await registry.metrics();
    expect(sample(text, 'devp2p_eth_request_duration_seconds_count', 'message="GetBlockHeaders",outcome="ok"')).toBe(3);
    expect(sample(text, 'devp2p_eth_request_duration_seconds_count', 'message="GetBlockBodies",outcome="ok"')).toBe(1);
    expect(sample(text, 'devp2p_eth_request_duration_seconds_count', 'message="GetBlockHeaders",outcome="aborted"')).toBe(1);
    // Every observation falls under the largest finite bucket on loopback.
    const top = REQUEST_LATENCY_BUCKETS[REQUEST_LATENCY_BUCKETS.length - 1]!;
    expect(sample(text, 'devp2p_eth_request_duration_seconds_bucket', `le="${top}",message="GetBlockHeaders",outcome="ok"`)).toBe(3);
    expect(sample(text, 'devp2p_eth_peers', 'version="72"')).toBe(1);
    // Message names, not codes, in the traffic labels (both directions).
    expect(sample(text, 'devp2p_protocol_messages_total', 'protocol="eth",message="GetBlockHeaders",direction="out"')).toBe(4);
    expect(sample(text, 'devp2p_protocol_messages_total', 'protocol="eth",message="BlockHeaders",direction="in"')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'devp2p_protocol_messages_total', 'protocol="eth",message="Status",direction="out"')).toBe(1);
    expect(sample(text, 'devp2p_protocol_bytes_total', 'protocol="eth",message="BlockBodies",direction="in"')).toBeGreaterThan(0);
    expect(text).not.toMatch(/message="code_0x/);
  });

  it('reports the discovery table, its buckets and packets', async () => {
    const boot = await node({ discovery: true });
    const n = await P2PNode.start({ network: devnet.network, chain: devnet.chain, privateKey: generatePrivateKey(), addr: { host: '127.0.0.1', port: 0 }, bootnodes: [parseEnode(boot.enode)] });
    cleanups.push(() => n.stop());
    await waitFor(() => n.discv4!.table.size >= 1);
    const text = await nodeMetrics(n).metrics();
    const size = n.discv4!.table.size;
    expect(sample(text, 'devp2p_discv4_table_nodes', '')).toBe(size);
    const perBucket = text.split('\n').filter((l) => l.startsWith('devp2p_discv4_bucket_nodes{')).map((l) => Number(l.split(' ')[1]));
    expect(perBucket).toHaveLength(17);
    expect(perBucket.reduce((a, b) => a + b, 0)).toBe(size);
    expect(sample(text, 'devp2p_discv4_packets_total', 'direction="out"')).toBeGreaterThan(0);
  }, 20_000);

  it('header sync progress: target, lowest block and verified headers of a finished sync', async () => {
    const server = await node();
    const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-metrics-'));
    cleanups.push(() => rmSync(datadir, { recursive: true, force: true }));
    const registry = new Registry();
    const before = await registry.metrics();
    expect(before).toBe('\n');
    const summary = await runSyncNode({ network: devnet.network, datadir, privateKey: generatePrivateKey(), peers: [parseEnode(server.enode)], settleMs: 100, metrics: registry });
    const text = await registry.metrics();
    const head = Number(devnet.chain.head().number);
    expect(summary.to).toBe(String(head));
    expect(sample(text, 'devp2p_header_sync_target_block', '')).toBe(head);
    expect(sample(text, 'devp2p_header_sync_lowest_block', '')).toBe(0);
    expect(sample(text, 'devp2p_header_sync_verified_headers', '')).toBe(head + 1);
    expect(sample(text, 'devp2p_header_sync_total_headers', '')).toBe(head + 1);
    // The sync's requests were timed too.
    expect(sample(text, 'devp2p_eth_request_duration_seconds_count', 'message="GetBlockHeaders",outcome="ok"')).toBeGreaterThan(1);
  });
});
