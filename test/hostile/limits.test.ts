/**
 * The default limits: each named constant has geth's value (or ours, where geth has none),
 * and the timeouts a peer can run into are wired to those constants when nothing is
 * configured. The behaviour at each limit is tested with short configured values elsewhere
 * (test/rlpx, test/server, test/discv4, test/eth and the other files here); these tests check
 * the defaults themselves, running the real sockets under fake clocks so no test waits 30 s.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as discv4 from '../../src/discv4/index.js';
import { ENR_MAX_SIZE } from '../../src/enode/enr.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import { EthHandshakeError, EthRequestError } from '../../src/eth/errors.js';
import { encodeStatus, makeStatus, STATUS_TIMEOUT_MS } from '../../src/eth/handshake.js';
import { EthPeer } from '../../src/eth/peer.js';
import { DEFAULT_MAX_IN_FLIGHT, DEFAULT_REQUEST_TIMEOUT_MS, EXPIRED_ID_LIFETIME_MS, EXPIRED_ID_MEMORY } from '../../src/eth/request-tracker.js';
import { SERVE_BACKLOG_BYTES, SERVE_QUEUE_HIGH_WATER, SERVE_QUEUE_HIGH_WATER_BYTES } from '../../src/eth/serve-queue.js';
import { MAX_MESSAGE_SIZE } from '../../src/eth/protocol.js';
import { MAX_RAW_DEPTH } from '../../src/common/rlp-reader.js';
import { MAX_BODIES_SERVE, MAX_HEADERS_SERVE, MAX_NON_CANONICAL_STEPS, MAX_POOLED_TXS_SERVE, MAX_RECEIPTS_SERVE, SOFT_RESPONSE_LIMIT } from '../../src/eth/serve.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { DIAL_TIMEOUT_MS } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { TimeoutError } from '../../src/rlpx/errors.js';
import { MAX_FRAME_SIZE } from '../../src/rlpx/frame.js';
import { MAX_HANDSHAKE_PACKET } from '../../src/rlpx/handshake.js';
import { MAX_HELLO_SIZE } from '../../src/rlpx/hello.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import { HANDSHAKE_TIMEOUT_MS, MAX_HELD_BYTES, type CloseInfo, type Session } from '../../src/rlpx/session.js';
import { DISCONNECT_LINGER_MS, IDLE_TIMEOUT_MS, MAX_WRITE_BUFFER, SOCKET_WRITE_BATCH, WRITE_TIMEOUT_MS } from '../../src/rlpx/conn.js';
import { PING_INTERVAL_MS } from '../../src/rlpx/pinger.js';
import { MAX_UNCOMPRESSED_SIZE } from '../../src/rlpx/snappy.js';
import { DIAL_HISTORY_MS } from '../../src/server/dial-scheduler.js';
import { MAX_QUEUED_BYTES, MAX_QUEUED_MESSAGES, QUEUE_HIGH_WATER } from '../../src/server/peer.js';
import { BAN_DURATION_MS, BAN_THRESHOLD } from '../../src/server/reputation.js';
import { DEFAULT_DIAL_RATIO, DEFAULT_MAX_ACTIVE_DIALS, DEFAULT_MAX_PEERS, DEFAULT_MAX_PENDING_PEERS, INBOUND_THROTTLE_MS } from '../../src/server/server.js';
import { helloPayload, rawConnect, rawHandshake, sendFrame } from '../support/raw-peer.js';
import { testChain } from './support.js';

const MiB = 1024 * 1024;

describe('default limits (named constants)', () => {
  it('RLPx: geth handshake, frame, snappy, Hello and timeout values', () => {
    expect({ HANDSHAKE_TIMEOUT_MS, MAX_HANDSHAKE_PACKET, MAX_HELLO_SIZE, MAX_FRAME_SIZE, MAX_UNCOMPRESSED_SIZE }).toEqual({
      HANDSHAKE_TIMEOUT_MS: 5_000,
      MAX_HANDSHAKE_PACKET: 2048,
      MAX_HELLO_SIZE: 2048,
      MAX_FRAME_SIZE: 2 ** 24 - 1,
      MAX_UNCOMPRESSED_SIZE: 2 ** 24 - 1,
    });
    expect({ PING_INTERVAL_MS, IDLE_TIMEOUT_MS, WRITE_TIMEOUT_MS, DISCONNECT_LINGER_MS, DIAL_TIMEOUT_MS }).toEqual({
      PING_INTERVAL_MS: 15_000,
      IDLE_TIMEOUT_MS: 30_000,
      WRITE_TIMEOUT_MS: 20_000,
      DISCONNECT_LINGER_MS: 1_000,
      DIAL_TIMEOUT_MS: 15_000,
    });
    expect({ MAX_WRITE_BUFFER, MAX_HELD_BYTES, SOCKET_WRITE_BATCH }).toEqual({ MAX_WRITE_BUFFER: 32 * MiB, MAX_HELD_BYTES: 16 * MiB, SOCKET_WRITE_BATCH: 64 * 1024 });
  });

  it('eth: 10 MiB messages, 5 s Status, request bounds, geth serving limits', () => {
    expect({ MAX_MESSAGE_SIZE, STATUS_TIMEOUT_MS, MAX_RAW_DEPTH }).toEqual({ MAX_MESSAGE_SIZE: 10 * MiB, STATUS_TIMEOUT_MS: 5_000, MAX_RAW_DEPTH: 64 });
    expect({ DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_MAX_IN_FLIGHT, EXPIRED_ID_LIFETIME_MS, EXPIRED_ID_MEMORY }).toEqual({ DEFAULT_REQUEST_TIMEOUT_MS: 10_000, DEFAULT_MAX_IN_FLIGHT: 16, EXPIRED_ID_LIFETIME_MS: 5 * 60_000, EXPIRED_ID_MEMORY: 1024 });
    expect({ SERVE_BACKLOG_BYTES, SERVE_QUEUE_HIGH_WATER, SERVE_QUEUE_HIGH_WATER_BYTES }).toEqual({ SERVE_BACKLOG_BYTES: 4 * MiB, SERVE_QUEUE_HIGH_WATER: 64, SERVE_QUEUE_HIGH_WATER_BYTES: 1 * MiB });
    expect({ SOFT_RESPONSE_LIMIT, MAX_HEADERS_SERVE, MAX_BODIES_SERVE, MAX_RECEIPTS_SERVE, MAX_NON_CANONICAL_STEPS, MAX_POOLED_TXS_SERVE }).toEqual({
      SOFT_RESPONSE_LIMIT: 2 * MiB,
      MAX_HEADERS_SERVE: 1024,
      MAX_BODIES_SERVE: 1024,
      MAX_RECEIPTS_SERVE: 1024,
      MAX_NON_CANONICAL_STEPS: 100,
      MAX_POOLED_TXS_SERVE: 4096,
    });
  });

  it('server: geth peer limits, throttle and dial history; our queue and ban bounds', () => {
    expect({ DEFAULT_MAX_PEERS, DEFAULT_DIAL_RATIO, DEFAULT_MAX_PENDING_PEERS, DEFAULT_MAX_ACTIVE_DIALS, INBOUND_THROTTLE_MS, DIAL_HISTORY_MS }).toEqual({
      DEFAULT_MAX_PEERS: 50,
      DEFAULT_DIAL_RATIO: 3,
      DEFAULT_MAX_PENDING_PEERS: 50,
      DEFAULT_MAX_ACTIVE_DIALS: 50,
      INBOUND_THROTTLE_MS: 30_000,
      DIAL_HISTORY_MS: 35_000,
    });
    expect({ QUEUE_HIGH_WATER, MAX_QUEUED_MESSAGES, MAX_QUEUED_BYTES, BAN_THRESHOLD, BAN_DURATION_MS }).toEqual({
      QUEUE_HIGH_WATER: 64,
      MAX_QUEUED_MESSAGES: 4096,
      MAX_QUEUED_BYTES: 32 * MiB,
      BAN_THRESHOLD: 100,
      BAN_DURATION_MS: 30 * 60_000,
    });
  });

  it('discv4: geth packet, timeout, bond and table values; reth per-IP rate', () => {
    const { MAX_PACKET_SIZE, PACKET_TTL_SECONDS, RESP_TIMEOUT_MS, BOND_EXPIRATION_MS, DEFAULT_PACKETS_PER_MINUTE, DEFAULT_LAN_PACKETS_PER_MINUTE, BUCKET_SIZE, MAX_REPLACEMENTS, BUCKET_IP_LIMIT, TABLE_IP_LIMIT, TABLE_SUBNET_BITS, MAX_NEIGHBORS } = discv4;
    expect({ MAX_PACKET_SIZE, PACKET_TTL_SECONDS, RESP_TIMEOUT_MS, BOND_EXPIRATION_MS }).toEqual({ MAX_PACKET_SIZE: 1280, PACKET_TTL_SECONDS: 20, RESP_TIMEOUT_MS: 500, BOND_EXPIRATION_MS: 24 * 3600_000 });
    expect({ DEFAULT_PACKETS_PER_MINUTE, DEFAULT_LAN_PACKETS_PER_MINUTE }).toEqual({ DEFAULT_PACKETS_PER_MINUTE: 60, DEFAULT_LAN_PACKETS_PER_MINUTE: 6000 });
    expect({ BUCKET_SIZE, MAX_REPLACEMENTS, BUCKET_IP_LIMIT, TABLE_IP_LIMIT, TABLE_SUBNET_BITS, MAX_NEIGHBORS, ENR_MAX_SIZE }).toEqual({
      BUCKET_SIZE: 16,
      MAX_REPLACEMENTS: 10,
      BUCKET_IP_LIMIT: 2,
      TABLE_IP_LIMIT: 10,
      TABLE_SUBNET_BITS: 24,
      MAX_NEIGHBORS: 12,
      ENR_MAX_SIZE: 300,
    });
  });
});

/** Spins on real I/O (setImmediate is not faked) until `cond` holds; bounded by iterations. */
async function spin(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error(`${what}: not reached`);
}

describe('the timeouts a peer can hit use the defaults when nothing is configured (fake clock, real sockets)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    while (cleanups.length) await cleanups.pop()!();
  });
  const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });

  async function listener(): Promise<{ listener: RlpxListener; port: number; publicKey: Uint8Array }> {
    const privateKey = generatePrivateKey();
    const l = new RlpxListener({ privateKey, capabilities: ethCapabilities() });
    const port = await l.listen(0);
    cleanups.push(() => {
      vi.useRealTimers();
      return l.close();
    });
    return { listener: l, port, publicKey: publicKeyOf(privateKey) };
  }

  /** A raw eth/69 peer with its session on our listener active; the fake clock runs from before its handshake. */
  async function activeRawSession(): Promise<{ p: Awaited<ReturnType<typeof rawHandshake>>; session: Session }> {
    const t = await listener();
    fakeClock();
    let session: Session | undefined;
    t.listener.on('session', (s) => (session = s));
    const p = await rawHandshake(t.port, t.publicKey);
    cleanups.push(() => void p.socket.destroy());
    sendFrame(p, 0, helloPayload(p, [{ name: 'eth', version: 69 }]));
    await spin(() => session !== undefined, 'session active');
    return { p, session: session! };
  }

  it(`a connection that never completes the handshake is cut at ${HANDSHAKE_TIMEOUT_MS} ms`, async () => {
    const t = await listener();
    fakeClock();
    let failure: Error | undefined;
    t.listener.on('handshakeError', (e) => (failure = e));
    const p = await rawConnect(t.port);
    cleanups.push(() => void p.socket.destroy());
    await spin(() => vi.getTimerCount() > 0, 'session created');
    await vi.advanceTimersByTimeAsync(HANDSHAKE_TIMEOUT_MS - 10);
    expect(failure).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    await spin(() => failure !== undefined, 'handshake failure reported');
    expect(failure).toBeInstanceOf(TimeoutError);
    expect(failure).toMatchObject({ phase: 'handshake', ms: HANDSHAKE_TIMEOUT_MS });
  });

  it(`an active session that hears nothing is ended with ReadTimeout at ${IDLE_TIMEOUT_MS} ms, despite our pings`, async () => {
    const { p, session } = await activeRawSession();
    let info: CloseInfo | undefined;
    session.once('close', (i) => (info = i));
    await vi.advanceTimersByTimeAsync(IDLE_TIMEOUT_MS - 10);
    expect(info).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    await spin(() => info !== undefined, 'session closed');
    expect(info).toMatchObject({ reason: DisconnectReason.ReadTimeout, remote: false });
    expect(info!.error).toMatchObject({ phase: 'read', ms: IDLE_TIMEOUT_MS });
    // Our two pings (at 15 s and 30 s) went out and were not answered.
    await spin(() => p.frames.filter((f) => f.code === 2).length >= 1, 'pings seen');
  });

  it(`an eth peer that never sends Status fails the handshake at ${STATUS_TIMEOUT_MS} ms`, async () => {
    const chain = testChain();
    const { session } = await activeRawSession();
    let result: unknown;
    void EthPeer.connect(session, { network: chain.network, chain: chain.chain }).then(
      (x) => (result = x),
      (e) => (result = e),
    );
    await vi.advanceTimersByTimeAsync(STATUS_TIMEOUT_MS - 10);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    await spin(() => result !== undefined, 'handshake settled');
    expect(result).toBeInstanceOf(EthHandshakeError);
    expect(result).toMatchObject({ reason: 'timeout' });
    expect(session.closeInfo?.reason).toBe(DisconnectReason.ReadTimeout);
  });

  it(`a request the peer never answers fails at ${DEFAULT_REQUEST_TIMEOUT_MS} ms`, async () => {
    const chain = testChain();
    const { p, session } = await activeRawSession();
    const head = chain.chain.head();
    const connecting = EthPeer.connect(session, { network: chain.network, chain: chain.chain });
    // The raw peer's Status (snappy-compressed, at the eth offset 0x10), then silence.
    sendFrame(p, 0x10, encodeStatus(69, makeStatus(69, { network: chain.network, head: { number: head.number, hash: head.hash, time: head.time } })), true);
    const peer = await connecting;
    let result: unknown;
    peer.getBlockHeaders({ origin: { number: 1n }, amount: 1n }).then(
      (x) => (result = x),
      (e) => (result = e),
    );
    await vi.advanceTimersByTimeAsync(DEFAULT_REQUEST_TIMEOUT_MS - 10);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    await spin(() => result !== undefined, 'request settled');
    expect(result).toBeInstanceOf(EthRequestError);
    expect(result).toMatchObject({ reason: 'timeout' });
  });
});
