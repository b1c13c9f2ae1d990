/**
 * `devp2p-ts demo rlpx`: the RLPx layer end to end on loopback:
 * several nodes on 127.0.0.1 each listening, one client dialing all of them, capability
 * negotiation, an echo exchange of large messages verified by hash, keepalive pings and clean
 * disconnects. It exits non-zero if any check fails.
 */
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { keccak256 } from '../crypto/keccak.js';
import { generatePrivateKey, publicKeyOf } from '../crypto/secp256k1.js';
import { formatEnode } from '../enode/enode-url.js';
import { dial } from '../rlpx/connect.js';
import { DisconnectReason, disconnectReasonName } from '../rlpx/disconnect-reason.js';
import { RlpxListener } from '../rlpx/listener.js';
import type { Session } from '../rlpx/session.js';
import type { CapabilityDef } from '../rlpx/capabilities.js';
import { defineCommand, parseCommand } from './command.js';
import type { Command } from './command-tree.js';
import { parseIntInRange, printJson, ReportedFailure } from './output.js';

/** Most listening nodes the RLPx demo starts. */
export const MAX_RLPX_DEMO_NODES = 32;
/** Most 1 MiB echo messages per node. */
export const MAX_RLPX_DEMO_MESSAGES = 1000;

const RLPX_DEMO = defineCommand({
  name: 'demo rlpx',
  summary: 'RLPx-only loopback demo: nodes on 127.0.0.1, one client dialing each, 1 MiB echoes checked by hash, pings, disconnects',
  flags: {
    nodes: { type: 'string', value: 'N', help: `listening nodes (1-${MAX_RLPX_DEMO_NODES})`, default: '3' },
    messages: { type: 'string', value: 'N', help: `1 MiB messages echoed per node (1-${MAX_RLPX_DEMO_MESSAGES})`, default: '8' },
    json: { type: 'boolean', help: 'print one JSON summary instead of the report (errors too)' },
  },
  examples: ['devp2p-ts demo rlpx --nodes 4 --messages 16'],
});

/** A two-message demo protocol: 0 = payload, 1 = keccak256 of the payload received. */
const DEMO_CAP: CapabilityDef = { name: 'demo', version: 1, length: 2 };
const EXTRA_CAPS: CapabilityDef[] = [
  { name: 'eth', version: 69, length: 18 },
  { name: 'eth', version: 70, length: 18 },
];

function serveEcho(session: Session): void {
  session.on('message', (m) => {
    if (m.capability === 'demo' && m.code === 0) session.send('demo', 1, keccak256(m.data));
  });
}

function request(session: Session, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no echo within ${timeoutMs} ms`)), timeoutMs);
    const onMsg = (m: { capability: string; code: number; data: Uint8Array }) => {
      if (m.capability === 'demo' && m.code === 1) done(undefined, m.data);
    };
    const done = (err?: Error, data?: Uint8Array) => {
      clearTimeout(timer);
      session.off('message', onMsg);
      err ? reject(err) : resolve(data!);
    };
    session.on('message', onMsg);
    session.send('demo', 0, payload);
  });
}

export async function rlpxDemoCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(RLPX_DEMO, args);
  const nodeCount = parseIntInRange('nodes', values.nodes, 3, 1, MAX_RLPX_DEMO_NODES);
  const messages = parseIntInRange('messages', values.messages, 8, 1, MAX_RLPX_DEMO_MESSAGES);
  const log = (s: string) => {
    if (!values.json) process.stdout.write(s + '\n');
  };
  const listeners: RlpxListener[] = [];
  const nodeKeys: Uint8Array[] = [];
  const results: Record<string, unknown>[] = [];
  let failures = 0;
  try {
    for (let i = 0; i < nodeCount; i++) {
      const privateKey = generatePrivateKey();
      const l = new RlpxListener({ privateKey, capabilities: [DEMO_CAP, ...EXTRA_CAPS], clientId: `devp2p-ts-demo/node${i}` });
      l.on('session', serveEcho);
      const port = await l.listen(0, '127.0.0.1');
      listeners.push(l);
      nodeKeys.push(publicKeyOf(privateKey));
      log(`node ${i} listening: ${formatEnode({ publicKey: publicKeyOf(privateKey), ip: '127.0.0.1', tcpPort: port, udpPort: port })}`);
    }
    const clientKey = generatePrivateKey();
    const clientConfig = { privateKey: clientKey, capabilities: [DEMO_CAP, EXTRA_CAPS[0]!], clientId: 'devp2p-ts-demo/client' };
    const payload = new Uint8Array(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + (i >> 10)) & 0xff;
    const expected = keccak256(payload);
    for (const [i, l] of listeners.entries()) {
      const t0 = performance.now();
      const s = await dial({ publicKey: nodeKeys[i]!, host: '127.0.0.1', port: l.port }, clientConfig, { signal: AbortSignal.timeout(10_000) });
      const handshakeMs = performance.now() - t0;
      const h = s.remoteHello!;
      log(`dialed node ${i}: ${h.clientId}, caps ${h.capabilities.map((c) => `${c.name}/${c.version}`).join(' ')}; shared ${s.capabilities.map((c) => `${c.name}/${c.version}@0x${c.offset.toString(16)}`).join(' ')} (${handshakeMs.toFixed(1)} ms)`);
      const t1 = performance.now();
      let ok = true;
      for (let m = 0; m < messages; m++) ok = equalBytes(await request(s, payload, 10_000), expected) && ok;
      const secs = (performance.now() - t1) / 1000;
      const pong = new Promise<number>((resolve) => s.once('pong', resolve));
      s.ping();
      const rtt = await Promise.race([pong, new Promise<number>((r) => setTimeout(() => r(NaN), 2_000))]);
      // Resolves once both ends have closed: the node got our Disconnect and hung up.
      await s.disconnect(DisconnectReason.Requested);
      if (!ok || Number.isNaN(rtt)) failures++;
      const mbps = (messages * payload.length) / 1e6 / secs;
      log(`  ${messages} x 1 MiB echoed, hashes ${ok ? 'match' : 'MISMATCH'}: ${mbps.toFixed(1)} MB/s; ping ${rtt.toFixed(2)} ms; disconnect: ${disconnectReasonName(s.closeInfo!.reason)}`);
      results.push({ node: i, clientId: h.clientId, handshakeMs, echoOk: ok, MBps: mbps, pingMs: rtt, bytesOut: s.stats.bytesOut, bytesIn: s.stats.bytesIn });
    }
    log(`payload hash ${bytesToHex(expected).slice(0, 16)}...; ${failures === 0 ? 'all checks passed' : `${failures} node(s) failed`}`);
  } finally {
    await Promise.all(listeners.map((l) => l.close()));
  }
  if (values.json) printJson({ ok: failures === 0, nodes: results });
  if (failures > 0) throw new ReportedFailure(`demo failed on ${failures} node(s)`);
}

export const RLPX_DEMO_COMMAND: Command = { spec: RLPX_DEMO, run: rlpxDemoCommand };
