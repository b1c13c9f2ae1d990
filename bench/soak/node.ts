/**
 * The node under test, run in the soak's child process (`main.js --role node`): server + eth
 * serving a devnet chain with default limits. It reports a {@link Sample} every interval and, when
 * the driver says stop, stops and reports its open handles and counters.
 */
import type { Server as NetServer, Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { HANDSHAKE_TIMEOUT_MS } from '../../src/rlpx/session.js';
import { DISCONNECT_LINGER_MS } from '../../src/rlpx/conn.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/node/eth-service.js';
import { CHAIN_LENGTH, count, cpuMeter, loopDelay, openHandles, rssParts, sleep, STALL_REPORT_BYTES, wasmMemories, type NodeMessage, type NodeStats, type Sample } from './meters.js';

export async function runNode(maxPeers: number, sampleMs: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the node needs --expose-gc');
  const send = (m: NodeMessage) => process.send!(m);
  const devnet = generateDevnetChain({ length: CHAIN_LENGTH });
  const eth = new EthService({ network: devnet.network, chain: devnet.chain });
  const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, maxPeers, maxPendingPeers: 100 });
  const stats: NodeStats = { inboundAccepted: 0, inboundRefused: {}, refusedAfterHello: {}, disconnects: {}, handshakeFailures: {}, served: 0, ethHandshakeFailures: 0, maxQueuedBytes: 0 };
  server.on('peer:removed', (p, info) => {
    count(stats.disconnects, `${DisconnectReason[info.reason] ?? info.reason}/${info.remote ? 'remote' : 'local'}`);
    const queued = p.session.stats.maxQueuedBytes;
    stats.maxQueuedBytes = Math.max(stats.maxQueuedBytes, queued);
    const err = info.error as { name?: string; phase?: string } | undefined;
    const cause = `${err?.name ?? 'none'}${err?.phase ? `:${err.phase}` : ''}`;
    if (queued >= STALL_REPORT_BYTES || cause === 'TimeoutError:write') send({ type: 'stalled-close', close: { id: p.id, at: Date.now(), cause, maxQueuedBytes: queued } });
  });
  server.on('connection:failed', (_dir, err) => count(stats.handshakeFailures, err.name));
  eth.on('peer:removed', (p) => (stats.served += p.stats.served));
  eth.on('handshake:failed', () => stats.ethHandshakeFailures++);
  await server.start();
  // Accepted sockets not (yet) a peer, with their accept time: the node must close every one
  // that has not completed the handshake within HANDSHAKE_TIMEOUT_MS (plus the Disconnect linger).
  const pendingSince = new Map<Socket, number>();
  const netServer = (server as unknown as { netServer: NetServer }).netServer; // bench-only peek at the listener
  netServer.prependListener('connection', (s: Socket) => {
    pendingSince.set(s, Date.now());
    s.once('close', () => pendingSince.delete(s));
  });
  server.on('peer:added', (p) => pendingSince.delete(p.session.socket));
  const overdueAfterMs = HANDSHAKE_TIMEOUT_MS + DISCONNECT_LINGER_MS + 2_000;
  const wasm = await wasmMemories();
  const started = Date.now();
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const meter = cpuMeter();
  const sample = (): Sample => {
    const { p99, max } = loopDelay(loop);
    const { cpuPct, elu, loopsPerSec } = meter();
    gc();
    gc();
    const m = process.memoryUsage();
    const w = wasm();
    const parts = rssParts();
    const now = Date.now();
    let overdueHandshakes = 0;
    for (const t of pendingSince.values()) if (now - t > overdueAfterMs) overdueHandshakes++;
    return { t: (Date.now() - started) / 1000, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, peers: server.peers.length, ethPeers: eth.peers.size, loopP99Ms: p99, loopMaxMs: max, cpuPct, elu, loopsPerSec, heapTotal: m.heapTotal, wasmSnappy: w.snappy, wasmSecp: w.secp, rssAnon: parts.anon, rssFile: parts.file, overdueHandshakes };
  };
  const timer = setInterval(() => send({ type: 'sample', sample: sample() }), sampleMs);
  send({ type: 'ready', enode: server.enode });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  clearInterval(timer);
  loop.disable();
  for (const p of eth.peers.values()) stats.served += p.stats.served;
  for (const p of server.peers) stats.maxQueuedBytes = Math.max(stats.maxQueuedBytes, p.session.stats.maxQueuedBytes);
  await server.stop();
  await sleep(1_500); // Disconnect lingers are bounded at 1 s
  stats.inboundAccepted = server.stats.inboundAccepted;
  stats.inboundRefused = { ...server.stats.inboundRefused };
  stats.refusedAfterHello = { ...server.stats.refusedAfterHello };
  const final = sample();
  send({ type: 'final', handles: openHandles(), sample: final, stats });
  process.disconnect();
}
