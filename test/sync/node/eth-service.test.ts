/**
 * EthService bookkeeping: a peer whose session ends between its EthPeer's construction and the
 * service's continuation (a Disconnect right behind the Status) must not stay in `peers`.
 */
import { describe, expect, it } from 'vitest';
import { generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import { encodeStatus, makeStatus } from '../../../src/eth/handshake.js';
import { DisconnectReason } from '../../../src/rlpx/disconnect-reason.js';
import type { ProtocolPeer } from '../../../src/server/protocol.js';
import { EthService } from '../../../src/sync/node/eth-service.js';

const devnet = generateDevnetChain({ length: 4 });

describe('EthService', () => {
  it('forgets a peer whose session closes right after its Status', async () => {
    const eth = new EthService({ network: devnet.network, chain: devnet.chain, versions: [69] });
    const events: string[] = [];
    eth.on('peer', () => events.push('peer'));
    eth.on('peer:removed', () => events.push('removed'));
    const fakePeer = {
      id: 'ab'.repeat(32),
      publicKey: new Uint8Array(64),
      version: 69,
      direction: 'inbound',
      session: { capabilities: [{ name: 'eth', version: 69, length: 18, offset: 16 }] },
      send: () => {},
      penalize: () => {},
      disconnect: async () => {},
    } as unknown as ProtocolPeer;
    const handler = eth.protocols().find((p) => p.version === 69)!.create(fakePeer);
    // The remote's Status arrives; the close is queued right behind it, so it lands after the
    // EthPeer exists but before the service's continuation has attached its listener.
    const status = encodeStatus(69, makeStatus(69, { network: devnet.network, head: devnet.chain.head(), earliestBlock: 0n }));
    void handler.handle(0, status);
    queueMicrotask(() => handler.close!({ reason: DisconnectReason.ClientQuitting, remote: true }));
    for (let i = 0; i < 50 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['peer', 'removed']);
    expect(eth.peers.size).toBe(0);
  });
});
