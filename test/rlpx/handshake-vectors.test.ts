import { describe, expect, it } from 'vitest';
import { loadVectors } from '../support/vectors.js';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { ecdh, publicKeyOf, recoverPublicKey } from '../../src/crypto/secp256k1.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { eciesDecrypt } from '../../src/rlpx/ecies.js';
import { decodeAckBody, decodeAuthBody, deriveSecrets, isLegacyAuth } from '../../src/rlpx/handshake.js';
import { FrameMac } from '../../src/rlpx/mac.js';
import { decodeHello } from '../../src/rlpx/hello.js';
import { rlpDecode } from '../../src/common/rlp.js';

const v = loadVectors('rlpx-handshake.json');
const key = (name: string) => hexToBytes(v.keys[name]);
const msg = (name: string) => v.messages.find((m: any) => m.name === name);
const xor = (a: Uint8Array, b: Uint8Array) => a.map((x, i) => x ^ b[i]!);

function decrypt(m: any): Uint8Array {
  const bytes = hexToBytes(m.hex);
  const priv = key(m.decrypt_with);
  return m.encoding === 'EIP-8' ? eciesDecrypt(priv, bytes.subarray(2), bytes.subarray(0, 2)) : eciesDecrypt(priv, bytes);
}

describe('EIP-8 handshake vectors', () => {
  it('derives the listed public keys', () => {
    for (const [k, pub] of [['static_key_a', 'static_pubkey_a'], ['static_key_b', 'static_pubkey_b'], ['ephemeral_key_a', 'ephemeral_pubkey_a'], ['ephemeral_key_b', 'ephemeral_pubkey_b']]) {
      expect(bytesToHex(publicKeyOf(key(k!)))).toBe(v.derived_public_keys[pub!]);
    }
  });

  for (const name of ['auth1', 'auth2', 'auth3', 'ack1', 'ack2', 'ack3']) {
    it(`decrypts ${name} to the listed plaintext`, () => {
      const m = msg(name);
      expect(bytesToHex(decrypt(m))).toBe(m.decoded.plaintext);
      if (m.size_prefix !== null) expect(hexToBytes(m.hex).length - 2).toBe(m.size_prefix);
    });
  }

  for (const name of ['auth2', 'auth3']) {
    it(`decodes ${name} (extra elements ignored) and its signature recovers A's ephemeral key`, () => {
      const m = msg(name);
      const body = decodeAuthBody(decrypt(m));
      expect(bytesToHex(body.signature)).toBe(m.decoded.signature);
      expect(bytesToHex(body.initiatorPublicKey)).toBe(m.decoded.initiator_pubkey);
      expect(bytesToHex(body.initiatorNonce)).toBe(m.decoded.initiator_nonce);
      expect(body.version).toBe(Number(m.decoded.auth_vsn));
      const staticShared = ecdh(key('static_key_b'), body.initiatorPublicKey);
      expect(bytesToHex(staticShared)).toBe(v.secrets.derived_intermediates.static_shared_secret);
      const eph = recoverPublicKey(xor(staticShared, body.initiatorNonce), body.signature);
      expect(bytesToHex(eph)).toBe(v.derived_public_keys.ephemeral_pubkey_a);
    });
  }

  for (const name of ['ack2', 'ack3']) {
    it(`decodes ${name} (extra elements ignored, higher version accepted)`, () => {
      const m = msg(name);
      const body = decodeAckBody(decrypt(m));
      expect(bytesToHex(body.recipientEphemeralKey)).toBe(m.decoded.recipient_ephemeral_pubkey);
      expect(bytesToHex(body.recipientNonce)).toBe(m.decoded.recipient_nonce);
      expect(body.version).toBe(Number(m.decoded.ack_vsn));
    });
  }

  it('decodes the pre-EIP-8 auth1/ack1 fields (the format we refuse on the wire)', () => {
    const a = decrypt(msg('auth1'));
    expect(bytesToHex(a.subarray(0, 65))).toBe(msg('auth1').decoded.signature);
    expect(bytesToHex(a.subarray(65, 97))).toBe(msg('auth1').decoded.ephemeral_pubkey_hash);
    expect(bytesToHex(keccak256(hexToBytes(v.derived_public_keys.ephemeral_pubkey_a)))).toBe(msg('auth1').decoded.ephemeral_pubkey_hash);
    expect(bytesToHex(a.subarray(97, 161))).toBe(msg('auth1').decoded.initiator_pubkey);
    expect(bytesToHex(a.subarray(161, 193))).toBe(msg('auth1').decoded.initiator_nonce);
    const k = decrypt(msg('ack1'));
    expect(bytesToHex(k.subarray(0, 64))).toBe(msg('ack1').decoded.recipient_ephemeral_pubkey);
    expect(bytesToHex(k.subarray(64, 96))).toBe(msg('ack1').decoded.recipient_nonce);
    // The session recognises it so it can refuse with a clear error instead of waiting.
    expect(isLegacyAuth(key('static_key_b'), hexToBytes(msg('auth1').hex))).toBe(true);
    expect(isLegacyAuth(key('static_key_a'), hexToBytes(msg('auth1').hex))).toBe(false);
  });

  it("derives B's aes/mac secrets and ingress MAC for (auth2, ack2)", () => {
    const s = deriveSecrets({
      initiator: false,
      ephemeralPrivateKey: key('ephemeral_key_b'),
      remoteEphemeralKey: hexToBytes(v.derived_public_keys.ephemeral_pubkey_a),
      initiatorNonce: key('nonce_a'),
      recipientNonce: key('nonce_b'),
      authPacket: hexToBytes(msg('auth2').hex),
      ackPacket: hexToBytes(msg('ack2').hex),
      remotePublicKey: hexToBytes(v.derived_public_keys.static_pubkey_a),
    });
    expect(bytesToHex(s.aesSecret)).toBe(v.secrets.aes_secret);
    expect(bytesToHex(s.macSecret)).toBe(v.secrets.mac_secret);
    const ingress = new FrameMac(s.macSecret, s.ingressMacInit);
    ingress.update(new TextEncoder().encode('foo'));
    expect(bytesToHex(ingress.digest())).toBe(v.secrets.ingress_mac_foo);
  });

  it('decodes the EIP-8 Hello packet, ignoring its extra elements', () => {
    const h = decodeHello(hexToBytes(v.devp2p_hello.hex));
    const d = v.devp2p_hello.decoded;
    expect(h.protocolVersion).toBe(d.protocol_version);
    expect(h.clientId).toBe(d.client_id);
    expect(h.capabilities.map((c) => [c.name, c.version])).toEqual(d.capabilities);
    expect(h.listenPort).toBe(d.listen_port);
    expect(bytesToHex(h.publicKey)).toBe(d.node_id);
    expect((rlpDecode(hexToBytes(v.devp2p_hello.hex), 'Hello') as unknown[]).length).toBe(5 + d.additional_elements.length);
  });
});
