/**
 * `npm run soak`: a bounded soak of one of our nodes under churn on loopback.
 *
 *   npm run soak -- [--minutes 10] [--peers 200] [--hostile 0.15] [--sample-seconds 10] [--max-peers 250]
 *                   [--kinds garbage,bad-mac,slowloris,half-handshake,unsolicited,request-flood,oversized]
 *
 * The node under test (server + eth serving a devnet chain, default limits) runs in a child
 * process, so its memory and handles are its own (extra Node flags for it, e.g. `--cpu-prof`, in
 * the SOAK_NODE_ARGS environment variable). This process drives `--peers` peer slots that churn
 * against it for `--minutes`: each slot connects, exchanges eth traffic (header, body and receipt
 * requests), and leaves (Disconnect, or a dropped socket), then comes back with a new key. A
 * fifth of the honest peers use a few hub nodes in this process instead, so peers also churn
 * among themselves. A `--hostile` share of the slots misbehaves instead: garbage instead of auth,
 * a bad frame MAC, slowloris, a half handshake then a reset, unsolicited responses, a request
 * flood without reading, an oversized message; each is checked to be cut off (`cut`; `cut-late`
 * when the node cut it only after the driver's wait, which starts at this side's connect while
 * the node's deadline starts at its accept; `driver-ended:...` when this side's own session
 * ended it first; `backpressured` when the node stopped reading it).
 *
 * Every `--sample-seconds` the node reports its RSS (anonymous and file-backed), V8 heap (used
 * and reserved), external memory and the WebAssembly memories inside it (snappy-wasm,
 * tiny-secp256k1) after a full GC, its CPU use, event-loop utilisation and loop turns per second
 * (Node accepts one connection per turn), and any accepted socket held past the handshake
 * deadline; this process adds its own CPU use and the honest handshakes' durations. At the end
 * the node is stopped and counts its open handles. Printed: a table of samples, a summary (heap
 * and RSS slopes after warm-up and over the second half of the churn, CPU, handshakes), and as
 * the last line one JSON object.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Server as NetServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/secp256k1.js';
import { parseEnode } from '../src/enode/enode-url.js';
import { ethCapabilities } from '../src/eth/capabilities.js';
import { generateDevnetChain, type DevnetChain } from '../src/eth/devnet-chain.js';
import { ethHandshake } from '../src/eth/handshake.js';
import { encodeEthMessage, type EthMessage } from '../src/eth/messages/index.js';
import { EthPeer } from '../src/eth/peer.js';
import { EthMessageCode, MAX_MESSAGE_SIZE } from '../src/eth/protocol.js';
import { encBytes, encList } from '../src/eth/rlp-raw.js';
import { dial } from '../src/rlpx/connect.js';
import { DisconnectReason } from '../src/rlpx/disconnect-reason.js';
import { FrameCodec, HEADER_LENGTH } from '../src/rlpx/frame.js';
import { handshakePacketLength, InitiatorHandshake } from '../src/rlpx/handshake.js';
import { BASE_PROTOCOL_VERSION, encodeHello } from '../src/rlpx/hello.js';
import { DISCONNECT_LINGER_MS, HANDSHAKE_TIMEOUT_MS, type Session } from '../src/rlpx/session.js';
import { Server } from '../src/server/server.js';
import { EthService } from '../src/sync/eth-service.js';

// ---- shared --------------------------------------------------------------------------------

const MiB = 1024 * 1024;
const CHAIN_LENGTH = 256;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A memory sample of the node under test, after a full GC. */
interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  peers: number;
  ethPeers: number;
  /** Event-loop delay of the node since the last sample (ms): how long it stalled everyone. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** CPU time (user + system) of the node since the last sample, as % of one core. */
  cpuPct: number;
  /** Event-loop utilisation of the node since the last sample (0-1). */
  elu: number;
  /**
   * Event-loop iterations per second of the node. Node 20's libuv accepts one connection per
   * iteration (measured with strace: one accept4 per epoll wake), so this caps the accept rate.
   */
  loopsPerSec: number;
  /** V8 heap reserved (committed) bytes. */
  heapTotal: number;
  /** WebAssembly linear memory of snappy-wasm and tiny-secp256k1 (bytes; counted in `external`). */
  wasmSnappy: number;
  wasmSecp: number;
  /** Anonymous / file-backed resident memory (/proc/self/status RssAnon, RssFile; 0 if unknown). */
  rssAnon: number;
  rssFile: number;
  /**
   * Inbound sockets the node accepted more than HANDSHAKE_TIMEOUT_MS + DISCONNECT_LINGER_MS + 2 s
   * ago that are neither a peer nor closed: a socket held past the handshake deadline (should be 0).
   */
  overdueHandshakes: number;
}

type NodeMessage =
  | { type: 'ready'; enode: string }
  | { type: 'sample'; sample: Sample }
  | { type: 'final'; handles: Record<string, number>; sample: Sample; stats: NodeStats };

interface NodeStats {
  inboundAccepted: number;
  inboundRefused: Record<string, number>;
  /** Disconnects by reason name and side. */
  disconnects: Record<string, number>;
  /** Inbound handshake failures by error name. */
  handshakeFailures: Record<string, number>;
  /** Requests the node answered. */
  served: number;
  ethHandshakeFailures: number;
}

function count(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

/** p99 and max of an event-loop delay histogram in ms, then reset for the next interval. */
function loopDelay(h: IntervalHistogram): { p99: number; max: number } {
  const r = { p99: Math.round(h.percentile(99) / 1e6), max: Math.round(h.max / 1e6) };
  h.reset();
  return r;
}

/** CPU % of one core and event-loop utilisation since the previous call. */
function cpuMeter(): () => { cpuPct: number; elu: number; loopsPerSec: number } {
  // uvMetricsInfo (Node >= 20.18): libuv's loop counter.
  const loops = () => (performance as unknown as { nodeTiming: { uvMetricsInfo?: { loopCount: number } } }).nodeTiming.uvMetricsInfo?.loopCount ?? NaN;
  let cpu = process.cpuUsage();
  let at = performance.now();
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let count = loops();
  return () => {
    const c = process.cpuUsage(cpu);
    const now = performance.now();
    const e = performance.eventLoopUtilization(elu);
    const n = loops();
    const ms = Math.max(1, now - at);
    const r = { cpuPct: Math.round(((c.user + c.system) / 1000 / ms) * 100), elu: Math.round(e.utilization * 100) / 100, loopsPerSec: Math.round(((n - count) / ms) * 1000) };
    cpu = process.cpuUsage();
    at = now;
    elu = performance.eventLoopUtilization();
    count = n;
    return r;
  };
}

/** Byte sizes of the WebAssembly memories we can reach (the instances src/ uses: same module files). */
async function wasmMemories(): Promise<() => { snappy: number; secp: number }> {
  const req = createRequire(import.meta.url);
  const snappy = req('snappy-wasm') as { __wasm: { memory: { buffer: ArrayBuffer } } };
  // tiny-secp256k1's ESM entry (lib/index.js) instantiates lib/wasm_loader.js; importing that file
  // by URL yields the same module instance. Its package exports hide it, hence the path.
  const secpDir = join(dirname(req.resolve('tiny-secp256k1')), '..');
  const secp = ((await import(pathToFileURL(join(secpDir, 'wasm_loader.js')).href)) as { default: { memory: { buffer: ArrayBuffer } } }).default;
  return () => ({ snappy: snappy.__wasm.memory.buffer.byteLength, secp: secp.memory.buffer.byteLength });
}

/** RssAnon and RssFile of this process in bytes (Linux), zeros elsewhere. */
function rssParts(): { anon: number; file: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { anon: 0, file: 0 };
  }
}

const HANDLE_KINDS = ['TCPSocketWrap', 'TCPServerWrap', 'UDPWrap', 'Timeout', 'Immediate'];
function openHandles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (HANDLE_KINDS.includes(r)) count(out, r);
  return out;
}

// ---- the node under test (child process) ---------------------------------------------------

async function runNode(maxPeers: number, sampleMs: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the node needs --expose-gc');
  const send = (m: NodeMessage) => process.send!(m);
  const devnet = generateDevnetChain({ length: CHAIN_LENGTH });
  const eth = new EthService({ network: devnet.network, chain: devnet.chain });
  const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, maxPeers, maxPendingPeers: 100 });
  const stats: NodeStats = { inboundAccepted: 0, inboundRefused: {}, disconnects: {}, handshakeFailures: {}, served: 0, ethHandshakeFailures: 0 };
  server.on('peer:removed', (_p, info) => count(stats.disconnects, `${DisconnectReason[info.reason] ?? info.reason}/${info.remote ? 'remote' : 'local'}`));
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
  await server.stop();
  await sleep(1_500); // Disconnect lingers are bounded at 1 s
  stats.inboundAccepted = server.stats.inboundAccepted;
  stats.inboundRefused = { ...server.stats.inboundRefused };
  const final = sample();
  send({ type: 'final', handles: openHandles(), sample: final, stats });
  process.disconnect();
}

// ---- peers (this process) --------------------------------------------------------------------

interface DriverStats {
  sessions: number;
  requests: number;
  responses: number;
  /** Errors seen by honest peers, by kind. */
  errors: Record<string, number>;
  /** Hostile attempts by kind and outcome (cut: the node closed the connection). */
  hostile: Record<string, number>;
}

const st: DriverStats = { sessions: 0, requests: 0, responses: 0, errors: {}, hostile: {} };

function errorKind(err: unknown): string {
  const e = err as { name?: string; reason?: unknown; code?: string; phase?: string };
  if (e?.name === 'DisconnectError' && typeof e.reason === 'number') return `DisconnectError:${DisconnectReason[e.reason] ?? e.reason}`;
  if (e?.name === 'EthRequestError' || e?.name === 'EthHandshakeError') return `${e.name}:${String(e.reason)}`;
  if (e?.name === 'DialError') return `DialError:${e.code ?? '?'}`;
  if (e?.name === 'TimeoutError') return `TimeoutError:${e.phase ?? '?'}`;
  return e?.name ?? 'unknown';
}

interface Target {
  publicKey: Uint8Array;
  port: number;
}

function target(enode: string): Target {
  const e = parseEnode(enode);
  return { publicKey: e.publicKey, port: e.tcpPort };
}

/** Durations (ms) of honest RLPx handshakes with the node (dial to Hello) since the last sample, and failures. */
const handshakes = { ms: [] as number[], failed: 0, all: [] as number[], allFailed: 0 };

interface HandshakeStats {
  ok: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
}

function quantile(sorted: number[], f: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * f))] ?? 0;
}

/** Honest handshakes with the node since the last call; then resets. */
function takeHandshakeStats(): HandshakeStats {
  const xs = handshakes.ms.sort((a, b) => a - b);
  const r = { ok: xs.length, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: xs[xs.length - 1] ?? 0, failed: handshakes.failed };
  handshakes.ms = [];
  handshakes.failed = 0;
  return r;
}

/** An honest peer: connect, eth handshake, a burst of requests, leave. */
async function honest(to: Target, devnet: DevnetChain, rnd: () => number, toNode: boolean): Promise<void> {
  let session: Session | undefined;
  const started = Date.now();
  let ready = false;
  try {
    session = await dial({ publicKey: to.publicKey, host: '127.0.0.1', port: to.port }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities() }, { signal: AbortSignal.timeout(20_000) });
    ready = true;
    if (toNode) {
      handshakes.ms.push(Date.now() - started);
      handshakes.all.push(Date.now() - started);
    }
    st.sessions++;
    const peer = await EthPeer.connect(session, { network: devnet.network, chain: devnet.chain });
    const n = 5 + Math.floor(rnd() * 40);
    for (let i = 0; i < n && !peer.closed; i++) {
      const from = BigInt(Math.floor(rnd() * CHAIN_LENGTH));
      const hashes = devnet.blocks.slice(Number(from), Number(from) + 16).map((b) => b.header.hash);
      const kind = i % 3;
      st.requests++;
      if (kind === 0) await peer.getBlockHeaders({ origin: { number: from }, amount: 64n }, { timeoutMs: 15_000 });
      else if (kind === 1) await peer.getBlockBodies(hashes, { timeoutMs: 15_000 });
      else await peer.getReceipts(hashes, { timeoutMs: 15_000 });
      st.responses++;
      await sleep(rnd() * 400);
    }
    if (rnd() < 0.2) session.socket.resetAndDestroy(); // some leave without a word
    else await session.disconnect(DisconnectReason.ClientQuitting);
  } catch (err) {
    if (toNode && !ready) {
      handshakes.failed++;
      handshakes.allFailed++;
    }
    count(st.errors, errorKind(err));
    session?.socket.destroy();
  }
}

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
    s.on('error', () => {});
  });
}

/** Resolves true when `s` is closed by the other side within `ms`, false otherwise (then destroys it). */
function closedWithin(s: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    s.resume();
  });
}

/**
 * How long past a kind's own wait the driver keeps a socket open to see whether the node cuts it
 * after all. The wait starts when this process connected, but the node's 5 s handshake deadline
 * starts when it accepts the connection, which can be seconds later when its event loop turns
 * slowly (it accepts one connection per turn): a socket cut in that window is `cut-late` (the
 * node did cut it, the driver's clock was early), one still open after it is `NOT-CUT`.
 */
const LATE_CUT_MS = 60_000;

/** `driver-ended:...`: this process's own session ended it (e.g. its read deadline while paused). */
type CutOutcome = 'cut' | 'cut-late' | 'NOT-CUT' | `driver-ended:${string}`;

/**
 * `cut` if the node closes `s` within `ms`, `cut-late` if within a further {@link LATE_CUT_MS},
 * else `NOT-CUT` (then the socket is destroyed). For a socket under one of our sessions, pass the
 * session: a close of its own making (it timed out) is reported as `driver-ended:<error>`.
 */
function cutWithin(s: Socket, ms: number, session?: Session): Promise<CutOutcome> {
  const ours = (): CutOutcome | undefined => (session?.closeInfo && !session.closeInfo.remote ? `driver-ended:${errorKind(session.closeInfo.error)}` : undefined);
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(ours() ?? 'cut');
    const start = Date.now();
    const t = setTimeout(() => {
      s.destroy();
      resolve('NOT-CUT');
    }, ms + LATE_CUT_MS);
    s.once('close', () => {
      clearTimeout(t);
      resolve(ours() ?? (Date.now() - start <= ms ? 'cut' : 'cut-late'));
    });
    s.resume();
  });
}

/** ECIES handshake by hand; returns the socket and frame codec (Hello not sent yet). */
async function rawHandshake(to: Target): Promise<{ socket: Socket; codec: FrameCodec; key: Uint8Array }> {
  const socket = await tcp(to.port);
  const key = generatePrivateKey();
  const hs = new InitiatorHandshake(key, to.publicKey);
  socket.write(hs.authPacket);
  const codec = await new Promise<FrameCodec>((resolve, reject) => {
    let buf = new Uint8Array(0);
    const onData = (chunk: Buffer) => {
      buf = Uint8Array.from([...buf, ...chunk]);
      const len = buf.length >= 2 ? handshakePacketLength(buf)! : Infinity;
      if (buf.length < len) return;
      socket.off('data', onData);
      resolve(new FrameCodec(hs.readAck(buf.subarray(0, len))));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed during handshake')));
  });
  return { socket, codec, key };
}

/** A session past the eth Status, for the hostile kinds that abuse eth. */
async function ethSession(to: Target, devnet: DevnetChain): Promise<Session> {
  const s = await dial({ publicKey: to.publicKey, host: '127.0.0.1', port: to.port }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities([69]) }, { signal: AbortSignal.timeout(20_000) });
  const head = devnet.chain.head();
  await ethHandshake(s, { network: devnet.network, head: { number: head.number, hash: head.hash, time: head.time } });
  return s;
}

function send69(s: Session, m: EthMessage<69>): void {
  const { code, data } = encodeEthMessage(69, m);
  s.send('eth', code, data);
}

const HOSTILE = ['garbage', 'bad-mac', 'slowloris', 'half-handshake', 'unsolicited', 'request-flood', 'oversized'] as const;
type HostileKind = (typeof HOSTILE)[number];

/** One hostile attempt; records whether the node cut it off. */
async function hostile(kind: HostileKind, to: Target, devnet: DevnetChain): Promise<void> {
  let cut: CutOutcome = 'NOT-CUT';
  try {
    switch (kind) {
      case 'garbage': {
        const s = await tcp(to.port);
        s.write(Uint8Array.of(0x01, 0x80, ...randomBytes(600)));
        cut = await cutWithin(s, 10_000);
        break;
      }
      case 'bad-mac': {
        const { socket, codec, key } = await rawHandshake(to);
        const hello = codec.seal(0, encodeHello({ protocolVersion: BASE_PROTOCOL_VERSION, clientId: 'soak-bad-mac', capabilities: [{ name: 'eth', version: 69 }], listenPort: 0, publicKey: publicKeyOf(key) }));
        hello[HEADER_LENGTH - 1]! ^= 0xff; // header MAC
        socket.write(hello);
        cut = await cutWithin(socket, 10_000);
        break;
      }
      case 'slowloris': {
        const s = await tcp(to.port);
        const auth = new InitiatorHandshake(generatePrivateKey(), to.publicKey).authPacket;
        let i = 0;
        const closedP = closedWithin(s, 30_000);
        let closedYet = false;
        void closedP.then(() => (closedYet = true));
        while (!closedYet && i < auth.length) {
          s.write(auth.subarray(i, i + 1));
          i++;
          await sleep(1_000);
        }
        cut = (await closedP) ? 'cut' : 'NOT-CUT';
        break;
      }
      case 'half-handshake': {
        const s = await tcp(to.port);
        const auth = new InitiatorHandshake(generatePrivateKey(), to.publicKey).authPacket;
        s.write(auth.subarray(0, auth.length >> 1));
        await sleep(50);
        s.resetAndDestroy();
        cut = 'cut'; // we ended it: what matters is that the node does not leak it
        break;
      }
      case 'unsolicited': {
        const s = await ethSession(to, devnet);
        for (let i = 0; i < 200 && s.currentState === 'active'; i++) {
          send69(s, { name: 'BlockHeaders', value: { requestId: BigInt(1_000_000 + i), headers: [] } });
          if (i % 20 === 0) await sleep(5);
        }
        cut = await cutWithin(s.socket, 10_000, s);
        break;
      }
      case 'request-flood': {
        const s = await ethSession(to, devnet);
        s.socket.pause();
        const hashes = devnet.blocks.slice(1, 65).map((b) => b.header.hash);
        const end = Date.now() + 40_000;
        for (let i = 0; s.currentState === 'active' && Date.now() < end; i++) {
          send69(s, { name: 'GetBlockBodies', value: { requestId: BigInt(i), hashes } });
          if (i % 50 === 0) await sleep(10);
        }
        cut = await cutWithin(s.socket, 25_000, s);
        break;
      }
      case 'oversized': {
        const s = await ethSession(to, devnet);
        const tx = new Uint8Array(randomBytes(MAX_MESSAGE_SIZE));
        tx[0] = 2;
        s.send('eth', EthMessageCode.Transactions, encList([encBytes(tx)]));
        cut = await cutWithin(s.socket, 10_000, s);
        break;
      }
    }
  } catch (err) {
    // Our own write queue filling up means the node stopped reading us (TCP back-pressure);
    // anything else ended the attempt before the abuse got going (e.g. TooManyPeers at Hello).
    count(st.hostile, `${kind}:${(err as Error)?.name === 'WriteQueueFullError' ? 'backpressured' : `refused:${errorKind(err)}`}`);
    return;
  }
  count(st.hostile, `${kind}:${cut}`);
}

// ---- the driver ------------------------------------------------------------------------------

interface Options {
  minutes: number;
  peers: number;
  hostile: number;
  sampleSeconds: number;
  maxPeers: number;
  /** Hostile kinds to use (default all). */
  kinds: HostileKind[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = { minutes: 10, peers: 200, hostile: 0.15, sampleSeconds: 10, maxPeers: 250, kinds: [...HOSTILE] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--kinds') {
      o.kinds = (argv[++i] ?? '').split(',') as HostileKind[];
      for (const k of o.kinds) if (!HOSTILE.includes(k)) throw new Error(`unknown hostile kind ${k} (${HOSTILE.join(', ')})`);
      continue;
    }
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
    if (a === '--minutes') o.minutes = v;
    else if (a === '--peers') o.peers = Math.floor(v);
    else if (a === '--hostile') o.hostile = v;
    else if (a === '--sample-seconds') o.sampleSeconds = v;
    else if (a === '--max-peers') o.maxPeers = Math.floor(v);
    else throw new Error(`unknown option ${a} (--minutes N --peers N --hostile F --sample-seconds N --max-peers N --kinds K,...)`);
  }
  return o;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const mib = (b: number) => Math.round((b / MiB) * 10) / 10;

async function drive(o: Options): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const child: ChildProcess = fork(self, ['--role', 'node', String(o.maxPeers), String(o.sampleSeconds * 1000)], { execArgv: ['--expose-gc', ...(process.env.SOAK_NODE_ARGS ?? '').split(' ').filter(Boolean)], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const samples: Sample[] = [];
  const driverLoop = monitorEventLoopDelay({ resolution: 20 });
  driverLoop.enable();
  const driverLoopMax: number[] = [];
  const driverMeter = cpuMeter();
  const driverCpu: { cpuPct: number; elu: number; loopsPerSec: number }[] = [];
  const hsPerSample: HandshakeStats[] = [];
  let final: Extract<NodeMessage, { type: 'final' }> | undefined;
  let crashes = 0;
  let stopping = false;
  const ready = new Promise<string>((resolve, reject) => {
    child.on('message', (m: NodeMessage) => {
      if (m.type === 'ready') resolve(m.enode);
      else if (m.type === 'sample') {
        samples.push(m.sample);
        const s = m.sample;
        const d = loopDelay(driverLoop);
        driverLoopMax.push(d.max);
        const dc = driverMeter();
        driverCpu.push(dc);
        const hs = takeHandshakeStats();
        hsPerSample.push(hs);
        process.stderr.write(
          `  t=${s.t.toFixed(0)}s rss ${mib(s.rss)} MiB heap ${mib(s.heapUsed)} MiB peers ${s.peers} (eth ${s.ethPeers}) requests ${st.requests} errors ${Object.values(st.errors).reduce((a, b) => a + b, 0)} loop stall node ${s.loopMaxMs} ms driver ${d.max} ms cpu node ${s.cpuPct} % (elu ${s.elu}, ${s.loopsPerSec} loop turns/s) driver ${dc.cpuPct} % (elu ${dc.elu}); honest handshakes ${hs.ok} ok p50/p99 ${hs.p50}/${hs.p99} ms, ${hs.failed} failed\n`,
        );
      } else final = m;
    });
    child.once('exit', (code, signal) => {
      if (!stopping || (code !== 0 && code !== null)) crashes++;
      reject(new Error(`node exited (code ${code}, signal ${signal})`));
    });
  });
  const enode = await ready;
  const node = target(enode);
  const devnet = generateDevnetChain({ length: CHAIN_LENGTH });

  // A few hub nodes in this process: some honest peers churn against them instead.
  const hubs: Server[] = [];
  for (let i = 0; i < 4; i++) {
    const eth = new EthService({ network: devnet.network, chain: devnet.chain });
    const hub = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, maxPeers: 100 });
    await hub.start();
    hubs.push(hub);
  }
  const hubTargets = hubs.map((h) => target(h.enode));

  let driverCrashes = 0;
  const onUncaught = (err: unknown) => {
    driverCrashes++;
    count(st.errors, `uncaught:${errorKind(err)}`);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  process.stderr.write(`soak: ${o.peers} peer slots (${Math.round(o.hostile * 100)} % hostile) for ${o.minutes} min against ${enode.slice(0, 40)}...\n`);
  const deadline = Date.now() + o.minutes * 60_000;
  let seed = 1;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const slots = Array.from({ length: o.peers }, async (_, slot) => {
    await sleep((slot / o.peers) * 5_000); // ramp up over 5 s
    let round = 0;
    while (Date.now() < deadline) {
      round++;
      if (rnd() < o.hostile) await hostile(o.kinds[(slot + round) % o.kinds.length]!, node, devnet);
      else {
        const toHub = rnd() < 0.2;
        await honest(toHub ? hubTargets[slot % hubTargets.length]! : node, devnet, rnd, !toHub);
      }
      await sleep(rnd() * 2_000);
    }
  });
  await Promise.all(slots);

  process.stderr.write('soak: churn over, stopping hubs and the node...\n');
  await Promise.all(hubs.map((h) => h.stop()));
  stopping = true;
  child.send('stop');
  await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  await sleep(1_500);
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  driverLoop.disable();
  const driverHandles = openHandles();

  // ---- report ----
  const warmAt = Math.max(60, o.minutes * 60 * 0.2);
  const warm = samples.filter((s) => s.t >= warmAt);
  const first = warm[0] ?? samples[0];
  const last = samples[samples.length - 1];
  const heapSlope = slope(warm.map((s) => s.t / 60), warm.map((s) => s.heapUsed));
  const rssSlope = slope(warm.map((s) => s.t / 60), warm.map((s) => s.rss));
  // Second half of the churn: does RSS keep growing once everything has been exercised?
  const churnEnd = o.minutes * 60;
  const half = samples.filter((s) => s.t >= churnEnd / 2 && s.t <= churnEnd + 5);
  const halfSlope = (f: (s: Sample) => number) => slope(half.map((s) => s.t / 60), half.map(f)) / 1024;
  const range = (f: (s: Sample) => number) => (half.length ? `${mib(Math.min(...half.map(f)))}-${mib(Math.max(...half.map(f)))} MiB` : 'n/a');
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const churnIdx = samples.map((s, i) => (s.t <= churnEnd ? i : -1)).filter((i) => i >= 0);
  const allHs = handshakes.all.sort((a, b) => a - b);
  console.log('');
  console.log('   t (s)  rss MiB anon MiB heapTot  heap  ext MiB wasm  peers  node cpu% elu turns/s  hs p50 ms fail  loop p99/max ms  driver cpu% elu max ms');
  samples.forEach((s, i) => {
    const d = driverCpu[i];
    const hs = hsPerSample[i];
    console.log(
      [
        s.t.toFixed(0).padStart(8),
        mib(s.rss).toFixed(1).padStart(8),
        mib(s.rssAnon).toFixed(1).padStart(8),
        mib(s.heapTotal).toFixed(1).padStart(7),
        mib(s.heapUsed).toFixed(1).padStart(5),
        mib(s.external).toFixed(1).padStart(8),
        mib(s.wasmSnappy + s.wasmSecp).toFixed(1).padStart(4),
        String(s.peers).padStart(6),
        `${s.cpuPct} ${s.elu.toFixed(2)} ${s.loopsPerSec}`.padStart(18),
        `${hs?.p50 ?? ''} ${hs?.failed ?? ''}`.padStart(15),
        `${s.loopP99Ms}/${s.loopMaxMs}`.padStart(16),
        `${d?.cpuPct ?? ''} ${d?.elu.toFixed(2) ?? ''} ${driverLoopMax[i] ?? ''}`.padStart(22),
      ].join(' '),
    );
  });
  console.log('');
  console.log(`warm-up ends at ${warmAt.toFixed(0)} s; heap slope after it ${(heapSlope / 1024).toFixed(1)} KiB/min, rss slope ${(rssSlope / 1024).toFixed(1)} KiB/min`);
  console.log(
    `second half of the churn (${(churnEnd / 2).toFixed(0)}-${churnEnd} s, ${half.length} samples): rss slope ${halfSlope((s) => s.rss).toFixed(0)} KiB/min (${range((s) => s.rss)}), ` +
      `anon ${halfSlope((s) => s.rssAnon).toFixed(0)} KiB/min, external ${halfSlope((s) => s.external).toFixed(0)} KiB/min (${range((s) => s.external)}), heap total ${range((s) => s.heapTotal)}; ` +
      `wasm memory at the end: snappy ${last ? mib(last.wasmSnappy) : '?'} MiB, secp256k1 ${last ? mib(last.wasmSecp) : '?'} MiB (never shrinks)`,
  );
  console.log(
    `cpu during the churn: node ${mean(churnIdx.map((i) => samples[i]!.cpuPct)).toFixed(0)} % of a core (event loop busy ${(mean(churnIdx.map((i) => samples[i]!.elu)) * 100).toFixed(0)} %, ${mean(churnIdx.map((i) => samples[i]!.loopsPerSec)).toFixed(0)} loop turns/s, min ${Math.min(...churnIdx.map((i) => samples[i]!.loopsPerSec))}), ` +
      `driver ${mean(churnIdx.map((i) => driverCpu[i]?.cpuPct ?? 0)).toFixed(0)} % (busy ${(mean(churnIdx.map((i) => driverCpu[i]?.elu ?? 0)) * 100).toFixed(0)} %)`,
  );
  console.log(
    `honest handshakes with the node: ${allHs.length} ok, p50/p99/max ${quantile(allHs, 0.5)}/${quantile(allHs, 0.99)}/${allHs[allHs.length - 1] ?? 0} ms, ${handshakes.allFailed} failed; ` +
      `node sockets held past the handshake deadline: max ${Math.max(0, ...samples.map((s) => s.overdueHandshakes))} at a sample`,
  );
  console.log(`node: open handles after stop ${JSON.stringify(final?.handles ?? 'no final report')}; driver handles ${JSON.stringify(driverHandles)}`);
  console.log(`traffic: ${st.sessions} honest sessions, ${st.requests} requests, ${st.responses} responses, node served ${final?.stats.served ?? '?'}`);
  console.log(`honest-peer errors: ${JSON.stringify(st.errors)}`);
  console.log(`hostile outcomes: ${JSON.stringify(st.hostile)}`);
  console.log(`node disconnects: ${JSON.stringify(final?.stats.disconnects ?? {})}`);
  console.log(`node handshake failures: ${JSON.stringify(final?.stats.handshakeFailures ?? {})}; refused: ${JSON.stringify(final?.stats.inboundRefused ?? {})}`);
  const leaked = final ? Object.entries(final.handles).filter(([k]) => k !== 'Immediate').reduce((a, [, n]) => a + n, 0) : -1;
  console.log(
    JSON.stringify({
      soak: final ? 'done' : 'node-lost',
      minutes: o.minutes,
      peers: o.peers,
      hostileShare: o.hostile,
      samples: samples.length,
      warmupSeconds: warmAt,
      rssWarmMiB: first ? mib(first.rss) : null,
      rssEndMiB: last ? mib(last.rss) : null,
      heapWarmMiB: first ? mib(first.heapUsed) : null,
      heapEndMiB: last ? mib(last.heapUsed) : null,
      heapSlopeKiBPerMin: Math.round(heapSlope / 1024),
      rssSlopeKiBPerMin: Math.round(rssSlope / 1024),
      rssSecondHalfSlopeKiBPerMin: Math.round(halfSlope((s) => s.rss)),
      externalSecondHalfSlopeKiBPerMin: Math.round(halfSlope((s) => s.external)),
      wasmSnappyEndMiB: last ? mib(last.wasmSnappy) : null,
      wasmSecpEndMiB: last ? mib(last.wasmSecp) : null,
      nodeCpuPct: Math.round(mean(churnIdx.map((i) => samples[i]!.cpuPct))),
      nodeLoopTurnsPerSec: Math.round(mean(churnIdx.map((i) => samples[i]!.loopsPerSec))),
      driverCpuPct: Math.round(mean(churnIdx.map((i) => driverCpu[i]?.cpuPct ?? 0))),
      honestHandshakes: { ok: allHs.length, p50Ms: quantile(allHs, 0.5), p99Ms: quantile(allHs, 0.99), failed: handshakes.allFailed },
      overdueHandshakesMax: Math.max(0, ...samples.map((s) => s.overdueHandshakes)),
      heapAfterStopMiB: final ? mib(final.sample.heapUsed) : null,
      nodeLoopStallMaxMs: Math.max(0, ...samples.map((x) => x.loopMaxMs)),
      driverLoopStallMaxMs: Math.max(0, ...driverLoopMax),
      openHandlesAfterStop: final?.handles ?? null,
      leakedHandles: leaked,
      honestSessions: st.sessions,
      requests: st.requests,
      responses: st.responses,
      served: final?.stats.served ?? null,
      errors: st.errors,
      hostile: st.hostile,
      nodeDisconnects: final?.stats.disconnects ?? null,
      crashes: crashes + driverCrashes,
    }),
  );
}

// ---- entry ----------------------------------------------------------------------------------

const argv = process.argv.slice(2);
if (argv[0] === '--role' && argv[1] === 'node') {
  runNode(Number(argv[2]), Number(argv[3])).catch((err: unknown) => {
    console.error(`soak node: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
} else {
  drive(parseOptions(argv)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
