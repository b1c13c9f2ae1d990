/**
 * A second sync-headers run on a synced data directory: the store opens without replaying
 * the chain, and when the peers announce the head it already holds complete, the run ends
 * without waiting for more peers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../src/common/bytes.js';
import { generatePrivateKey } from '../../../src/crypto/secp256k1.js';
import { parseEnode } from '../../../src/enode/enode-url.js';
import { generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import { Server } from '../../../src/server/server.js';
import { EthService } from '../../../src/sync/node/eth-service.js';
import { runSyncNode } from '../../../src/sync/node/sync-node.js';
import { TempDirs } from './store-fixtures.js';

const tmp = new TempDirs();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  tmp.cleanup();
});

describe('resuming a synced store', () => {
  it('fetches nothing and does not wait out the settle time when the announced head is stored complete', async () => {
    const devnet = generateDevnetChain({ length: 300 });
    const eth = new EthService({ network: devnet.network, chain: devnet.chain });
    const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 } });
    await server.start();
    cleanups.push(() => server.stop());
    const datadir = tmp.make();
    const run = (settleMs: number) => runSyncNode({ network: devnet.network, datadir, privateKey: generatePrivateKey(), peers: [parseEnode(server.enode)], peerWaitMs: 10_000, settleMs });
    const first = await run(200);
    expect(first.headersFetched).toBe('301');
    // A settle time far past the test's timeout: only the early end lets this finish.
    const again = await run(600_000);
    expect(again.headersFetched).toBe('0');
    expect(again.headHash).toBe(bytesToHex(devnet.chain.head().hash));
  }, 30_000);
});
