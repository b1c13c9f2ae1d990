/**
 * eth/68 Status and serving against a second implementation, @ethereumjs/devp2p 10 on loopback:
 * its ETH protocol checks version, network, genesis and (EIP-2124) fork ID against its Common
 * (mainnet at Prague), ours against MAINNET; then it asks us for headers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RLP } from '@ethereumjs/rlp';
import { EthMessageCodes, type ETH, type Peer } from '@ethereumjs/devp2p';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { dial } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { ETH68_CAPABILITY } from '../../src/eth/capabilities.js';
import { MemoryChain } from '../../src/chain/chain.js';
import { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH } from '../../src/chain/devnet-chain.js';
import { ethHandshake } from '../../src/eth/handshake.js';
import { makeHeader, type BlockHeader } from '../../src/chain/header.js';
import type { Status68 } from '../../src/eth/messages/status.js';
import { MAINNET } from '../../src/chain/networks.js';
import { EthPeer } from '../../src/eth/peer.js';
import { EMPTY_TRIE_ROOT } from '../../src/chain/trie.js';
import { startEjsNode, type EjsNode } from '../support/ejs.js';
import { within } from '../support/within.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A three-block "mainnet-shaped" tail between Prague and Osaka, so our fork ID equals ejs's (Prague, next Osaka). */
function pragueTail(): MemoryChain {
  const headers: BlockHeader[] = [];
  for (let i = 0; i < 3; i++) {
    headers.push(
      makeHeader({
        parentHash: headers[i - 1]?.hash ?? new Uint8Array(32).fill(0x11),
        uncleHash: EMPTY_UNCLE_HASH,
        coinbase: new Uint8Array(20),
        stateRoot: new Uint8Array(32).fill(i + 1),
        txRoot: EMPTY_TRIE_ROOT,
        receiptRoot: EMPTY_TRIE_ROOT,
        bloom: new Uint8Array(256),
        difficulty: 0n,
        number: 22_000_000n + BigInt(i),
        gasLimit: 36_000_000n,
        gasUsed: 0n,
        time: 1_750_000_000n + 12n * BigInt(i),
        extra: new Uint8Array(),
        mixDigest: new Uint8Array(32).fill(7),
        nonce: new Uint8Array(8),
        baseFee: 1_000_000_000n,
        withdrawalsRoot: EMPTY_TRIE_ROOT,
        blobGasUsed: 0n,
        excessBlobGas: 0n,
        parentBeaconRoot: new Uint8Array(32).fill(9),
        requestsHash: EMPTY_REQUESTS_HASH,
      }),
    );
  }
  return new MemoryChain(headers.map((header) => ({ header, body: { transactions: [], uncles: [], withdrawals: [] }, receipts: [] })));
}

describe('eth/68 with @ethereumjs/devp2p', () => {
  let ejs: EjsNode;

  async function connect(): Promise<{ ours: Awaited<ReturnType<typeof dial>>; theirs: Peer }> {
    ejs = await startEjsNode({ privateKey: generatePrivateKey() });
    cleanups.push(() => ejs.close());
    const privateKey = generatePrivateKey();
    const inbound = ejs.waitForPeer({ id: publicKeyOf(privateKey) });
    const ours = await dial({ publicKey: ejs.id, host: '127.0.0.1', port: ejs.port }, { privateKey, capabilities: [ETH68_CAPABILITY] });
    cleanups.push(() => ours.disconnect());
    return { ours, theirs: await inbound };
  }

  it('completes the Status handshake both ways and serves its GetBlockHeaders', async () => {
    const { ours, theirs } = await connect();
    const chain = pragueTail();
    const eth = theirs.getProtocols()[0] as ETH;
    const theirStatus = within(5_000, new Promise<{ forkId?: Uint8Array[] }>((r) => eth.events.once('status', r)), 'ejs status');
    const peerP = EthPeer.connect(ours, { network: MAINNET, chain });
    eth.sendStatus({ td: new Uint8Array(), bestHash: chain.head().hash, genesisHash: MAINNET.genesisHash });
    const peer = await peerP;
    const status = await theirStatus;
    expect(peer.version).toBe(68);
    const remote = peer.remoteStatus as Status68;
    expect(remote.networkId).toBe(1n);
    expect(remote.forkId).toEqual(peer.localStatus.forkId);
    expect(status.forkId![0]).toEqual(peer.localStatus.forkId.hash);

    const answer = within(5_000, new Promise<unknown[]>((r) => eth.events.on('message', (code: number, payload: unknown) => code === EthMessageCodes.BLOCK_HEADERS && r(payload as unknown[]))), 'ejs answer');
    eth.sendMessage(EthMessageCodes.GET_BLOCK_HEADERS, [Uint8Array.of(0x2a), [Uint8Array.of(0x01, 0x4f, 0xb1, 0x81), Uint8Array.of(2), new Uint8Array(), new Uint8Array()]]);
    const [reqId, headers] = (await answer) as [Uint8Array, Uint8Array[][]];
    expect(reqId).toEqual(Uint8Array.of(0x2a));
    expect(headers.map((h) => RLP.encode(h))).toEqual([chain.headerByNumber(22_000_001n)!.raw, chain.headerByNumber(22_000_002n)!.raw]);
    expect(ejs.errors).toEqual([]);
  });

  it('rejects its Status on another genesis, disconnecting with SubprotocolError', async () => {
    const { ours, theirs } = await connect();
    const eth = theirs.getProtocols()[0] as ETH;
    const removed = within(5_000, new Promise<unknown>((r) => ejs.rlpx.events.once('peer:removed', (_p: Peer, reason: unknown) => r(reason))), 'ejs peer:removed');
    const head = pragueTail().head();
    const hs = ethHandshake(ours, { network: MAINNET, head: { number: head.number, hash: head.hash, time: head.time } });
    // ejs checks the genesis too, after both Statuses are in: send it ours and let ours judge first.
    eth.sendStatus({ td: new Uint8Array(), bestHash: head.hash, genesisHash: new Uint8Array(32).fill(0x42) });
    await expect(hs).rejects.toMatchObject({ reason: 'genesis', disconnectReason: DisconnectReason.SubprotocolError });
    expect(await removed).toBe(DisconnectReason.SubprotocolError);
  });
});
