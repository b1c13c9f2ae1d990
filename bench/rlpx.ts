/**
 * Our side of the RLPx benchmark, measured exactly as bench/ejs/rlpx.ts measures
 * @ethereumjs/devp2p: both ends in this process on 127.0.0.1, same payloads, same clocks.
 * See that file for the rules; each function below names the one it mirrors.
 */
import { performance } from 'node:perf_hooks';
import { rlpEncode } from '../src/common/rlp.js';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/secp256k1.js';
import { dial } from '../src/rlpx/connect.js';
import { RlpxListener } from '../src/rlpx/listener.js';
import type { Session, SessionConfig } from '../src/rlpx/session.js';
import { benchPayload } from './ejs/rlpx.js';
import { median, settledHeap, withDeadline } from './measure.js';

const ETH68 = { name: 'eth', version: 68, length: 17 };
const BLOCK_BODIES = 0x06;
const GET_BLOCK_HEADERS = 0x03;
const BLOCK_HEADERS = 0x04;

interface World {
  listener: RlpxListener;
  listenerKey: Uint8Array;
  port: number;
  inbound: Session[];
  close(): Promise<void>;
}

async function world(extra: Partial<SessionConfig> = {}): Promise<World> {
  const privateKey = generatePrivateKey();
  const listener = new RlpxListener({ privateKey, capabilities: [ETH68], ...extra });
  const port = await listener.listen(0);
  const inbound: Session[] = [];
  listener.on('session', (s) => inbound.push(s));
  return { listener, listenerKey: publicKeyOf(privateKey), port, inbound, close: () => listener.close() };
}

function dialerConfig(): SessionConfig {
  return { privateKey: generatePrivateKey(), capabilities: [ETH68] };
}

/** Mirrors ejsHandshakes: counted when the dialer's session is ready; distinct dialer keys made outside the clock. */
export async function ourHandshakes(opts: { count: number; concurrency: number }): Promise<{ perSecond: number }> {
  const w = await world();
  try {
    const configs = Array.from({ length: opts.count }, dialerConfig);
    for (const c of configs) publicKeyOf(c.privateKey); // ejs creates its dialers (and keys) before the clock too
    let next = 0;
    const closing: Promise<void>[] = [];
    const t0 = performance.now();
    const worker = async () => {
      while (next < opts.count) {
        const cfg = configs[next++]!;
        const s = await dial({ publicKey: w.listenerKey, host: '127.0.0.1', port: w.port }, cfg);
        closing.push(s.disconnect());
      }
    };
    await withDeadline('ourHandshakes', 30_000 + opts.count * 500, Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.count) }, worker)));
    const elapsed = performance.now() - t0;
    await Promise.all(closing);
    // The listener reports its side a tick after the dialer's; wait for it (bounded), not timed.
    for (let i = 0; i < 200 && w.inbound.length < opts.count; i++) await new Promise((r) => setTimeout(r, 10));
    if (w.inbound.length !== opts.count) throw new Error(`ourHandshakes: listener accepted ${w.inbound.length}/${opts.count}`);
    return { perSecond: (opts.count * 1000) / elapsed };
  } finally {
    await w.close();
  }
}

async function connectedPair(w: World): Promise<[Session, Session]> {
  const before = w.inbound.length;
  const a = await dial({ publicKey: w.listenerKey, host: '127.0.0.1', port: w.port }, dialerConfig());
  for (let i = 0; i < 100 && w.inbound.length === before; i++) await new Promise((r) => setTimeout(r, 5));
  const b = w.inbound[before];
  if (!b) throw new Error('listener did not report the session');
  return [a, b];
}

/** Mirrors ejsThroughput: BlockBodies carrying an RLP string of benchPayload(size); clock from first send to last receipt. */
export async function ourThroughput(opts: { messageSize: number; messages: number }): Promise<{ MBps: number }> {
  const w = await world();
  try {
    const [a, b] = await connectedPair(w);
    const body = rlpEncode(benchPayload(opts.messageSize));
    let received = 0;
    let bytes = 0;
    let t1 = 0;
    const all = new Promise<void>((resolve, reject) => {
      b.on('message', (m) => {
        if (m.code !== BLOCK_BODIES) return;
        if (m.data.length !== body.length) return reject(new Error(`bad payload length ${m.data.length}`));
        received++;
        bytes += opts.messageSize;
        if (received === opts.messages) {
          t1 = performance.now();
          resolve();
        }
      });
    });
    const highWater = Math.max(4 * body.length, 1 << 20);
    const t0 = performance.now();
    for (let i = 0; i < opts.messages; i++) {
      a.send('eth', BLOCK_BODIES, body);
      if (a.writableLength > highWater) await a.drained({ lowWater: highWater / 2 });
    }
    await withDeadline('ourThroughput', 30_000 + (opts.messages * opts.messageSize) / 200, all);
    await a.disconnect();
    return { MBps: bytes / 1e6 / ((t1 - t0) / 1000) };
  } finally {
    await w.close();
  }
}

/** Mirrors ejsRoundTrip: GetBlockHeaders -> BlockHeaders, 5 warm-up rounds, median. */
export async function ourRoundTrip(opts: { rounds: number }): Promise<{ ms: number }> {
  const w = await world();
  try {
    const [a, b] = await connectedPair(w);
    b.on('message', (m) => {
      if (m.code === GET_BLOCK_HEADERS) b.send('eth', BLOCK_HEADERS, rlpEncode([(m.data as Uint8Array).subarray(1, 1 + (m.data[0]! & 0x3f)), []]));
    });
    const samples: number[] = [];
    for (let r = 0; r < 5 + opts.rounds; r++) {
      const answered = new Promise<void>((resolve) => a.once('message', () => resolve()));
      const t0 = performance.now();
      a.send('eth', GET_BLOCK_HEADERS, rlpEncode([r + 1, [1_000_000 + r, 1, 0, 0]]));
      await withDeadline('ourRoundTrip', 10_000, answered);
      if (r >= 5) samples.push(performance.now() - t0);
    }
    await a.disconnect();
    return { ms: median(samples) };
  } finally {
    await w.close();
  }
}

/** Mirrors ejsHeapPerPeer: one peer = one connection with both ends in this process; warm-up connection first. */
export async function ourHeapPerPeer(opts: { peers: number }): Promise<{ kib: number; externalKib: number }> {
  const w = await world();
  try {
    const configs = Array.from({ length: opts.peers }, dialerConfig);
    for (const c of configs) publicKeyOf(c.privateKey);
    const [wa] = await connectedPair(w);
    await wa.disconnect();
    const sessions: Session[] = [];
    const before = await settledHeap();
    const extBefore = process.memoryUsage().external;
    for (let i = 0; i < opts.peers; i += 10) {
      const batch = await Promise.all(configs.slice(i, i + 10).map((c) => dial({ publicKey: w.listenerKey, host: '127.0.0.1', port: w.port }, c)));
      sessions.push(...batch);
    }
    for (let i = 0; i < 100 && w.listener.openSessions.size < opts.peers; i++) await new Promise((r) => setTimeout(r, 5));
    const after = await settledHeap();
    const extAfter = process.memoryUsage().external;
    if (w.listener.openSessions.size !== opts.peers) throw new Error(`ourHeapPerPeer: listener has ${w.listener.openSessions.size}/${opts.peers}`);
    await Promise.all(sessions.map((s) => s.disconnect()));
    return { kib: (after - before) / 1024 / opts.peers, externalKib: (extAfter - extBefore) / 1024 / opts.peers };
  } finally {
    await w.close();
  }
}
