/**
 * Bonding before our own requests (Discv4.ensureBond and the resend after a fresh Pong), on
 * the in-memory network so single datagrams can be delayed or dropped: a FindNode or
 * ENRRequest that overtakes the Pong proving us is resent once and answered; without
 * reordering nothing is resent; a lost resend ends in a timeout, not a loop; the wait for the
 * remote's ping-back is bounded, abortable and cleared by close().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { BOND_MOVES, BondAttempt, type BondState } from '../../src/discv4/bonding.js';
import {
  Discv4,
  Discv4ClosedError,
  Discv4TimeoutError,
  HEADER_SIZE,
  makeNode,
  PacketType,
  type UdpAddress,
} from '../../src/discv4/index.js';
import { MemoryNetwork } from '../../src/testing/index.js';

const cfg = { revalidateIntervalMs: 0, refreshIntervalMs: 0 };
const A_IP = '10.0.0.1';
const B_IP = '10.0.0.2';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/**
 * A network of `a` and `b` (b knows `bKnows` other nodes, so its Neighbors are not empty; with
 * 16 or more a FindNode completes without waiting for its timeout), with a rule per datagram: 'pass', 'drop', or a delay in ms. Counts what passes the rule, per
 * "fromIp>toIp:type".
 */
function setup(respTimeoutMs: number, rule: (type: number, from: UdpAddress, to: UdpAddress) => 'pass' | 'drop' | number = () => 'pass', bKnows = 1) {
  const net = new MemoryNetwork();
  const keyA = generatePrivateKey();
  const a = new Discv4({ privateKey: keyA, transport: net.bind(A_IP, 30303), respTimeoutMs, ...cfg });
  const b = new Discv4({ privateKey: generatePrivateKey(), transport: net.bind(B_IP, 30303), respTimeoutMs, ...cfg });
  for (let i = 0; i < bKnows; i++) b.table.add(makeNode(publicKeyOf(generatePrivateKey()), `10.1.${i}.1`, 30303, 30303));
  const sent = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let reinject = false;
  net.filter = (data, from, to) => {
    if (reinject) return true;
    const type = data[HEADER_SIZE]!;
    const k = `${from.ip}>${to.ip}:${type}`;
    sent.set(k, (sent.get(k) ?? 0) + 1);
    const r = rule(type, from, to);
    if (r === 'pass') return true;
    if (r === 'drop') return false;
    const t = setTimeout(() => {
      timers.delete(t);
      reinject = true;
      net.deliver(data, from, to);
      reinject = false;
    }, r);
    timers.add(t);
    return false;
  };
  cleanups.push(async () => {
    net.filter = undefined;
    for (const t of timers) clearTimeout(t);
    await Promise.all([a.close(), b.close()]);
  });
  const count = (from: string, to: string, type: PacketType): number => sent.get(`${from}>${to}:${type}`) ?? 0;
  return { net, a, b, keyA, count };
}

/** Resolves when `node` has handled a packet of `type`. */
function nextPacket(node: Discv4, type: PacketType): Promise<void> {
  return new Promise((resolve) => {
    const on = (t: PacketType): void => {
      if (t !== type) return;
      node.off('packet', on);
      resolve();
    };
    node.on('packet', on);
  });
}

const target = () => publicKeyOf(generatePrivateKey());

describe('discv4 bonding before our requests', () => {
  it('a FindNode right after a fresh bond is answered even when our Pong is overtaken: it is resent once', async () => {
    const { a, b, count } = setup(300, (type, from) => (from.ip === A_IP && type === PacketType.Pong ? 50 : 'pass'));
    const found = await a.findNode(b.self, target());
    expect(found.length).toBeGreaterThan(0);
    // The first FindNode arrived before our Pong and was dropped; the resend was answered.
    expect(b.stats.dropped['no-endpoint-proof']).toBe(1);
    expect(count(A_IP, B_IP, PacketType.FindNode)).toBe(2);
    expect(a.activeTimers).toBe(0);
  });

  it('the same holds when the remote pinged us first (no ping of ours, our Pong still in flight)', async () => {
    const { a, b, count } = setup(300, (type, from) => (from.ip === A_IP && type === PacketType.Pong ? 50 : 'pass'));
    const pinged = nextPacket(a, PacketType.Ping);
    const bPing = b.ping(a.self);
    await pinged; // a answered with a Pong that is now delayed
    const found = await a.findNode(b.self, target());
    expect(found.length).toBeGreaterThan(0);
    expect(count(A_IP, B_IP, PacketType.Ping)).toBe(1); // a's ping-back only: no ensureBond ping
    expect(count(A_IP, B_IP, PacketType.FindNode)).toBe(2);
    await bPing;
  });

  it('an ENRRequest that overtakes our Pong is resent and answered', async () => {
    const { a, b, count } = setup(300, (type, from) => (from.ip === A_IP && type === PacketType.Pong ? 50 : 'pass'));
    const enr = await a.requestEnr(b.self);
    expect(enr.seq).toBe(b.localEnr.seq);
    expect(count(A_IP, B_IP, PacketType.EnrRequest)).toBe(2);
  });

  it('without reordering a FindNode after a fresh bond goes out once (no resend, no delay to pay)', async () => {
    // A long reply timeout: the resend point (respTimeout / 2 after our Pong) is far away.
    const { a, b, count } = setup(4000, undefined, 20);
    const found = await a.findNode(b.self, target());
    expect(found.length).toBeGreaterThanOrEqual(15); // 16 entries, one of them a itself
    expect(count(A_IP, B_IP, PacketType.FindNode)).toBe(1);
    expect(b.stats.dropped['no-endpoint-proof']).toBeUndefined();
    expect(a.activeTimers).toBe(0);
  });

  it('a resend is sent at most once: if both are lost the FindNode times out', async () => {
    const { a, b, count } = setup(200, (type, from) => (from.ip === A_IP && type === PacketType.FindNode ? 'drop' : 'pass'));
    await expect(a.findNode(b.self, target())).rejects.toBeInstanceOf(Discv4TimeoutError);
    expect(count(A_IP, B_IP, PacketType.FindNode)).toBe(2);
    expect(a.activeTimers).toBe(0);
  });

  it('a node that already holds our proof (and so never pings back) is asked after a bounded wait', async () => {
    const { net, a, b, keyA, count } = setup(200);
    await a.ping(b.self);
    await new Promise<void>((resolve) => (b.isBonded(a.self.idHex, A_IP) ? resolve() : b.once('node:added', () => resolve())));
    // Same key and IP, fresh database: it has no Ping from b on file, but b holds its proof.
    const a2 = new Discv4({ privateKey: keyA, transport: net.bind(A_IP, 30304), respTimeoutMs: 200, ...cfg });
    cleanups.push(() => a2.close());
    const pingsToA = count(B_IP, A_IP, PacketType.Ping);
    const found = await a2.findNode(b.self, target());
    expect(found.length).toBeGreaterThan(0);
    expect(count(B_IP, A_IP, PacketType.Ping)).toBe(pingsToA); // b did not ping back
    expect(a2.activeTimers).toBe(0);
  });

  it('close() during the wait for the ping-back rejects the FindNode as closed and leaves no timer', async () => {
    // b's Pings never arrive, so a waits (up to respTimeout) for b's ping-back.
    const { a, b } = setup(5000, (type, from) => (from.ip === B_IP && type === PacketType.Ping ? 'drop' : 'pass'));
    const ponged = nextPacket(a, PacketType.Pong);
    const res = a.findNode(b.self, target());
    await ponged;
    await new Promise((r) => setImmediate(r));
    expect(a.activeTimers).toBe(1); // the bond wait
    await a.close();
    await expect(res).rejects.toBeInstanceOf(Discv4ClosedError);
    expect(a.activeTimers).toBe(0);
  });

  it('aborting during the wait for the ping-back rejects with an AbortError caused by the reason and clears the wait', async () => {
    const { a, b } = setup(5000, (type, from) => (from.ip === B_IP && type === PacketType.Ping ? 'drop' : 'pass'));
    const ac = new AbortController();
    const ponged = nextPacket(a, PacketType.Pong);
    const res = a.findNode(b.self, target(), { signal: ac.signal });
    await ponged;
    await new Promise((r) => setImmediate(r));
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(res).rejects.toMatchObject({ name: 'AbortError', cause: reason });
    expect(a.activeTimers).toBe(0);
  });
});

describe('a bond attempt (the state machine behind ensureBond)', () => {
  it('moves only along BOND_MOVES, and ready and failed are final', () => {
    const states = Object.keys(BOND_MOVES) as BondState[];
    for (const from of states) {
      for (const to of states) {
        const bond = new BondAttempt('k');
        // Reach `from` along allowed moves.
        const path: Record<BondState, BondState[]> = { check: [], pinging: ['pinging'], 'awaiting-ping-back': ['pinging', 'awaiting-ping-back'], ready: ['ready'], failed: ['pinging', 'failed'] };
        for (const s of path[from]) bond.move(s);
        expect(bond.state).toBe(from);
        if (BOND_MOVES[from].includes(to)) {
          bond.move(to);
          expect(bond.state).toBe(to);
        } else {
          expect(() => bond.move(to), `${from} -> ${to}`).toThrow(/no move/);
        }
      }
    }
    expect(BOND_MOVES.ready).toEqual([]);
    expect(BOND_MOVES.failed).toEqual([]);
  });

  it('ends its wait for the ping-back as ready when woken, and releases it once', async () => {
    const bond = new BondAttempt('k');
    bond.move('pinging');
    let released = 0;
    const wait = bond.waitForPingBack(60_000, undefined, () => released++);
    expect(bond.state).toBe('awaiting-ping-back');
    expect(bond.waiting).toBe(true);
    bond.end();
    bond.end();
    await wait;
    expect(bond.state).toBe('ready');
    expect(bond.waiting).toBe(false);
    expect(released).toBe(1);
  });

  it('fails with an AbortError caused by the abort reason, or with the error it is ended with', async () => {
    const ac = new AbortController();
    const aborted = new BondAttempt('a');
    aborted.move('pinging');
    const reason = new Error('stop');
    const w1 = aborted.waitForPingBack(60_000, ac.signal, () => {});
    ac.abort(reason);
    await expect(w1).rejects.toMatchObject({ name: 'AbortError', cause: reason });
    expect(aborted.state).toBe('failed');

    const closed = new BondAttempt('c');
    closed.move('pinging');
    const w2 = closed.waitForPingBack(60_000, undefined, () => {});
    closed.end(new Discv4ClosedError());
    await expect(w2).rejects.toBeInstanceOf(Discv4ClosedError);
    expect(closed.state).toBe('failed');
    expect(closed.waiting).toBe(false);
  });

  it('ends as ready when the wait runs out without a ping-back (the node may hold our proof already)', async () => {
    const bond = new BondAttempt('k');
    bond.move('pinging');
    await bond.waitForPingBack(1, undefined, () => {});
    expect(bond.state).toBe('ready');
  });
});
