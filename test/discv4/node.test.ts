/** Two of our nodes over loopback UDP: bonding, FindNode, ENRRequest, lookups, timers. */
import { afterEach, describe, expect, it } from 'vitest';
import { keccak256 } from '../../src/crypto/keccak.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { Discv4, Discv4ClosedError, Discv4TimeoutError, makeNode, MemoryNodeDb, nodeFromEnr, parseCidrList, type DiscNode } from '../../src/discv4/index.js';
import { startNode } from './support.js';

const nodes: Discv4[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function pair(): Promise<[Discv4, Discv4]> {
  const a = await startNode();
  const b = await startNode();
  nodes.push(a, b);
  return [a, b];
}

describe('discv4 node over loopback', () => {
  it('ping resolves with the Pong: observed endpoint and EIP-868 enr-seq', async () => {
    const [a, b] = await pair();
    const pong = await a.ping(b.self);
    expect(pong.enrSeq).toBe(b.localEnr.seq);
    expect(pong.to.udpPort).toBe(a.localAddress.port);
    expect(Array.from(pong.to.ip)).toEqual([127, 0, 0, 1]);
  });

  it('a ping from an unknown node is answered with a Pong and a Ping back; both sides end up bonded', async () => {
    const [a, b] = await pair();
    await a.ping(b.self);
    // b pinged a back at once; a answered, so b now holds a proof for a.
    await waitFor(() => b.isBonded(a.self.idHex, '127.0.0.1'));
    expect(a.isBonded(b.self.idHex, '127.0.0.1')).toBe(true);
    await waitFor(() => b.table.get(a.self.idHex) !== undefined);
  });

  it('concurrent pings to one node all resolve (shared request, no collision)', async () => {
    const [a, b] = await pair();
    const results = await Promise.all([a.ping(b.self), a.ping(b.self), a.ping(b.self)]);
    expect(results).toHaveLength(3);
  });

  it('findNode bonds first, then returns the nodes of the remote table closest to the target', async () => {
    const [a, b] = await pair();
    const fakes = Array.from({ length: 20 }, (_, i) => makeNode(publicKeyOf(generatePrivateKey()), '127.0.0.1', 2000 + i, 2000 + i));
    for (const f of fakes) b.table.add(f);
    const target = publicKeyOf(generatePrivateKey());
    const found = await a.findNode(b.self, target);
    expect(found.length).toBeGreaterThanOrEqual(15);
    const expected = b.table
      .closest(keccak256(target), 16, true)
      .filter((n) => n.idHex !== a.self.idHex)
      .map((n) => n.idHex);
    expect(found.map((n) => n.idHex).sort()).toEqual([...expected].sort());
  });

  it('Neighbors entries with UDP ports <= 1024 or outside netrestrict are dropped', async () => {
    const a = await startNode({ netrestrict: parseCidrList('127.0.0.0/8') });
    const b = await startNode();
    nodes.push(a, b);
    const low = makeNode(publicKeyOf(generatePrivateKey()), '127.0.0.1', 1024, 1024);
    const ok = makeNode(publicKeyOf(generatePrivateKey()), '127.0.0.1', 1025, 1025);
    const outside = makeNode(publicKeyOf(generatePrivateKey()), '10.0.0.1', 30303, 30303);
    for (const n of [low, ok, outside]) b.table.add(n);
    const found = (await a.findNode(b.self, publicKeyOf(generatePrivateKey()), { timeoutMs: 200 })).map((n) => n.idHex);
    expect(found).toContain(ok.idHex);
    expect(found).not.toContain(low.idHex);
    expect(found).not.toContain(outside.idHex);
  });

  it('revalidation fetches the ENR when a Pong announces a higher seq', async () => {
    const a = await startNode({ revalidateIntervalMs: 20 });
    const b = await startNode();
    nodes.push(a, b);
    a.table.add(b.self);
    const newer = b.updateEnr((e) => e.set('foo', Uint8Array.of(1)));
    a.start();
    await waitFor(() => a.table.get(b.self.idHex)?.node.enr?.seq === newer.seq, 5000);
  });

  it(`a node that fails FindNode ${5} times in a row leaves the table (bucket permitting)`, async () => {
    const db = new MemoryNodeDb();
    const a = await startNode({ db, respTimeoutMs: 50 });
    nodes.push(a);
    const dead = Array.from({ length: 40 }, (_, i) => makeNode(publicKeyOf(generatePrivateKey()), '127.0.0.1', 2000 + i, 0));
    for (const n of dead) {
      a.table.add(n);
      db.updateFindFails(n.idHex, n.ip, 4);
    }
    const before = a.table.size;
    const res = await a.lookup();
    expect(res.stats.failures).toBeGreaterThan(0);
    expect(a.table.size).toBeLessThan(before);
    expect(a.table.size).toBeGreaterThanOrEqual(before - res.stats.failures);
  });

  it('a sparse table is refreshed again sooner than the full interval', async () => {
    const boot = await startNode();
    const c = await startNode();
    nodes.push(boot, c);
    const a = await startNode({ bootnodes: [boot.self], refreshIntervalMs: 600_000, sparseRefreshIntervalMs: 300, respTimeoutMs: 100 });
    nodes.push(a);
    a.start();
    await waitFor(() => a.table.get(boot.self.idHex) !== undefined);
    // The bootnode learns about c only now; a's next refresh (table < 16) finds it.
    boot.table.add(c.self);
    await waitFor(() => a.table.get(c.self.idHex) !== undefined, 5000);
  });

  it('refresh seeds the table from the node database', async () => {
    const b = await startNode();
    nodes.push(b);
    const db = new MemoryNodeDb();
    db.updateNode(b.self);
    db.updateLastPongReceived(b.self.idHex, b.self.ip, Date.now());
    const a = await startNode({ db, respTimeoutMs: 100 });
    nodes.push(a);
    await a.refresh(0);
    expect(a.table.get(b.self.idHex)).toBeDefined();
  });

  it('requestEnr returns the remote record, checked against its node ID', async () => {
    const [a, b] = await pair();
    const enr = await a.requestEnr(b.self);
    expect(enr.seq).toBe(b.localEnr.seq);
    expect(enr.udp()).toBe(b.localAddress.port);
    expect(Buffer.from(enr.nodeId).toString('hex')).toBe(b.self.idHex);
  });

  it('resolve returns the node with its ENR', async () => {
    const [a, b] = await pair();
    const r = await a.resolve(b.self);
    expect(r?.enr?.seq).toBe(b.localEnr.seq);
  });

  it('a lookup through a bootnode finds the other nodes', async () => {
    const boot = await startNode({ respTimeoutMs: 150 });
    nodes.push(boot);
    const others: Discv4[] = [];
    for (let i = 0; i < 5; i++) {
      const n = await startNode({ bootnodes: [boot.self], respTimeoutMs: 150 });
      nodes.push(n);
      others.push(n);
    }
    for (const n of others) await n.refresh(0);
    const res = await others[0]!.lookup();
    const ids = new Set(res.nodes.map((n) => n.idHex));
    expect(ids.has(boot.self.idHex)).toBe(true);
    for (const n of others.slice(1)) expect(ids.has(n.self.idHex)).toBe(true);
    expect(res.stats.queries).toBeGreaterThan(0);
  });

  it('randomNodes yields distinct nodes and ends at max', async () => {
    const a = await startNode({ respTimeoutMs: 100 });
    const b = await startNode();
    nodes.push(a, b);
    for (let i = 0; i < 10; i++) b.table.add(makeNode(publicKeyOf(generatePrivateKey()), '127.0.0.1', 3000 + i, 0));
    a.table.add(b.self);
    const seen: DiscNode[] = [];
    for await (const n of a.randomNodes({ max: 5, signal: AbortSignal.timeout(5000) })) seen.push(n);
    expect(seen.length).toBe(5);
    expect(new Set(seen.map((n) => n.idHex)).size).toBe(5);
  });

  it('a ping to a silent address times out with a typed error', async () => {
    const [a] = await pair();
    const silent = makeNode(publicKeyOf(generatePrivateKey()), '127.0.0.1', 9, 0);
    await expect(a.ping(silent, { timeoutMs: 100 })).rejects.toBeInstanceOf(Discv4TimeoutError);
  });

  it('requests honour an AbortSignal', async () => {
    const [a] = await pair();
    const silent = makeNode(publicKeyOf(generatePrivateKey()), '127.0.0.1', 9, 0);
    const ac = new AbortController();
    const p = a.ping(silent, { signal: ac.signal, timeoutMs: 10_000 });
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(p).rejects.toMatchObject({ name: 'AbortError', cause: reason });
  });

  it('close() fails pending requests and leaves no timer armed', async () => {
    const a = await startNode({ revalidateIntervalMs: 1000, refreshIntervalMs: 60_000 });
    a.start();
    const silent = makeNode(publicKeyOf(generatePrivateKey()), '127.0.0.1', 9, 0);
    const p = a.ping(silent, { timeoutMs: 10_000 });
    expect(a.activeTimers).toBeGreaterThan(0);
    await a.close();
    await expect(p).rejects.toBeInstanceOf(Discv4ClosedError);
    expect(a.activeTimers).toBe(0);
  });

  it('revalidation pings table nodes and removes dead ones', async () => {
    const [a, b] = await pair();
    const dead = makeNode(publicKeyOf(generatePrivateKey()), '127.0.0.1', 9, 0);
    a.table.add(dead);
    a.table.add(b.self);
    const r = await startNode({ revalidateIntervalMs: 20, respTimeoutMs: 100 });
    nodes.push(r);
    r.table.add(dead);
    r.table.add(b.self);
    r.start();
    await waitFor(() => r.table.get(dead.idHex) === undefined && (r.table.get(b.self.idHex)?.livenessChecks ?? 0) > 0, 5000);
  });
});


async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('discv4 node over IPv6 loopback', () => {
  it('ping and requestEnr work on ::1; the ENR carries ip6/udp6', async () => {
    let a: Discv4;
    try {
      a = await startNode({}, '::1');
    } catch {
      return; // no IPv6 on this host
    }
    const b = await startNode({}, '::1');
    nodes.push(a, b);
    const pong = await a.ping(b.self);
    expect(pong.to.ip.length).toBe(16);
    const enr = await a.requestEnr(b.self);
    expect(enr.udp6()).toBe(b.localAddress.port);
    expect(nodeFromEnr(enr)?.ip).toBe('::1');
  });
});
