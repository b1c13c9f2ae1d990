/**
 * Prometheus metrics of the parts above the server: eth (peers by version, request latency per
 * message), discovery (table fill, packets) and header sync (progress). Together with
 * {@link serverMetrics} they are what `devp2p-ts node --metrics/--http` exports and what
 * docs/grafana/devp2p-ts.json charts.
 *
 * Gauges and totals are read from the objects at each scrape, so late attachment reports the
 * current state; latency histograms can only observe requests that end after they are attached.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Discv4 } from '../../discv4/discv4.js';
import { BUCKET_MIN_DISTANCE, BUCKET_SIZE, N_BUCKETS } from '../../discv4/table.js';
import type { EthPeer } from '../../eth/peer.js';
import { serverMetrics } from '../../server/metrics.js';
import type { Server } from '../../server/server.js';
import type { EthService } from './eth-service.js';
import type { SyncProgress } from '../headers/header-sync.js';

/**
 * Bounds (seconds) of the request latency histogram: loopback answers in milliseconds, geth's
 * downloader aims at 2-20 s round trips and our default request timeout is 10 s.
 */
export const REQUEST_LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * eth metrics of `eth` on `registry`: `devp2p_eth_peers{version}` and
 * `devp2p_eth_request_duration_seconds{message,outcome}` (one observation per request of ours
 * that was sent, by request message name and `ok` or the failure reason).
 */
export function ethMetrics(eth: EthService, registry: Registry = new Registry()): Registry {
  new Gauge({
    name: 'devp2p_eth_peers',
    help: 'Peers past the eth Status handshake, by negotiated eth version',
    labelNames: ['version'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of eth.peers.values()) this.inc({ version: String(p.version) });
    },
  });
  const latency = new Histogram({
    name: 'devp2p_eth_request_duration_seconds',
    help: 'Time from sending an eth request to its answer or failure, by request message and outcome (ok, timeout, invalid-response, disconnected, aborted)',
    labelNames: ['message', 'outcome'],
    buckets: [...REQUEST_LATENCY_BUCKETS],
    registers: [registry],
  });
  const watched = new WeakSet<EthPeer>();
  const watch = (p: EthPeer): void => {
    if (watched.has(p)) return;
    watched.add(p);
    p.on('request', (message, outcome, ms) => latency.observe({ message, outcome }, ms / 1000));
  };
  for (const p of eth.peers.values()) watch(p);
  eth.on('peer', watch);
  return registry;
}

/** Discovery metrics: table fill per bucket and in all, packets in and out, datagrams dropped by reason. */
export function discoveryMetrics(discv4: Discv4, registry: Registry = new Registry()): Registry {
  new Gauge({
    name: 'devp2p_discv4_table_nodes',
    help: `Nodes in the discovery table (at most ${N_BUCKETS} buckets of ${BUCKET_SIZE})`,
    registers: [registry],
    collect() {
      this.set(discv4.table.size);
    },
  });
  new Gauge({
    name: 'devp2p_discv4_bucket_nodes',
    help: 'Nodes per discovery table bucket, by log distance of the bucket',
    labelNames: ['distance'],
    registers: [registry],
    collect() {
      for (const b of tableBuckets(discv4)) this.set({ distance: String(b.distance) }, b.nodes);
    },
  });
  new Counter({
    name: 'devp2p_discv4_packets_total',
    help: 'Discovery datagrams by direction',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ direction: 'in' }, discv4.stats.packetsIn);
      this.inc({ direction: 'out' }, discv4.stats.packetsOut);
    },
  });
  new Counter({
    name: 'devp2p_discv4_dropped_total',
    help: 'Discovery datagrams refused, by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(discv4.stats.dropped)) if (n) this.inc({ reason }, n);
    },
  });
  return registry;
}

/** One bucket of the discovery table: its log distance, nodes and replacements. */
export interface TableBucket {
  distance: number;
  nodes: number;
  replacements: number;
}

/** The fill of each bucket of `discv4`'s table, nearest first (distance 240 and closer share the first). */
export function tableBuckets(discv4: Discv4): TableBucket[] {
  return Array.from({ length: N_BUCKETS }, (_, i) => ({
    distance: BUCKET_MIN_DISTANCE + 1 + i,
    nodes: discv4.table.bucketEntries(i).length,
    replacements: discv4.table.bucketReplacements(i).length,
  }));
}

/**
 * Header sync progress gauges, read at each scrape from `progress` (a running
 * {@link HeaderSync}'s `progress`, or undefined before any): target and lowest verified block,
 * headers verified of the total, speed, and peers busy. All 0 while no sync has reported.
 */
export function headerSyncMetrics(progress: () => SyncProgress | undefined, registry: Registry = new Registry()): Registry {
  const gauge = (name: string, help: string, read: (p: SyncProgress) => number | bigint): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const p = progress();
        this.set(p === undefined ? 0 : Number(read(p)));
      },
    });
  };
  gauge('devp2p_header_sync_target_block', 'Block number of the header sync target (the trusted head it syncs down from)', (p) => p.lowest + p.verified - 1n);
  gauge('devp2p_header_sync_lowest_block', 'Lowest block whose header is verified and stored', (p) => p.lowest);
  gauge('devp2p_header_sync_verified_headers', 'Headers verified and stored in this sync', (p) => p.verified);
  gauge('devp2p_header_sync_total_headers', 'Headers this sync has to fetch in all', (p) => p.total);
  gauge('devp2p_header_sync_headers_per_second', 'Header sync speed over the last second', (p) => p.headersPerSecond);
  gauge('devp2p_header_sync_active_peers', 'Peers with header requests in flight', (p) => p.activePeers);
  return registry;
}

/** What {@link nodeMetrics} reads: a {@link P2PNode} has it. */
export interface MetricsSource {
  server: Server;
  eth: EthService;
  discv4?: Discv4 | undefined;
}

/** Server, eth and (when it runs) discovery metrics of a node, on one registry. */
export function nodeMetrics(node: MetricsSource, registry: Registry = new Registry()): Registry {
  serverMetrics(node.server, registry);
  ethMetrics(node.eth, registry);
  if (node.discv4) discoveryMetrics(node.discv4, registry);
  return registry;
}
