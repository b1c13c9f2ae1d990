/**
 * `npm run soak`: a bounded soak of one of our nodes under churn on loopback.
 *
 *   npm run soak -- [--minutes 10] [--peers 200] [--hostile 0.15] [--sample-seconds 10] [--max-peers 250]
 *                   [--kinds garbage,bad-mac,slowloris,half-handshake,unsolicited,request-flood,oversized]
 *
 * The node under test (server + eth serving a devnet chain, default limits) runs in a child
 * process, so its memory and handles are its own. This process drives `--peers` peer slots
 * that churn against it for `--minutes`: each slot connects, exchanges eth traffic (header,
 * body and receipt requests), and leaves (Disconnect, or a dropped socket), then comes back
 * with a new key. A fifth of the honest peers use a few hub nodes in this process instead, so
 * peers also churn among themselves. A `--hostile` share of the slots misbehaves instead:
 * garbage instead of auth, a bad frame MAC, slowloris, a half handshake then a reset,
 * unsolicited responses, a request flood without reading, an oversized message; each is
 * checked to be cut off.
 *
 * Every `--sample-seconds` the node reports its RSS and heap after a full GC. At the end the
 * node is stopped and counts its open handles. Printed: a table of samples, a summary, and as
 * the last line one JSON object (samples, RSS and heap at warm-up and at the end, the heap
 * slope after warm-up, open handles, messages, errors by kind, crashes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
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
import type { Session } from '../src/rlpx/session.js';
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
  const started = Date.now();
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const sample = (): Sample => {
    const { p99, max } = loopDelay(loop);
    gc();
    gc();
    const m = process.memoryUsage();
    return { t: (Date.now() - started) / 1000, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, peers: server.peers.length, ethPeers: eth.peers.size, loopP99Ms: p99, loopMaxMs: max };
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

/** An honest peer: connect, eth handshake, a burst of requests, leave. */
async function honest(to: Target, devnet: DevnetChain, rnd: () => number): Promise<void> {
  let session: Session | undefined;
  try {
    session = await dial({ publicKey: to.publicKey, host: '127.0.0.1', port: to.port }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities() }, { signal: AbortSignal.timeout(20_000) });
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
  let cut = false;
  try {
    switch (kind) {
      case 'garbage': {
        const s = await tcp(to.port);
        s.write(Uint8Array.of(0x01, 0x80, ...randomBytes(600)));
        cut = await closedWithin(s, 10_000);
        break;
      }
      case 'bad-mac': {
        const { socket, codec, key } = await rawHandshake(to);
        const hello = codec.seal(0, encodeHello({ protocolVersion: BASE_PROTOCOL_VERSION, clientId: 'soak-bad-mac', capabilities: [{ name: 'eth', version: 69 }], listenPort: 0, publicKey: publicKeyOf(key) }));
        hello[HEADER_LENGTH - 1]! ^= 0xff; // header MAC
        socket.write(hello);
        cut = await closedWithin(socket, 10_000);
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
        cut = await closedP;
        break;
      }
      case 'half-handshake': {
        const s = await tcp(to.port);
        const auth = new InitiatorHandshake(generatePrivateKey(), to.publicKey).authPacket;
        s.write(auth.subarray(0, auth.length >> 1));
        await sleep(50);
        s.resetAndDestroy();
        cut = true; // we ended it: what matters is that the node does not leak it
        break;
      }
      case 'unsolicited': {
        const s = await ethSession(to, devnet);
        for (let i = 0; i < 200 && s.currentState === 'active'; i++) {
          send69(s, { name: 'BlockHeaders', value: { requestId: BigInt(1_000_000 + i), headers: [] } });
          if (i % 20 === 0) await sleep(5);
        }
        cut = await closedWithin(s.socket, 10_000);
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
        cut = s.currentState === 'closed' || (await closedWithin(s.socket, 25_000));
        break;
      }
      case 'oversized': {
        const s = await ethSession(to, devnet);
        const tx = new Uint8Array(randomBytes(MAX_MESSAGE_SIZE));
        tx[0] = 2;
        s.send('eth', EthMessageCode.Transactions, encList([encBytes(tx)]));
        cut = await closedWithin(s.socket, 10_000);
        break;
      }
    }
  } catch (err) {
    // Our own write queue filling up means the node stopped reading us (TCP back-pressure);
    // anything else ended the attempt before the abuse got going (e.g. TooManyPeers at Hello).
    count(st.hostile, `${kind}:${(err as Error)?.name === 'WriteQueueFullError' ? 'backpressured' : `refused:${errorKind(err)}`}`);
    return;
  }
  count(st.hostile, `${kind}:${cut ? 'cut' : 'NOT-CUT'}`);
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
  const child: ChildProcess = fork(self, ['--role', 'node', String(o.maxPeers), String(o.sampleSeconds * 1000)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const samples: Sample[] = [];
  const driverLoop = monitorEventLoopDelay({ resolution: 20 });
  driverLoop.enable();
  const driverLoopMax: number[] = [];
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
        process.stderr.write(
          `  t=${s.t.toFixed(0)}s rss ${mib(s.rss)} MiB heap ${mib(s.heapUsed)} MiB peers ${s.peers} (eth ${s.ethPeers}) requests ${st.requests} errors ${Object.values(st.errors).reduce((a, b) => a + b, 0)} loop stall node ${s.loopMaxMs} ms driver ${d.max} ms\n`,
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
      else await honest(rnd() < 0.2 ? hubTargets[slot % hubTargets.length]! : node, devnet, rnd);
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
  console.log('');
  console.log('   t (s)   rss MiB  heap MiB  ext MiB  peers  eth  node loop p99/max ms  driver loop max ms');
  samples.forEach((s, i) => {
    console.log(
      `${s.t.toFixed(0).padStart(8)} ${mib(s.rss).toFixed(1).padStart(9)} ${mib(s.heapUsed).toFixed(1).padStart(9)} ${mib(s.external).toFixed(1).padStart(8)} ${String(s.peers).padStart(6)} ${String(s.ethPeers).padStart(4)} ${`${s.loopP99Ms}/${s.loopMaxMs}`.padStart(20)} ${String(driverLoopMax[i] ?? '').padStart(19)}`,
    );
  });
  console.log('');
  console.log(`warm-up ends at ${warmAt.toFixed(0)} s; heap slope after it ${(heapSlope / 1024).toFixed(1)} KiB/min, rss slope ${(rssSlope / 1024).toFixed(1)} KiB/min`);
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
