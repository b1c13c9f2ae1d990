/**
 * Embeds a server that serves a chain over eth, and a second one that connects to it and asks
 * for headers, bodies and receipts. Run: `node serve-chain.js` (after tsc); it exits by itself.
 */
import { once } from 'node:events';
import { EthService, Server, generateDevnetChain, generatePrivateKey, type EthPeer } from 'devp2p-ts';

const devnet = generateDevnetChain({ length: 32 });

// The serving node: its chain is any ChainReader (here a MemoryChain of a generated devnet).
const servingEth = new EthService({ network: devnet.network, chain: devnet.chain });
const serving = new Server({
  privateKey: generatePrivateKey(),
  protocols: servingEth.protocols(),
  listen: { host: '127.0.0.1', port: 0 },
  maxPeers: 10,
});
await serving.start();

// The client node: same network (Status must match), its own chain (only genesis here).
const clientEth = new EthService({ network: devnet.network, chain: generateDevnetChain({ length: 0 }).chain });
const client = new Server({ privateKey: generatePrivateKey(), protocols: clientEth.protocols(), listen: null });
await client.start();

const ethPeerReady = once(clientEth, 'peer:added') as Promise<[EthPeer]>;
const peer = await client.connect(serving.enode, { signal: AbortSignal.timeout(10_000) });
const [ethPeer] = await ethPeerReady;
console.log(`connected to ${peer.id.slice(0, 16)} over eth/${ethPeer.version}`);

const headers = await ethPeer.getBlockHeaders({ origin: { number: 1n }, amount: 8n }, { signal: AbortSignal.timeout(5_000) });
const bodies = await ethPeer.getBlockBodies(headers.map((h) => h.hash));
const receipts = await ethPeer.getReceipts(headers.map((h) => h.hash));
console.log(`headers ${headers[0]!.number}..${headers.at(-1)!.number}, ${bodies.length} bodies, ${receipts.receipts.length} receipt lists`);

await client.stop();
await serving.stop();
