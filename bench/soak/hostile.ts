/**
 * The hostile kinds: each slot round that misbehaves opens one attempt and records in
 * `st.hostile` whether the node cut it off (`cut`, `cut-late`, `NOT-CUT`), this side ended it
 * first (`driver-ended:...`), or the node stopped reading it (`backpressured`).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import type { DevnetChain } from '../../src/chain/devnet-chain.js';
import { ethHandshake } from '../../src/eth/handshake.js';
import { encodeEthMessage, type EthMessage } from '../../src/eth/messages/index.js';
import { EthMessageCode, MAX_MESSAGE_SIZE } from '../../src/eth/protocol.js';
import { encBytes, encList } from '../../src/common/rlp-encode.js';
import { dial } from '../../src/rlpx/connect.js';
import { FrameCodec, HEADER_LENGTH } from '../../src/rlpx/frame.js';
import { handshakePacketLength, InitiatorHandshake } from '../../src/rlpx/handshake.js';
import { BASE_PROTOCOL_VERSION, encodeHello } from '../../src/rlpx/hello.js';
import { type Session } from '../../src/rlpx/session.js';
import { WRITE_TIMEOUT_MS } from '../../src/rlpx/conn.js';
import { bytesToHex } from '../../src/common/bytes.js';
import { nodeIdOf } from '../../src/enode/key.js';
import { errorKind, st, watchStalled } from './driver-stats.js';
import { count, sleep } from './meters.js';
import type { Target } from './target.js';

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
    s.on('error', () => {});
  });
}

/** Resolves true when `s` is closed by the other side within `ms`, false otherwise (then destroys it). */
function closedWithin(s: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    s.resume();
  });
}

/**
 * How long past a kind's own wait the driver keeps a socket open to see whether the node cuts it
 * after all. The wait starts when this process connected, but the node's 5 s handshake deadline
 * starts when it accepts the connection, which can be seconds later when its event loop turns
 * slowly (it accepts one connection per turn): a socket cut in that window is `cut-late` (the
 * node did cut it, the driver's clock was early), one still open after it is `NOT-CUT`.
 */
const LATE_CUT_MS = 60_000;

/** `driver-ended:...`: this process's own session ended it (e.g. its read deadline while paused). */
type CutOutcome = 'cut' | 'cut-late' | 'NOT-CUT' | `driver-ended:${string}`;

/**
 * `cut` if the node closes `s` within `ms`, `cut-late` if within a further {@link LATE_CUT_MS},
 * else `NOT-CUT` (then the socket is destroyed). For a socket under one of our sessions, pass the
 * session: a close of its own making (it timed out) is reported as `driver-ended:<error>`.
 */
function cutWithin(s: Socket, ms: number, session?: Session): Promise<CutOutcome> {
  const ours = (): CutOutcome | undefined => (session?.closeInfo && !session.closeInfo.remote ? `driver-ended:${errorKind(session.closeInfo.error)}` : undefined);
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(ours() ?? 'cut');
    const start = Date.now();
    const t = setTimeout(() => {
      s.destroy();
      resolve('NOT-CUT');
    }, ms + LATE_CUT_MS);
    s.once('close', () => {
      clearTimeout(t);
      resolve(ours() ?? (Date.now() - start <= ms ? 'cut' : 'cut-late'));
    });
    s.resume();
  });
}

/** ECIES handshake by hand; returns the socket and frame codec (Hello not sent yet). */
async function rawHandshake(to: Target): Promise<{ socket: Socket; codec: FrameCodec; key: Uint8Array }> {
  const socket = await tcp(to.port);
  const key = generatePrivateKey();
  const hs = new InitiatorHandshake(key, to.publicKey);
  socket.write(hs.authPacket);
  const codec = await new Promise<FrameCodec>((resolve, reject) => {
    let buf = new Uint8Array(0);
    const onData = (chunk: Buffer) => {
      buf = Uint8Array.from([...buf, ...chunk]);
      const len = buf.length >= 2 ? handshakePacketLength(buf)! : Infinity;
      if (buf.length < len) return;
      socket.off('data', onData);
      resolve(new FrameCodec(hs.readAck(buf.subarray(0, len))));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed during handshake')));
  });
  return { socket, codec, key };
}

/**
 * A session past the eth Status, for the hostile kinds that abuse eth. Its own read and write
 * deadlines are pushed out of the way: an attacker does not time itself out, and what the soak
 * checks is that the node's deadlines end it.
 */
async function ethSession(to: Target, devnet: DevnetChain, privateKey = generatePrivateKey()): Promise<Session> {
  const s = await dial(
    { publicKey: to.publicKey, host: '127.0.0.1', port: to.port },
    { privateKey, capabilities: ethCapabilities([69]), idleTimeoutMs: ATTACKER_DEADLINE_MS, writeTimeoutMs: ATTACKER_DEADLINE_MS },
    { signal: AbortSignal.timeout(20_000) },
  );
  const head = devnet.chain.head();
  await ethHandshake(s, { network: devnet.network, head: { number: head.number, hash: head.hash, time: head.time } });
  return s;
}

function send69(s: Session, m: EthMessage<69>): void {
  const { code, data } = encodeEthMessage(69, m);
  s.send('eth', code, data);
}

export const HOSTILE = ['garbage', 'bad-mac', 'slowloris', 'half-handshake', 'unsolicited', 'request-flood', 'never-reads', 'oversized'] as const;

/** How long a never-reads peer waits for the node to cut it: the write deadline and a margin. */
const NEVER_READS_WAIT_MS = WRITE_TIMEOUT_MS + 40_000;
/** never-reads: requests sent; their replies (~50 KB each from the 256-block chain, compressed) are more than the kernel and the node's serving bound hold. */
const NEVER_READS_REQUESTS = 300;
/** The hostile eth sessions' own deadlines: longer than any wait here. */
const ATTACKER_DEADLINE_MS = 10 * 60_000;
export type HostileKind = (typeof HOSTILE)[number];

/** One hostile attempt; records whether the node cut it off. */
export async function hostile(kind: HostileKind, to: Target, devnet: DevnetChain): Promise<void> {
  let cut: CutOutcome = 'NOT-CUT';
  try {
    switch (kind) {
      case 'garbage': {
        const s = await tcp(to.port);
        s.write(Uint8Array.of(0x01, 0x80, ...randomBytes(600)));
        cut = await cutWithin(s, 10_000);
        break;
      }
      case 'bad-mac': {
        const { socket, codec, key } = await rawHandshake(to);
        const hello = codec.seal(0, encodeHello({ protocolVersion: BASE_PROTOCOL_VERSION, clientId: 'soak-bad-mac', capabilities: [{ name: 'eth', version: 69 }], listenPort: 0, publicKey: publicKeyOf(key) }));
        hello[HEADER_LENGTH - 1]! ^= 0xff; // header MAC
        socket.write(hello);
        cut = await cutWithin(socket, 10_000);
        break;
      }
      case 'slowloris': {
        const s = await tcp(to.port);
        const auth = new InitiatorHandshake(generatePrivateKey(), to.publicKey).authPacket;
        let i = 0;
        const closedP = closedWithin(s, 30_000);
        let closedYet = false;
        void closedP.then(() => (closedYet = true));
        while (!closedYet && i < auth.length) {
          s.write(auth.subarray(i, i + 1));
          i++;
          await sleep(1_000);
        }
        cut = (await closedP) ? 'cut' : 'NOT-CUT';
        break;
      }
      case 'half-handshake': {
        const s = await tcp(to.port);
        const auth = new InitiatorHandshake(generatePrivateKey(), to.publicKey).authPacket;
        s.write(auth.subarray(0, auth.length >> 1));
        await sleep(50);
        s.resetAndDestroy();
        cut = 'cut'; // we ended it: what matters is that the node does not leak it
        break;
      }
      case 'unsolicited': {
        const s = await ethSession(to, devnet);
        for (let i = 0; i < 200 && s.currentState === 'active'; i++) {
          send69(s, { name: 'BlockHeaders', value: { requestId: BigInt(1_000_000 + i), headers: [] } });
          if (i % 20 === 0) await sleep(5);
        }
        cut = await cutWithin(s.socket, 10_000, s);
        break;
      }
      case 'request-flood': {
        const s = await ethSession(to, devnet);
        s.socket.pause();
        const hashes = devnet.blocks.slice(1, 65).map((b) => b.header.hash);
        const end = Date.now() + 40_000;
        for (let i = 0; s.currentState === 'active' && Date.now() < end; i++) {
          send69(s, { name: 'GetBlockBodies', value: { requestId: BigInt(i), hashes } });
          if (i % 50 === 0) await sleep(10);
        }
        cut = await cutWithin(s.socket, 25_000, s);
        break;
      }
      case 'never-reads': {
        // Requests for all the headers there are, then nothing read: the node must stop building
        // replies at its serving bound and cut the peer at its write deadline.
        const key = generatePrivateKey();
        const s = await ethSession(to, devnet, key);
        s.socket.pause();
        const floodAt = Date.now();
        const closedByNode = watchStalled(bytesToHex(nodeIdOf(publicKeyOf(key))), floodAt, NEVER_READS_WAIT_MS);
        for (let i = 0; i < NEVER_READS_REQUESTS && s.currentState === 'active'; i++) {
          send69(s, { name: 'GetBlockHeaders', value: { requestId: BigInt(i), origin: { number: 0n }, amount: 1024n, skip: 0n, reverse: false } });
        }
        const c = await closedByNode;
        s.socket.destroy();
        cut = c === undefined ? 'NOT-CUT' : 'cut';
        break;
      }
      case 'oversized': {
        const s = await ethSession(to, devnet);
        const tx = new Uint8Array(randomBytes(MAX_MESSAGE_SIZE));
        tx[0] = 2;
        s.send('eth', EthMessageCode.Transactions, encList([encBytes(tx)]));
        cut = await cutWithin(s.socket, 10_000, s);
        break;
      }
    }
  } catch (err) {
    // Our own write queue filling up means the node stopped reading us (TCP back-pressure);
    // anything else ended the attempt before the abuse got going (e.g. TooManyPeers at Hello).
    count(st.hostile, `${kind}:${(err as Error)?.name === 'WriteQueueFullError' ? 'backpressured' : `refused:${errorKind(err)}`}`);
    return;
  }
  count(st.hostile, `${kind}:${cut}`);
}
