/**
 * The @ethereumjs/devp2p 10.0.0 ("ejs") side of `npm run bench`. Both ends of every connection
 * live in this process, on 127.0.0.1, without DPT/discovery. Each function builds its own
 * EjsWorld and tears it down completely (sockets destroyed, RLPx destroyed, timers cleared), and
 * is bounded by a deadline (`timeoutMs`, with a default scaled to the work).
 *
 * Measurement rules our side must mirror (see each function):
 * - handshakes: counted at the dialer's `peer:added` (TCP connect + auth/ack + both Hellos seen
 *   by the dialer); each handshake uses a distinct dialer identity; finished connections are
 *   closed in the background (socket.end(), not counted); at the end every handshake must also
 *   have been accepted by the listener.
 * - throughput: eth/68 after a Status exchange, snappy on (p2p v5), code BlockBodies (0x06),
 *   payload = RLP byte string of `benchPayload(size)`; clock from the first send to the last
 *   message decoded at the receiver; MB = 1e6 payload bytes.
 * - round trip: GetBlockHeaders (0x03) → BlockHeaders (0x04) with small RLP lists; median.
 * - heap: one peer = one connection with both of its ends (dialer-side and listener-side Peer)
 *   in this process, after Hello + Status; node objects are created before the baseline.
 */
import { performance } from 'node:perf_hooks';
import { EthMessageCodes, type ETH, type Peer } from '@ethereumjs/devp2p';
import { intToBytes } from '@ethereumjs/util';
import { idleCpu, median, settledHeap } from '../measure.js';
import { EjsWorld, errMsg, handled, idKey, socketOf, withDeadline, type EjsNode } from './harness.js';

/**
 * Benchmark payload, identical for both stacks. Deterministic (seeded mulberry32 PRNG, fixed
 * seed), so every call with the same size returns the same bytes. Layout: consecutive 64-byte
 * blocks, each = 38 fresh pseudo-random bytes followed by the first 26 of those 38 repeated
 * (the last block is truncated). Snappy finds the 26-byte in-block repeat and nothing else, so
 * the ratio is ~1.49x for 1 KiB, 64 KiB and 1 MiB alike (measured with snappyjs 0.7;
 * ~1.24x for a 100-byte payload).
 */
export function benchPayload(size: number): Uint8Array {
  let a = 0x5eed;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const FRESH = 38;
  const out = new Uint8Array(size);
  for (let off = 0; off < size; off += 64) {
    const n = Math.min(64, size - off);
    for (let i = 0; i < n; i++) out[off + i] = i < FRESH ? rand() & 0xff : out[off + i - FRESH]!;
  }
  return out;
}

function throwIfErrors(world: EjsWorld): void {
  if (world.errors.length > 0) throw new Error(`ejs reported error: ${errMsg(world.errors[0])}`);
}

/** Runs `body` with a fresh world, always closes it, bounded by `timeoutMs`. */
async function inWorld<T>(label: string, timeoutMs: number, body: (w: EjsWorld) => Promise<T>): Promise<T> {
  const world = new EjsWorld();
  try {
    return await withDeadline(label, timeoutMs, body(world));
  } finally {
    await world.close();
  }
}

/** One established connection: dialer-side and listener-side Peer, Status exchanged. */
async function connectedPair(world: EjsWorld): Promise<{ a: Peer; b: Peer; ethA: ETH; ethB: ETH }> {
  const listener = await world.node({ listen: true, maxPeers: 8 });
  const dialer = await world.node({ listen: false, maxPeers: 8 });
  const [a, b] = await connectPeer(world, dialer, listener);
  const [ethA, ethB] = await world.exchangeStatus(a, b);
  return { a, b, ethA, ethB };
}

/** Dials and returns [dialer-side Peer, listener-side Peer] once both sides emitted peer:added. */
async function connectPeer(world: EjsWorld, dialer: EjsNode, listener: EjsNode, ms = 10_000): Promise<[Peer, Peer]> {
  const key = idKey(dialer.id);
  const inbound = handled(world.wait<Peer>('listener peer:added', ms, (done) => {
    const h = (p: Peer): void => {
      const id = p.getId();
      if (id !== null && idKey(id) === key) done(p);
    };
    listener.rlpx.events.on('peer:added', h);
    return () => listener.rlpx.events.off('peer:added', h);
  }));
  const [a, b] = await Promise.all([world.dial(dialer, listener, ms), inbound]);
  return [a, b];
}

/**
 * Handshakes per second: `count` handshakes, `concurrency` in flight at a time.
 * Quirk handling: ejs refuses a second connection from the same node id while the first is
 * still registered (ALREADY_CONNECTED, sent only *after* the dialer already saw Hello), so each
 * worker takes a dialer from a pool of `concurrency + 4` pre-created dialers (distinct keys;
 * key generation and RLPx construction are outside the clock) and a dialer is reused only once
 * both ends of its previous connection are gone. A finished connection is closed with
 * `socket.end()` in the background (ejs' own disconnect() would arm a 2 s linger timer).
 * `maxPeers` on the listener is pool size + 16 so TOO_MANY_PEERS cannot happen. After the clock
 * stops, it checks that the listener emitted `peer:added` exactly `count` times.
 */
export async function ejsHandshakes(opts: {
  count: number;
  concurrency: number;
  timeoutMs?: number;
}): Promise<{ perSecond: number }> {
  const { count, concurrency } = opts;
  if (count < 1 || concurrency < 1) throw new Error('ejsHandshakes: count and concurrency must be >= 1');
  return inWorld('ejsHandshakes', opts.timeoutMs ?? 30_000 + count * 500, async (world) => {
    const poolSize = concurrency + 4;
    const listener = await world.node({ listen: true, maxPeers: poolSize + 16 });
    const dialers: EjsNode[] = [];
    for (let i = 0; i < poolSize; i++) dialers.push(await world.node({ listen: false, maxPeers: 4 }));

    // Per dialer: connections started, listener-side removals seen, dialer-side socket closed.
    const started = new Map<string, number>();
    const removedAtListener = new Map<string, number>();
    const dialerClosed = new Map<string, boolean>();
    const byKey = new Map<string, EjsNode>(dialers.map((d) => [idKey(d.id), d]));
    const free: EjsNode[] = [...dialers];
    const freeWaiters: Array<() => void> = [];
    let listenerAdded = 0;
    let listenerRejected = 0;

    const maybeRelease = (key: string): void => {
      const d = byKey.get(key);
      if (d === undefined || free.includes(d)) return;
      if (dialerClosed.get(key) === true && (removedAtListener.get(key) ?? 0) === (started.get(key) ?? 0)) {
        free.push(d);
        freeWaiters.shift()?.();
      }
    };
    listener.rlpx.events.on('peer:added', () => listenerAdded++);
    listener.rlpx.events.on('peer:removed', (peer, _reason, disconnectWe) => {
      if (disconnectWe === true) listenerRejected++; // listener disconnected it (e.g. ALREADY_CONNECTED)
      const id = peer.getId();
      if (id === null) return;
      const key = idKey(id);
      removedAtListener.set(key, (removedAtListener.get(key) ?? 0) + 1);
      maybeRelease(key);
    });
    const acquire = async (): Promise<EjsNode> => {
      while (free.length === 0) {
        await world.wait<void>('free dialer', 10_000, (done) => {
          freeWaiters.push(done);
          return () => {
            const i = freeWaiters.indexOf(done);
            if (i >= 0) freeWaiters.splice(i, 1);
          };
        });
      }
      return free.shift()!;
    };

    let launched = 0;
    let completed = 0;
    let t1 = 0;
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      while (launched < count) {
        launched++;
        const d = await acquire();
        const key = idKey(d.id);
        started.set(key, (started.get(key) ?? 0) + 1);
        dialerClosed.set(key, false);
        const peer = await world.dial(d, listener);
        completed++;
        if (completed === count) t1 = performance.now();
        const s = socketOf(peer);
        if (s.closed) {
          dialerClosed.set(key, true);
          maybeRelease(key);
        } else {
          s.once('close', () => {
            dialerClosed.set(key, true);
            maybeRelease(key);
          });
          s.end();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
    const elapsedMs = t1 - t0;

    // Not timed: wait until every connection is gone on both ends, then check honesty.
    while (free.length < poolSize) {
      await world.wait<void>('handshake teardown', 10_000, (done) => {
        freeWaiters.push(done);
        return () => {
          const i = freeWaiters.indexOf(done);
          if (i >= 0) freeWaiters.splice(i, 1);
        };
      });
    }
    throwIfErrors(world);
    if (listenerAdded !== count || listenerRejected !== 0) {
      throw new Error(`ejsHandshakes: listener accepted ${listenerAdded}/${count} (rejected ${listenerRejected})`);
    }
    return { perSecond: (count * 1000) / elapsedMs };
  });
}

/**
 * One connection, `messages` messages of `messageSize` payload bytes from the dialer side to the
 * listener side. Sent as eth/68 BlockBodies (0x06; ejs does not check payload shapes, it RLP-
 * encodes the Uint8Array as a byte string and snappy-compresses it), received via the ETH
 * 'message' event (payload = decoded byte string, its length is checked). ejs ignores the return
 * value of socket.write() (no back-pressure), so the sender loop waits for 'drain' on the
 * underlying socket whenever it reports writableNeedDrain; that is the only pacing.
 * Clock: just before the first send → the last message emitted at the receiver.
 */
export async function ejsThroughput(opts: {
  messageSize: number;
  messages: number;
  timeoutMs?: number;
}): Promise<{ MBps: number }> {
  const { messageSize, messages } = opts;
  const payload = benchPayload(messageSize);
  const code = EthMessageCodes.BLOCK_BODIES;
  return inWorld('ejsThroughput', opts.timeoutMs ?? 30_000 + (messages * messageSize) / 200, async (world) => {
    const { a, ethA, ethB } = await connectedPair(world);
    const sock = socketOf(a);
    let received = 0;
    let receivedBytes = 0;
    let t1 = 0;
    const allReceived = handled(world.wait<void>('all messages received', 1e9, (done, fail) => {
      const h = (c: number, p: unknown): void => {
        if (c !== code) return;
        if (!(p instanceof Uint8Array) || p.length !== messageSize) {
          fail(new Error(`ejsThroughput: bad payload (${p instanceof Uint8Array ? p.length : typeof p})`));
          return;
        }
        received++;
        receivedBytes += p.length;
        if (received === messages) {
          t1 = performance.now();
          done();
        }
      };
      ethB.events.on('message', h);
      return () => ethB.events.off('message', h);
    }));
    const drain = (): Promise<void> =>
      world.wait<void>('socket drain', 30_000, (done, fail) => {
        const onDrain = (): void => done();
        const onClose = (): void => fail(new Error('ejsThroughput: socket closed while sending'));
        sock.once('drain', onDrain);
        sock.once('close', onClose);
        return () => {
          sock.off('drain', onDrain);
          sock.off('close', onClose);
        };
      });
    const t0 = performance.now();
    for (let i = 0; i < messages; i++) {
      ethA.sendMessage(code, payload);
      if (sock.writableNeedDrain) await drain();
      if (world.errors.length > 0) break;
    }
    throwIfErrors(world);
    await allReceived;
    throwIfErrors(world);
    return { MBps: receivedBytes / 1e6 / ((t1 - t0) / 1000) };
  });
}

/**
 * Request/response on one connection: the dialer side sends GetBlockHeaders (0x03) with payload
 * [reqId, [blockNumber, 1, 0, 0]], the listener side answers on receipt with BlockHeaders (0x04)
 * [reqId, []]; the next request goes out only after the answer arrived. 5 warm-up rounds are
 * not counted; the median over `rounds` is reported. TCP_NODELAY is left as ejs sets it (off).
 */
export async function ejsRoundTrip(opts: { rounds: number; timeoutMs?: number }): Promise<{ ms: number }> {
  const WARMUP = 5;
  return inWorld('ejsRoundTrip', opts.timeoutMs ?? 30_000 + opts.rounds * 500, async (world) => {
    const { ethA, ethB } = await connectedPair(world);
    ethB.events.on('message', (code, payload) => {
      if (code !== EthMessageCodes.GET_BLOCK_HEADERS || !Array.isArray(payload)) return;
      ethB.sendMessage(EthMessageCodes.BLOCK_HEADERS, [payload[0] as Uint8Array, []]);
    });
    const samples: number[] = [];
    for (let r = 0; r < WARMUP + opts.rounds; r++) {
      const reqId = intToBytes(r + 1);
      const answered = handled(world.wait<void>('round-trip answer', 10_000, (done) => {
        const h = (code: number, payload: unknown): void => {
          if (code !== EthMessageCodes.BLOCK_HEADERS || !Array.isArray(payload)) return;
          const got = payload[0];
          if (got instanceof Uint8Array && idKey(got) === idKey(reqId)) done();
        };
        ethA.events.on('message', h);
        return () => ethA.events.off('message', h);
      }));
      const t0 = performance.now();
      ethA.sendMessage(EthMessageCodes.GET_BLOCK_HEADERS, [reqId, [intToBytes(1_000_000 + r), intToBytes(1), intToBytes(0), intToBytes(0)]]);
      await answered;
      if (r >= WARMUP) samples.push(performance.now() - t0);
    }
    throwIfErrors(world);
    return { ms: median(samples) };
  });
}

/**
 * Heap per connected peer. One peer = one connection, BOTH of its ends counted (the dialer-side
 * and the listener-side Peer, sockets, ECIES sessions, ETH objects, all in this process), after
 * Hello and a Status exchange (Status is needed anyway: ejs drops a connection 5 s after Hello
 * without it). All RLPx nodes (1 listener + `peers` dialers, which is how ejs gets distinct ids;
 * an RLPx costs ~0.5 MB, mostly its 25 000-entry LRU) are created, and one throw-away connection
 * is made and closed to warm lazy state, before the baseline. Reads: 3x (setImmediate + gc())
 * then process.memoryUsage().heapUsed, before and after; kib = delta / 1024 / peers.
 * `externalKib` is the same for `external` (Buffers/ArrayBuffers, not in heapUsed), FYI only.
 */
export async function ejsHeapPerPeer(opts: { peers: number; timeoutMs?: number; idleMs?: number }): Promise<{ kib: number; externalKib: number; idleCpuMsPerS: number }> {
  const { peers } = opts;
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    throw new Error('ejsHeapPerPeer needs global.gc: run node with --expose-gc');
  }
  return inWorld('ejsHeapPerPeer', opts.timeoutMs ?? 60_000 + peers * 200 + (opts.idleMs ?? 0), async (world) => {
    const listener = await world.node({ listen: true, maxPeers: peers + 16 });
    const warm = await world.node({ listen: false, maxPeers: 4 });
    const dialers: EjsNode[] = [];
    for (let i = 0; i < peers; i++) dialers.push(await world.node({ listen: false, maxPeers: 4 }));
    // warm-up connection (lazy module state, JIT), then fully closed
    {
      const [a, b] = await connectPeer(world, warm, listener);
      await world.exchangeStatus(a, b);
      const gone = handled(world.wait<void>('warm-up close', 10_000, (done) => {
        const h = (p: Peer): void => {
          if (p === b) done();
        };
        listener.rlpx.events.on('peer:removed', h);
        return () => listener.rlpx.events.off('peer:removed', h);
      }));
      socketOf(a).destroy();
      await gone;
    }
    const before = await settledHeap();
    const extBefore = process.memoryUsage().external;
    const BATCH = 10;
    for (let i = 0; i < peers; i += BATCH) {
      await Promise.all(
        dialers.slice(i, i + BATCH).map(async (d) => {
          const [a, b] = await connectPeer(world, d, listener);
          await world.exchangeStatus(a, b);
        }),
      );
    }
    throwIfErrors(world);
    const after = await settledHeap();
    const extAfter = process.memoryUsage().external;
    if (listener.rlpx.getPeers().length !== peers) {
      throw new Error(`ejsHeapPerPeer: listener has ${listener.rlpx.getPeers().length}/${peers} peers`);
    }
    // Keepalive cost: CPU used while every connection sits idle (pings only).
    const idleCpuMsPerS = await idleCpu(opts.idleMs ?? 0);
    return { kib: (after - before) / 1024 / peers, externalKib: (extAfter - extBefore) / 1024 / peers, idleCpuMsPerS };
  });
}
