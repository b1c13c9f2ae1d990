/**
 * `npm run soak`: a bounded soak of one of our nodes under churn on loopback.
 *
 *   npm run soak -- [--minutes 10] [--peers 200] [--hostile 0.15] [--sample-seconds 10] [--max-peers 250]
 *                   [--kinds garbage,bad-mac,slowloris,half-handshake,unsolicited,request-flood,never-reads,oversized]
 *
 * The node under test (server + eth serving a devnet chain, default limits) runs in a child
 * process, so its memory and handles are its own (extra Node flags for it, e.g. `--cpu-prof`, in
 * the SOAK_NODE_ARGS environment variable). This process drives `--peers` peer slots that churn
 * against it for `--minutes`: each slot connects, exchanges eth traffic (header, body and receipt
 * requests), and leaves (Disconnect, or a dropped socket), then comes back with a new key. A
 * fifth of the honest peers use a few hub nodes in this process instead, so peers also churn
 * among themselves. A `--hostile` share of the slots misbehaves instead: garbage instead of auth,
 * a bad frame MAC, slowloris, a half handshake then a reset, unsolicited responses, a request
 * flood without reading, 100 header requests then never reading (`never-reads`: the node must
 * cut it at its 20 s write deadline; the report gives the cut times and the bytes the node
 * queued for each), an oversized message; each is checked to be cut off (`cut`; `cut-late`
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
 *
 * Files: this one parses the options, runs the churn and dispatches `--role node` (the child
 * forks this file); `node.ts` is the node under test, `honest.ts` and `hostile.ts` the peer
 * slots, `driver-stats.ts` their counters, `target.ts` where they connect, `meters.ts` the types
 * and meters both processes share, `report.ts` the output.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { generateDevnetChain, type DevnetChain } from '../../src/chain/devnet-chain.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/node/eth-service.js';
import { errorKind, onStalledClose, st, takeHandshakeStats } from './driver-stats.js';
import { honest } from './honest.js';
import { HOSTILE, hostile, type HostileKind } from './hostile.js';
import { CHAIN_LENGTH, count, cpuMeter, loopDelay, openHandles, sleep, type NodeMessage, type Sample } from './meters.js';
import { runNode } from './node.js';
import { progressLine, report, type SoakRun } from './report.js';
import { target, type Target } from './target.js';

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

/**
 * Forks the node under test (this file, `--role node`). Each sample it sends is recorded in `run`
 * with the driver's own loop stall, CPU and honest handshakes since the previous one.
 */
function startNode(o: Options, run: SoakRun) {
  const self = fileURLToPath(import.meta.url);
  const child = fork(self, ['--role', 'node', String(o.maxPeers), String(o.sampleSeconds * 1000)], { execArgv: ['--expose-gc', ...(process.env.SOAK_NODE_ARGS ?? '').split(' ').filter(Boolean)], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const driverLoop = monitorEventLoopDelay({ resolution: 20 });
  driverLoop.enable();
  const driverMeter = cpuMeter();
  let stopping = false;
  const onSample = (s: Sample) => {
    run.samples.push(s);
    const d = loopDelay(driverLoop);
    run.driverLoopMax.push(d.max);
    const dc = driverMeter();
    run.driverCpu.push(dc);
    const hs = takeHandshakeStats();
    run.hsPerSample.push(hs);
    process.stderr.write(progressLine(s, d.max, dc, hs));
  };
  const ready = new Promise<string>((resolve, reject) => {
    child.on('message', (m: NodeMessage) => {
      if (m.type === 'ready') resolve(m.enode);
      else if (m.type === 'sample') onSample(m.sample);
      else if (m.type === 'stalled-close') onStalledClose(m.close);
      else run.final = m;
    });
    child.once('exit', (code, signal) => {
      if (!stopping || (code !== 0 && code !== null)) run.nodeCrashes++;
      reject(new Error(`node exited (code ${code}, signal ${signal})`));
    });
  });
  /** Tells the node to stop and waits for it to exit. */
  const stop = async () => {
    stopping = true;
    child.send('stop');
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  };
  return { ready, stop, driverLoop };
}

/** A few hub nodes in this process: some honest peers churn against them instead. */
async function startHubs(devnet: DevnetChain): Promise<Server[]> {
  const hubs: Server[] = [];
  for (let i = 0; i < 4; i++) {
    const eth = new EthService({ network: devnet.network, chain: devnet.chain });
    const hub = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, maxPeers: 100 });
    await hub.start();
    hubs.push(hub);
  }
  return hubs;
}

/** `--peers` slots, each an honest or hostile round after another until `--minutes` are over. */
async function churn(o: Options, node: Target, hubTargets: Target[], devnet: DevnetChain): Promise<void> {
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
}

async function drive(o: Options): Promise<void> {
  const run: SoakRun = { samples: [], driverLoopMax: [], driverCpu: [], hsPerSample: [], final: undefined, nodeCrashes: 0, driverCrashes: 0, driverHandles: {} };
  const nodeProcess = startNode(o, run);
  const enode = await nodeProcess.ready;
  const node = target(enode);
  const devnet = generateDevnetChain({ length: CHAIN_LENGTH });
  const hubs = await startHubs(devnet);
  const hubTargets = hubs.map((h) => target(h.enode));

  const onUncaught = (err: unknown) => {
    run.driverCrashes++;
    count(st.errors, `uncaught:${errorKind(err)}`);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  process.stderr.write(`soak: ${o.peers} peer slots (${Math.round(o.hostile * 100)} % hostile) for ${o.minutes} min against ${enode.slice(0, 40)}...\n`);
  await churn(o, node, hubTargets, devnet);

  process.stderr.write('soak: churn over, stopping hubs and the node...\n');
  await Promise.all(hubs.map((h) => h.stop()));
  await nodeProcess.stop();
  await sleep(1_500);
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  nodeProcess.driverLoop.disable();
  run.driverHandles = openHandles();
  report(o, run);
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
