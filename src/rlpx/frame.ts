/**
 * RLPx framing (rlpx.md "Framing"): one message per frame.
 *
 *   frame = header-ciphertext (16) || header-mac (16) || frame-ciphertext || frame-mac (16)
 *   header = frame-size (3, BE) || rlp([capability-id, context-id]) (= c2 80 80) || zero-fill
 *   frame-data = rlp(msg-id) || msg-data, zero-padded to 16 bytes
 *
 * AES-256-CTR is one continuous stream per direction (the crypto layer's {@link AesCtr}); the
 * MACs are {@link FrameMac}. A frame is built in its output array and encrypted and MACed
 * there; a received body is MACed where it lies and decrypted into a new array (the only copy;
 * node:crypto makes it anyway). The codec holds no socket: the session feeds it bytes.
 */
import { AesCtr } from '../crypto/aes.js';
import { timingSafeEqual } from '../crypto/compare.js';
import { FrameMac } from './mac.js';
import { FrameError } from './errors.js';
import type { HandshakeSecrets } from './handshake.js';

/** Largest frame-size the 3-byte header can carry. */
export const MAX_FRAME_SIZE = 0xffffff;
/** Bytes of header plus header-MAC, and of the frame-MAC. */
export const HEADER_LENGTH = 32;
export const MAC_LENGTH = 16;
/** Header-data every current implementation sends: rlp([0, 0]). */
const HEADER_DATA = [0xc2, 0x80, 0x80];

/** Frame body length on the wire for a frame-size: padded to 16 plus the frame MAC. */
export function paddedBodyLength(frameSize: number): number {
  return ((frameSize + 15) & ~15) + MAC_LENGTH;
}

/** RLP encoding of a message ID (an unsigned integer; 0 is 0x80). */
export function encodeMessageId(code: number): Uint8Array {
  if (!Number.isInteger(code) || code < 0 || code > 0xffffffff) throw new RangeError(`invalid message code ${code}`);
  if (code === 0) return Uint8Array.of(0x80);
  if (code < 0x80) return Uint8Array.of(code);
  const bytes: number[] = [];
  for (let v = code; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 + bytes.length, ...bytes);
}

/** Decodes the message ID at the start of frame-data; returns the code and its encoded length. */
export function decodeMessageId(data: Uint8Array): { code: number; length: number } {
  if (data.length === 0) throw new FrameError('empty frame: no message ID');
  const b0 = data[0]!;
  if (b0 < 0x80) return { code: b0, length: 1 };
  const n = b0 - 0x80;
  if (n === 0) return { code: 0, length: 1 };
  if (n > 4 || data.length < 1 + n) throw new FrameError('message ID is not a valid integer of at most 4 bytes');
  if (data[1] === 0 || (n === 1 && data[1]! < 0x80)) throw new FrameError('message ID is not canonical RLP');
  let code = 0;
  for (let i = 1; i <= n; i++) code = code * 256 + data[i]!;
  return { code, length: 1 + n };
}

/** Encrypts and MACs frames in one direction and opens them in the other. */
export class FrameCodec {
  private readonly egressAes: AesCtr;
  private readonly ingressAes: AesCtr;
  private readonly egressMac: FrameMac;
  private readonly ingressMac: FrameMac;
  /** Scratch for a computed MAC and a decrypted header (4-byte aligned, owned). */
  private readonly macScratch = new Uint8Array(MAC_LENGTH);
  private readonly headerScratch = new Uint8Array(16);

  constructor(secrets: HandshakeSecrets) {
    const iv = new Uint8Array(16);
    this.egressAes = new AesCtr(secrets.aesSecret, iv);
    this.ingressAes = new AesCtr(secrets.aesSecret, iv);
    this.egressMac = new FrameMac(secrets.macSecret, secrets.egressMacInit);
    this.ingressMac = new FrameMac(secrets.macSecret, secrets.ingressMacInit);
  }

  /** Seals one message as one frame; the result is written to the socket in one call. */
  seal(code: number, data: Uint8Array): Uint8Array {
    const id = encodeMessageId(code);
    const size = id.length + data.length;
    if (size > MAX_FRAME_SIZE) throw new FrameError(`frame of ${size} bytes exceeds ${MAX_FRAME_SIZE}`);
    const padded = (size + 15) & ~15;
    const out = new Uint8Array(HEADER_LENGTH + padded + MAC_LENGTH);
    const header = out.subarray(0, 16);
    header[0] = size >>> 16;
    header[1] = (size >>> 8) & 0xff;
    header[2] = size & 0xff;
    header.set(HEADER_DATA, 3);
    this.egressAes.process(header);
    this.egressMac.headerMacInto(header, out.subarray(16, HEADER_LENGTH));
    // frame-data and its zero padding are laid out in place, then encrypted and MACed there.
    out.set(id, HEADER_LENGTH);
    out.set(data, HEADER_LENGTH + id.length);
    const body = out.subarray(HEADER_LENGTH, HEADER_LENGTH + padded);
    this.egressAes.process(body);
    this.egressMac.frameMacInto(body, out.subarray(HEADER_LENGTH + padded));
    return out;
  }

  /** Verifies and decrypts a 32-byte header + MAC; returns frame-size. */
  openHeader(buf: Uint8Array): number {
    const ct = buf.subarray(0, 16);
    this.ingressMac.headerMacInto(ct, this.macScratch);
    if (!timingSafeEqual(this.macScratch, buf.subarray(16, 32))) throw new FrameError('header MAC mismatch');
    const h = this.ingressAes.process(ct, this.headerScratch);
    return (h[0]! << 16) | (h[1]! << 8) | h[2]!;
  }

  /** Verifies and decrypts a frame body (padded ciphertext + MAC); returns msg-id and msg-data. */
  openBody(buf: Uint8Array, frameSize: number): { code: number; data: Uint8Array } {
    const padded = buf.length - MAC_LENGTH;
    const ct = buf.subarray(0, padded);
    this.ingressMac.frameMacInto(ct, this.macScratch);
    if (!timingSafeEqual(this.macScratch, buf.subarray(padded))) throw new FrameError('frame MAC mismatch');
    const frame = this.ingressAes.processCopy(ct).subarray(0, frameSize);
    const { code, length } = decodeMessageId(frame);
    return { code, data: frame.subarray(length) };
  }
}
