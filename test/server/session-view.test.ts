import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import type { CloseInfo, SessionMessage } from '../../src/rlpx/session.js';
import { Server } from '../../src/server/server.js';
import { SessionView } from '../../src/server/session-view.js';
import type { Protocol, ProtocolPeer } from '../../src/server/protocol.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A protocol whose handler is a SessionView; the views are handed to the test. */
function viewProtocol(name: string, views: SessionView[]): Protocol {
  return {
    name,
    version: 1,
    length: 4,
    create: (peer: ProtocolPeer) => {
      const view = new SessionView(peer, name);
      views.push(view);
      return view.handler();
    },
  };
}

/** answers code 0 with code 1 (same bytes), on its own protocol only. */
function pingProtocol(name: string): Protocol {
  return { name, version: 1, length: 4, create: (peer) => ({ handle: (code, data) => (code === 0 ? peer.send(1, data) : undefined) }) };
}

async function started(protocols: Protocol[]): Promise<Server> {
  const s = new Server({ privateKey: generatePrivateKey(), protocols, listen: { host: '127.0.0.1', port: 0 } });
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

describe('SessionView: a protocol handler sees only its own protocol', () => {
  it("messages carry the capability name send() takes; the other protocol's messages stay out", async () => {
    const views: SessionView[] = [];
    const a = await started([viewProtocol('alpha', views), viewProtocol('beta', [])]);
    const b = await started([pingProtocol('alpha'), pingProtocol('beta')]);
    await a.connect(b.enode);
    const [alpha] = views;
    expect(alpha!.capabilities.map((c) => c.name)).toEqual(['alpha']);
    const got: SessionMessage[] = [];
    alpha!.on('message', (m) => got.push(m));
    const answered = once(alpha!, 'message');
    alpha!.send('alpha', 0, Uint8Array.of(0x81, 0xaa));
    await answered;
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ capability: 'alpha', version: 1, code: 1 });
    expect([...got[0]!.data]).toEqual([0x81, 0xaa]);
    // The capability name of a message is what send() takes: answering with it works.
    alpha!.send(got[0]!.capability, 0, Uint8Array.of(0x80));
    await once(alpha!, 'message');
    expect(() => alpha!.send('beta', 0, Uint8Array.of(0x80))).toThrow(/view of alpha cannot send beta/);
  });

  it("ends with the peer: 'close' once, with the reason", async () => {
    const views: SessionView[] = [];
    const a = await started([viewProtocol('alpha', views)]);
    const b = await started([pingProtocol('alpha')]);
    const peer = await a.connect(b.enode);
    const closes: CloseInfo[] = [];
    views[0]!.on('close', (info) => closes.push(info));
    const closed = once(views[0]!, 'close');
    await peer.disconnect(DisconnectReason.Requested);
    await closed;
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ reason: DisconnectReason.Requested, remote: false });
    expect(views[0]!.closeInfo).toBe(closes[0]);
  });

  it('the session a handler sees has no send, message events or disconnect (type-level)', () => {
    const check = (peer: ProtocolPeer): void => {
      // @ts-expect-error a handler sends through its ProtocolPeer, not the session
      void peer.session.send;
      // @ts-expect-error nor does it listen to every protocol's messages
      void peer.session.on;
      // @ts-expect-error it ends the peer through ProtocolPeer.disconnect
      void peer.session.disconnect;
      void peer.session.remoteHello;
    };
    expect(check).toBeTypeOf('function');
  });
});
