/**
 * discv4 benchmarks, ours side by side with @ethereumjs/devp2p's DPT ("ejs"), both stacks in
 * this process on 127.0.0.1, measured the same way:
 *
 * - ping/pong round trips per second: one pinger, {@link PING_LANES} responders, one ping in
 *   flight per responder (each lane waits for its Pong before the next Ping), for a fixed
 *   time. Our nodes run with the per-IP rate limit off (everything comes from 127.0.0.1).
 *   ejs caches a ping promise per address for 1 s; the cache is cleared before each ping so
 *   every call is a real round trip.
 * - inbound packets verified per second: decodePacket (hash, signature recovery, body) on
 *   distinct signed Pings; ejs' exported discv4 `decode` on its own Pings alongside.
 * - lookup time: mean ms and FINDNODE queries per lookup in the in-process simulated network
 *   (real signatures by default, so the time includes the crypto of ~110 datagrams).
 * - memory per 1000 table entries (needs node --expose-gc).
 *
 * Every function returns plain numbers; bench/main.ts prints them.
 */
import { performance } from 'node:perf_hooks';
import { Common, Mainnet } from '@ethereumjs/common';
import { DPT, decode as ejsDecode, encode as ejsEncode } from '@ethereumjs/devp2p';
import { generatePrivateKey } from '../src/crypto/secp256k1.js';
import { Discv4 } from '../src/discv4/discv4.js';
import { PacketType } from '../src/discv4/messages.js';
import { parseIp } from '../src/common/netutil.js';
import { makeNode } from '../src/discv4/node.js';
import { decodePacket, encodePacket, expirationFrom } from '../src/discv4/packets.js';
import { Simulation } from '../src/discv4/simulation.js';
import { N_BUCKETS, Table } from '../src/discv4/table.js';
import { settledHeap, withDeadline } from './measure.js';

/** Concurrent ping lanes (one responder each). */
export const PING_LANES = 4;

async function runLanes(lanes: number, durationMs: number, pingOnce: (lane: number) => Promise<unknown>): Promise<number> {
  const end = performance.now() + durationMs;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (performance.now() < end) {
        await pingOnce(lane);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** Our ping/pong round trips per second (`discv4_pings_per_s`). */
export async function discv4PingsPerSecond(opts: { durationMs?: number } = {}): Promise<number> {
  const cfg = { revalidateIntervalMs: 0, refreshIntervalMs: 0, rateLimit: false as const, respTimeoutMs: 5000 };
  const pinger = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), ...cfg });
  const responders = await Promise.all(
    Array.from({ length: PING_LANES }, () => Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), ...cfg })),
  );
  try {
    // Bond first so the measured loop has no ping-backs in it.
    await Promise.all(responders.map((r) => pinger.ping(r.self)));
    return await withDeadline('discv4 pings', 60_000, runLanes(PING_LANES, opts.durationMs ?? 2000, (i) => pinger.ping(responders[i]!.self)));
  } finally {
    await Promise.all([pinger.close(), ...responders.map((r) => r.close())]);
  }
}

interface EjsServer {
  _socket: { address(): { port: number } };
  _requestsCache: { clear(): void };
  ping(peer: { address: string; udpPort: number }): Promise<unknown>;
}

async function ejsDpt(): Promise<{ dpt: DPT; port: number; server: EjsServer }> {
  const dpt = new DPT(generatePrivateKey(), {
    endpoint: { address: '127.0.0.1', udpPort: null, tcpPort: null },
    refreshInterval: 3_600_000,
    shouldFindNeighbours: false,
    timeout: 5000,
    common: new Common({ chain: Mainnet }),
  });
  dpt.events.on('error', () => undefined);
  const listening = new Promise<void>((r) => dpt.events.once('listening', () => r()));
  dpt.bind(0, '127.0.0.1');
  await listening;
  const server = (dpt as unknown as { _server: EjsServer })._server;
  const port = server._socket.address().port;
  (server as unknown as { _endpoint: unknown })._endpoint = { address: '127.0.0.1', udpPort: port, tcpPort: port };
  return { dpt, port, server };
}

/** ejs DPT ping/pong round trips per second (`ejs_discv4_pings_per_s`). */
export async function ejsPingsPerSecond(opts: { durationMs?: number } = {}): Promise<number> {
  const pinger = await ejsDpt();
  const responders = await Promise.all(Array.from({ length: PING_LANES }, () => ejsDpt()));
  try {
    const ping = (i: number): Promise<unknown> => {
      pinger.server._requestsCache.clear();
      return pinger.server.ping({ address: '127.0.0.1', udpPort: responders[i]!.port });
    };
    await Promise.all(responders.map((_, i) => ping(i)));
    // Let ejs' 100 ms reverse-bond pings settle before measuring.
    await new Promise((r) => setTimeout(r, 300));
    return await withDeadline('ejs pings', 60_000, runLanes(PING_LANES, opts.durationMs ?? 2000, ping));
  } finally {
    pinger.dpt.destroy();
    for (const r of responders) r.dpt.destroy();
  }
}

/** Inbound packets fully verified per second: hash, signature recovery, body (`discv4_verify_per_s`). */
export function discv4VerifyPerSecond(opts: { packets?: number } = {}): number {
  const n = opts.packets ?? 2000;
  const key = generatePrivateKey();
  const exp = expirationFrom(Date.now() / 1000);
  const packets = Array.from(
    { length: n },
    (_, i) =>
      encodePacket(
        { type: PacketType.Ping, version: 4n, from: { ip: parseIp('127.0.0.1')!, udpPort: 30303, tcpPort: i & 0xffff }, to: { ip: parseIp('10.0.0.1')!, udpPort: 30303, tcpPort: 0 }, expiration: exp, enrSeq: BigInt(i) },
        key,
      ).packet,
  );
  const started = performance.now();
  for (const p of packets) decodePacket(p);
  return n / ((performance.now() - started) / 1000);
}

/** The same measurement with ejs' discv4 `decode` (hash, recovery, body) on its own Pings (`ejs_discv4_verify_per_s`). */
export function ejsVerifyPerSecond(opts: { packets?: number } = {}): number {
  const n = opts.packets ?? 500;
  const key = generatePrivateKey();
  const packets = Array.from({ length: n }, (_, i) =>
    ejsEncode('ping', { version: 4, from: { address: '127.0.0.1', udpPort: 30303, tcpPort: i & 0xffff }, to: { address: '10.0.0.1', udpPort: 30303, tcpPort: null } }, key),
  );
  const started = performance.now();
  for (const p of packets) ejsDecode(p);
  return n / ((performance.now() - started) / 1000);
}

/** Lookup cost in the simulated network: mean ms and queries per lookup, and the exact-result rate. */
export async function discv4LookupInSimulation(opts: { size?: number; targets?: number; signed?: boolean } = {}): Promise<{ ms: number; queries: number; datagrams: number; exactRate: number; bootstrapMs: number }> {
  const sim = Simulation.create({ size: opts.size ?? 200, concurrency: 16, respTimeoutMs: 2000, signed: opts.signed ?? true });
  try {
    const boot = await sim.bootstrap();
    const q = await sim.measureLookups(opts.targets ?? 20);
    return { ms: q.meanMs, queries: q.meanQueries, datagrams: q.meanPackets, exactRate: q.exact / q.targets, bootstrapMs: boot.ms };
  } finally {
    await sim.close();
  }
}

/**
 * Heap bytes per 1000 table entries, everything a stored node holds included (public key,
 * ID, strings, entry). A table holds at most 272 nodes, so entries are spread over several
 * tables. Random 64-byte keys stand in for public keys (the table never checks them).
 * Needs node --expose-gc.
 */
export async function discv4TableBytesPer1000(opts: { entries?: number } = {}): Promise<number> {
  const want = opts.entries ?? 4000;
  const before = await settledHeap();
  const keys = Array.from({ length: want * 3 }, () => crypto.getRandomValues(new Uint8Array(64)));
  const tables: Table[] = [];
  // Count nodes held as entries or replacements; stop a table once it accepts nothing more.
  const held = (t: Table): number => {
    let n = t.size;
    for (let b = 0; b < N_BUCKETS; b++) n += t.bucketReplacements(b).length;
    return n;
  };
  let stored = 0;
  let k = 0;
  while (stored < want && k < keys.length) {
    const t = new Table(crypto.getRandomValues(new Uint8Array(32)));
    tables.push(t);
    for (let i = 0; i < 200 && k < keys.length; i++, k++) {
      t.add(makeNode(keys[k]!, `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`, 30303, 30303));
    }
    stored += held(t);
  }
  keys.length = 0; // keys not stored in a table are garbage now
  const after = await settledHeap();
  void tables.length;
  return ((after - before) / stored) * 1000;
}

/** Everything above, with the names bench/main.ts reports. */
export async function discv4Bench(): Promise<Record<string, number>> {
  const ours = await discv4PingsPerSecond();
  const ejs = await ejsPingsPerSecond();
  const sim = await discv4LookupInSimulation();
  const out: Record<string, number> = {
    discv4_pings_per_s: Math.round(ours),
    ejs_discv4_pings_per_s: Math.round(ejs),
    discv4_verify_per_s: Math.round(discv4VerifyPerSecond()),
    ejs_discv4_verify_per_s: Math.round(ejsVerifyPerSecond()),
    discv4_lookup_ms: Math.round(sim.ms),
    discv4_lookup_queries: Math.round(sim.queries * 10) / 10,
    discv4_lookup_exact_rate: sim.exactRate,
  };
  if (typeof (globalThis as { gc?: unknown }).gc === 'function') out.discv4_table_bytes_per_1000 = Math.round(await discv4TableBytesPer1000());
  return out;
}
