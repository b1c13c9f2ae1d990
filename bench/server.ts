/**
 * The server under many idle peers, measured as ejsHeapPerPeer measures @ethereumjs/devp2p's
 * RLPx server: one listening node and `peers` dialers in this process (both ends of each
 * connection counted), heap after GC before and after connecting, then CPU while all sit idle
 * exchanging only keepalive pings.
 */
import { generatePrivateKey } from '../src/crypto/secp256k1.js';
import { parseEnode } from '../src/enode/enode-url.js';
import { dial } from '../src/rlpx/connect.js';
import type { Session } from '../src/rlpx/session.js';
import { Server } from '../src/server/server.js';
import type { Protocol } from '../src/server/protocol.js';
import { idleCpu, settledHeap } from './measure.js';

const IDLE: Protocol = { name: 'eth', version: 68, length: 17, create: () => ({ handle() {} }) };

export async function serverHeapPerPeer(opts: { peers: number; idleMs?: number }): Promise<{ kib: number; idleCpuMsPerS: number }> {
  const server = new Server({ privateKey: generatePrivateKey(), protocols: [IDLE], listen: { host: '127.0.0.1', port: 0 }, maxPeers: opts.peers + 16, maxPendingPeers: 1_000, noDial: true });
  await server.start();
  const e = parseEnode(server.enode);
  const keys = Array.from({ length: opts.peers }, generatePrivateKey);
  const sessions: Session[] = [];
  try {
    const warm = await dial({ publicKey: e.publicKey, host: '127.0.0.1', port: e.tcpPort }, { privateKey: generatePrivateKey(), capabilities: [IDLE] });
    await warm.disconnect();
    const before = await settledHeap();
    for (let i = 0; i < keys.length; i += 20) {
      sessions.push(...(await Promise.all(keys.slice(i, i + 20).map((k) => dial({ publicKey: e.publicKey, host: '127.0.0.1', port: e.tcpPort }, { privateKey: k, capabilities: [IDLE] })))));
    }
    for (let i = 0; i < 200 && server.peers.length < opts.peers; i++) await new Promise((r) => setTimeout(r, 10));
    const after = await settledHeap();
    if (server.peers.length !== opts.peers) throw new Error(`serverHeapPerPeer: ${server.peers.length}/${opts.peers} peers`);
    const idleCpuMsPerS = await idleCpu(opts.idleMs ?? 0);
    return { kib: (after - before) / 1024 / opts.peers, idleCpuMsPerS };
  } finally {
    await Promise.all(sessions.map((s) => s.disconnect()));
    await server.stop();
  }
}
