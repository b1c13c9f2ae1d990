/**
 * Helpers for the hostile-network tests: an eth-serving node behind the server, a well-behaved
 * eth client to check the node keeps serving others, a raw eth client that can send anything
 * after the Status, and leak checks on sockets and timers.
 */
import { expect } from 'vitest';
import { connect, type Socket } from 'node:net';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import { generateDevnetChain, type DevnetChain } from '../../src/chain/devnet-chain.js';
import { ethHandshake } from '../../src/eth/handshake.js';
import { EthPeer, type EthPeerOptions } from '../../src/eth/peer.js';
import type { EthVersion } from '../../src/eth/protocol.js';
import { dial } from '../../src/rlpx/connect.js';
import type { CloseInfo, Session } from '../../src/rlpx/session.js';
import { Server, type ServerConfig } from '../../src/server/server.js';
import { EthService, type EthServiceOptions } from '../../src/sync/node/eth-service.js';

export type Cleanup = () => Promise<void> | void;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms; throws after `ms`. */
export async function waitFor(cond: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await sleep(10);
  }
}

/** The session's close info, now or when it closes. */
/** A raw TCP connection to 127.0.0.1:`port`, destroyed by the test's cleanups. */
export function tcp(port: number, cleanups: Cleanup[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
    s.on('error', () => {});
    cleanups.push(() => void s.destroy());
  });
}

export function closed(s: Session): Promise<CloseInfo> {
  return s.closeInfo ? Promise.resolve(s.closeInfo) : new Promise((r) => s.once('close', r));
}

const LEAKABLE = ['TCPSocketWrap', 'TCPServerWrap', 'UDPWrap', 'Timeout'];

/** Counts of the handle kinds that outlive a closed node if something leaked. */
export function openResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (LEAKABLE.includes(r)) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** Waits (bounded) until no more sockets, servers or timers are open than in `before`. */
export async function expectNoLeaks(before: Record<string, number>, ms = 3_000): Promise<void> {
  const over = () => LEAKABLE.filter((k) => (openResources()[k] ?? 0) > (before[k] ?? 0));
  const end = Date.now() + ms;
  while (over().length > 0 && Date.now() < end) await sleep(25);
  const now = openResources();
  for (const k of LEAKABLE) expect(now[k] ?? 0, `${k} left open (before ${before[k] ?? 0})`).toBeLessThanOrEqual(before[k] ?? 0);
}

let devnet: DevnetChain | undefined;
/** A small devnet chain shared by the tests of one file. */
export function testChain(): DevnetChain {
  devnet ??= generateDevnetChain({ length: 64 });
  return devnet;
}

export interface EthNode {
  server: Server;
  eth: EthService;
  publicKey: Uint8Array;
  port: number;
}

/** A node serving the test chain over eth/68-70 through the server. */
export async function startEthNode(cleanups: Cleanup[], server: Partial<ServerConfig> = {}, eth: Partial<EthServiceOptions> = {}): Promise<EthNode> {
  const chain = testChain();
  const service = new EthService({ network: chain.network, chain: chain.chain, ...eth });
  const s = new Server({ privateKey: generatePrivateKey(), protocols: service.protocols(), listen: { host: '127.0.0.1', port: 0 }, ...server });
  await s.start();
  cleanups.push(() => s.stop());
  const e = parseEnode(s.enode);
  return { server: s, eth: service, publicKey: e.publicKey, port: e.tcpPort };
}

/** A well-behaved eth client of `node` (our own stack). */
export async function goodClient(node: EthNode, cleanups: Cleanup[], opts: Partial<EthPeerOptions> = {}): Promise<EthPeer> {
  const chain = testChain();
  const session = await dial({ publicKey: node.publicKey, host: '127.0.0.1', port: node.port }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities() });
  cleanups.push(() => session.disconnect());
  return EthPeer.connect(session, { network: chain.network, chain: chain.chain, ...opts });
}

/** A session to `node` that has done the Status exchange; the test sends whatever it likes next. */
export async function rawEthClient(node: EthNode, cleanups: Cleanup[], versions: EthVersion[] = [69], privateKey = generatePrivateKey()): Promise<Session> {
  const chain = testChain();
  const session = await dial({ publicKey: node.publicKey, host: '127.0.0.1', port: node.port }, { privateKey, capabilities: ethCapabilities(versions) });
  cleanups.push(() => session.disconnect());
  const head = chain.chain.head();
  await ethHandshake(session, { network: chain.network, head: { number: head.number, hash: head.hash, time: head.time } });
  return session;
}

/** One header request answered: the node still serves `peer`. */
export async function stillServes(peer: EthPeer): Promise<void> {
  const headers = await peer.getBlockHeaders({ origin: { number: 1n }, amount: 4n }, { timeoutMs: 10_000 });
  expect(headers.map((h) => h.number)).toEqual([1n, 2n, 3n, 4n]);
}

export { publicKeyOf };
