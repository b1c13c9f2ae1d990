/**
 * Interop with @ethereumjs/devp2p's DPT on loopback: ping/pong and FindNode both ways.
 * DPT speaks pre-EIP-868 discv4 (no enr-seq, no ENRRequest) and bonds by pinging the `from`
 * endpoint of pings it receives, 100 ms later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Common, Mainnet } from '@ethereumjs/common';
import { DPT } from '@ethereumjs/devp2p';
import { bytesToHex, equalBytes } from '../../src/common/bytes.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { type Discv4, makeNode, type DiscNode } from '../../src/discv4/index.js';
import { startNode } from './support.js';

interface DptServer {
  _socket: { address(): { port: number } };
  findneighbours(peer: { address: string; udpPort: number }, id: Uint8Array): void;
  events: { on(e: 'peers', fn: (peers: { address: string; udpPort: number }[]) => void): void };
}

let dpt: DPT;
let dptKey: Uint8Array;
let dptNode: DiscNode;
let ours: Discv4;
let helpers: Discv4[] = [];

beforeAll(async () => {
  ours = await startNode();
  dptKey = generatePrivateKey();
  dpt = new DPT(dptKey, {
    endpoint: { address: '127.0.0.1', udpPort: null, tcpPort: null },
    refreshInterval: 600_000,
    shouldFindNeighbours: false,
    timeout: 2000,
    common: new Common({ chain: Mainnet }),
  });
  dpt.events.on('error', () => undefined);
  const listening = new Promise<void>((r) => dpt.events.once('listening', () => r()));
  dpt.bind(0, '127.0.0.1');
  await listening;
  const port = (dpt as unknown as { _server: DptServer })._server._socket.address().port;
  // Tell DPT its own endpoint so the `from` of its pings is usable.
  (dpt as unknown as { _server: { _endpoint: unknown } })._server._endpoint = { address: '127.0.0.1', udpPort: port, tcpPort: port };
  dptNode = makeNode(publicKeyOf(dptKey), '127.0.0.1', port, port);
  for (let i = 0; i < 3; i++) helpers.push(await startNode());
});

afterAll(async () => {
  dpt.destroy();
  await Promise.all([ours.close(), ...helpers.map((h) => h.close())]);
  helpers = [];
});

describe('discv4 interop with @ethereumjs/devp2p DPT', () => {
  it('we ping DPT: Pong with our observed endpoint, no enr-seq', async () => {
    const pong = await ours.ping(dptNode);
    expect(pong.enrSeq).toBeUndefined();
    expect(pong.to.udpPort).toBe(ours.localAddress.port);
  });

  it('DPT pings us: we answer, ping back, and DPT enters our table', async () => {
    const peer = await dpt.addPeer({ address: '127.0.0.1', udpPort: ours.localAddress.port, tcpPort: ours.localAddress.port });
    expect(equalBytes(peer.id!, ours.publicKey)).toBe(true);
    await waitFor(() => ours.table.get(dptNode.idHex) !== undefined && ours.isBonded(dptNode.idHex, '127.0.0.1'));
  });

  it('we FindNode DPT and get the nodes it knows', async () => {
    for (const h of helpers) await dpt.addPeer({ address: '127.0.0.1', udpPort: h.localAddress.port, tcpPort: h.localAddress.port });
    const found = await ours.findNode(dptNode, publicKeyOf(generatePrivateKey()));
    const ids = new Set(found.map((n) => n.idHex));
    for (const h of helpers) expect(ids.has(h.self.idHex)).toBe(true);
  });

  it('DPT FindNodes us (after the bond) and gets our table', async () => {
    for (const h of helpers) ours.table.add(h.self);
    const server = (dpt as unknown as { _server: DptServer })._server;
    const got = new Promise<{ address: string; udpPort: number }[]>((resolve) => server.events.on('peers', (p) => p.length > 1 && resolve(p)));
    server.findneighbours({ address: '127.0.0.1', udpPort: ours.localAddress.port }, dpt.id!);
    const peers = await Promise.race([got, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no neighbours')), 2000))]);
    const ports = new Set(peers.map((p) => p.udpPort));
    for (const h of helpers) expect(ports.has(h.localAddress.port)).toBe(true);
    void bytesToHex;
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
