/**
 * A peer that floods requests and never reads (issue 14), against a node serving a 2000-block
 * devnet with the default limits: 100 GetBlockHeaders(1024) each from two such peers, one of
 * them sending a Ping every 5 s (whole frames, which would keep a read deadline alive), while
 * an honest peer fetches headers the whole time. Both are cut by the 20 s write deadline
 * (geth's frameWriteTimeout, measured on what the kernel has taken), neither makes the node
 * hold more than its serving bound, and the honest peer's latency does not follow their
 * backlog. One run (about 25 s) in `beforeAll`; each test checks one of these.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { ethHandshake } from '../../src/eth/handshake.js';
import { encodeEthMessage } from '../../src/eth/messages/index.js';
import { EthPeer } from '../../src/eth/peer.js';
import { SERVE_BACKLOG_BYTES } from '../../src/eth/serve-queue.js';
import { SOFT_RESPONSE_LIMIT } from '../../src/eth/serve.js';
import { dial } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { TimeoutError } from '../../src/rlpx/errors.js';
import { type CloseInfo, type Session } from '../../src/rlpx/session.js';
import { IDLE_TIMEOUT_MS, WRITE_TIMEOUT_MS } from '../../src/rlpx/conn.js';
import type { Peer } from '../../src/server/peer.js';
import { bytesToHex } from '../../src/common/bytes.js';
import { nodeIdOf } from '../../src/enode/key.js';
import { sleep, startEthNode, type Cleanup } from './support.js';

const devnet = generateDevnetChain({ length: 2000 });
const FLOOD = 100;
const AMOUNT = 1024n;
/**
 * What one stalled peer may make the node hold: the serving backlog bound plus one reply (a
 * reply stops growing past the soft limit; here 1024 headers are well under it).
 */
const PER_PEER_BOUND = SERVE_BACKLOG_BYTES + SOFT_RESPONSE_LIMIT;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/**
 * V8 heap in use plus memory outside it (Buffers, ArrayBuffers), after full collections (two,
 * a turn apart: backing stores of collected buffers are released after the first).
 */
async function liveBytes(): Promise<number> {
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Stalled {
  session: Session;
  pings: boolean;
  /** The node's side of this peer, once found. */
  nodePeer?: Peer;
  cut?: { afterMs: number; info: CloseInfo; maxQueuedBytes: number };
}

const cleanups: Cleanup[] = [];
const run = {
  baselineMs: [] as number[],
  floodMs: [] as number[],
  honestErrors: [] as string[],
  memBefore: 0,
  memPeak: 0,
  stalled: [] as Stalled[],
  largestReply: 0,
};

beforeAll(async () => {
  const node = await startEthNode(cleanups, {}, { network: devnet.network, chain: devnet.chain });
  const head = devnet.chain.head();
  const status = { network: devnet.network, head: { number: head.number, hash: head.hash, time: head.time } };
  const connectTo = (privateKey = generatePrivateKey()) => dial({ publicKey: node.publicKey, host: '127.0.0.1', port: node.port }, { privateKey, capabilities: ethCapabilities([69]) });

  const honestSession = await connectTo();
  cleanups.push(() => honestSession.disconnect());
  const honest = await EthPeer.connect(honestSession, { network: devnet.network, chain: devnet.chain });
  let phase = 'baseline' as 'baseline' | 'flood' | 'done';
  const honestLoop = (async () => {
    for (let i = 0; phase !== 'done'; i++) {
      const from = BigInt((i * 97) % 1900);
      const t = performance.now();
      try {
        const hs = await honest.getBlockHeaders({ origin: { number: from }, amount: 64n }, { timeoutMs: 5_000 });
        if (hs.length !== 64) run.honestErrors.push(`got ${hs.length} headers`);
      } catch (err) {
        run.honestErrors.push((err as Error).message);
        await sleep(50);
      }
      (phase === 'baseline' ? run.baselineMs : run.floodMs).push(performance.now() - t);
    }
  })();

  const stalled: Stalled[] = [];
  for (const pings of [false, true]) {
    const key = generatePrivateKey();
    const session = await connectTo(key);
    cleanups.push(() => void session.socket.destroy());
    await ethHandshake(session, status);
    const id = bytesToHex(nodeIdOf(publicKeyOf(key)));
    const nodePeer = node.server.peers.find((p) => p.id === id);
    stalled.push({ session, pings, ...(nodePeer ? { nodePeer } : {}) });
  }
  run.stalled = stalled;

  // One large reply first, so buffers that grow once for it (snappy's WASM memory) are in the baseline.
  await honest.getBlockHeaders({ origin: { number: 0n }, amount: AMOUNT });
  await sleep(3_000); // the honest peer's baseline
  run.memBefore = await liveBytes();
  run.largestReply = encodeEthMessage(69, { name: 'BlockHeaders', value: { requestId: 0n, headers: devnet.blocks.slice(0, Number(AMOUNT)).map((b) => b.header) } }).data.length;

  const floodStart = Date.now();
  phase = 'flood';
  const removed = new Promise<void>((resolve) => {
    let left = stalled.length;
    node.server.on('peer:removed', (peer, info) => {
      const s = stalled.find((x) => x.nodePeer === peer);
      if (s === undefined || s.cut) return;
      s.cut = { afterMs: Date.now() - floodStart, info, maxQueuedBytes: peer.session.stats.maxQueuedBytes };
      if (--left === 0) resolve();
    });
  });
  const pingTimers: NodeJS.Timeout[] = [];
  for (const s of stalled) {
    s.session.socket.pause(); // from here on this peer reads nothing
    for (let i = 0; i < FLOOD; i++) {
      const { code, data } = encodeEthMessage(69, { name: 'GetBlockHeaders', value: { requestId: BigInt(i), origin: { number: BigInt((i * 7) % 900) }, amount: AMOUNT, skip: 0n, reverse: false } });
      s.session.send('eth', code, data);
    }
    if (s.pings) pingTimers.push(setInterval(() => s.session.ping(), 5_000));
  }
  const sampler = setInterval(() => void liveBytes().then((b) => (run.memPeak = Math.max(run.memPeak, b))), 2_000);
  await Promise.race([removed, sleep(WRITE_TIMEOUT_MS + 15_000)]);
  clearInterval(sampler);
  for (const t of pingTimers) clearInterval(t);
  phase = 'done';
  await honestLoop;
  console.info(`stalled-reader: cut after ${stalled.map((s) => `${s.cut?.afterMs} ms (${s.pings ? 'pings' : 'silent'}, max queued ${s.cut?.maxQueuedBytes} B)`).join(', ')}; live memory +${((run.memPeak - run.memBefore) / 2 ** 20).toFixed(2)} MiB (bound ${((stalled.length * PER_PEER_BOUND) / 2 ** 20).toFixed(0)} MiB); honest median ${median(run.baselineMs).toFixed(2)} ms before, ${median(run.floodMs).toFixed(2)} ms during (${run.baselineMs.length}/${run.floodMs.length} requests); largest reply ${run.largestReply} B`);
}, 90_000);

afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('a peer that floods requests and never reads (default limits, 2000-block devnet)', () => {
  it(`is cut at the ${WRITE_TIMEOUT_MS / 1000} s write deadline, before the ${IDLE_TIMEOUT_MS / 1000} s read deadline, with or without sending Pings`, () => {
    for (const s of run.stalled) {
      expect(s.cut, `peer ${s.pings ? 'with' : 'without'} pings not cut`).toBeDefined();
      expect(s.cut!.afterMs).toBeGreaterThanOrEqual(WRITE_TIMEOUT_MS - 2_000);
      // The deadline runs from the last write the kernel took: the time to fill its buffers comes
      // first (about 0.5 s with the fast backend; seconds with the pure one on a loaded machine).
      expect(s.cut!.afterMs).toBeLessThan(IDLE_TIMEOUT_MS);
    }
  });

  it('is cut by the write deadline: TimeoutError(write), NetworkError, as geth (which sends no Disconnect then)', () => {
    for (const s of run.stalled) {
      const info = s.cut!.info;
      expect(info).toMatchObject({ reason: DisconnectReason.NetworkError, remote: false });
      expect(info.error).toBeInstanceOf(TimeoutError);
      expect((info.error as TimeoutError).phase).toBe('write');
    }
  });

  it('has at most the serving backlog bound plus one reply queued for it', () => {
    for (const s of run.stalled) expect(s.cut!.maxQueuedBytes).toBeLessThanOrEqual(SERVE_BACKLOG_BYTES + run.largestReply + 1024);
  });

  it("keeps the node's heap and external memory within the per-peer bound for each stalled peer", () => {
    expect(run.memPeak).toBeGreaterThan(0);
    expect(run.memPeak - run.memBefore).toBeLessThanOrEqual(run.stalled.length * PER_PEER_BOUND);
  });

  // With the pure backend the node's frame crypto is several times slower, so encrypting the
  // stalled peers' bounded backlogs (the checks above) takes CPU the honest peer shares: its
  // latency then reflects the machine, not the queueing this checks. Checked with the fast one.
  it.skipIf(process.env.DEVP2P_CRYPTO === 'pure')("leaves an honest peer's median latency within 2x its baseline", () => {
    expect(run.honestErrors).toEqual([]);
    expect(run.baselineMs.length).toBeGreaterThan(10);
    expect(run.floodMs.length).toBeGreaterThan(10);
    expect(median(run.floodMs)).toBeLessThanOrEqual(2 * median(run.baselineMs));
  });
});
