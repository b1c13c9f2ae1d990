import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { encodeDisconnect } from '../../src/rlpx/hello.js';
import { snappyCompress } from '../../src/rlpx/snappy.js';
import type { CloseInfo, Session, SessionMessage } from '../../src/rlpx/session.js';
import { helloPayload, rawHandshake } from '../support/raw-peer.js';

const ETH69 = { name: 'eth', version: 69, length: 18 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('RlpxListener and a peer that says everything at once', () => {
  it('Hello + messages + Disconnect in one write: the session handler still gets the messages, then the close', async () => {
    const privateKey = generatePrivateKey();
    const listener = new RlpxListener({ privateKey, capabilities: [ETH69] });
    const port = await listener.listen(0);
    cleanups.push(() => listener.close());
    const events: string[] = [];
    let reportedClosed: boolean | undefined;
    const ended = new Promise<CloseInfo>((resolve) =>
      listener.on('session', (s: Session) => {
        reportedClosed = s.currentState === 'closed';
        s.on('message', (m: SessionMessage) => events.push(`message ${m.capability} ${m.code} ${m.data[0]}`));
        s.on('close', (info) => {
          events.push(`close ${DisconnectReason[info.reason]} ${info.remote ? 'remote' : 'local'}`);
          resolve(info);
        });
      }),
    );

    const raw = await rawHandshake(port, publicKeyOf(privateKey));
    cleanups.push(async () => void raw.socket.destroy());
    const codec = raw.codec!;
    // Hello is never compressed; everything after it is (both sides speak p2p v5).
    const burst = [
      codec.seal(0x00, helloPayload(raw, [{ name: 'eth', version: 69 }])),
      codec.seal(0x10 + 2, snappyCompress(Uint8Array.of(0xc1, 7))),
      codec.seal(0x10 + 3, snappyCompress(Uint8Array.of(0xc1, 8))),
      codec.seal(0x01, snappyCompress(encodeDisconnect(DisconnectReason.ClientQuitting))),
    ];
    raw.socket.write(Buffer.concat(burst));

    const info = await ended;
    expect(reportedClosed).toBe(true);
    expect(info.reason).toBe(DisconnectReason.ClientQuitting);
    expect(events).toEqual(['message eth 2 193', 'message eth 3 193', 'close ClientQuitting remote']);
    expect(listener.openSessions.size).toBe(0);
  });
});
