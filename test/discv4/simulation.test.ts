/**
 * 200 of our nodes in one process on an in-memory network: real packets and protocol rules,
 * with the simulation's unsigned stand-in for ECDSA (see src/discv4/simulation.ts; the other
 * test files cover signatures). After each node bootstraps from node 0 (self lookup), lookups
 * for random targets must find the true 16 closest nodes for at least 95% of targets.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Simulation } from '../../src/testing/index.js';

const SIZE = 200;
const TARGETS = 100;

describe(`simulated network of ${SIZE} nodes`, () => {
  const sim = Simulation.create({ size: SIZE, concurrency: 32, respTimeoutMs: 500 });
  afterAll(() => sim.close());

  it('lookups for random targets find the true 16 closest for >= 95% of targets', async () => {
    const boot = await sim.bootstrap();
    const q = await sim.measureLookups(TARGETS);
    const tableSizes = sim.nodes.map((n) => n.table.size);
    console.log(
      `discv4 simulation: ${SIZE} nodes, bootstrap ${(boot.ms / 1000).toFixed(1)} s / ${boot.packets} datagrams; ` +
        `${q.exact}/${q.targets} lookups exact; per lookup ${q.meanQueries.toFixed(1)} FINDNODE, ` +
        `${q.meanPackets.toFixed(0)} datagrams, ${q.meanMs.toFixed(0)} ms, ${q.meanFailures.toFixed(2)} failed queries; ` +
        `table size min ${Math.min(...tableSizes)} mean ${(tableSizes.reduce((a, b) => a + b, 0) / SIZE).toFixed(0)}`,
    );
    expect(q.exact / q.targets).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});
