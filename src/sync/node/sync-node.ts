/**
 * A header-sync node: server + eth + header sync + store, as `devp2p-ts sync-headers` runs it and
 * an embedding client can call it. It connects to the given peers (and discovery candidates),
 * keeps those whose Status matches, takes the target from a --checkpoint hash or the highest head
 * the peers announced, and syncs headers down to --from into the store in `datadir`.
 */
import type { Registry } from 'prom-client';
import { bytesToHex, equalBytes } from '../../common/bytes.js';
import { roleClientId } from '../../common/client-id.js';
import { silentLogger, type Logger } from '../../common/log.js';
import type { Enode } from '../../enode/enode-url.js';
import type { Block } from '../../chain/block.js';
import type { EthNetwork } from '../../chain/chain-config.js';
import type { EthPeer } from '../../eth/peer.js';
import type { DialCandidate } from '../../server/dial-scheduler.js';
import { Server } from '../../server/server.js';
import type { Peer } from '../../server/peer.js';
import { Discv4 } from '../../discv4/discv4.js';
import { makeNode } from '../../discv4/node.js';
import { EthService } from './eth-service.js';
import { discoveryCandidates } from './discovery-candidates.js';
import { announcedHead, ethSyncPeer } from '../headers/eth-sync-peer.js';
import { HeaderStore, type SyncTarget } from '../headers/header-store.js';
import { HeaderSync, SyncError, type SyncPeer, type SyncProgress } from '../headers/header-sync.js';
import { StoreChain } from '../headers/store-chain.js';
import { GivenPeerFailures } from './given-peer-failures.js';
import { headerSyncMetrics, nodeMetrics } from './node-metrics.js';

export interface SyncNodeOptions {
  network: EthNetwork;
  /** The network's genesis block, served to peers (built-in networks know theirs). */
  genesis?: Block;
  datadir: string;
  privateKey: Uint8Array;
  peers?: readonly Enode[];
  bootnodes?: readonly Enode[];
  discovery?: AsyncIterable<DialCandidate>;
  from?: bigint;
  /** Trusted target hash; otherwise the highest head announced by the connected peers. */
  checkpoint?: Uint8Array;
  /**
   * How long to wait for the first usable peer (default 30 s). When `peers` are the only source
   * of peers (no bootnodes, discovery or listener) and each has failed (dial, handshake or
   * Status), the sync fails at once with their errors instead.
   */
  peerWaitMs?: number;
  /** Wait this long for more peers after the first (default 1 s). */
  settleMs?: number;
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
  onProgress?: (p: SyncProgress) => void;
  /** Listen for inbound peers too (default: no listener). */
  listen?: { host: string; port: number };
  /** Run discv4 on this UDP address, bootstrapped from `bootnodes`, and dial what it finds. */
  discover?: { host: string; port: number };
  /** Register the node's metrics (server, eth, discovery, header sync progress) on this registry. */
  metrics?: Registry;
}

export interface SyncSummary {
  network: string;
  from: string;
  to: string;
  headHash: string;
  headersFetched: string;
  ms: number;
  headersPerSecond: number;
  peers: { id: string; clientId: string; version: number; requests: number; rejected: number; timeouts: number }[];
}

function waitUntil(cond: () => boolean, ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return resolve(true);
      if (Date.now() - t0 >= ms || signal?.aborted) return resolve(false);
      timer = setTimeout(tick, 50);
    };
    let timer = setTimeout(tick, 0);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(false);
    }, { once: true });
  });
}

export async function runSyncNode(opts: SyncNodeOptions): Promise<SyncSummary> {
  const log = opts.logger ?? silentLogger;
  let discv4: Discv4 | undefined;
  const stopDiscovery = new AbortController();
  let discovery = opts.discovery;
  if (opts.discover) {
    discv4 = await Discv4.listen(
      { ip: opts.discover.host, port: opts.discover.port },
      { privateKey: opts.privateKey, tcpPort: 0, bootnodes: (opts.bootnodes ?? []).map((b) => makeNode(b.publicKey, b.ip, b.udpPort, b.tcpPort)) },
    );
    discv4.start();
    discovery = discoveryCandidates(discv4, stopDiscovery.signal);
  }
  const store = HeaderStore.open(opts.datadir);
  let chain: StoreChain;
  try {
    chain = new StoreChain(opts.network, store, opts.genesis);
  } catch (err) {
    store.close();
    throw err;
  }
  const eth = new EthService({ network: opts.network, chain });
  const server = new Server({
    privateKey: opts.privateKey,
    protocols: eth.protocols(),
    clientId: roleClientId('sync-headers'),
    listen: opts.listen ?? null,
    staticNodes: opts.peers ?? [],
    bootnodes: opts.bootnodes ?? [],
    ...(discovery ? { discovery } : {}),
  });
  const clientIds = new Map<string, { clientId: string; version: number }>();
  eth.on('peer', (p, sp) => {
    clientIds.set(sp.id, { clientId: sp.session.remoteHello?.clientId ?? '?', version: p.version });
    log.info('eth peer', { id: sp.id.slice(0, 16), client: sp.session.remoteHello?.clientId, eth: p.version });
  });
  eth.on('handshake:failed', (err, sp) => log.warn('peer refused at Status', { id: sp.id.slice(0, 16), err }));
  server.on('connection:failed', (dir, err, target) => log.debug('connection failed', { dir, target, err }));
  const failures = new GivenPeerFailures(server, eth, opts.peers ?? []);
  let sync: HeaderSync | undefined;
  if (opts.metrics) {
    nodeMetrics({ server, eth, discv4 }, opts.metrics);
    headerSyncMetrics(() => sync?.progress, opts.metrics);
  }
  const onlyGivenPeers = (opts.bootnodes ?? []).length === 0 && !discovery && !opts.listen;
  const serverPeers = new Map<string, { peer: Peer; penalize: (k: 'invalid-message' | 'timeout') => void }>();
  server.on('peer:added', (p) => serverPeers.set(p.id, { peer: p, penalize: (k) => server.penalize(p, k) }));
  // A session replaced by a simultaneous dial's winner is removed after the winner was added.
  server.on('peer:removed', (p) => serverPeers.get(p.id)?.peer === p && serverPeers.delete(p.id));
  await server.start();
  try {
    const givenPeersFailed = () => onlyGivenPeers && failures.allFailed;
    await waitUntil(() => eth.peers.size > 0 || givenPeersFailed(), opts.peerWaitMs ?? 30_000, opts.signal);
    if (eth.peers.size === 0) {
      if (givenPeersFailed()) throw new SyncError(`no usable peer: ${failures.describe()}`, 'no-peers', { cause: failures.first });
      const last = failures.last ? ` (last failure: ${failures.last.message})` : '';
      throw new SyncError(`no eth peer with a matching Status${last}`, opts.signal?.aborted ? 'aborted' : 'no-peers', failures.last ? { cause: failures.last } : {});
    }
    // More peers may still connect; but when the store already holds, complete down to --from,
    // the head every connected peer announces (or the checkpoint), there is nothing to wait for.
    const from = opts.from ?? 0n;
    const nothingToFetch = (): boolean => {
      const t = store.target;
      if (t === undefined || store.lowest === undefined || store.lowest > from) return false;
      if (opts.checkpoint !== undefined) return equalBytes(opts.checkpoint, t.hash);
      return [...eth.peers.values()].every((p) => equalBytes(announcedHead(p).hash, t.hash));
    };
    await waitUntil(nothingToFetch, opts.settleMs ?? 1_000, opts.signal);
    const syncPeers = (): SyncPeer[] =>
      [...eth.peers.entries()].map(([id, p]: [string, EthPeer]) => ethSyncPeer(p, id, (kind) => serverPeers.get(id)?.penalize(kind)));
    const target = await chooseTarget(eth, opts.checkpoint, opts.requestTimeoutMs ?? 5_000);
    if (target.number < from) throw new SyncError(`target ${target.number} is below --from ${from}`, 'bad-target');
    log.info('syncing headers', { from, to: target.number, hash: bytesToHex(target.hash).slice(0, 16), peers: eth.peers.size });
    sync = new HeaderSync({
      store,
      target,
      from,
      ...(from === 0n ? { fromHash: opts.network.genesisHash } : {}),
      peers: syncPeers,
      ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    sync.on('rejected', (id, detail) => log.warn('bad headers from peer', { id: id.slice(0, 16), detail }));
    if (opts.onProgress) sync.on('progress', opts.onProgress);
    const r = await sync.run();
    const ids = new Set([...Object.keys(r.requests), ...Object.keys(r.rejected)]);
    return {
      network: opts.network.name,
      from: from.toString(),
      to: target.number.toString(),
      headHash: bytesToHex(target.hash),
      headersFetched: r.headers.toString(),
      ms: r.ms,
      headersPerSecond: r.ms > 0 ? Number(r.headers) / (r.ms / 1000) : 0,
      peers: [...ids].map((id) => ({
        id,
        clientId: clientIds.get(id)?.clientId ?? '?',
        version: clientIds.get(id)?.version ?? 0,
        requests: r.requests[id] ?? 0,
        rejected: r.rejected[id] ?? 0,
        timeouts: r.timeouts[id] ?? 0,
      })),
    };
  } finally {
    failures.close();
    stopDiscovery.abort(new Error('sync finished'));
    await server.stop();
    await discv4?.close();
    store.close();
  }
}

/** The checkpoint, or the highest announced head (numbers of eth/68 heads are fetched). */
async function chooseTarget(eth: EthService, checkpoint: Uint8Array | undefined, timeoutMs: number): Promise<SyncTarget> {
  const peers = [...eth.peers.values()];
  const resolve = async (hash: Uint8Array): Promise<SyncTarget | undefined> => {
    for (const p of peers) {
      try {
        const [h] = await p.getBlockHeaders({ origin: { hash }, amount: 1n }, { timeoutMs });
        if (h && bytesToHex(h.hash) === bytesToHex(hash)) return { number: h.number, hash: h.hash };
      } catch {
        // try the next peer
      }
    }
    return undefined;
  };
  if (checkpoint) {
    const t = await resolve(checkpoint);
    if (!t) throw new SyncError(`no peer has the checkpoint ${bytesToHex(checkpoint)}`, 'bad-target');
    return t;
  }
  let best: SyncTarget | undefined;
  for (const p of peers) {
    const a = announcedHead(p);
    const t = a.number !== undefined ? { number: a.number, hash: a.hash } : await resolve(a.hash);
    if (t && (!best || t.number > best.number)) best = t;
  }
  if (!best) throw new SyncError('no peer announced a usable head', 'bad-target');
  return best;
}
