import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, equalBytes } from '../../../src/common/bytes.js';
import { generatePrivateKey } from '../../../src/crypto/secp256k1.js';
import { parseEnode } from '../../../src/enode/enode-url.js';
import { generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import { Server } from '../../../src/server/server.js';
import { EthService } from '../../../src/sync/node/eth-service.js';
import { HeaderStore } from '../../../src/sync/headers/header-store.js';
import { runSyncNode } from '../../../src/sync/node/sync-node.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('sync node over loopback', () => {
  const devnet = generateDevnetChain({ length: 1500 });

  async function servingNode(versions: (68 | 69 | 70)[]): Promise<Server> {
    const eth = new EthService({ network: devnet.network, chain: devnet.chain, versions });
    const s = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 } });
    await s.start();
    cleanups.push(() => s.stop());
    return s;
  }

  it('syncs a devnet chain from eth/68, eth/69 and eth/70 serving nodes through the server', async () => {
    const servers = await Promise.all([servingNode([68]), servingNode([69]), servingNode([68, 69, 70])]);
    const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-syncnode-'));
    cleanups.push(() => rmSync(datadir, { recursive: true, force: true }));
    const summary = await runSyncNode({
      network: devnet.network,
      datadir,
      privateKey: generatePrivateKey(),
      peers: servers.map((s) => parseEnode(s.enode)),
      peerWaitMs: 10_000,
      settleMs: 300,
    });
    const head = devnet.chain.head();
    expect(summary.to).toBe(head.number.toString());
    expect(summary.headHash).toBe(bytesToHex(head.hash));
    expect(summary.peers.map((p) => p.version).sort()).toEqual([68, 69, 70]);
    const store = HeaderStore.open(datadir);
    cleanups.push(() => store.close());
    expect(store.lowest).toBe(0n);
    for (const b of devnet.blocks) expect(equalBytes(store.get(b.header.number)!.hash, b.header.hash)).toBe(true);
  });
});
