/**
 * The crawler against a 50-node loopback devnet in this process: discv4 on UDP and RLPx + eth on
 * TCP, all on 127.0.0.1. The crawler knows only node 0; every node must be found through
 * discovery and its Hello and Status recorded as configured, the odd ones (other network,
 * other genesis, no eth, a TCP port that never handshakes, a node that refuses with
 * TooManyPeers) with the right mismatch or typed error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '../../../src/common/bytes.js';
import { generatePrivateKey } from '../../../src/crypto/secp256k1.js';
import { Discv4 } from '../../../src/discv4/discv4.js';
import { makeNode } from '../../../src/discv4/node.js';
import { publicKeyOf } from '../../../src/crypto/secp256k1.js';
import { enrToText } from '../../../src/enode/enr.js';
import { networkForkId, type EthNetwork } from '../../../src/chain/chain-config.js';
import { generateDevnetChain, type DevnetChain } from '../../../src/chain/devnet-chain.js';
import type { EthVersion } from '../../../src/eth/protocol.js';
import { DisconnectReason } from '../../../src/rlpx/disconnect-reason.js';
import { RlpxListener } from '../../../src/rlpx/listener.js';
import { Server } from '../../../src/server/server.js';
import { EthService } from '../../../src/sync/node/eth-service.js';
import { Crawler, type CrawlResult } from '../../../src/sync/crawl/crawler.js';
import { isReachable, speaksEth } from '../../../src/sync/crawl/crawled-node.js';
import { loadNodesFile, NodesFileError } from '../../../src/sync/crawl/nodes-file.js';
import { checkNode, type NodeCheckResult } from '../../../src/sync/crawl/node-check.js';
import { parseClientId } from '../../../src/sync/crawl/client-id.js';

/** What one devnet node was configured with (what the crawl must report). */
interface DevnetNode {
  kind: 'eth' | 'other-network' | 'other-genesis' | 'no-eth' | 'silent' | 'too-many-peers';
  discv4: Discv4;
  clientId?: string;
  versions?: EthVersion[];
  network?: EthNetwork;
  td?: bigint;
  /** How eth sessions with this node ended (serving nodes only). */
  ethCloses?: { reason: number; remote: boolean }[];
  close: () => Promise<void>;
}

const CLIENT_IDS = [
  'Geth/v1.17.0-stable-3b6e3e6a/linux-amd64/go1.26.0',
  'erigon/v3.0.2-4c3c3e8d/linux-amd64/go1.23.4',
  'Nethermind/v1.31.3+5c3e7f1d/linux-x64/dotnet9.0.2',
  'reth/v1.3.4-90c514c/x86_64-unknown-linux-gnu',
  'besu/v25.2.0/linux-x86_64/openjdk-java-21',
];
const VERSION_SETS: EthVersion[][] = [[68, 69, 70], [69], [68], [70], [68, 69]];
/** A total difficulty above 2^53: must survive as a bigint. */
const TD = 58_750_003_716_598_352_816_469n;

/** discv4 reply timeout: generous, since 50 nodes and the crawler share one event loop (as in simulation.ts). */
const RESP_TIMEOUT_MS = 2_000;
/** The devnet's tables are complete from the start (no revalidation needed): a short idle bound suffices. */
const IDLE_MS = 2_000;

const devnet = generateDevnetChain({ length: 32 });
const head = devnet.chain.head();
const otherNetwork = generateDevnetChain({ length: 4, chainId: 4242n });
const otherGenesis = generateDevnetChain({ length: 4, seed: 'another devnet' });

async function discv4For(privateKey: Uint8Array, port: number): Promise<Discv4> {
  return Discv4.listen({ ip: '127.0.0.1', port }, { privateKey, tcpPort: port, revalidateIntervalMs: 0, refreshIntervalMs: 0, respTimeoutMs: RESP_TIMEOUT_MS });
}

/** A serving node: server (accepts only; eth on the given chain) + discv4 on the same port. */
async function ethNode(chain: DevnetChain, clientId: string, versions: EthVersion[], extra: { maxPeers?: number; td?: bigint } = {}): Promise<{ discv4: Discv4; close: () => Promise<void>; ethCloses: { reason: number; remote: boolean }[] }> {
  const privateKey = generatePrivateKey();
  const eth = new EthService({ network: chain.network, chain: chain.chain, versions, ...(extra.td !== undefined ? { td: extra.td } : {}) });
  const server = new Server({ privateKey, protocols: eth.protocols(), clientId, listen: { host: '127.0.0.1', port: 0 }, noDial: true, ...(extra.maxPeers !== undefined ? { maxPeers: extra.maxPeers } : {}) });
  const ethCloses: { reason: number; remote: boolean }[] = [];
  eth.on('peer:removed', (_p, info) => ethCloses.push({ reason: info.reason, remote: info.remote }));
  await server.start();
  const discv4 = await discv4For(privateKey, server.port);
  return {
    discv4,
    ethCloses,
    close: async () => {
      await server.stop();
      await discv4.close();
    },
  };
}

/** A node whose Hello offers only snap: reachable, but no eth. */
async function noEthNode(clientId: string): Promise<{ discv4: Discv4; close: () => Promise<void> }> {
  const privateKey = generatePrivateKey();
  const listener = new RlpxListener({ privateKey, capabilities: [{ name: 'snap', version: 1, length: 8 }], clientId, requireSharedCapability: false });
  const port = await listener.listen(0, '127.0.0.1');
  const discv4 = await discv4For(privateKey, port);
  return {
    discv4,
    close: async () => {
      await listener.close();
      await discv4.close();
    },
  };
}

/** A node whose TCP port accepts connections and never answers. */
async function silentNode(): Promise<{ discv4: Discv4; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const tcp: NetServer = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const port = (tcp.address() as { port: number }).port;
  const discv4 = await discv4For(generatePrivateKey(), port);
  return {
    discv4,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
      await discv4.close();
    },
  };
}

/** 50 nodes; node 0 is the crawler's only bootnode. Tables are seeded directly (no bootstrap traffic). */
async function startDevnet(size: number): Promise<DevnetNode[]> {
  const nodes: DevnetNode[] = [];
  const special: DevnetNode['kind'][] = ['other-network', 'other-genesis', 'other-network', 'no-eth', 'silent', 'too-many-peers'];
  for (let i = 0; i < size; i++) {
    const kind: DevnetNode['kind'] = i >= 1 && i <= special.length ? special[i - 1]! : 'eth';
    const clientId = CLIENT_IDS[i % CLIENT_IDS.length]!;
    const versions = VERSION_SETS[i % VERSION_SETS.length]!;
    if (kind === 'eth') {
      const td = versions.length === 1 && versions[0] === 68 ? TD : undefined;
      const n = await ethNode(devnet, clientId, versions, td !== undefined ? { td } : {});
      nodes.push({ kind, clientId, versions, network: devnet.network, ...(td !== undefined ? { td } : {}), ...n });
    } else if (kind === 'other-network' || kind === 'other-genesis') {
      const chain = kind === 'other-network' ? otherNetwork : otherGenesis;
      nodes.push({ kind, clientId, versions, network: chain.network, ...(await ethNode(chain, clientId, versions)) });
    } else if (kind === 'no-eth') {
      nodes.push({ kind, clientId: 'snap-only/v0.0.1/linux-amd64', ...(await noEthNode('snap-only/v0.0.1/linux-amd64')) });
    } else if (kind === 'silent') {
      nodes.push({ kind, ...(await silentNode()) });
    } else {
      nodes.push({ kind, clientId, versions, ...(await ethNode(devnet, clientId, versions, { maxPeers: 0 })) });
    }
  }
  for (const a of nodes) for (const b of nodes) if (a !== b) a.discv4.table.add(b.discv4.self);
  return nodes;
}

const maxVersion = (v: EthVersion[]): EthVersion => Math.max(...v) as EthVersion;

describe('crawler: a 50-node loopback devnet', () => {
  let nodes: DevnetNode[];
  let crawlerDisc: Discv4;
  let result: CrawlResult;
  const byId = new Map<string, DevnetNode>();

  beforeAll(async () => {
    nodes = await startDevnet(50);
    for (const n of nodes) byId.set(n.discv4.self.idHex, n);
    const privateKey = generatePrivateKey();
    crawlerDisc = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey, bootnodes: [nodes[0]!.discv4.self], respTimeoutMs: RESP_TIMEOUT_MS });
    const crawler = new Crawler({ discv4: crawlerDisc, network: devnet.network, privateKey, parallel: 16, timeoutMs: 3_000, durationMs: 60_000, idleMs: IDLE_MS, clientId: 'devp2p-ts-crawler/test' });
    result = await crawler.run();
  }, 90_000);

  afterAll(async () => {
    await crawlerDisc?.close();
    await Promise.all((nodes ?? []).map((n) => n.close()));
  });

  it('finds every node through discovery, starting from one bootnode, and ends when idle', () => {
    const found = [...result.nodes.keys()].sort();
    const want = [...byId.keys()].sort();
    expect(found).toEqual(want);
    expect(result.endedBy).toBe('idle');
    expect(result.summary.found).toBe(50);
    expect(result.summary.checked).toBe(50);
  });

  it('records each serving node\'s Hello and Status as configured', () => {
    const fork = networkForkId(devnet.network, head.number, head.time);
    let checked = 0;
    for (const [id, cfg] of byId) {
      if (cfg.kind !== 'eth') continue;
      const rec = result.nodes.get(id)!;
      expect(rec.lastError, `${id}: ${JSON.stringify(rec.lastError)}`).toBeUndefined();
      expect(isReachable(rec) && speaksEth(rec)).toBe(true);
      expect(rec.hello!.clientId).toBe(cfg.clientId);
      expect(rec.hello!.capabilities.filter((c) => c.name === 'eth').map((c) => c.version).sort()).toEqual([...cfg.versions!].sort());
      const s = rec.status!;
      expect(s.version).toBe(maxVersion(cfg.versions!));
      expect(s.mismatch).toBeUndefined();
      expect(s.networkId).toBe(1337n);
      expect(bytesToHex(s.genesis)).toBe(bytesToHex(devnet.network.genesisHash));
      expect(bytesToHex(s.forkId.hash)).toBe(bytesToHex(fork.hash));
      expect(s.forkId.next).toBe(fork.next);
      if (s.version === 68) {
        expect(bytesToHex(s.head!.hash)).toBe(bytesToHex(head.hash));
        expect(s.head!.td).toBe(cfg.td ?? 0n);
        expect(s.blockRange).toBeUndefined();
      } else {
        expect(s.blockRange).toEqual({ earliest: 0n, latest: head.number, latestHash: head.hash });
        expect(s.head).toBeUndefined();
      }
      // The ENR came from an ENRRequest: the node's current record.
      expect(enrToText(rec.node.enr!)).toBe(enrToText(cfg.discv4.localEnr));
      expect(rec.score).toBe(1);
      expect(rec.firstResponse).toBe(rec.lastCheck);
      // The crawler left after the Status with Disconnect(ClientQuitting).
      expect(cfg.ethCloses).toEqual([{ reason: DisconnectReason.ClientQuitting, remote: true }]);
      checked++;
    }
    expect(checked).toBe(44);
  });

  it('records the Status of nodes on another network or genesis, with the mismatch', () => {
    for (const [id, cfg] of byId) {
      if (cfg.kind !== 'other-network' && cfg.kind !== 'other-genesis') continue;
      const rec = result.nodes.get(id)!;
      expect(speaksEth(rec)).toBe(true);
      const s = rec.status!;
      expect(s.networkId).toBe(cfg.network!.networkId);
      expect(bytesToHex(s.genesis)).toBe(bytesToHex(cfg.network!.genesisHash));
      expect(s.mismatch?.reason).toBe(cfg.kind === 'other-network' ? 'network-id' : 'genesis');
      // Their refusal of our Status after sending theirs is not the crawl's error.
      expect(rec.lastError).toBeUndefined();
    }
  });

  it('gives the hostile and odd nodes the right typed outcome', () => {
    const of = (kind: DevnetNode['kind']) => [...byId].filter(([, c]) => c.kind === kind).map(([id]) => result.nodes.get(id)!);
    const [silent] = of('silent');
    expect(silent!.hello).toBeUndefined();
    expect(silent!.lastError).toMatchObject({ kind: 'timeout', phase: 'rlpx' });
    expect(isReachable(silent!)).toBe(false);

    const [busy] = of('too-many-peers');
    expect(busy!.lastError).toMatchObject({ kind: 'too-many-peers', disconnectReason: DisconnectReason.TooManyPeers, remoteDisconnect: true });
    // It said who it is before refusing us.
    expect(busy!.hello?.clientId).toBe(byId.get(busy!.node.idHex)!.clientId);
    expect(speaksEth(busy!)).toBe(false);

    const [snap] = of('no-eth');
    expect(snap!.lastError).toBeUndefined();
    expect(isReachable(snap!)).toBe(true);
    expect(snap!.status).toBeUndefined();
    expect(snap!.hello!.capabilities).toEqual([{ name: 'snap', version: 1 }]);
  });

  it('summarises by client, network, eth version and error kind', () => {
    const s = result.summary;
    expect(s.reachable).toBe(49);
    expect(s.eth).toBe(47);
    expect(s.ethMatching).toBe(44);
    expect(Object.fromEntries(s.errors.map((r) => [r.key, r.count]))).toEqual({ timeout: 1, 'too-many-peers': 1 });
    const wantVersions = new Map<string, number>();
    const wantClients = new Map<string, number>();
    for (const c of byId.values()) {
      if (c.kind === 'silent') continue;
      const name = parseClientId(c.clientId!).name;
      wantClients.set(name, (wantClients.get(name) ?? 0) + 1);
      if (c.kind === 'no-eth' || c.kind === 'too-many-peers') continue;
      const v = String(maxVersion(c.versions!));
      wantVersions.set(v, (wantVersions.get(v) ?? 0) + 1);
    }
    expect(Object.fromEntries(s.ethVersions.map((r) => [r.key, r.count]))).toEqual(Object.fromEntries(wantVersions));
    expect(Object.fromEntries(s.clients.map((r) => [r.key, r.count]))).toEqual(Object.fromEntries(wantClients));
    expect(s.clientVersions.find((r) => r.key === 'geth v1.17.0')?.count).toBe(wantClients.get('geth'));
    const ours = s.networks.find((n) => n.matching)!;
    expect(ours).toMatchObject({ networkId: '1337', genesis: `0x${bytesToHex(devnet.network.genesisHash)}`, count: 44 });
    expect(s.networks.filter((n) => !n.matching).reduce((a, n) => a + n.count, 0)).toBe(3);
  });
});

describe('crawler: resume, revisits and bounds (8 nodes)', () => {
  let nodes: DevnetNode[];
  let dir: string;
  beforeAll(async () => {
    nodes = [];
    for (let i = 0; i < 8; i++) nodes.push({ kind: 'eth', clientId: CLIENT_IDS[i % 5]!, versions: [68, 69, 70], ...(await ethNode(devnet, CLIENT_IDS[i % 5]!, [68, 69, 70])) });
    for (const a of nodes) for (const b of nodes) if (a !== b) a.discv4.table.add(b.discv4.self);
    dir = await mkdtemp(join(tmpdir(), 'crawler-resume-'));
  }, 30_000);
  afterAll(async () => {
    await Promise.all((nodes ?? []).map((n) => n.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** Crawl ids: each crawl's discv4 node bonds with the devnet, so later crawls find it (closed) too. */
  const crawlerIds: string[] = [];
  const run = async (file: string, opts: { stopAfterChecks?: number } = {}): Promise<CrawlResult> => {
    const privateKey = generatePrivateKey();
    const disc = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey, bootnodes: [nodes[0]!.discv4.self], respTimeoutMs: 750 });
    crawlerIds.push(disc.self.idHex);
    const ac = new AbortController();
    try {
      const crawler = new Crawler({ discv4: disc, network: devnet.network, privateKey, nodes: await loadNodesFile(file), nodesFile: file, parallel: 4, timeoutMs: 3_000, durationMs: 45_000, idleMs: IDLE_MS, signal: ac.signal });
      if (opts.stopAfterChecks) crawler.on('checked', () => crawler.progress.checks >= opts.stopAfterChecks! && ac.abort());
      return await crawler.run();
    } finally {
      await disc.close();
    }
  };

  it('an aborted crawl saves what it checked; a second crawl merges, keeps first-seen and loses nothing', async () => {
    const file = join(dir, 'nodes.json');
    const first = await run(file, { stopAfterChecks: 2 });
    expect(first.endedBy).toBe('aborted');
    const saved1 = JSON.parse(await readFile(file, 'utf8')) as Record<string, { firstSeen: string; firstResponse?: string; lastCheck?: string; score: number; record: string; seq: number }>;
    const checked1 = Object.entries(saved1).filter(([, v]) => v.lastCheck !== undefined);
    expect(checked1.length).toBeGreaterThanOrEqual(2);
    // geth's fields are there, with the ENR as the record.
    for (const [id, v] of checked1) {
      expect(v.record).toBe(enrToText(nodes.find((n) => n.discv4.self.idHex === id)!.discv4.localEnr));
      expect(v.seq).toBe(Number(nodes.find((n) => n.discv4.self.idHex === id)!.discv4.localEnr.seq));
    }

    // A node from an earlier run that is gone now: kept, rechecked, marked unreachable.
    const goneKey = generatePrivateKey();
    const gone = makeNode(publicKeyOf(goneKey), '127.0.0.1', 9, 9);
    const withGone = { ...saved1, [gone.idHex]: { seq: 0, record: `enode://${bytesToHex(gone.publicKey)}@127.0.0.1:9`, score: 3, firstResponse: '2024-01-02T03:04:05.000Z', lastResponse: '2024-01-02T03:04:05.000Z', lastCheck: '2024-01-02T03:04:05.000Z' } };
    await writeFile(file, JSON.stringify(withGone));

    const second = await run(file);
    expect(second.endedBy).toBe('idle');
    const saved2 = JSON.parse(await readFile(file, 'utf8')) as Record<string, { firstSeen: string; firstResponse?: string; lastCheck?: string; score: number; lastError?: { kind: string } }>;
    for (const id of Object.keys(withGone)) expect(saved2[id], id).toBeDefined();
    for (const n of nodes) expect(saved2[n.discv4.self.idHex]?.score).toBeGreaterThanOrEqual(1);
    for (const [id, v] of checked1) {
      expect(saved2[id]!.firstSeen).toBe(v.firstSeen);
      expect(saved2[id]!.firstResponse).toBe(v.firstResponse);
      expect(saved2[id]!.score).toBe(v.score + 1);
      expect(Date.parse(saved2[id]!.lastCheck!)).toBeGreaterThan(Date.parse(v.lastCheck!));
    }
    const g = saved2[gone.idHex]!;
    expect(g.firstResponse).toBe('2024-01-02T03:04:05.000Z');
    expect(g.score).toBe(1);
    expect(g.lastError?.kind).toBe('refused');
    // The devnet, the gone node, and the first crawler's own (now closed) discovery node.
    expect(new Set(Object.keys(saved2))).toEqual(new Set([...nodes.map((n) => n.discv4.self.idHex), gone.idHex, crawlerIds[0]!]));
    expect(second.summary.found).toBe(10);
    expect(second.summary.reachable).toBe(8);
  }, 90_000);

  it('a long crawl rechecks known nodes once the revisit interval has passed', async () => {
    const privateKey = generatePrivateKey();
    const disc = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey, bootnodes: [nodes[0]!.discv4.self], respTimeoutMs: 750 });
    try {
      const crawler = new Crawler({ discv4: disc, network: devnet.network, privateKey, parallel: 8, timeoutMs: 2_000, durationMs: 4_500, stopWhenIdle: false, revisitIntervalMs: 1_000 });
      const checks = new Map<string, number>();
      crawler.on('checked', (rec) => checks.set(rec.node.idHex, (checks.get(rec.node.idHex) ?? 0) + 1));
      const res = await crawler.run();
      expect(res.endedBy).toBe('duration');
      for (const n of nodes) {
        expect(checks.get(n.discv4.self.idHex), n.discv4.self.idHex).toBeGreaterThanOrEqual(2);
        const rec = res.nodes.get(n.discv4.self.idHex)!;
        // Every check succeeded: the score counts them, the first response stays the first.
        expect(rec.score).toBe(checks.get(n.discv4.self.idHex));
        expect(rec.firstResponse).toBeLessThan(rec.lastResponse!);
      }
    } finally {
      await disc.close();
    }
  }, 30_000);

  it('stops discovering at maxNodes and lets those checks finish', async () => {
    const privateKey = generatePrivateKey();
    const disc = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey, bootnodes: [nodes[0]!.discv4.self], respTimeoutMs: 750 });
    try {
      const res = await new Crawler({ discv4: disc, network: devnet.network, privateKey, parallel: 8, timeoutMs: 2_000, durationMs: 20_000, maxNodes: 3 }).run();
      expect(res.endedBy).toBe('max-nodes');
      expect(res.summary.found).toBe(3);
      expect(res.summary.checked).toBe(3);
      // Earlier crawls' discovery nodes (closed now) are in the devnet's tables and may be among the 3.
      const devnetIds = new Set(nodes.map((n) => n.discv4.self.idHex));
      for (const rec of res.nodes.values()) if (devnetIds.has(rec.node.idHex)) expect(isReachable(rec)).toBe(true);
    } finally {
      await disc.close();
    }
  }, 30_000);

  it('an aborted signal before the start ends at once with nothing checked', async () => {
    const privateKey = generatePrivateKey();
    const disc = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey, bootnodes: [nodes[0]!.discv4.self] });
    try {
      const res = await new Crawler({ discv4: disc, network: devnet.network, privateKey, signal: AbortSignal.abort() }).run();
      expect(res.endedBy).toBe('aborted');
      expect(res.checks).toBe(0);
    } finally {
      await disc.close();
    }
  });

  it('a corrupt nodes file is a typed error, not a crash', async () => {
    const file = join(dir, 'corrupt.json');
    await writeFile(file, '{"abc": ');
    await expect(loadNodesFile(file)).rejects.toMatchObject({ name: 'NodesFileError', reason: 'parse' });
    await expect(loadNodesFile(file)).rejects.toBeInstanceOf(NodesFileError);
  });
});

describe('checkNode: one node, typed outcomes', () => {
  const local = { network: devnet.network, head: { number: 0n, hash: devnet.network.genesisHash, time: devnet.network.genesisTime } };

  /** A TCP server that does `onSocket` with each connection; checks one node on it. */
  async function checkAgainst(onSocket: (s: Socket) => void, signal?: AbortSignal): Promise<NodeCheckResult> {
    const sockets = new Set<Socket>();
    const tcp = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      onSocket(s);
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as { port: number }).port;
    try {
      return await checkNode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: port }, { privateKey: generatePrivateKey(), local, timeoutMs: 2_000, ...(signal ? { signal } : {}) });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    }
  }

  it('a node answering the auth with garbage is a handshake error', async () => {
    const r = await checkAgainst((s) => s.once('data', () => s.write(Buffer.alloc(300, 0x42))));
    expect(r.error).toMatchObject({ kind: 'handshake', phase: 'rlpx' });
    expect(r.hello).toBeUndefined();
  });

  it('a node that hangs up at once is closed', async () => {
    const r = await checkAgainst((s) => s.destroy());
    expect(r.error).toMatchObject({ kind: 'closed', phase: 'rlpx' });
  });

  it('a closed port is refused; a node without a TCP port is no-tcp', async () => {
    const r = await checkNode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: 9 }, { privateKey: generatePrivateKey(), local, timeoutMs: 2_000 });
    expect(r.error).toMatchObject({ kind: 'refused', phase: 'dial' });
    const n = await checkNode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: 0 }, { privateKey: generatePrivateKey(), local });
    expect(n.error).toMatchObject({ kind: 'no-tcp' });
  });

  it('a node that refuses peers without a shared capability is useless-peer, with its Hello', async () => {
    const key = generatePrivateKey();
    const listener = new RlpxListener({ privateKey: key, capabilities: [{ name: 'snap', version: 1, length: 8 }], clientId: 'snap-only/v1' });
    const port = await listener.listen(0, '127.0.0.1');
    try {
      const r = await checkNode({ publicKey: publicKeyOf(key), ip: '127.0.0.1', tcpPort: port }, { privateKey: generatePrivateKey(), local, timeoutMs: 2_000 });
      expect(r.hello?.clientId).toBe('snap-only/v1');
      expect(r.error).toMatchObject({ kind: 'useless-peer', disconnectReason: DisconnectReason.UselessPeer, remoteDisconnect: true });
    } finally {
      await listener.close();
    }
  });

  it('an aborted check rejects with the abort reason', async () => {
    const ac = new AbortController();
    // The node never answers; the caller aborts during the handshake.
    const p = checkAgainst(() => setTimeout(() => ac.abort(new Error('stop now')), 20), ac.signal);
    await expect(p).rejects.toThrow('stop now');
  });
});
