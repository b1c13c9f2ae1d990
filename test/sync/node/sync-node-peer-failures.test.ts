/**
 * runSyncNode reports why its given peers are unusable as soon as each has failed (when they are
 * its only source of peers), instead of waiting out peerWaitMs and naming a later symptom.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey, publicKeyOf } from '../../../src/crypto/secp256k1.js';
import { formatEnode, parseEnode, type Enode } from '../../../src/enode/enode-url.js';
import { generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import { Server } from '../../../src/server/server.js';
import { EthService } from '../../../src/sync/node/eth-service.js';
import { SyncError } from '../../../src/sync/headers/header-sync.js';
import { runSyncNode, type SyncNodeOptions } from '../../../src/sync/node/sync-node.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Far longer than any test here may run: reaching it would time the test out. */
const LONG_PEER_WAIT_MS = 120_000;

const devnet = generateDevnetChain({ length: 20 });
const otherDevnet = generateDevnetChain({ length: 20, seed: 'another devnet' });

/** A TCP port on 127.0.0.1 with nothing listening (bound, then released). */
async function closedPortEnode(): Promise<Enode> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return parseEnode(formatEnode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: port, udpPort: port }));
}

async function servingNode(chain: typeof devnet): Promise<Enode> {
  const eth = new EthService({ network: chain.network, chain: chain.chain });
  const s = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 } });
  await s.start();
  cleanups.push(() => s.stop());
  return parseEnode(s.enode);
}

function sync(opts: Partial<SyncNodeOptions>): Promise<unknown> {
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-peerfail-'));
  cleanups.push(() => rmSync(datadir, { recursive: true, force: true }));
  return runSyncNode({ network: devnet.network, datadir, privateKey: generatePrivateKey(), peerWaitMs: LONG_PEER_WAIT_MS, ...opts });
}

describe('runSyncNode with unusable given peers', () => {
  it('a closed port: fails at once with the dial error (ECONNREFUSED) as message and cause', async () => {
    const peer = await closedPortEnode();
    const err = await sync({ peers: [peer] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).kind).toBe('no-peers');
    expect((err as SyncError).message).toBe(`no usable peer: dial 127.0.0.1:${peer.tcpPort}: ECONNREFUSED`);
    expect(((err as SyncError).cause as Error).name).toBe('DialError');
  }, 20_000);

  it('a peer of another network: fails at once naming the peer and its Status failure', async () => {
    const peer = await servingNode(otherDevnet);
    const err = await sync({ peers: [peer] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    // Either side may see the mismatch first: ours names the genesis, theirs is a Disconnect.
    expect((err as SyncError).message).toMatch(new RegExp(`^no usable peer: 127\\.0\\.0\\.1:${peer.tcpPort}: eth handshake: (.*genesis|disconnected)`));
    expect(((err as SyncError).cause as Error).name).toBe('EthHandshakeError');
  }, 20_000);

  it('waits while one given peer is still usable: a good peer beside a closed port syncs', async () => {
    const good = await servingNode(devnet);
    const summary = (await sync({ peers: [await closedPortEnode(), good], settleMs: 100 })) as { to: string };
    expect(summary.to).toBe('20');
  }, 20_000);

  it('with bootnodes as well it waits out peerWaitMs, then names the last failure', async () => {
    const peer = await closedPortEnode();
    const boot = await closedPortEnode();
    const err = await sync({ peers: [peer], bootnodes: [boot], peerWaitMs: 1_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).message).toMatch(/^no eth peer with a matching Status \(last failure: dial 127\.0\.0\.1:\d+: ECONNREFUSED\)$/);
  }, 20_000);
});
