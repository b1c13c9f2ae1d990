/**
 * Two nodes that dial each other at the same moment (common on small networks, where discovery
 * hands every node the others at once) must end up connected. Keeping the first session on
 * each end drops both connections, because each end's first is the other end's second.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import type { DialCandidate } from '../../src/server/dial-scheduler.js';
import type { Protocol } from '../../src/server/protocol.js';
import { keepsNewSession, Server } from '../../src/server/server.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { EthService } from '../../src/sync/node/eth-service.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const quiet: Protocol = { name: 'quiet', version: 1, length: 1, create: () => ({ handle: () => {} }) };

/** A discovery source that yields one candidate once it is given. */
function gate(): { source: AsyncIterable<DialCandidate>; give(c: DialCandidate): void } {
  let give!: (c: DialCandidate) => void;
  const p = new Promise<DialCandidate>((r) => (give = r));
  return {
    source: (async function* () {
      yield await p;
    })(),
    give,
  };
}

function waitFor(cond: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error('condition not met in time')) : setTimeout(tick, 10));
    tick();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('simultaneous dials', () => {
  it('the lower node ID dials the connection both ends keep', () => {
    // On the lower node "a": its own dial is outbound, the other's inbound.
    expect(keepsNewSession('aa', 'bb', 'outbound', 'inbound')).toBe(false);
    expect(keepsNewSession('aa', 'bb', 'inbound', 'outbound')).toBe(true);
    // On the higher node "b": the mirror image, so both ends agree.
    expect(keepsNewSession('bb', 'aa', 'outbound', 'inbound')).toBe(true);
    expect(keepsNewSession('bb', 'aa', 'inbound', 'outbound')).toBe(false);
    // Two sessions the same way: the first stays.
    expect(keepsNewSession('aa', 'bb', 'inbound', 'inbound')).toBe(false);
    expect(keepsNewSession('bb', 'aa', 'outbound', 'outbound')).toBe(false);
  });

  const devnet = generateDevnetChain({ length: 4 });
  it.each(['a bare protocol', 'eth'])('pairs that dial each other at the same moment all stay connected, over one connection each (%s)', async (proto) => {
    const PAIRS = 6;
    const services: EthService[] = [];
    const protocols = (): Protocol[] => {
      if (proto !== 'eth') return [quiet];
      const eth = new EthService({ network: devnet.network, chain: devnet.chain });
      services.push(eth);
      return eth.protocols();
    };
    const pairs: { a: Server; b: Server; ga: ReturnType<typeof gate>; gb: ReturnType<typeof gate> }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const ga = gate();
      const gb = gate();
      const a = new Server({ privateKey: generatePrivateKey(), protocols: protocols(), listen: { host: '127.0.0.1', port: 0 }, discovery: ga.source });
      const b = new Server({ privateKey: generatePrivateKey(), protocols: protocols(), listen: { host: '127.0.0.1', port: 0 }, discovery: gb.source });
      servers.push(a, b);
      await Promise.all([a.start(), b.start()]);
      pairs.push({ a, b, ga, gb });
    }
    const replaced: number[] = [];
    for (const s of servers) s.on('peer:removed', (_p, info) => replaced.push(info.reason));
    // Every node learns its partner in the same turn, so each pair's dials cross.
    for (const { a, b, ga, gb } of pairs) {
      ga.give({ ...parseEnode(b.enode), source: 'discovery' });
      gb.give({ ...parseEnode(a.enode), source: 'discovery' });
    }
    await waitFor(() => pairs.every(({ a, b }) => a.peers.length === 1 && b.peers.length === 1), 5_000);
    // Settled: give a losing session time to close and anything wrong time to show.
    await sleep(500);
    for (const { a, b } of pairs) {
      expect(a.peers.length).toBe(1);
      expect(b.peers.length).toBe(1);
      const pa = a.peers[0]!;
      const pb = b.peers[0]!;
      // One TCP connection seen from both ends, dialed by the lower node ID.
      expect(pa.session.socket.localPort).toBe(pb.session.socket.remotePort);
      expect(pa.session.socket.remotePort).toBe(pb.session.socket.localPort);
      const dialer = pa.direction === 'outbound' ? a.id : b.id;
      expect(dialer).toBe(a.id < b.id ? a.id : b.id);
    }
    // The protocol on top kept the surviving session's peer (a replaced one must not remove it).
    if (proto === 'eth') await waitFor(() => services.every((e) => e.peers.size === 1), 5_000);
    // Only the duplicates were dropped.
    expect(replaced.every((r) => r === DisconnectReason.AlreadyConnected)).toBe(true);
  });
});
