import { afterEach, describe, expect, it } from 'vitest';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { ETH68_CAPABILITY, ETH69_CAPABILITY, ETH70_CAPABILITY, ethCapabilities, negotiatedEthVersion } from '../../src/eth/capabilities.js';
import type { EthNetwork } from '../../src/chain/chain-config.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { EthHandshakeError } from '../../src/eth/errors.js';
import { ethHandshake, makeStatus, encodeStatus, type LocalChainStatus } from '../../src/eth/handshake.js';
import { encodeStatus69, type Status68, type Status69 } from '../../src/eth/messages/status.js';
import { EthPeer } from '../../src/eth/peer.js';
import { networkForkId } from '../../src/chain/chain-config.js';
import { nextClose, sessionPair, type Cleanup } from './loopback.js';

const cleanups: Cleanup[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const G = 1_700_000_000n;
const dev = generateDevnetChain({ length: 24, genesisTime: G });
const headOf = (c = dev.chain) => ({ number: c.head().number, hash: c.head().hash, time: c.head().time });
const local = (network: EthNetwork = dev.network): LocalChainStatus => ({ network, head: headOf() });

describe('eth capabilities', () => {
  it('define eth/68 to eth/72 with geth message counts', () => {
    expect(ethCapabilities()).toEqual([
      { name: 'eth', version: 68, length: 17 },
      { name: 'eth', version: 69, length: 18 },
      { name: 'eth', version: 70, length: 18 },
      { name: 'eth', version: 71, length: 20 },
      { name: 'eth', version: 72, length: 22 },
    ]);
    expect(ethCapabilities([69])).toEqual([ETH69_CAPABILITY]);
  });
});

describe('Status handshake over loopback', () => {
  for (const [caps, version] of [
    [[ETH68_CAPABILITY], 68],
    [[ETH68_CAPABILITY, ETH69_CAPABILITY], 69],
    [ethCapabilities([68, 69, 70]), 70],
    [ethCapabilities([69, 70, 71]), 71],
    [ethCapabilities(), 72],
  ] as const) {
    it(`completes on eth/${version} with the Status form of that version`, async () => {
      const [a, b] = await sessionPair([...caps], ethCapabilities(), cleanups);
      expect(negotiatedEthVersion(a)).toBe(version);
      const [ra, rb] = await Promise.all([ethHandshake(a, local()), ethHandshake(b, local())]);
      expect(ra.version).toBe(version);
      expect(rb.version).toBe(version);
      expect(ra.remote).toEqual(rb.local);
      const fid = networkForkId(dev.network, 24n, dev.chain.head().time);
      if (version === 68) {
        const s = ra.remote as Status68;
        expect(s).toEqual({ version: 68, networkId: 1337n, td: 0n, head: dev.chain.head().hash, genesis: dev.network.genesisHash, forkId: fid });
      } else {
        const s = ra.remote as Status69;
        expect(s).toEqual({ version, networkId: 1337n, genesis: dev.network.genesisHash, forkId: fid, earliestBlock: 0n, latestBlock: 24n, latestBlockHash: dev.chain.head().hash });
      }
    });
  }

  it('EthPeer.connect records both Statuses and the remote range', async () => {
    const [a, b] = await sessionPair(ethCapabilities(), ethCapabilities(), cleanups);
    const [pa, pb] = await Promise.all([EthPeer.connect(a, { network: dev.network, chain: dev.chain }), EthPeer.connect(b, { network: dev.network, chain: dev.chain })]);
    expect(pa.version).toBe(72);
    expect(pa.remoteStatus).toEqual(pb.localStatus);
    expect(pa.remoteRange).toEqual({ earliestBlock: 0n, latestBlock: 24n, latestBlockHash: dev.chain.head().hash });
  });

  /** Runs the handshake with a local view and a remote view; returns both outcomes and the sessions' close infos. */
  async function mismatch(localView: LocalChainStatus, remoteView: LocalChainStatus, caps = ethCapabilities()) {
    const [a, b] = await sessionPair(caps, caps, cleanups);
    const [ra, rb] = await Promise.allSettled([ethHandshake(a, localView), ethHandshake(b, remoteView)]);
    return { ra, rb, closeA: await nextClose(a), closeB: await nextClose(b) };
  }

  function expectReason(r: PromiseSettledResult<unknown>, reason: string) {
    expect(r.status).toBe('rejected');
    const err = (r as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(EthHandshakeError);
    expect((err as EthHandshakeError).reason).toBe(reason);
    return err as EthHandshakeError;
  }

  it('rejects another network ID with SubprotocolError', async () => {
    const { ra, closeA, closeB } = await mismatch(local(), local({ ...dev.network, networkId: 1338n }));
    expect(expectReason(ra, 'network-id').disconnectReason).toBe(DisconnectReason.SubprotocolError);
    // Whichever side checked first sent the Disconnect; both end with SubprotocolError.
    expect(closeA.reason).toBe(DisconnectReason.SubprotocolError);
    expect(closeB.reason).toBe(DisconnectReason.SubprotocolError);
  });

  it('rejects another genesis with SubprotocolError', async () => {
    const other = generateDevnetChain({ length: 24, seed: 'other chain', genesisTime: G });
    const { ra, rb, closeA } = await mismatch(local(), { network: other.network, head: headOf(other.chain) });
    expectReason(ra, 'genesis');
    expectReason(rb, 'genesis');
    expect(closeA.reason).toBe(DisconnectReason.SubprotocolError);
  });

  it('rejects a remote that missed a fork we passed (fork ID remote-stale)', async () => {
    // Locally a fork happened at block 10's time; the remote does not know it.
    const forked = generateDevnetChain({ length: 24, genesisTime: G, timeForks: [{ name: 'osakaTime', time: G + 120n }] });
    const { ra, closeA } = await mismatch({ network: forked.network, head: headOf() }, local());
    const err = expectReason(ra, 'fork-id');
    expect(err.forkIdResult).toBe('remote-stale');
    expect(err.disconnectReason).toBe(DisconnectReason.SubprotocolError);
    expect(closeA.reason).toBe(DisconnectReason.SubprotocolError);
  });

  it('rejects a remote on a fork we do not know (fork ID local-incompatible-or-stale)', async () => {
    const theirs = generateDevnetChain({ length: 24, genesisTime: G, timeForks: [{ name: 'osakaTime', time: G + 24n }] });
    const { ra } = await mismatch(local(), { network: theirs.network, head: headOf() });
    expect(expectReason(ra, 'fork-id').forkIdResult).toBe('local-incompatible-or-stale');
  });

  it('rejects an eth/69 Status with earliest > latest, or a zero latest hash (block-range)', async () => {
    for (const bad of [{ earliestBlock: 30n }, { latestHash: new Uint8Array(32) }]) {
      const [a, b] = await sessionPair([ETH69_CAPABILITY], [ETH69_CAPABILITY], cleanups);
      const hs = ethHandshake(a, local());
      const s = makeStatus(69, { ...local(), head: { ...headOf(), ...('latestHash' in bad ? { hash: bad.latestHash } : {}) }, earliestBlock: 'earliestBlock' in bad ? bad.earliestBlock : 0n }) as Status69;
      b.send('eth', 0, encodeStatus69(s));
      await expect(hs).rejects.toMatchObject({ reason: 'block-range', disconnectReason: DisconnectReason.SubprotocolError });
      expect((await nextClose(b)).reason).toBe(DisconnectReason.SubprotocolError);
    }
  });

  it('rejects a Status whose version differs from the negotiated one', async () => {
    const [a, b] = await sessionPair([ETH69_CAPABILITY], [ETH69_CAPABILITY], cleanups);
    const hs = ethHandshake(a, local());
    b.send('eth', 0, encodeStatus(70, makeStatus(70, local())));
    await expect(hs).rejects.toMatchObject({ reason: 'version' });
    expect((await nextClose(b)).reason).toBe(DisconnectReason.SubprotocolError);
  });

  it('rejects an eth/68-form Status on eth/69 as undecodable: a breach of protocol (as geth)', async () => {
    const [a, b] = await sessionPair([ETH69_CAPABILITY], [ETH69_CAPABILITY], cleanups);
    const hs = ethHandshake(a, local());
    b.send('eth', 0, encodeStatus(68, makeStatus(68, local())));
    await expect(hs).rejects.toMatchObject({ reason: 'decode' });
    expect((await nextClose(b)).reason).toBe(DisconnectReason.ProtocolBreach);
  });

  it('ignores bytes after the Status value (as geth)', async () => {
    const [a, b] = await sessionPair([ETH69_CAPABILITY], [ETH69_CAPABILITY], cleanups);
    const hs = ethHandshake(a, local());
    b.send('eth', 0, Uint8Array.from([...encodeStatus(69, makeStatus(69, local())), 0xc1, 0x80]));
    await expect(hs).resolves.toMatchObject({ version: 69 });
  });

  it('treats a non-Status message before Status as a breach', async () => {
    const [a, b] = await sessionPair([ETH69_CAPABILITY], [ETH69_CAPABILITY], cleanups);
    const hs = ethHandshake(a, local());
    b.send('eth', 0x03, Uint8Array.of(0xc0));
    await expect(hs).rejects.toMatchObject({ reason: 'unexpected-message' });
    expect((await nextClose(b)).reason).toBe(DisconnectReason.SubprotocolError);
  });

  it('times out without a Status, disconnecting with ReadTimeout as geth', async () => {
    const [a, b] = await sessionPair([ETH69_CAPABILITY], [ETH69_CAPABILITY], cleanups);
    b.on('message', () => {});
    const t0 = Date.now();
    await expect(ethHandshake(a, { ...local(), timeoutMs: 150 })).rejects.toMatchObject({ reason: 'timeout', disconnectReason: DisconnectReason.ReadTimeout });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect((await nextClose(b)).reason).toBe(DisconnectReason.ReadTimeout);
  });

  it('reports a peer that leaves during the handshake as disconnected', async () => {
    const [a, b] = await sessionPair([ETH69_CAPABILITY], [ETH69_CAPABILITY], cleanups);
    const hs = ethHandshake(a, local());
    void b.disconnect(DisconnectReason.TooManyPeers);
    await expect(hs).rejects.toMatchObject({ reason: 'disconnected' });
  });

  it('aborts on the caller signal', async () => {
    const [a, b] = await sessionPair([ETH69_CAPABILITY], [ETH69_CAPABILITY], cleanups);
    b.on('message', () => {});
    const ac = new AbortController();
    const hs = ethHandshake(a, { ...local(), signal: ac.signal });
    ac.abort('shutting down');
    await expect(hs).rejects.toMatchObject({ name: 'AbortError', reason: 'aborted', cause: 'shutting down' });
  });

  it('refuses a session without eth (no-eth), leaving it open', async () => {
    const snap = { name: 'snap', version: 1, length: 8 };
    const [a] = await sessionPair([snap], [snap], cleanups);
    await expect(ethHandshake(a, local())).rejects.toMatchObject({ reason: 'no-eth' });
    expect(a.currentState).toBe('active');
  });
});
