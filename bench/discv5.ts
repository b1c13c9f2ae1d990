/**
 * discv5 benchmarks (our stack alone; no other TypeScript discv5 is in the tree to compare):
 *
 * - ping/pong round trips per second on established sessions: one pinger, {@link PING_LANES}
 *   responders on 127.0.0.1, one ping in flight per responder, for a fixed time;
 * - handshakes per second: the same lanes, with the pinger's session dropped before each ping,
 *   so each round is random packet -> WHOAREYOU -> handshake (ECDH, ID signature) -> PONG;
 * - lookups in a 200-node simulated network (in-memory datagrams, real crypto): mean ms and
 *   FINDNODE queries per lookup, and the rate of lookups whose result is exactly the 16 closest.
 */
import { performance } from 'node:perf_hooks';
import { keccak256 } from '../src/crypto/keccak.js';
import { generatePrivateKey } from '../src/crypto/secp256k1.js';
import { NodesByDistance } from '../src/discv4/node.js';
import { MemoryNetwork } from '../src/discv4/udp.js';
import { Discv5 } from '../src/discv5/discv5.js';
import { sessionKey } from '../src/discv5/session-cache.js';
import { PING_LANES } from './discv4.js';
import { withDeadline } from './measure.js';

const QUIET = { revalidateIntervalMs: 0, refreshIntervalMs: 0, respTimeoutMs: 5000 } as const;

async function lanes(durationMs: number, once: (lane: number) => Promise<unknown>): Promise<number> {
  const end = performance.now() + durationMs;
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: PING_LANES }, async (_, lane) => {
      while (performance.now() < end) {
        await once(lane);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function withNodes<T>(fn: (pinger: Discv5, responders: Discv5[]) => Promise<T>): Promise<T> {
  const pinger = await Discv5.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), ...QUIET });
  const responders = await Promise.all(Array.from({ length: PING_LANES }, () => Discv5.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), ...QUIET })));
  try {
    await Promise.all(responders.map((r) => pinger.ping(r.self)));
    return await fn(pinger, responders);
  } finally {
    await Promise.all([pinger.close(), ...responders.map((r) => r.close())]);
  }
}

/** `discv5_pings_per_s`: PING/PONG on established sessions. */
export function discv5PingsPerSecond(opts: { durationMs?: number } = {}): Promise<number> {
  return withNodes((pinger, rs) => withDeadline('discv5 pings', 60_000, lanes(opts.durationMs ?? 2000, (i) => pinger.ping(rs[i]!.self))));
}

/** `discv5_handshakes_per_s`: a new session (and its PING/PONG) per round. */
export function discv5HandshakesPerSecond(opts: { durationMs?: number } = {}): Promise<number> {
  return withNodes((pinger, rs) => {
    const keys = rs.map((r) => sessionKey(r.self.idHex, `127.0.0.1:${r.localAddress.port}`));
    return withDeadline(
      'discv5 handshakes',
      60_000,
      lanes(opts.durationMs ?? 2000, (i) => {
        pinger.codec.sessions.delete(keys[i]!);
        return pinger.ping(rs[i]!.self);
      }),
    );
  });
}

/** Lookups in a simulated network of `size` nodes bootstrapped from node 0. */
export async function discv5LookupInSimulation(opts: { size?: number; targets?: number } = {}): Promise<{ ms: number; queries: number; exactRate: number; bootstrapMs: number }> {
  const size = opts.size ?? 200;
  const targets = opts.targets ?? 20;
  const net = new MemoryNetwork();
  const nodes: Discv5[] = [];
  for (let i = 0; i < size; i++) {
    const boot = nodes[0]?.self;
    nodes.push(
      new Discv5({
        privateKey: generatePrivateKey(),
        transport: net.bind(`10.${(i >> 8) & 255}.${i & 255}.1`, 30303),
        ...QUIET,
        respTimeoutMs: 2000,
        // No revalidation runs here, so FINDNODE may return unchecked nodes (geth's test setting).
        noFindnodeLivenessCheck: true,
        ...(boot ? { bootnodes: [boot] } : {}),
      }),
    );
  }
  try {
    const t0 = performance.now();
    const queue = nodes.slice(1);
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let n = queue.shift(); n; n = queue.shift()) await n.refresh(0);
    }));
    const bootstrapMs = performance.now() - t0;
    let ms = 0;
    let queries = 0;
    let exact = 0;
    for (let i = 0; i < targets; i++) {
      const querier = nodes[Math.floor(Math.random() * size)]!;
      const target = crypto.getRandomValues(new Uint8Array(64));
      const r = await querier.lookup(target);
      ms += r.stats.ms;
      queries += r.stats.queries;
      const want = new NodesByDistance(keccak256(target), 16);
      for (const n of nodes) if (n !== querier) want.push(n.self);
      const got = new Set(r.nodes.map((n) => n.idHex));
      if (want.entries.every((n) => got.has(n.idHex)) && got.size === want.entries.length) exact++;
    }
    return { ms: ms / targets, queries: queries / targets, exactRate: exact / targets, bootstrapMs };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

/** Every discv5 key of the final JSON. */
export async function discv5Bench(opts: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const durationMs = opts.quick ? 500 : 2000;
  const pings = await discv5PingsPerSecond({ durationMs });
  const handshakes = await discv5HandshakesPerSecond({ durationMs });
  const sim = await discv5LookupInSimulation({ targets: opts.quick ? 5 : 20 });
  return {
    discv5_pings_per_s: Math.round(pings),
    discv5_handshakes_per_s: Math.round(handshakes),
    discv5_lookup_ms: Math.round(sim.ms),
    discv5_lookup_queries: Math.round(sim.queries * 10) / 10,
    discv5_lookup_exact_rate: sim.exactRate,
    discv5_sim_bootstrap_ms: Math.round(sim.bootstrapMs),
  };
}

