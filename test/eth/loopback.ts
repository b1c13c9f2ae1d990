/**
 * Loopback helpers for eth tests: two of our RLPx nodes on 127.0.0.1, a dialed session pair,
 * and a "raw" eth side that speaks through the session directly (to send what EthPeer never
 * would: bad ranges, unsolicited responses, repeated request IDs).
 */
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import type { CapabilityDef } from '../../src/rlpx/capabilities.js';
import { dial } from '../../src/rlpx/connect.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import type { CloseInfo, Session, SessionConfig, SessionMessage } from '../../src/rlpx/session.js';
import { decodeEthMessage, encodeEthMessage, type EthMessage } from '../../src/eth/messages/index.js';
import type { EthVersion } from '../../src/eth/protocol.js';

export type Cleanup = () => Promise<void>;

export interface TestNode {
  config: SessionConfig;
  publicKey: Uint8Array;
  port: number;
  nextSession(): Promise<Session>;
}

export async function startNode(caps: CapabilityDef[], cleanups: Cleanup[]): Promise<TestNode> {
  const privateKey = generatePrivateKey();
  const config: SessionConfig = { privateKey, capabilities: caps, clientId: 'eth-test' };
  const listener = new RlpxListener(config);
  const port = await listener.listen(0);
  const sessions: Session[] = [];
  const waiters: ((s: Session) => void)[] = [];
  listener.on('session', (s) => {
    const w = waiters.shift();
    if (w) w(s);
    else sessions.push(s);
  });
  cleanups.push(() => listener.close());
  return {
    config,
    publicKey: publicKeyOf(privateKey),
    port,
    nextSession: () => (sessions.length > 0 ? Promise.resolve(sessions.shift()!) : new Promise((r) => waiters.push(r))),
  };
}

/** Dials b from a; returns [outbound session on a, inbound session on b]. */
export async function sessionPair(capsA: CapabilityDef[], capsB: CapabilityDef[], cleanups: Cleanup[]): Promise<[Session, Session]> {
  const a = await startNode(capsA, cleanups);
  const b = await startNode(capsB, cleanups);
  const inbound = b.nextSession();
  const out = await dial({ publicKey: b.publicKey, host: '127.0.0.1', port: b.port }, a.config);
  cleanups.push(() => out.disconnect());
  return [out, await inbound];
}

export function nextClose(s: Session): Promise<CloseInfo> {
  return s.closeInfo ? Promise.resolve(s.closeInfo) : new Promise((resolve) => s.once('close', resolve));
}

/** Eth messages arriving on a session, decoded, queued for `next`. */
export class Inbox {
  private readonly queue: EthMessage[] = [];
  private readonly waiters: ((m: EthMessage) => void)[] = [];

  constructor(
    readonly session: Session,
    readonly version: EthVersion,
  ) {
    session.on('message', (m: SessionMessage) => {
      if (m.capability !== 'eth') return;
      const msg = decodeEthMessage(version, m.code, m.data) as EthMessage;
      const w = this.waiters.shift();
      if (w) w(msg);
      else this.queue.push(msg);
    });
  }

  next(): Promise<EthMessage> {
    return this.queue.length > 0 ? Promise.resolve(this.queue.shift()!) : new Promise((r) => this.waiters.push(r));
  }

  send(message: EthMessage): void {
    const { code, data } = encodeEthMessage(this.version, message);
    this.session.send('eth', code, data);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 5 ms until true; throws after `ms` (loopback delivery is fast but not instant). */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}
