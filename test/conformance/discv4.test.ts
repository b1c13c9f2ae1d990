/** The discv4 suite against our own Discv4 node on 127.0.0.1 (and 127.0.0.2 for the per-IP proof). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discv4Checks } from '../../src/conformance/discv4/suite.js';
import { runChecks } from '../../src/conformance/runner.js';
import { Discv4 } from '../../src/discv4/discv4.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import type { Discv4Target } from '../../src/conformance/discv4/target.js';
import { failures } from './support.js';

let node: Discv4;
let target: Discv4Target;
beforeAll(async () => {
  node = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: 0, refreshIntervalMs: 0 });
  target = { node: { publicKey: node.publicKey, ip: '127.0.0.1', udpPort: node.localAddress.port }, waitMs: 500 };
});
afterAll(async () => {
  await node?.close();
});

describe('discv4 suite against our node', () => {
  it('every check passes', async () => {
    const results = await runChecks(discv4Checks(), target);
    expect(failures(results)).toEqual([]);
    expect(results.filter((r) => r.status !== 'pass').map((r) => r.name)).toEqual([]);
    expect(results.length).toBe(discv4Checks().length);
  }, 30_000);

  it('the ENR check records what the record holds', async () => {
    const [r] = await runChecks(discv4Checks(), target, { filter: /ENRRequest\/Basic/ });
    expect(r!.notes[0]).toBe(`record seq ${node.localEnr.seq}, keys ${node.localEnr.keys().join(',')}`);
  });

  it('a node off loopback without --listen2 skips the per-IP proof check', async () => {
    const [s] = await runChecks(discv4Checks(), { node: { ...target.node, ip: '192.0.2.1' }, waitMs: 50 }, { filter: /WrongIP/ });
    expect(s).toMatchObject({ status: 'skip', reason: 'needs a second local IP (--listen2)' });
  });
});
