/**
 * A hand-driven RLPx peer for hostile-input tests: it performs the handshake with our own
 * primitives over a raw socket, then lets a test write arbitrary bytes or crafted frames.
 */
import { connect, type Socket } from 'node:net';
import { InitiatorHandshake, handshakePacketLength } from '../../src/rlpx/handshake.js';
import { FrameCodec, HEADER_LENGTH, paddedBodyLength } from '../../src/rlpx/frame.js';
import { encodeHello, BASE_PROTOCOL_VERSION, type Capability } from '../../src/rlpx/hello.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { snappyCompress, snappyUncompress } from '../../src/rlpx/snappy.js';
import { ReadBuffer } from '../../src/rlpx/read-buffer.js';

export interface RawPeer {
  socket: Socket;
  codec?: FrameCodec;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  /** Resolves when the socket closes. */
  closed: Promise<void>;
  /** Frames received after the handshake (decrypted, not decompressed). */
  frames: { code: number; data: Uint8Array }[];
}

export function rawConnect(port: number): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const privateKey = generatePrivateKey();
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', () => {});
    socket.once('connect', () => resolve({ socket, privateKey, publicKey: publicKeyOf(privateKey), closed, frames: [] }));
    socket.once('error', reject);
  });
}

/** Completes the ECIES handshake with the node at `port`; frames can be sent afterwards. */
export async function rawHandshake(port: number, remotePublicKey: Uint8Array): Promise<RawPeer> {
  const peer = await rawConnect(port);
  const hs = new InitiatorHandshake(peer.privateKey, remotePublicKey);
  peer.socket.write(hs.authPacket);
  const buf = new ReadBuffer();
  let pending = -1;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buf.push(new Uint8Array(chunk));
      if (!peer.codec) {
        const len = buf.length >= 2 ? handshakePacketLength(buf.peek(2))! : Infinity;
        if (buf.length < len) return;
        peer.codec = new FrameCodec(hs.readAck(buf.take(len)));
        resolve();
      }
      // Keep reading frames so tests can see what the node sent (e.g. its Disconnect).
      for (;;) {
        if (pending < 0) {
          if (buf.length < HEADER_LENGTH) return;
          pending = peer.codec.openHeader(buf.take(HEADER_LENGTH));
        }
        if (buf.length < paddedBodyLength(pending)) return;
        peer.frames.push(peer.codec.openBody(buf.take(paddedBodyLength(pending)), pending));
        pending = -1;
      }
    };
    peer.socket.on('data', onData);
    peer.closed.then(() => reject(new Error('closed during handshake')));
  });
  return peer;
}

export function helloPayload(peer: RawPeer, caps: Capability[], publicKey = peer.publicKey): Uint8Array {
  return encodeHello({ protocolVersion: BASE_PROTOCOL_VERSION, clientId: 'raw-test-peer', capabilities: caps, listenPort: 0, publicKey });
}

export function sendFrame(peer: RawPeer, code: number, data: Uint8Array, compress = false): void {
  peer.socket.write(peer.codec!.seal(code, compress ? snappyCompress(data) : data));
}

export { snappyUncompress };
