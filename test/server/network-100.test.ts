/**
 * A 100-node loopback network of our nodes (discv4 + RLPx + eth) in four processes of 25 nodes:
 * it forms one connected eth peer graph, every node within max peers and the dial ratio.
 * (In one process 100 nodes starve the event loop on a 2-core machine; see network.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopProcess } from '../../src/testing/geth-node.js';

const WORKER = fileURLToPath(new URL('../support/net-node-worker.mjs', import.meta.url));
const MAX_PEERS = 8;

interface NodeState { id: string; enode: string; eth: string[]; table: number; inbound: number; outbound: number }

function worker(boot: string, count: number, onState: (s: NodeState[]) => void): ChildProcess {
  const child = spawn(process.execPath, [WORKER, boot, String(count), String(MAX_PEERS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      onState(JSON.parse(l) as NodeState[]);
    } catch {
      // not a state line
    }
  });
  return child;
}


describe('a 100-node loopback network in four processes', () => {
  it('forms one connected eth peer graph within the limits', async () => {
    const states = new Map<number, NodeState[]>();
    const children: ChildProcess[] = [];
    try {
      const first = worker('', 25, (s) => states.set(0, s));
      children.push(first);
      for (let i = 0; i < 300 && !states.get(0); i++) await new Promise((r) => setTimeout(r, 100));
      const boot = states.get(0)![0]!.enode;
      for (let w = 1; w < 4; w++) children.push(worker(boot, 25, (s) => states.set(w, s)));
      const all = () => [...states.values()].flat();
      const connected = () => {
        const nodes = all();
        if (nodes.length < 100) return false;
        const index = new Map(nodes.map((n, i) => [n.id, i]));
        const parent = nodes.map((_, i) => i);
        const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
        for (const [i, n] of nodes.entries()) for (const id of n.eth) {
          const j = index.get(id);
          if (j !== undefined) parent[find(i)] = find(j);
        }
        return new Set(nodes.map((_, i) => find(i))).size === 1;
      };
      const t0 = Date.now();
      while (!connected() && Date.now() - t0 < 150_000) await new Promise((r) => setTimeout(r, 500));
      const nodes = all();
      expect(nodes.length).toBe(100);
      expect(connected(), `eth degrees: ${nodes.map((n) => n.eth.length).join(',')}; in/out: ${nodes.map((n) => `${n.inbound}/${n.outbound}`).join(',')}; discv4 table sizes: ${nodes.map((n) => n.table).join(',')}`).toBe(true);
      for (const n of nodes) {
        expect(n.inbound + n.outbound).toBeLessThanOrEqual(MAX_PEERS);
        expect(n.outbound).toBeLessThanOrEqual(Math.floor(MAX_PEERS / 3));
      }
    } finally {
      await Promise.all(children.map((c) => stopProcess(c)));
    }
  }, 240_000);
});
