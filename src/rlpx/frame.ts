/**
 * RLPx framing (rlpx.md "Framing"): one message per frame.
 *
 *   frame = header-ciphertext (16) || header-mac (16) || frame-ciphertext || frame-mac (16)
 *   header = frame-size (3, BE) || rlp([capability-id, context-id]) (= c2 80 80) || zero-fill
 *   frame-data = rlp(msg-id) || msg-data, zero-padded to 16 bytes
 *
 * AES-256-CTR is one continuous stream per direction (the crypto layer's {@link AesCtr}); the
 * MACs are {@link FrameMac}. A frame's header and frame-data are laid out in its output array,
 * encrypted by one AES-CTR call, placed around the header-MAC slot and MACed there; a received
 * body is MACed where it lies and decrypted into a new array (the only copy; node:crypto makes it
 * anyway). The codec holds no socket: the session feeds it bytes.
 */
import { AesBlock, AesCtr } from '../crypto/aes.js';
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
  const out = new Uint8Array(messageIdLength(code));
  writeMessageId(code, out, 0);
  return out;
}

/** Bytes of the RLP encoding of a message ID; throws RangeError for an invalid code. */
function messageIdLength(code: number): number {
  if (!Number.isInteger(code) || code < 0 || code > 0xffffffff) throw new RangeError(`invalid message code ${code}`);
  if (code < 0x80) return 1;
  let n = 1;
  while (code >= 2 ** (8 * n)) n++;
  return 1 + n;
}

/** Writes the RLP encoding of a valid message ID at `out[at]`; returns its length. */
function writeMessageId(code: number, out: Uint8Array, at: number): number {
  if (code === 0) {
    out[at] = 0x80;
    return 1;
  }
  if (code < 0x80) {
    out[at] = code;
    return 1;
  }
  const n = messageIdLength(code) - 1;
  out[at] = 0x80 + n;
  for (let i = n, v = code; i >= 1; i--, v = Math.floor(v / 256)) out[at + i] = v & 0xff;
  return 1 + n;
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

/**
 * Scratch for a computed MAC and a decrypted header, shared by every codec: each is filled and
 * read within one call (a typed array per codec would cost ~200 bytes of heap per peer each).
 */
const macScratch = new Uint8Array(MAC_LENGTH);
const headerScratch = new Uint8Array(16);

/** Encrypts and MACs frames in one direction and opens them in the other. */
export class FrameCodec {
  private readonly egressAes: AesCtr;
  private readonly ingressAes: AesCtr;
  private readonly egressMac: FrameMac;
  private readonly ingressMac: FrameMac;

  constructor(secrets: HandshakeSecrets) {
    const iv = new Uint8Array(16);
    this.egressAes = new AesCtr(secrets.aesSecret, iv);
    this.ingressAes = new AesCtr(secrets.aesSecret, iv);
    // Both directions MAC under the same mac-secret: one expanded key serves the two, and their
    // digests sit in one buffer (each typed array's objects cost more heap than its 32 bytes).
    const macKey = new AesBlock(secrets.macSecret);
    const digests = new ArrayBuffer(64);
    this.egressMac = new FrameMac(macKey, secrets.egressMacInit, new Uint8Array(digests, 0, 32));
    this.ingressMac = new FrameMac(macKey, secrets.ingressMacInit, new Uint8Array(digests, 32, 32));
  }

  /**
   * Seals one message as one frame; the result is written to the socket in one call.
   *
   * Header and frame-data are laid out back to back at the start of the output and encrypted
   * by one AES-CTR call (the keystream runs on from the header into the body, as on the wire,
   * and each node:crypto call costs about a microsecond of fixed overhead); the ciphertext is
   * then placed around the header-MAC slot and both MACs written in place.
   */
  seal(code: number, data: Uint8Array): Uint8Array {
    const idLength = messageIdLength(code);
    const size = idLength + data.length;
    if (size > MAX_FRAME_SIZE) throw new FrameError(`frame of ${size} bytes exceeds ${MAX_FRAME_SIZE}`);
    const padded = (size + 15) & ~15;
    const out = new Uint8Array(HEADER_LENGTH + padded + MAC_LENGTH);
    out[0] = size >>> 16;
    out[1] = (size >>> 8) & 0xff;
    out[2] = size & 0xff;
    out[3] = HEADER_DATA[0]!;
    out[4] = HEADER_DATA[1]!;
    out[5] = HEADER_DATA[2]!;
    // frame-data at 16, its zero padding already in place (a new array is zeroed).
    writeMessageId(code, out, 16);
    out.set(data, 16 + idLength);
    const ct = this.egressAes.processCopy(out.subarray(0, 16 + padded));
    out.set(ct.subarray(16), HEADER_LENGTH);
    for (let i = 0; i < 16; i++) out[i] = ct[i]!;
    this.egressMac.headerMacInto(out, out, 0, 16);
    this.egressMac.frameMacInto(out.subarray(HEADER_LENGTH, HEADER_LENGTH + padded), out, HEADER_LENGTH + padded);
    return out;
  }

  /** Verifies and decrypts a 32-byte header + MAC; returns frame-size. */
  openHeader(buf: Uint8Array): number {
    const ct = buf.subarray(0, 16);
    this.ingressMac.headerMacInto(ct, macScratch);
    if (!timingSafeEqual(macScratch, buf.subarray(16, 32))) throw new FrameError('header MAC mismatch');
    const h = this.ingressAes.process(ct, headerScratch);
    return (h[0]! << 16) | (h[1]! << 8) | h[2]!;
  }

  /** Verifies and decrypts a frame body (padded ciphertext + MAC); returns msg-id and msg-data. */
  openBody(buf: Uint8Array, frameSize: number): { code: number; data: Uint8Array } {
    const padded = buf.length - MAC_LENGTH;
    const ct = buf.subarray(0, padded);
    this.ingressMac.frameMacInto(ct, macScratch);
    if (!timingSafeEqual(macScratch, buf.subarray(padded))) throw new FrameError('frame MAC mismatch');
    const frame = this.ingressAes.processCopy(ct).subarray(0, frameSize);
    const { code, length } = decodeMessageId(frame);
    return { code, data: frame.subarray(length) };
  }
}
