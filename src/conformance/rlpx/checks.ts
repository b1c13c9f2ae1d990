/**
 * Malformed RLPx handshakes (rlpx.md "Initial Handshake", EIP-8, "Hello (0x00)"): a node
 * refuses a garbage, corrupted, truncated or oversized auth packet and a connection that
 * skips or fakes Hello, without answering it and without harm: each check ends by opening a
 * proper session (handshake, Hello, Ping/Pong) to show the node still accepts peers.
 */
import { randomBytes } from '../../crypto/random.js';
import { generatePrivateKey, publicKeyOf } from '../../crypto/secp256k1.js';
import { ETH_VERSIONS } from '../../eth/protocol.js';
import { InitiatorHandshake, MAX_HANDSHAKE_PACKET } from '../../rlpx/handshake.js';
import { BASE_PROTOCOL_VERSION, BaseCode, encodeHello } from '../../rlpx/hello.js';
import { CheckFailure, type Check, type CheckContext } from '../check.js';
import { dialEth } from '../eth/conn.js';
import { readTimeout, type EthTarget } from '../eth/target.js';
import { RawRlpxConn } from './raw-conn.js';

/** Fails unless the node completes a proper handshake, Hello and Ping/Pong now. */
async function ensureStillAccepts(target: EthTarget, t: CheckContext): Promise<void> {
  const timeoutMs = readTimeout(target);
  let session;
  try {
    session = await dialEth(target.node, ETH_VERSIONS, { signal: t.signal, timeoutMs, localAddress: target.localAddress });
  } catch (err) {
    throw new CheckFailure(`node no longer accepts a proper connection: ${(err as Error).message}`);
  }
  const s = session;
  t.defer(() => s.disconnect());
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      s.off('pong', onPong);
      s.off('close', onClose);
      err ? reject(err) : resolve();
    };
    const onPong = () => done();
    const onClose = () => done(new CheckFailure('node closed a proper connection right after Hello'));
    const timer = setTimeout(() => done(new CheckFailure(`no Pong on a proper connection within ${timeoutMs} ms`)), timeoutMs);
    s.on('pong', onPong);
    s.on('close', onClose);
    s.ping();
  });
}

/** Opens a raw connection that the check closes when it ends. */
async function raw(target: EthTarget, t: CheckContext): Promise<RawRlpxConn> {
  const c = await RawRlpxConn.connect(target.node, { signal: t.signal, timeoutMs: readTimeout(target), localAddress: target.localAddress });
  t.defer(() => c.destroy());
  return c;
}

/** Fails unless the node closes `c` without having sent anything (no ack to a bad auth). */
async function ensureRefusedSilently(c: RawRlpxConn, target: EthTarget, t: CheckContext, what: string): Promise<void> {
  // A node may wait for its handshake timeout (geth 5 s) before closing; allow for it.
  const closed = await c.waitClosed(readTimeout(target) * 2, t.signal);
  if (c.received.length > 0) throw new CheckFailure(`node answered ${what} with ${c.received.length} bytes (an ack?)`);
  if (!closed) throw new CheckFailure(`node kept the connection open ${readTimeout(target) * 2} ms after ${what}`);
}

function authCheck(name: string, rule: string, build: (target: EthTarget) => { bytes: Uint8Array; end: boolean }): Check<EthTarget> {
  return {
    name: `rlpx/Handshake/${name}`,
    rule,
    async run(target, t) {
      const c = await raw(target, t);
      const { bytes, end } = build(target);
      c.write(bytes);
      if (end) c.end();
      await ensureRefusedSilently(c, target, t, `a ${name} auth`);
      await ensureStillAccepts(target, t);
    },
  };
}

/** A valid EIP-8 auth packet for the target from a fresh key. */
function validAuth(target: EthTarget): Uint8Array {
  return new InitiatorHandshake(generatePrivateKey(), target.node.publicKey).authPacket;
}

/** Runs the ECIES handshake, then has `send` write a frame in place of a proper Hello. */
function helloCheck(name: string, rule: string, send: (c: RawRlpxConn, seal: (code: number, data: Uint8Array) => Uint8Array) => void): Check<EthTarget> {
  return {
    name: `rlpx/Hello/${name}`,
    rule,
    async run(target, t) {
      const c = await raw(target, t);
      const hs = new InitiatorHandshake(generatePrivateKey(), target.node.publicKey);
      c.write(hs.authPacket);
      const codec = await c.readAck(hs, readTimeout(target), t.signal);
      send(c, (code, data) => codec.seal(code, data));
      if (!(await c.waitClosed(readTimeout(target), t.signal))) throw new CheckFailure(`node kept the connection open ${readTimeout(target)} ms after ${name}`);
      await ensureStillAccepts(target, t);
    },
  };
}

/** Every malformed-handshake check. */
export function rlpxHandshakeChecks(): Check<EthTarget>[] {
  return [
    authCheck('GarbageAuth', 'rlpx.md Initial Handshake / EIP-8: an auth packet that does not decrypt is refused (connection closed, no ack)', () => {
      const body = randomBytes(400);
      return { bytes: Uint8Array.of(body.length >> 8, body.length & 0xff, ...body), end: false };
    }),
    authCheck('BadAuthMAC', 'rlpx.md ECIES: a message whose MAC does not verify is rejected (connection closed, no ack)', (target) => {
      const auth = validAuth(target);
      auth[auth.length - 1]! ^= 0x01;
      return { bytes: auth, end: false };
    }),
    authCheck('TruncatedAuth', 'rlpx.md Initial Handshake: the auth packet is size-prefixed; a stream that ends inside it is refused (connection closed, no ack)', (target) => {
      const auth = validAuth(target);
      return { bytes: auth.subarray(0, auth.length >> 1), end: true };
    }),
    authCheck(
      'OversizedAuth',
      `rlpx.md Initial Handshake: auth-size is the packet length; geth refuses packets over ${MAX_HANDSHAKE_PACKET} bytes before reading them (connection closed, no ack)`,
      () => ({ bytes: Uint8Array.of(0xff, 0xff, ...randomBytes(3000)), end: false }),
    ),
    helloCheck('MessageBeforeHello', 'rlpx.md Hello (0x00): "the first packet sent over the connection, and sent once by both sides. No other messages may be sent until a Hello is received"', (c, seal) => {
      // geth's MaliciousHandshake: a capability-range message where Hello belongs.
      c.write(seal(0x10, randomBytes(64)));
    }),
    helloCheck('WrongIdentity', 'rlpx.md Hello (0x00): `nodeId` is the secp256k1 public key of the node, the one of the handshake; another key is refused (geth DiscUnexpectedIdentity)', (c, seal) => {
      const other = publicKeyOf(generatePrivateKey());
      const hello = encodeHello({ protocolVersion: BASE_PROTOCOL_VERSION, clientId: 'devp2p-ts-conformance', capabilities: ETH_VERSIONS.map((v) => ({ name: 'eth', version: v })), listenPort: 0, publicKey: other });
      c.write(seal(BaseCode.Hello, hello));
    }),
  ];
}
