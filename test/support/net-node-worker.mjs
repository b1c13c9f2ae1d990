// Child process for the 100-node network test: runs COUNT P2PNodes on 127.0.0.1 (built dist/),
// bootstrapped from BOOT, and prints one JSON line per second with each node's eth peers and
// peer counts. Stops every node and exits on SIGTERM.
import { generatePrivateKey } from '../../dist/src/crypto/secp256k1.js';
import { parseEnode } from '../../dist/src/enode/enode-url.js';
import { generateDevnetChain } from '../../dist/src/chain/devnet-chain.js';
import { P2PNode } from '../../dist/src/sync/node/p2p-node.js';

const [boot, countStr, maxPeersStr] = process.argv.slice(2);
const devnet = generateDevnetChain({ length: 4 });
const nodes = [];
for (let i = 0; i < Number(countStr); i++) {
  // Without BOOT, this worker's first node is the bootnode of the others (and of other workers).
  const bootnode = boot || nodes[0]?.enode;
  nodes.push(await P2PNode.start({
    network: devnet.network, chain: devnet.chain, privateKey: generatePrivateKey(),
    addr: { host: '127.0.0.1', port: 0 }, maxPeers: Number(maxPeersStr), bootnodes: bootnode ? [parseEnode(bootnode)] : [],
  }));
}
const report = () => process.stdout.write(JSON.stringify(nodes.map((n) => ({ id: n.server.id, enode: n.enode, eth: [...n.eth.peers.keys()], table: n.discv4?.table.size ?? 0, ...n.server.counts() }))) + '\n');
const timer = setInterval(report, 1000);
report();
process.once('SIGTERM', async () => {
  clearInterval(timer);
  await Promise.all(nodes.map((n) => n.stop()));
  process.exit(0);
});
