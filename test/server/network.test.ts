/**
 * Whole-node behaviour: a 30-node loopback network (discv4 + RLPx + eth in one process) forms a
 * connected peer graph within its limits, and stopping every node leaves no handles behind.
 */
import { describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { P2PNode } from '../../src/sync/node/p2p-node.js';

function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const tick = () => (cond() ? resolve(true) : Date.now() - t0 > ms ? resolve(false) : setTimeout(tick, 100));
    tick();
  });
}

/** Resource kinds that outlive a stopped node if something leaked (sockets, timers). */
function openResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (['TCPSocketWrap', 'TCPServerWrap', 'UDPWrap', 'Timeout'].includes(r)) out[r] = (out[r] ?? 0) + 1;
  return out;
}

describe('a 30-node loopback network', () => {
  it('forms one connected peer graph within the peer limits, and stop() leaves no handles', async () => {
    const before = openResources();
    const devnet = generateDevnetChain({ length: 4 });
    const MAX_PEERS = 8;
    const nodes: P2PNode[] = [];
    try {
      const boot = await P2PNode.start({ network: devnet.network, chain: devnet.chain, privateKey: generatePrivateKey(), addr: { host: '127.0.0.1', port: 0 }, maxPeers: MAX_PEERS });
      nodes.push(boot);
      for (let i = 1; i < 30; i++) {
        nodes.push(await P2PNode.start({ network: devnet.network, chain: devnet.chain, privateKey: generatePrivateKey(), addr: { host: '127.0.0.1', port: 0 }, maxPeers: MAX_PEERS, bootnodes: [parseEnode(boot.enode)] }));
      }
      const connected = () => {
        // Union-find over eth peer links: one component spanning every node.
        const index = new Map(nodes.map((n, i) => [n.server.id, i]));
        const parent = nodes.map((_, i) => i);
        const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
        for (const [i, n] of nodes.entries()) for (const id of n.eth.peers.keys()) {
          const j = index.get(id);
          if (j !== undefined) parent[find(i)] = find(j);
        }
        return new Set(nodes.map((_, i) => find(i))).size === 1;
      };
      const ok = await waitFor(connected, 60_000);
      const degrees = nodes.map((n) => n.server.peers.length);
      expect(ok, `degrees ${degrees.join(',')}`).toBe(true);
      for (const n of nodes) {
        const c = n.server.counts();
        expect(c.inbound + c.outbound).toBeLessThanOrEqual(MAX_PEERS);
        expect(c.outbound).toBeLessThanOrEqual(Math.floor(MAX_PEERS / 3)); // the dial ratio
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
    await new Promise((r) => setTimeout(r, 1_200)); // Disconnect lingers are bounded at 1 s
    const after = openResources();
    for (const k of ['TCPSocketWrap', 'TCPServerWrap', 'UDPWrap', 'Timeout']) expect(after[k] ?? 0, `${k} left open`).toBeLessThanOrEqual(before[k] ?? 0);
  }, 120_000);
});
