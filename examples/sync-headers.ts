/**
 * Syncs headers from code: a serving node holds a 256-block devnet; runSyncNode dials it, syncs
 * every header into a HeaderStore in a temporary directory, and returns a summary.
 * Run: `node sync-headers.js` (after tsc); it exits by itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EthService, HeaderStore, Server, generateDevnetChain, generatePrivateKey, parseEnode, runSyncNode } from 'devp2p-ts';

const devnet = generateDevnetChain({ length: 256 });
const eth = new EthService({ network: devnet.network, chain: devnet.chain });
const serving = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 } });
await serving.start();

const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-sync-'));
try {
  const summary = await runSyncNode({
    network: devnet.network,
    datadir,
    privateKey: generatePrivateKey(),
    peers: [parseEnode(serving.enode)],
    settleMs: 100,
    signal: AbortSignal.timeout(60_000),
    onProgress: (p) => process.stderr.write(`\r${p.verified}/${p.total} headers`),
  });
  process.stderr.write('\n');
  console.log(`synced ${summary.headersFetched} headers (${summary.from}..${summary.to}) from ${summary.peers.length} peer(s)`);
  const store = HeaderStore.open(datadir);
  console.log(`store holds ${store.size} headers, lowest ${store.lowest}`);
  store.close();
} finally {
  await serving.stop();
  rmSync(datadir, { recursive: true, force: true });
}
