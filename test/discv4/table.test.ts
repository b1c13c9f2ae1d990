/** Kademlia table, IP helpers, rate limiter, node database and the lookup algorithm. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../src/crypto/keccak.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { EnrBuilder } from '../../src/enode/enr.js';
import {
  BUCKET_SIZE,
  DistinctNetSet,
  FileNodeDb,
  IpRateLimiter,
  MAX_REPLACEMENTS,
  MemoryNodeDb,
  N_BUCKETS,
  type DiscNode,
  Table,
  compareDistance,
  formatIp,
  isLan,
  logDistance,
  lookup,
  makeNode,
  normalizeIp,
  parseCidrList,
  parseIp,
  relayIpError,
  type LookupHost,
  NODE_DB_FILE,
} from '../../src/discv4/index.js';

const ip = (s: string): Uint8Array => parseIp(s)!;

/** A node whose ID is at log distance `d` from `self` (IDs are chosen directly, keys are fake). */
function nodeWithId(id: Uint8Array, addr: string): DiscNode {
  const pub = crypto.getRandomValues(new Uint8Array(64));
  return { ...makeNode(pub, addr, 30303, 30303), id, idHex: Buffer.from(id).toString('hex') };
}
function idAtDistance(self: Uint8Array, d: number): Uint8Array {
  const id = self.slice();
  const bit = 256 - d; // index of the first differing bit
  id[bit >> 3]! ^= 0x80 >> (bit & 7);
  // randomise the bits after it
  for (let i = bit + 1; i < 256; i++) if (Math.random() < 0.5) id[i >> 3]! ^= 0x80 >> (i & 7);
  return id;
}

describe('netutil', () => {
  it('parses and formats IPv4, IPv6 and mapped addresses', () => {
    expect(formatIp(ip('10.1.2.3'))).toBe('10.1.2.3');
    expect(formatIp(ip('::1'))).toBe('::1');
    expect(formatIp(ip('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(parseIp('300.1.1.1')).toBeUndefined();
  });

  it('classifies LAN and loopback like geth IsLAN', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '::1', 'fe80::1', 'fd00::1']) expect(isLan(ip(a)), a).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '2a01::1']) expect(isLan(ip(a)), a).toBe(false);
  });

  it('relay check: no LAN/loopback addresses from WAN senders, no special ranges', () => {
    expect(relayIpError(ip('8.8.8.8'), ip('10.0.0.1'))).toBeDefined();
    expect(relayIpError(ip('8.8.8.8'), ip('127.0.0.1'))).toBeDefined();
    expect(relayIpError(ip('10.0.0.2'), ip('127.0.0.1'))).toBeDefined();
    expect(relayIpError(ip('127.0.0.1'), ip('127.0.0.2'))).toBeUndefined();
    expect(relayIpError(ip('10.0.0.2'), ip('10.0.0.1'))).toBeUndefined();
    expect(relayIpError(ip('8.8.8.8'), ip('1.2.3.4'))).toBeUndefined();
    expect(relayIpError(ip('8.8.8.8'), ip('192.0.2.1'))).toBeDefined();
    expect(relayIpError(ip('8.8.8.8'), ip('0.0.0.0'))).toBeDefined();
  });

  it('DistinctNetSet counts per /24 with a limit', () => {
    const s = new DistinctNetSet(24, 2);
    expect(s.add(ip('1.2.3.4'))).toBe(true);
    expect(s.add(ip('1.2.3.5'))).toBe(true);
    expect(s.add(ip('1.2.3.6'))).toBe(false);
    expect(s.add(ip('1.2.4.6'))).toBe(true);
    s.remove(ip('1.2.3.4'));
    expect(s.add(ip('1.2.3.6'))).toBe(true);
  });

  it('parses netrestrict CIDR lists', () => {
    expect(parseCidrList('10.0.0.0/8, 192.168.0.0/16').length).toBe(2);
    expect(() => parseCidrList('10.0.0.0/33')).toThrow(RangeError);
  });
});

describe('distance', () => {
  it('logDistance and compareDistance follow geth', () => {
    const a = new Uint8Array(32);
    const b = new Uint8Array(32);
    expect(logDistance(a, b)).toBe(0);
    b[31] = 1;
    expect(logDistance(a, b)).toBe(1);
    b[0] = 0x80;
    expect(logDistance(a, b)).toBe(256);
    const c = new Uint8Array(32);
    c[0] = 0x40;
    expect(compareDistance(a, c, b)).toBeLessThan(0);
  });
});

describe('Table', () => {
  const self = keccak256(publicKeyOf(generatePrivateKey()));

  it(`has ${N_BUCKETS} buckets; distances <= 239 share bucket 0`, () => {
    const t = new Table(self);
    expect(t.bucketIndex(idAtDistance(self, 256))).toBe(16);
    expect(t.bucketIndex(idAtDistance(self, 240))).toBe(0);
    expect(t.bucketIndex(idAtDistance(self, 239))).toBe(0);
    expect(t.bucketIndex(idAtDistance(self, 1))).toBe(0);
  });

  it(`keeps ${BUCKET_SIZE} per bucket and ${MAX_REPLACEMENTS} replacements`, () => {
    const t = new Table(self);
    const results = Array.from({ length: 30 }, (_, i) => t.add(nodeWithId(idAtDistance(self, 256), `10.0.${i}.1`)));
    expect(results.filter((r) => r === 'added').length).toBe(BUCKET_SIZE);
    expect(t.bucketEntries(16).length).toBe(BUCKET_SIZE);
    expect(t.bucketReplacements(16).length).toBe(MAX_REPLACEMENTS);
  });

  it('limits public addresses to 2 per /24 per bucket and 10 per table; LAN exempt', () => {
    const t = new Table(self);
    const r = Array.from({ length: 3 }, () => t.add(nodeWithId(idAtDistance(self, 256), '1.2.3.' + Math.floor(Math.random() * 250 + 1))));
    expect(r).toEqual(['added', 'added', 'ip-limit']);
    const lan = Array.from({ length: 5 }, (_, i) => t.add(nodeWithId(idAtDistance(self, 255), `10.0.0.${i + 1}`)));
    expect(lan.every((x) => x === 'added')).toBe(true);
    const t2 = new Table(self);
    let added = 0;
    for (let d = 240; d <= 256; d++) for (let i = 0; i < 2; i++) if (t2.add(nodeWithId(idAtDistance(self, d), `5.6.7.${d - 200 + i * 60}`)) === 'added') added++;
    expect(added).toBe(10);
  });

  it('honours netrestrict and refuses ourselves', () => {
    const t = new Table(self, { netrestrict: parseCidrList('10.0.0.0/8') });
    expect(t.add(nodeWithId(idAtDistance(self, 250), '11.0.0.1'))).toBe('netrestrict');
    expect(t.add(nodeWithId(idAtDistance(self, 250), '10.0.0.1'))).toBe('added');
    expect(t.add(nodeWithId(self, '10.0.0.2'))).toBe('self');
  });

  it('revalidation: failures remove the node and promote a replacement; successes count', () => {
    const t = new Table(self);
    const nodes = Array.from({ length: BUCKET_SIZE + 2 }, (_, i) => nodeWithId(idAtDistance(self, 256), `10.0.${i}.1`));
    for (const n of nodes) t.add(n);
    const first = t.nextToRevalidate(0)!;
    t.revalidated(first.node.idHex, true);
    expect(t.get(first.node.idHex)!.livenessChecks).toBe(1);
    const second = t.nextToRevalidate(0)!;
    expect(second.node.idHex).not.toBe(first.node.idHex);
    t.revalidated(second.node.idHex, false);
    expect(t.get(second.node.idHex)).toBeUndefined();
    expect(t.bucketEntries(16).length).toBe(BUCKET_SIZE);
    expect(t.bucketReplacements(16).length).toBe(1);
  });

  it('a higher ENR seq replaces the stored node on revalidation', () => {
    const t = new Table(self);
    const key = generatePrivateKey();
    const n = makeNode(publicKeyOf(key), '10.0.0.1', 30303, 30303);
    t.add(n);
    const enr = new EnrBuilder().ip(ip('10.0.0.1')).udp(30303).sign(key, 5n);
    t.revalidated(n.idHex, true, { ...n, enr });
    expect(t.get(n.idHex)!.node.enr?.seq).toBe(5n);
  });

  it('closest returns nodes in distance order, preferring live ones when asked', () => {
    const t = new Table(self);
    const nodes = Array.from({ length: 40 }, (_, i) => makeNode(publicKeyOf(generatePrivateKey()), `10.1.${i}.1`, 30303, 0));
    for (const n of nodes) t.add(n);
    const target = crypto.getRandomValues(new Uint8Array(32));
    const c = t.closest(target, 16);
    for (let i = 1; i < c.length; i++) expect(compareDistance(target, c[i - 1]!.id, c[i]!.id)).toBeLessThan(0);
    const live = t.nodes()[0]!;
    t.revalidated(live.idHex, true);
    expect(t.closest(target, 16, true).map((n) => n.idHex)).toEqual([live.idHex]);
  });
});

describe('IpRateLimiter', () => {
  it('allows a burst of perMinute, then refills at perMinute/60 per second', () => {
    let now = 0;
    const l = new IpRateLimiter({ perMinute: 60, lanPerMinute: 600 }, () => now);
    let ok = 0;
    for (let i = 0; i < 100; i++) if (l.allow('8.8.8.8')) ok++;
    expect(ok).toBe(60);
    now += 1000;
    expect(l.allow('8.8.8.8')).toBe(true);
    expect(l.allow('8.8.8.8')).toBe(false);
    ok = 0;
    for (let i = 0; i < 1000; i++) if (l.allow('127.0.0.1')) ok++;
    expect(ok).toBe(600);
  });
});

describe('node database', () => {
  it('memory db: bond times, fails, seeds by recency', () => {
    const db = new MemoryNodeDb();
    const a = makeNode(publicKeyOf(generatePrivateKey()), '10.0.0.1', 30303, 0);
    const b = makeNode(publicKeyOf(generatePrivateKey()), '10.0.0.2', 30303, 0);
    db.updateNode(a);
    db.updateNode(b);
    db.updateLastPongReceived(a.idHex, a.ip, 1000);
    db.updateLastPongReceived(b.idHex, b.ip, 2000);
    db.updateFindFails(a.idHex, a.ip, 3);
    expect(db.findFails(a.idHex, a.ip)).toBe(3);
    expect(db.lastPongReceived(a.idHex, '10.9.9.9')).toBe(0);
    expect(db.seedNodes(10, 5000, 3000).map((n) => n.idHex)).toEqual([b.idHex, a.idHex]);
    expect(db.seedNodes(10, 1500, 3000).map((n) => n.idHex)).toEqual([b.idHex]);
  });

  it('memory db is bounded: the least recently updated entry goes first', () => {
    const db = new MemoryNodeDb(3);
    for (let i = 0; i < 5; i++) db.updateLastPingReceived(`id${i}`, '10.0.0.1', i);
    expect(db.size).toBe(3);
    expect(db.lastPingReceived('id0', '10.0.0.1')).toBe(0);
    expect(db.lastPingReceived('id4', '10.0.0.1')).toBe(4);
  });

  it('file db persists across reopen (JSON lines) and skips damaged lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'discv4-db-'));
    try {
      const key = generatePrivateKey();
      const enr = new EnrBuilder().ip(ip('10.0.0.1')).udp(30303).tcp(30303).sign(key, 7n);
      const n = { ...makeNode(publicKeyOf(key), '10.0.0.1', 30303, 30303), enr };
      const now = Date.now();
      const db = await FileNodeDb.open(dir, { flushIntervalMs: 0 });
      db.updateNode(n);
      db.updateLastPongReceived(n.idHex, n.ip, now);
      db.updateLastPingReceived('ab'.repeat(32), '10.0.0.9', now - 10 * 24 * 3600_000); // expired on load
      await db.close();
      await writeFile(join(dir, NODE_DB_FILE), (await readFile(join(dir, NODE_DB_FILE), 'utf8')) + '{not json\n');
      const db2 = await FileNodeDb.open(dir, { flushIntervalMs: 0 });
      expect(db2.lastPongReceived(n.idHex, n.ip)).toBe(now);
      expect(db2.size).toBe(1);
      const seeds = db2.seedNodes(5, 3600_000, now);
      expect(seeds[0]?.enr?.seq).toBe(7n);
      await db2.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('lookup algorithm (in-memory host)', () => {
  /** A perfect network: each node answers with the 16 closest of all nodes. */
  function network(size: number): { host: (self: DiscNode) => LookupHost; all: DiscNode[]; inFlightMax: () => number } {
    const all = Array.from({ length: size }, (_, i) => makeNode(crypto.getRandomValues(new Uint8Array(64)), `10.2.${i >> 8}.${i & 255}`, 30303, 0));
    let inFlight = 0;
    let max = 0;
    const closestOf = (target: Uint8Array, n: number, pool: DiscNode[]): DiscNode[] => [...pool].sort((a, b) => compareDistance(target, a.id, b.id)).slice(0, n);
    return {
      all,
      inFlightMax: () => max,
      host: (self) => ({
        selfId: self.id,
        closest: (t, n) => closestOf(t, n, all.slice(0, 5)),
        findNode: async (node, target) => {
          inFlight++;
          max = Math.max(max, inFlight);
          await new Promise((r) => setTimeout(r, 1));
          inFlight--;
          return closestOf(keccak256(target), 16, all.filter((x) => x !== node));
        },
      }),
    };
  }

  it('finds the true 16 closest with at most 3 queries in flight', async () => {
    const net = network(300);
    const self = net.all[0]!;
    const target = crypto.getRandomValues(new Uint8Array(64));
    const res = await lookup(net.host(self), target);
    const tid = keccak256(target);
    const want = net.all
      .filter((n) => n !== self)
      .sort((a, b) => compareDistance(tid, a.id, b.id))
      .slice(0, 16)
      .map((n) => n.idHex);
    expect(res.nodes.map((n) => n.idHex)).toEqual(want);
    expect(net.inFlightMax()).toBeLessThanOrEqual(3);
  });

  it('an aborted lookup stops querying', async () => {
    const net = network(100);
    const ac = new AbortController();
    ac.abort();
    const res = await lookup(net.host(net.all[0]!), crypto.getRandomValues(new Uint8Array(64)), { signal: ac.signal });
    expect(res.stats.queries).toBe(0);
  });
});
