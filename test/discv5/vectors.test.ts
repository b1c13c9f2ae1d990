/** The discv5 wire spec's test vectors (test/vectors/discv5-wire.json): decode, re-encode, crypto primitives. */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { aesGcmOpen, aesGcmSeal } from '../../src/crypto/gcm.js';
import { compress, decompress, ecdhCompressed, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { EnrBuilder, type Enr } from '../../src/enode/enr.js';
import { Codec, type CodecRandom, type LocalIdentity } from '../../src/discv5/codec.js';
import { deriveSessionKeys, signIdNonce, verifyIdNonce } from '../../src/discv5/handshake-crypto.js';
import { MessageType, type Ping } from '../../src/discv5/messages.js';
import { SessionCache, sessionKey } from '../../src/discv5/session-cache.js';
import { loadVectors } from '../support/vectors.js';

type Fields = Record<string, string>;
interface Vectors {
  node_a_key: string;
  node_b_key: string;
  packets: Record<'ping_message' | 'whoareyou' | 'ping_handshake' | 'ping_handshake_with_enr', { fields: Fields; packet: string }>;
  ecdh: Fields;
  key_derivation: Fields;
  id_nonce_signing: Fields;
  aes_gcm: Fields;
}
const V = loadVectors<Vectors>('discv5-wire.json');
const h = hexToBytes;
const ADDR = '127.0.0.1:30303';
const keyA = h(V.node_a_key);
const keyB = h(V.node_b_key);

function identity(privateKey: Uint8Array, record: Enr): LocalIdentity {
  return { privateKey, id: record.nodeId, enr: () => record };
}
/** The spec's packets use an all-zero masking IV and the nonce ff..ff; ID nonces 01..10. */
const FIXED: CodecRandom = {
  bytes: (n) => (n === 16 ? new Uint8Array(16) : Uint8Array.from({ length: n }, (_, i) => i + 1)),
  ephemeralKey: () => new Uint8Array(32),
};
const ffNonce = { nonce: () => new Uint8Array(12).fill(0xff) };
const recordA = new EnrBuilder().sign(keyA, 1n);
const recordB = new EnrBuilder().sign(keyB, 1n);

describe('discv5 wire vectors: packets', () => {
  it('node IDs of the two keys', () => {
    expect(bytesToHex(recordA.nodeId)).toBe(V.packets.ping_message.fields['src-node-id']);
    expect(bytesToHex(recordB.nodeId)).toBe(V.packets.ping_message.fields['dest-node-id']);
  });

  it('ordinary PING message packet: decodes with the session read key, and re-encodes', () => {
    const { fields, packet } = V.packets.ping_message;
    const sessions = new SessionCache(Date.now);
    sessions.store(sessionKey(bytesToHex(recordA.nodeId), ADDR), { readKey: h(fields['read-key']!), writeKey: new Uint8Array(16), nonceCounter: 0, node: recordA });
    const d = new Codec(identity(keyB, recordB), sessions).decode(h(packet), ADDR);
    expect(d.kind).toBe('message');
    if (d.kind !== 'message') return;
    expect(bytesToHex(d.nonce)).toBe(fields.nonce);
    expect(d.message).toEqual({ type: MessageType.Ping, reqId: h(fields['ping.req-id']!), enrSeq: BigInt(fields['ping.enr-seq']!) });
    const sender = new SessionCache(Date.now, ffNonce);
    sender.store(sessionKey(bytesToHex(recordB.nodeId), ADDR), { writeKey: h(fields['read-key']!), readKey: new Uint8Array(16), nonceCounter: 0, node: recordB });
    const enc = new Codec(identity(keyA, recordA), sender, FIXED).encodeMessage(recordB.nodeId, ADDR, d.message);
    expect(bytesToHex(enc.packet)).toBe(packet);
  });

  it('WHOAREYOU: decodes to the challenge data, and re-encodes', () => {
    const { fields, packet } = V.packets.whoareyou;
    const d = new Codec(identity(keyB, recordB), new SessionCache(Date.now)).decode(h(packet), ADDR);
    expect(d.kind).toBe('whoareyou');
    if (d.kind !== 'whoareyou') return;
    expect(bytesToHex(d.challenge.challengeData)).toBe(fields['whoareyou.challenge-data']);
    expect(bytesToHex(d.challenge.nonce)).toBe(fields['whoareyou.request-nonce']);
    expect(bytesToHex(d.challenge.idNonce)).toBe(fields['whoareyou.id-nonce']);
    expect(d.challenge.recordSeq).toBe(BigInt(fields['whoareyou.enr-seq']!));
    // The vector's packet is addressed to B (dest-node-id), made by A.
    // The codec draws the ID nonce, then the masking IV.
    const draws = [h(fields['whoareyou.id-nonce']!), new Uint8Array(16)];
    const random = { ...FIXED, bytes: () => draws.shift()! };
    const enc = new Codec(identity(keyA, recordA), new SessionCache(Date.now), random).encodeWhoareyou(recordB.nodeId, ADDR, h(fields['whoareyou.request-nonce']!));
    expect(bytesToHex(enc)).toBe(packet);
  });

  for (const name of ['ping_handshake', 'ping_handshake_with_enr'] as const) {
    it(`${name}: B decodes it with its pending challenge, derives the read key, and A re-encodes it`, () => {
      const { fields, packet } = V.packets[name];
      const recordSeq = BigInt(fields['whoareyou.enr-seq']!);
      const sessions = new SessionCache(Date.now);
      const challenge = {
        nonce: h(fields['whoareyou.request-nonce']!),
        idNonce: h(fields['whoareyou.id-nonce']!),
        recordSeq,
        challengeData: h(fields['whoareyou.challenge-data']!),
        packet: new Uint8Array(0),
        ...(recordSeq > 0n ? { node: recordA } : {}),
      };
      sessions.storeChallenge(sessionKey(bytesToHex(recordA.nodeId), ADDR), challenge);
      const d = new Codec(identity(keyB, recordB), sessions).decode(h(packet), ADDR);
      expect(d.kind).toBe('message');
      if (d.kind !== 'message') return;
      const ping = d.message as Ping;
      expect(ping).toEqual({ type: MessageType.Ping, reqId: h(fields['ping.req-id']!), enrSeq: BigInt(fields['ping.enr-seq']!) });
      expect(bytesToHex(d.node!.nodeId)).toBe(fields['src-node-id']);
      const session = sessions.get(sessionKey(bytesToHex(recordA.nodeId), ADDR))!;
      expect(bytesToHex(session.readKey)).toBe(fields['read-key']);
      expect(sessions.challengeCount).toBe(0);
      // A's side: the record it sends is the one in the packet (with ENR) or any of seq 1.
      const localA = recordSeq > 0n ? recordA : d.node!;
      const eph = h(fields['ephemeral-key']!);
      expect(bytesToHex(compress(publicKeyOf(eph)))).toBe(fields['ephemeral-pubkey']);
      const codecA = new Codec(identity(keyA, localA), new SessionCache(Date.now, ffNonce), { ...FIXED, ephemeralKey: () => eph });
      const enc = codecA.encodeHandshake(recordB.nodeId, ADDR, ping, challenge, { publicKey: recordB.publicKey, enr: recordB });
      expect(bytesToHex(enc.packet)).toBe(packet);
    });
  }
});

describe('discv5 wire vectors: cryptographic primitives', () => {
  it('ECDH gives the compressed shared point', () => {
    expect(bytesToHex(ecdhCompressed(h(V.ecdh['secret-key']!), decompress(h(V.ecdh['public-key']!))))).toBe(V.ecdh['shared-secret']);
  });

  it('key derivation', () => {
    const k = V.key_derivation;
    const keys = deriveSessionKeys(h(k['ephemeral-key']!), h(k['dest-pubkey']!), h(k['node-id-a']!), h(k['node-id-b']!), h(k['challenge-data']!));
    expect(bytesToHex(keys.initiatorKey)).toBe(k['initiator-key']);
    expect(bytesToHex(keys.recipientKey)).toBe(k['recipient-key']);
  });

  it('ID nonce signature: made and verified', () => {
    const s = V.id_nonce_signing;
    const sig = signIdNonce(h(s['static-key']!), h(s['challenge-data']!), h(s['ephemeral-pubkey']!), h(s['node-id-B']!));
    expect(bytesToHex(sig)).toBe(s['id-signature']);
    const pub = publicKeyOf(h(s['static-key']!));
    expect(verifyIdNonce(sig, pub, h(s['challenge-data']!), h(s['ephemeral-pubkey']!), h(s['node-id-B']!))).toBe(true);
    const bad = sig.slice();
    bad[10]! ^= 1;
    expect(verifyIdNonce(bad, pub, h(s['challenge-data']!), h(s['ephemeral-pubkey']!), h(s['node-id-B']!))).toBe(false);
  });

  it('AES-GCM encryption and decryption', () => {
    const g = V.aes_gcm;
    expect(bytesToHex(aesGcmSeal(h(g['encryption-key']!), h(g.nonce!), h(g.pt!), h(g.ad!)))).toBe(g['message-ciphertext']);
    expect(bytesToHex(aesGcmOpen(h(g['encryption-key']!), h(g.nonce!), h(g['message-ciphertext']!), h(g.ad!))!)).toBe(g.pt);
    expect(aesGcmOpen(h(g['encryption-key']!), h(g.nonce!), h(g['message-ciphertext']!), new Uint8Array(1))).toBeUndefined();
  });
});
