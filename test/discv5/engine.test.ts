/**
 * discv5 nodes on an in-memory network: handshakes and session reuse, FINDNODE and NODES split
 * over packets, TALKREQ handlers, ENR updates via seq, the node filter, the bounds (sessions,
 * pending challenges, NODES packets per answer, TALKREQ handlers) and unsolicited input.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { EnrBuilder } from '../../src/enode/enr.js';
import { logDistance, makeNode, nodeFromEnr, type DiscNode } from '../../src/discv4/node.js';
import { MemoryNetwork, type MemoryTransport } from '../../src/discv4/udp.js';
import { Discv5 } from '../../src/discv5/discv5.js';
import { Discv5TimeoutError } from '../../src/discv5/errors.js';
import { collectTableNodes, MAX_NODES_RESPONSES, NODES_PACKET_SIZE_LIMIT, packNodes, FINDNODE_RESULT_LIMIT } from '../../src/discv5/nodes-response.js';
import { MessageType } from '../../src/discv5/messages.js';
import { SESSION_CACHE_SIZE, MAX_PENDING_CHALLENGES, HANDSHAKE_TIMEOUT_MS } from '../../src/discv5/session-cache.js';
import { MAX_ACTIVE_TALK_REQUESTS, TalkHandlers } from '../../src/discv5/talk.js';
import { RESP_TIMEOUT_MS } from '../../src/discv5/config.js';
import { Codec } from '../../src/discv5/codec.js';
import { SessionCache } from '../../src/discv5/session-cache.js';
import { shareTransport } from '../../src/discv5/shared-socket.js';
import { Discv4 } from '../../src/discv4/discv4.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

function node(net: MemoryNetwork, ip = '10.0.0.1', extra: Partial<ConstructorParameters<typeof Discv5>[0]> = {}): Discv5 {
  const n = new Discv5({ privateKey: generatePrivateKey(), transport: net.bind(ip), revalidateIntervalMs: 0, refreshIntervalMs: 0, ...extra });
  open.push(n);
  return n;
}

/** A table node at distance `d` from `of`, with a signed record and a liveness check passed. */
function liveNodeAt(of: Discv5, index: number): DiscNode {
  const key = generatePrivateKey();
  const enr = new EnrBuilder().ip(new Uint8Array([10, 1, index >> 8, index & 0xff])).udp(30303).sign(key, 1n);
  return nodeFromEnr(enr)!;
}

describe('discv5 engine', () => {
  it('a first PING makes a handshake (one WHOAREYOU), later PINGs reuse the session; PONG carries the observed address', async () => {
    const net = new MemoryNetwork();
    const a = node(net, '10.0.0.1');
    const b = node(net, '10.0.0.2');
    const pong = await a.ping(b.self);
    expect(pong.toIp).toBe('10.0.0.1');
    expect(pong.toPort).toBe(a.localAddress.port);
    expect(pong.enrSeq).toBe(b.localEnr.seq);
    expect(b.stats.whoareyouSent).toBe(1);
    expect(b.stats.handshakes).toBe(1);
    await a.ping(b.self);
    await b.ping(a.self); // the session works both ways
    expect(b.stats.whoareyouSent).toBe(1);
    expect(a.stats.whoareyouSent).toBe(0);
    // The handshake put A (its record has an endpoint) into B's table.
    expect(b.table.get(a.self.idHex)).toBeDefined();
  });

  it('FINDNODE: distance 0 is the record itself, other distances only live table nodes; a requester without a session is challenged first', async () => {
    const net = new MemoryNetwork();
    const a = node(net, '10.0.0.1');
    const b = node(net, '10.0.0.2');
    const enr = await a.requestEnr(b.self);
    expect(enr.nodeId).toEqual(b.selfId);
    const nodes = Array.from({ length: 40 }, (_, i) => liveNodeAt(b, i));
    for (const n of nodes) b.addNode(n);
    const byDist = new Map<number, DiscNode[]>();
    for (const n of nodes) {
      if (!b.table.get(n.idHex)) continue;
      const d = logDistance(b.selfId, n.id);
      byDist.set(d, [...(byDist.get(d) ?? []), n]);
    }
    const [d, atD] = [...byDist.entries()].sort((x, y) => y[1].length - x[1].length)[0]!;
    expect(await a.findNode(b.self, [d])).toEqual([]); // nothing live yet
    for (const n of atD) b.table.revalidated(n.idHex, true);
    const found = await a.findNode(b.self, [d]);
    expect(found.map((n) => n.idHex).sort()).toEqual(atD.slice(0, FINDNODE_RESULT_LIMIT).map((n) => n.idHex).sort());
    // A distance outside the answer's is refused by the asker's check.
    expect(await a.findNode(b.self, [d === 256 ? 255 : 256])).toEqual([]);
  });

  it('NODES is split over packets of at most 1000 record bytes, and the asker reads at most MAX_NODES_RESPONSES of them', () => {
    const recs = Array.from({ length: 16 }, (_, i) => new EnrBuilder().ip(new Uint8Array([10, 2, 0, i])).udp(30303).set('pad', new Uint8Array(120)).sign(generatePrivateKey(), 1n));
    const msgs = packNodes(new Uint8Array([1]), recs);
    expect(msgs.length).toBeGreaterThan(MAX_NODES_RESPONSES);
    for (const m of msgs) {
      expect(m.total).toBe(msgs.length);
      expect(m.records.reduce((s, r) => s + r.raw.length, 0)).toBeLessThanOrEqual(NODES_PACKET_SIZE_LIMIT);
    }
    expect(msgs.flatMap((m) => m.records)).toEqual(recs);
    expect(packNodes(new Uint8Array([1]), [])).toEqual([{ type: MessageType.Nodes, reqId: new Uint8Array([1]), total: 1, records: [] }]);
  });

  it('an answer announcing more NODES packets than MAX_NODES_RESPONSES ends after that many', async () => {
    const net = new MemoryNetwork();
    const a = node(net, '10.0.0.1');
    const b = node(net, '10.0.0.2');
    await a.ping(b.self);
    // Fill B with live nodes whose records are big (4 per NODES packet).
    const fat = Array.from({ length: 60 }, (_, i) => {
      const enr = new EnrBuilder().ip(new Uint8Array([10, 3, i >> 8, i & 0xff])).udp(30303).set('pad', new Uint8Array(150)).sign(generatePrivateKey(), 1n);
      return nodeFromEnr(enr)!;
    });
    for (const n of fat) {
      b.addNode(n);
      b.table.revalidated(n.idHex, true);
    }
    const dists = [...new Set(fat.filter((n) => b.table.get(n.idHex)).map((n) => logDistance(b.selfId, n.id)))];
    const answer = packNodes(new Uint8Array(0), collectTableNodes(b.table, b.localEnr, new Uint8Array([10, 0, 0, 1]), dists));
    expect(answer.length).toBeGreaterThan(MAX_NODES_RESPONSES);
    const sentBefore = b.stats.packetsOut;
    const t0 = Date.now();
    const found = await a.findNode(b.self, dists);
    // B sends every packet; A stops reading after MAX_NODES_RESPONSES of them (without waiting for a timeout).
    expect(b.stats.packetsOut - sentBefore).toBe(answer.length);
    expect(found.length).toBe(answer.slice(0, MAX_NODES_RESPONSES).reduce((n, m) => n + m.records.length, 0));
    expect(Date.now() - t0).toBeLessThan(RESP_TIMEOUT_MS);
  });

  it('TALKREQ goes to the registered handler; an unknown protocol gets an empty TALKRESP', async () => {
    const net = new MemoryNetwork();
    const a = node(net, '10.0.0.1');
    const b = node(net, '10.0.0.2');
    b.registerTalkHandler('echo', async (req) => Uint8Array.of(...[...req.message].reverse(), req.node ? 1 : 0));
    expect(await a.talkRequest(b.self, 'echo', Uint8Array.of(1, 2, 3))).toEqual(Uint8Array.of(3, 2, 1, 1));
    expect(await a.talkRequest(b.self, 'nobody', Uint8Array.of(1))).toEqual(new Uint8Array(0));
  });

  it('TALKREQ beyond MAX_ACTIVE_TALK_REQUESTS running handlers is dropped', () => {
    const t = new TalkHandlers(2);
    expect(MAX_ACTIVE_TALK_REQUESTS).toBe(1024);
    const answered: number[] = [];
    t.register('slow', () => new Promise<Uint8Array>(() => undefined));
    const req = { nodeId: new Uint8Array(32), from: { ip: '10.0.0.1', port: 1 }, protocol: 'slow', message: new Uint8Array(0) };
    for (let i = 0; i < 5; i++) t.handle(req, () => answered.push(i));
    expect(t.running).toBe(2);
    expect(t.dropped).toBe(3);
  });

  it('a newer record (updateEnr) reaches peers: the PONG announces the seq, requestEnr fetches it, a handshake carries it', async () => {
    const net = new MemoryNetwork();
    const a = node(net, '10.0.0.1');
    const b = node(net, '10.0.0.2');
    await a.ping(b.self);
    const updated = b.updateEnr((e) => e.set('foo', new Uint8Array([1])));
    const pong = await a.ping(b.self);
    expect(pong.enrSeq).toBe(updated.seq);
    expect((await a.requestEnr(b.self)).seq).toBe(updated.seq);
    // A fresh node C that knows B's old record receives the new one in B's handshake.
    const c = node(net, '10.0.0.3');
    await b.ping(c.self);
    expect(c.table.get(b.self.idHex)?.node.enr?.seq).toBe(updated.seq);
  });

  it('the node filter keeps refused nodes out of the table', async () => {
    const net = new MemoryNetwork();
    const a = node(net, '10.0.0.1');
    const b = node(net, '10.0.0.2', { nodeFilter: (n) => n.enr?.has('ok') ?? false });
    await a.ping(b.self);
    expect(b.table.get(a.self.idHex)).toBeUndefined();
    a.updateEnr((e) => e.set('ok', new Uint8Array([1])));
    const c = node(net, '10.0.0.3');
    c.updateEnr((e) => e.set('ok', new Uint8Array([1])));
    await c.ping(b.self);
    expect(b.table.get(c.self.idHex)).toBeDefined();
    expect(b.addNode(node(net, '10.0.0.4').self)).toBe(false);
  });

  it('unsolicited NODES and PONG are dropped; a WHOAREYOU that answers no call costs no crypto and is dropped', async () => {
    const net = new MemoryNetwork();
    const a = node(net, '10.0.0.1');
    const b = node(net, '10.0.0.2');
    await a.ping(b.self);
    // A's codec can write to B on the established session.
    const send = (m: Parameters<Codec['encodeMessage']>[2]): void => {
      const { packet } = a.codec.encodeMessage(b.selfId, `10.0.0.2:${b.localAddress.port}`, m);
      (net as unknown as { deliver(d: Uint8Array, f: unknown, t: unknown): void }).deliver(packet, a.localAddress, b.localAddress);
    };
    const fake = liveNodeAt(b, 7);
    send({ type: MessageType.Nodes, reqId: new Uint8Array([9]), total: 1, records: [fake.enr!] });
    send({ type: MessageType.Pong, reqId: new Uint8Array([9]), enrSeq: 1n, toIp: new Uint8Array([1, 2, 3, 4]), toPort: 1 });
    // A WHOAREYOU naming a nonce B never sent.
    const stray = new Codec({ privateKey: generatePrivateKey(), id: new Uint8Array(32), enr: () => a.localEnr }, new SessionCache(Date.now)).encodeWhoareyou(b.selfId, 'x', new Uint8Array(12));
    for (let i = 0; i < 100; i++) (net as unknown as { deliver(d: Uint8Array, f: unknown, t: unknown): void }).deliver(stray, a.localAddress, b.localAddress);
    await new Promise((r) => setTimeout(r, 50));
    expect(b.stats.dropped.unsolicited).toBe(2);
    expect(b.stats.dropped['unmatched-whoareyou']).toBe(100);
    expect(b.table.get(fake.idHex)).toBeUndefined();
  });

  it('a flood of packets from fresh IDs keeps at most MAX_PENDING_CHALLENGES challenges, and at most SESSION_CACHE_SIZE sessions are kept', async () => {
    expect(SESSION_CACHE_SIZE).toBe(1024);
    expect(MAX_PENDING_CHALLENGES).toBe(1024);
    expect(HANDSHAKE_TIMEOUT_MS).toBe(1000);
    const net = new MemoryNetwork();
    const b = node(net, '10.0.0.2', { sessionCacheSize: 8 });
    const flood = net.bind('10.9.9.9') as MemoryTransport;
    for (let i = 0; i < MAX_PENDING_CHALLENGES + 200; i++) {
      const id = new Uint8Array(32);
      new DataView(id.buffer).setUint32(0, i);
      const c = new Codec({ privateKey: generatePrivateKey(), id, enr: () => b.localEnr }, new SessionCache(Date.now));
      flood.send(c.encodeMessage(b.selfId, 'x', { type: MessageType.Ping, reqId: new Uint8Array([1]), enrSeq: 1n }).packet, b.localAddress);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(b.stats.whoareyouSent).toBe(MAX_PENDING_CHALLENGES + 200);
    expect(b.codec.sessions.challengeCount).toBe(MAX_PENDING_CHALLENGES);
    // Sessions: 12 peers handshake with B, whose cache holds 8.
    const peers = Array.from({ length: 12 }, (_, i) => node(net, `10.0.1.${i + 1}`));
    for (const p of peers) await p.ping(b.self);
    expect(b.sessionCount).toBe(8);
    // The evicted first peer is challenged again, and still gets its answer.
    const before = b.stats.whoareyouSent;
    await peers[0]!.ping(b.self);
    expect(b.stats.whoareyouSent).toBe(before + 1);
  });

  it('a request to a node that never answers fails with Discv5TimeoutError after RESP_TIMEOUT_MS; close fails the rest and clears timers', async () => {
    const net = new MemoryNetwork();
    const a = node(net, '10.0.0.1', { respTimeoutMs: 100 });
    const ghost = makeNode(new EnrBuilder().sign(generatePrivateKey(), 1n).publicKey, '10.0.0.99', 30303, 0);
    await expect(a.ping(ghost)).rejects.toBeInstanceOf(Discv5TimeoutError);
    const pending = a.ping(ghost);
    await a.close();
    await expect(pending).rejects.toThrow('closed');
    expect(a.activeTimers).toBe(0);
  });

  it('lookups over a small network find the closest nodes', async () => {
    const net = new MemoryNetwork();
    const nodes = Array.from({ length: 24 }, (_, i) => node(net, `10.0.2.${i + 1}`));
    // Everyone knows the first node; it knows everyone (live).
    for (const n of nodes.slice(1)) {
      n.addNode(nodes[0]!.self);
      nodes[0]!.addNode(n.self);
      nodes[0]!.table.revalidated(n.self.idHex, true);
    }
    const q = nodes[5]!;
    const target = nodes[17]!;
    const { nodes: found } = await q.lookup(target.self.publicKey);
    expect(found[0]!.idHex).toBe(target.self.idHex);
  });

  it('discv4 and discv5 share one socket: each gets its own packets', async () => {
    const net = new MemoryNetwork();
    const key = generatePrivateKey();
    const { v4, v5 } = shareTransport(net.bind('10.0.0.5'));
    const d4 = new Discv4({ privateKey: key, transport: v4, revalidateIntervalMs: 0, refreshIntervalMs: 0, rateLimit: false });
    const d5 = new Discv5({ privateKey: key, transport: v5, revalidateIntervalMs: 0, refreshIntervalMs: 0 });
    open.push(d4, d5);
    const p4 = new Discv4({ privateKey: generatePrivateKey(), transport: net.bind('10.0.0.6'), revalidateIntervalMs: 0, refreshIntervalMs: 0, rateLimit: false });
    const p5 = node(net, '10.0.0.7');
    open.push(p4);
    const pong4 = await p4.ping(d4.self);
    const pong5 = await p5.ping(d5.self);
    expect(pong4.rttMs).toBeGreaterThanOrEqual(0);
    expect(pong5.toIp).toBe('10.0.0.7');
    expect(Object.keys(d5.stats.dropped)).toEqual([]);
    expect(bytesToHex(d4.selfId)).toBe(bytesToHex(d5.selfId));
  });
});
