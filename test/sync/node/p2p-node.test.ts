import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../../src/crypto/secp256k1.js';
import { parseEnode } from '../../../src/enode/enode-url.js';
import { generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import { P2PNode } from '../../../src/sync/node/p2p-node.js';
import { freePort } from '../../interop/geth-harness.js';

const nodes: P2PNode[] = [];
afterEach(async () => {
  while (nodes.length) await nodes.pop()!.stop();
});

function waitFor(cond: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error('condition not met in time')) : setTimeout(tick, 50));
    tick();
  });
}

describe('p2p node: discovery feeds the dialer', () => {
  it('nodes that only know a bootnode find each other through discv4 and connect over eth', async () => {
    const devnet = generateDevnetChain({ length: 8 });
    const start = async (bootnodes: string[] = []) => {
      const n = await P2PNode.start({
        network: devnet.network,
        chain: devnet.chain,
        privateKey: generatePrivateKey(),
        addr: { host: '127.0.0.1', port: await freePort() },
        bootnodes: bootnodes.map(parseEnode),
      });
      nodes.push(n);
      return n;
    };
    const boot = await start();
    const others = [await start([boot.enode]), await start([boot.enode]), await start([boot.enode])];
    // Each non-bootnode ends up with eth peers other than the bootnode: learned from discovery.
    await waitFor(() => others.every((n) => [...n.eth.peers.keys()].some((id) => id !== boot.server.id)), 20_000);
    for (const n of others) expect(n.discv4!.table.size).toBeGreaterThanOrEqual(2);
  }, 30_000);
});
