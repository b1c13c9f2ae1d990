/**
 * Interop with a second implementation: @ethereumjs/devp2p 10.0.0 on loopback. Both directions
 * reach Hello with a shared capability (eth/68, the newest it speaks), exchange eth Status and
 * then messages flow both ways through each stack's framing, MACs and snappy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EthMessageCodes, type ETH, type Peer } from '@ethereumjs/devp2p';
import { hexToBytes } from '../../src/common/bytes.js';
import { rlpDecode, rlpEncode } from '../../src/common/rlp.js';
import { asBytes, asList } from '../support/rlp-tree.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { dial } from '../../src/rlpx/connect.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import type { CloseInfo, Session } from '../../src/rlpx/session.js';
import { startEjsNode, type EjsNode } from '../support/ejs.js';
import { within } from '../support/within.js';

const ETH68 = { name: 'eth', version: 68, length: 17 };
const MAINNET_GENESIS = hexToBytes('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Our side of the minimal eth exchange: echo ejs's Status, answer GetBlockHeaders with none. */
function serveMinimalEth(s: Session): void {
  s.on('message', (m) => {
    if (m.code === 0x00) s.send('eth', 0x00, m.data); // same network, genesis and fork ID
    if (m.code === 0x03) {
      const reqId = asBytes(asList(rlpDecode(m.data, 'GetBlockHeaders'), 'GetBlockHeaders', 'msg', 2)[0], 'GetBlockHeaders', 'reqId');
      s.send('eth', 0x04, rlpEncode([reqId, []]));
    }
  });
}

/** Status exchange (ejs drops peers without one), then one request each way. */
async function exchange(ours: Session, peer: Peer): Promise<void> {
  const eth = peer.getProtocols()[0] as ETH;
  const status = within(5_000, new Promise((r) => eth.events.once('status', r)), 'ejs status');
  eth.sendStatus({ td: hexToBytes('0400000000'), bestHash: MAINNET_GENESIS, genesisHash: MAINNET_GENESIS });
  await status;

  // ejs -> us -> ejs
  const answer = within(5_000, new Promise<unknown>((r) => eth.events.on('message', (code: number, payload: unknown) => code === EthMessageCodes.BLOCK_HEADERS && r(payload))), 'ejs answer');
  eth.sendMessage(EthMessageCodes.GET_BLOCK_HEADERS, [Uint8Array.of(0x2a), [Uint8Array.of(1), Uint8Array.of(1), new Uint8Array(), new Uint8Array()]]);
  expect(await answer).toEqual([Uint8Array.of(0x2a), []]);

  // us -> ejs, a large message to exercise multi-chunk frames and snappy both ways
  const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
  const got = within(10_000, new Promise<unknown>((r) => eth.events.on('message', (code: number, payload: unknown) => code === EthMessageCodes.BLOCK_BODIES && r(payload))), 'ejs receives');
  ours.send('eth', 0x06, rlpEncode(big));
  const echoed = await got;
  expect(echoed).toBeInstanceOf(Uint8Array);
  expect(Buffer.compare(echoed as Uint8Array, big)).toBe(0);
}

describe('interop with @ethereumjs/devp2p', () => {
  let ejs: EjsNode;

  async function startEjs(): Promise<EjsNode> {
    ejs = await startEjsNode({ privateKey: generatePrivateKey() });
    cleanups.push(() => ejs.close());
    return ejs;
  }

  it('our dial to its RLPx: Hello with eth/68 shared, Status, messages both ways', async () => {
    await startEjs();
    const privateKey = generatePrivateKey();
    const inbound = ejs.waitForPeer({ id: publicKeyOf(privateKey) });
    const ours = await dial({ publicKey: ejs.id, host: '127.0.0.1', port: ejs.port }, { privateKey, capabilities: [ETH68] });
    cleanups.push(() => ours.disconnect());
    expect(ours.remoteHello!.clientId).toMatch(/ethereumjs/);
    expect(ours.remoteHello!.protocolVersion).toBe(5);
    expect(ours.capabilities).toEqual([{ ...ETH68, offset: 16 }]);
    serveMinimalEth(ours);
    await exchange(ours, await inbound);
    expect(ejs.errors).toEqual([]);
  });

  it('its dial to us: Hello with eth/68 shared, Status, messages both ways', async () => {
    await startEjs();
    const privateKey = generatePrivateKey();
    const listener = new RlpxListener({ privateKey, capabilities: [ETH68, { name: 'eth', version: 69, length: 18 }] });
    cleanups.push(() => listener.close());
    const port = await listener.listen(0);
    const session = within(10_000, new Promise<Session>((r) => listener.once('session', r)), 'our session');
    const peer = await ejs.dial({ id: publicKeyOf(privateKey), tcpPort: port });
    const ours = await session;
    expect(ours.direction).toBe('inbound');
    expect(ours.remoteHello!.clientId).toMatch(/ethereumjs/);
    expect(ours.capabilities).toEqual([{ ...ETH68, offset: 16 }]);
    serveMinimalEth(ours);
    await exchange(ours, peer);
    expect(ejs.errors).toEqual([]);
  });

  it('our Disconnect reason reaches it, and its Disconnect reaches us', async () => {
    await startEjs();
    const privateKey = generatePrivateKey();
    const inbound = ejs.waitForPeer({ id: publicKeyOf(privateKey) });
    const ours = await dial({ publicKey: ejs.id, host: '127.0.0.1', port: ejs.port }, { privateKey, capabilities: [ETH68] });
    const peer = await inbound;
    const removed = within(5_000, new Promise<unknown>((r) => ejs.rlpx.events.once('peer:removed', (_p: Peer, reason: unknown) => r(reason))), 'ejs peer:removed');
    await ours.disconnect(DisconnectReason.TooManyPeers);
    expect(await removed).toBe(DisconnectReason.TooManyPeers);
    void peer;

    const inbound2 = ejs.waitForPeer({ id: publicKeyOf(privateKey) });
    const ours2 = await dial({ publicKey: ejs.id, host: '127.0.0.1', port: ejs.port }, { privateKey, capabilities: [ETH68] });
    const peer2 = await inbound2;
    const closed = within(5_000, new Promise<CloseInfo>((r) => ours2.once('close', r)), 'our close');
    peer2.disconnect(DisconnectReason.UselessPeer);
    expect(await closed).toMatchObject({ reason: DisconnectReason.UselessPeer, remote: true });
  });
});
