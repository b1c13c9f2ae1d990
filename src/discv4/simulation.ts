/**
 * An in-process discv4 network for tests and benchmarks: N of our nodes on a
 * {@link MemoryNetwork} (distinct LAN addresses 10.x.y.z:30303), real packets (framing, hash,
 * RLP, every protocol rule), bootstrapped from node 0 the way a fresh node joins (bootnode +
 * refresh).
 *
 * By default the packets carry the sender's public key where the signature goes
 * ({@link UNSIGNED_SIGNER}) instead of an ECDSA signature: a 200-node bootstrap moves ~22,000
 * datagrams, which is ~30 s of signing and recovery on one core and says nothing about the
 * table or lookup logic under test. `signed: true` runs real secp256k1 (the benchmark does).
 * Never use UNSIGNED_SIGNER on a real network: anyone could send packets as any node.
 */
import { keccak256 } from '../crypto/keccak.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { Discv4, type Discv4Config } from './discv4.js';
import { type DiscNode, NodesByDistance } from './node.js';
import { MemoryNetwork } from './udp.js';
import type { PacketSigner } from './packets.js';
import { publicKeyOf } from '../crypto/secp256k1.js';

/** For simulations only: "signs" with the 64-byte public key + 0, "recovers" by reading it back. */
export const UNSIGNED_SIGNER: PacketSigner = {
  sign: (_digest, privateKey) => {
    const sig = new Uint8Array(65);
    sig.set(publicKeyOf(privateKey));
    return sig;
  },
  recover: (_digest, signature) => signature.slice(0, 64),
};

export interface SimulationOptions {
  /** Number of nodes (default 200). */
  size?: number;
  /** Reply timeout; generous because every node shares one CPU (default 2000 ms). */
  respTimeoutMs?: number;
  /** Nodes bootstrapping at the same time (default 4). */
  concurrency?: number;
  /** Random lookups per node at bootstrap, after the self lookup (default 0). */
  randomLookups?: number;
  /** Real secp256k1 signatures (default false: {@link UNSIGNED_SIGNER}). */
  signed?: boolean;
  /** Extra node config. */
  config?: Partial<Omit<Discv4Config, 'transport' | 'privateKey'>>;
}

export interface LookupQuality {
  targets: number;
  /** Lookups whose result equals the true 16 closest nodes (querier excluded). */
  exact: number;
  /** Mean FINDNODE queries per lookup. */
  meanQueries: number;
  /** Mean datagrams on the network per lookup. */
  meanPackets: number;
  /** Mean ms per lookup. */
  meanMs: number;
  /** Mean failed FINDNODE queries (timeouts) per lookup. */
  meanFailures: number;
}

export class Simulation {
  readonly net = new MemoryNetwork();
  readonly nodes: Discv4[] = [];

  private constructor(private readonly opts: SimulationOptions) {}

  /** Creates the nodes (not yet bootstrapped). */
  static create(opts: SimulationOptions = {}): Simulation {
    const sim = new Simulation(opts);
    const size = opts.size ?? 200;
    for (let i = 0; i < size; i++) {
      const transport = sim.net.bind(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}`, 30303);
      const boot = sim.nodes[0]?.self;
      sim.nodes.push(
        new Discv4({
          privateKey: generatePrivateKey(),
          transport,
          respTimeoutMs: opts.respTimeoutMs ?? 2000,
          revalidateIntervalMs: 0,
          refreshIntervalMs: 0,
          ...(boot ? { bootnodes: [boot] } : {}),
          ...(opts.signed ? {} : { signer: UNSIGNED_SIGNER }),
          ...opts.config,
        }),
      );
    }
    return sim;
  }

  /** Every node but the bootnode runs a refresh (self lookup + random lookups), a few at a time. */
  async bootstrap(): Promise<{ ms: number; packets: number }> {
    const started = performance.now();
    const before = this.net.delivered;
    const queue = this.nodes.slice(1);
    const workers = Array.from({ length: this.opts.concurrency ?? 4 }, async () => {
      for (let n = queue.shift(); n; n = queue.shift()) await n.refresh(this.opts.randomLookups ?? 0);
    });
    await Promise.all(workers);
    return { ms: performance.now() - started, packets: this.net.delivered - before };
  }

  /** The true `k` closest nodes to keccak256(target), excluding `querier`. */
  trueClosest(target: Uint8Array, k: number, querier?: Discv4): DiscNode[] {
    const set = new NodesByDistance(keccak256(target), k);
    for (const n of this.nodes) if (n !== querier) set.push(n.self);
    return set.entries;
  }

  /** Runs lookups for `targets` random targets from random nodes, one at a time. */
  async measureLookups(targets: number, random: () => number = Math.random): Promise<LookupQuality> {
    let exact = 0;
    let queries = 0;
    let packets = 0;
    let ms = 0;
    let failures = 0;
    for (let i = 0; i < targets; i++) {
      const querier = this.nodes[Math.floor(random() * this.nodes.length)]!;
      const target = crypto.getRandomValues(new Uint8Array(64));
      const before = this.net.delivered;
      const res = await querier.lookup(target);
      packets += this.net.delivered - before;
      queries += res.stats.queries;
      ms += res.stats.ms;
      failures += res.stats.failures;
      const want = this.trueClosest(target, 16, querier).map((n) => n.idHex);
      const got = new Set(res.nodes.map((n) => n.idHex));
      if (want.length === got.size && want.every((id) => got.has(id))) exact++;
    }
    return { targets, exact, meanQueries: queries / targets, meanPackets: packets / targets, meanMs: ms / targets, meanFailures: failures / targets };
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}
