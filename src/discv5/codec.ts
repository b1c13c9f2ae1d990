/**
 * The discv5 packet codec (geth v5wire/encoding.go): ordinary message packets encrypted with
 * the session's write key, random packets when there is no session (they provoke WHOAREYOU),
 * WHOAREYOU challenges, and handshake packets that carry the ID proof, the ephemeral key and
 * (when the challenger's copy is old) our record. Decoding reverses each, looks up sessions and
 * pending challenges in the {@link SessionCache}, and reports a message that does not decrypt
 * as `unknown` (the caller answers it with WHOAREYOU).
 */
import { bytesToHex, concatBytes, equalBytes } from '../common/bytes.js';
import { DecodeError } from '../common/errors.js';
import { aesGcmOpen, aesGcmSeal } from '../crypto/gcm.js';
import { randomBytes } from '../crypto/random.js';
import { compress, generatePrivateKey, InvalidKeyError, publicKeyOf } from '../crypto/index.js';
import { decodeEnr, encodeEnr, type Enr } from '../enode/enr.js';
import { PacketError } from './errors.js';
import { deriveSessionKeys, signIdNonce, verifyIdNonce } from './handshake-crypto.js';
import {
  Flag,
  HANDSHAKE_AUTH_FIXED_SIZE,
  headerBytes,
  MASKING_IV_SIZE,
  maskPacket,
  MESSAGE_AUTH_SIZE,
  NONCE_SIZE,
  RANDOM_PACKET_MESSAGE_SIZE,
  readHeader,
  WHOAREYOU_AUTH_SIZE,
} from './header.js';
import { decodeMessage, encodeMessage, type Message } from './messages.js';
import { type Challenge, type Session, type SessionCache, sessionKey } from './session-cache.js';

/** Size of the random id-nonce in a WHOAREYOU. */
export const ID_NONCE_SIZE = 16;

/** Who we are, as the codec needs it. */
export interface LocalIdentity {
  readonly privateKey: Uint8Array;
  readonly id: Uint8Array;
  /** Our current record (sent in a handshake when the challenger's copy is older). */
  enr(): Enr;
}

/** Randomness the codec uses; tests replace it to reproduce the spec's vectors. */
export interface CodecRandom {
  bytes(n: number): Uint8Array;
  ephemeralKey(): Uint8Array;
}

const DEFAULT_RANDOM: CodecRandom = { bytes: randomBytes, ephemeralKey: generatePrivateKey };

/** What a packet turned out to be. */
export type DecodedPacket =
  | { kind: 'message'; srcId: Uint8Array; nonce: Uint8Array; message: Message; /** The sender's record, from a handshake. */ node?: Enr }
  | { kind: 'unknown'; srcId: Uint8Array; nonce: Uint8Array }
  | { kind: 'whoareyou'; challenge: Challenge };

/** An encoded packet and the nonce in its header (how a WHOAREYOU names the packet it answers). */
export interface EncodedPacket {
  packet: Uint8Array;
  nonce: Uint8Array;
}

export class Codec {
  constructor(
    private readonly local: LocalIdentity,
    readonly sessions: SessionCache,
    private readonly random: CodecRandom = DEFAULT_RANDOM,
  ) {}

  /** An ordinary message packet, or a random packet when we have no session with (id, addr). */
  encodeMessage(destId: Uint8Array, addr: string, message: Message): EncodedPacket {
    const session = this.sessions.get(sessionKey(bytesToHex(destId), addr));
    if (!session) {
      const nonce = this.random.bytes(NONCE_SIZE);
      const headerData = headerBytes({ iv: this.random.bytes(MASKING_IV_SIZE), flag: Flag.Message, nonce, authData: this.local.id });
      return { packet: maskPacket(destId, headerData, this.random.bytes(RANDOM_PACKET_MESSAGE_SIZE)), nonce };
    }
    const nonce = this.sessions.nextNonce(session);
    const headerData = headerBytes({ iv: this.random.bytes(MASKING_IV_SIZE), flag: Flag.Message, nonce, authData: this.local.id });
    return { packet: maskPacket(destId, headerData, aesGcmSeal(session.writeKey, nonce, encodeMessage(message), headerData)), nonce };
  }

  /**
   * A handshake packet answering `challenge` from the node we called (its public key, and its
   * record if we have one), carrying `message`; stores the new session. Throws InvalidKeyError
   * if the key is unusable.
   */
  encodeHandshake(destId: Uint8Array, addr: string, message: Message, challenge: Challenge, remote: { publicKey: Uint8Array; enr?: Enr }): EncodedPacket {
    const ephemeral = this.random.ephemeralKey();
    const ephPub = compress(publicKeyOf(ephemeral));
    const signature = signIdNonce(this.local.privateKey, challenge.challengeData, ephPub, destId);
    const enr = this.local.enr();
    const record = challenge.recordSeq < enr.seq ? encodeEnr(enr) : new Uint8Array(0);
    const keys = deriveSessionKeys(ephemeral, remote.publicKey, this.local.id, destId, challenge.challengeData);
    const session: Session = { writeKey: keys.initiatorKey, readKey: keys.recipientKey, nonceCounter: 0, ...(remote.enr ? { node: remote.enr } : {}) };
    const nonce = this.sessions.nextNonce(session);
    this.sessions.store(sessionKey(bytesToHex(destId), addr), session);
    const authData = concatBytes(this.local.id, Uint8Array.of(signature.length, ephPub.length), signature, ephPub, record);
    const headerData = headerBytes({ iv: this.random.bytes(MASKING_IV_SIZE), flag: Flag.Handshake, nonce, authData });
    return { packet: maskPacket(destId, headerData, aesGcmSeal(session.writeKey, nonce, encodeMessage(message), headerData)), nonce };
  }

  /**
   * A WHOAREYOU for the packet with `requestNonce` from (destId, addr). A challenge still
   * pending for that pair is resent unchanged (same nonce, same challenge data: geth's
   * "repeating discv5 handshake challenge"); otherwise a new one is made and remembered.
   */
  encodeWhoareyou(destId: Uint8Array, addr: string, requestNonce: Uint8Array, remote?: Enr): Uint8Array {
    const key = sessionKey(bytesToHex(destId), addr);
    const pending = this.sessions.challenge(key);
    if (pending?.packet) return pending.packet;
    const idNonce = this.random.bytes(ID_NONCE_SIZE);
    const recordSeq = remote?.seq ?? 0n;
    const authData = new Uint8Array(WHOAREYOU_AUTH_SIZE);
    authData.set(idNonce);
    new DataView(authData.buffer).setBigUint64(ID_NONCE_SIZE, recordSeq);
    const headerData = headerBytes({ iv: this.random.bytes(MASKING_IV_SIZE), flag: Flag.Whoareyou, nonce: requestNonce, authData });
    const packet = maskPacket(destId, headerData, new Uint8Array(0));
    this.sessions.storeChallenge(key, { nonce: requestNonce.slice(), idNonce, recordSeq, challengeData: headerData, ...(remote ? { node: remote } : {}), packet });
    return packet;
  }

  /** Decodes a packet from `addr`. Throws {@link PacketError}. */
  decode(packet: Uint8Array, addr: string): DecodedPacket {
    const head = readHeader(this.local.id, packet);
    switch (head.flag) {
      case Flag.Whoareyou: {
        if (head.authData.length !== WHOAREYOU_AUTH_SIZE) throw new PacketError('bad-auth-size', `WHOAREYOU authdata of ${head.authData.length} bytes`);
        const recordSeq = new DataView(head.authData.buffer, head.authData.byteOffset).getBigUint64(ID_NONCE_SIZE);
        return { kind: 'whoareyou', challenge: { nonce: head.nonce.slice(), idNonce: head.authData.slice(0, ID_NONCE_SIZE), recordSeq, challengeData: head.headerData } };
      }
      case Flag.Message: {
        if (head.authData.length !== MESSAGE_AUTH_SIZE) throw new PacketError('bad-auth-size', `message authdata of ${head.authData.length} bytes`);
        const srcId = head.authData.slice();
        const session = this.sessions.get(sessionKey(bytesToHex(srcId), addr));
        const pt = session && aesGcmOpen(session.readKey, head.nonce, head.message, head.headerData);
        if (!pt) return { kind: 'unknown', srcId, nonce: head.nonce.slice() };
        return { kind: 'message', srcId, nonce: head.nonce.slice(), message: decodeMessage(pt) };
      }
      default:
        return this.decodeHandshake(head.authData, head.nonce, head.headerData, head.message, addr);
    }
  }

  private decodeHandshake(authData: Uint8Array, nonce: Uint8Array, headerData: Uint8Array, ct: Uint8Array, addr: string): DecodedPacket {
    if (authData.length < HANDSHAKE_AUTH_FIXED_SIZE) throw new PacketError('bad-auth-size', `handshake authdata of ${authData.length} bytes`);
    const srcId = authData.slice(0, 32);
    const sigSize = authData[32]!;
    const keySize = authData[33]!;
    const vardata = authData.subarray(HANDSHAKE_AUTH_FIXED_SIZE);
    if (vardata.length < sigSize + keySize) throw new PacketError('too-short', 'handshake authdata shorter than its signature and key');
    const signature = vardata.subarray(0, sigSize);
    const ephPub = vardata.subarray(sigSize, sigSize + keySize);
    const recordBytes = vardata.subarray(sigSize + keySize);
    const key = sessionKey(bytesToHex(srcId), addr);
    const challenge = this.sessions.challenge(key);
    if (!challenge) throw new PacketError('unexpected-handshake', 'handshake without a pending WHOAREYOU');
    try {
      const node = this.handshakeRecord(challenge.node, srcId, recordBytes);
      if (!verifyIdNonce(signature, node.publicKey, challenge.challengeData, ephPub, this.local.id)) throw new PacketError('bad-id-signature', 'invalid ID nonce signature');
      let keys;
      try {
        keys = deriveSessionKeys(this.local.privateKey, ephPub, srcId, this.local.id, challenge.challengeData);
      } catch (err) {
        if (err instanceof InvalidKeyError) throw new PacketError('bad-ephemeral-key', err.message);
        throw err;
      }
      const session: Session = { writeKey: keys.recipientKey, readKey: keys.initiatorKey, nonceCounter: 0, node };
      const pt = aesGcmOpen(session.readKey, nonce, ct, headerData);
      if (!pt) throw new PacketError('decrypt', 'handshake message does not decrypt');
      const message = decodeMessage(pt);
      this.sessions.store(key, session);
      return { kind: 'message', srcId, nonce: nonce.slice(), message, node };
    } finally {
      this.sessions.deleteChallenge(key);
    }
  }

  /** The sender's record: the one in the handshake if newer than ours, else the one we know (geth decodeHandshakeRecord). */
  private handshakeRecord(known: Enr | undefined, srcId: Uint8Array, bytes: Uint8Array): Enr {
    let node = known;
    if (bytes.length > 0) {
      let record: Enr;
      try {
        record = decodeEnr(bytes);
      } catch (err) {
        if (err instanceof DecodeError) throw new PacketError('bad-record', err.message);
        throw err;
      }
      if (!known || known.seq < record.seq) {
        if (!equalBytes(record.nodeId, srcId)) throw new PacketError('bad-record', 'record in handshake has the wrong node ID');
        node = record;
      }
    }
    if (!node) throw new PacketError('no-record', 'expected ENR in handshake but none sent');
    return node;
  }
}
