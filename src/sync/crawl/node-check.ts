/**
 * One crawler check of one node: TCP dial, RLPx handshake and Hello, then (when eth is shared)
 * one eth Status exchange, then Disconnect(ClientQuitting). What the node said is kept even when
 * the check fails part-way: a node that sends its Hello and then refuses us with TooManyPeers
 * still tells us its client ID, and a node on another chain still tells us its Status (the
 * mismatch is recorded next to it, as Erigon's observer "diplomacy" does).
 *
 * Never throws for what the remote did: failures become a typed {@link CheckError}. Only the
 * caller's own AbortSignal makes it reject (with the signal's reason).
 */
import { DisconnectReason, disconnectReasonName } from '../../rlpx/disconnect-reason.js';
import { connectTcp, DialError } from '../../rlpx/connect.js';
import { DisconnectError, EciesError, FrameError, HandshakeError, TimeoutError } from '../../rlpx/errors.js';
import { Session, type CloseInfo, type SessionMessage } from '../../rlpx/session.js';
import type { Hello } from '../../rlpx/hello.js';
import { ethCapabilities, negotiatedEthVersion } from '../../eth/capabilities.js';
import { networkForkFilter } from '../../chain/chain-config.js';
import { EthHandshakeError, type EthHandshakeFailure } from '../../eth/errors.js';
import type { ForkId, ForkIdFilter } from '../../chain/forkid.js';
import { checkStatus, decodeStatus, encodeStatus, isStatus68, makeStatus, type AnyStatus, type LocalChainStatus } from '../../eth/handshake.js';
import { ETH_PROTOCOL_NAME, EthMessageCode, type EthVersion } from '../../eth/protocol.js';

/** Default bound on one whole check (dial + handshake + Status). */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** What went wrong with a node, as a crawl records it. */
export type CheckErrorKind =
  /** The dial, the handshake or the Status did not finish in time (`phase` says which). */
  | 'timeout'
  /** TCP connection refused (nothing listening). */
  | 'refused'
  /** Other TCP failures (unreachable host or network, reset during connect). */
  | 'unreachable'
  /** The ECIES handshake or Hello was broken (bad auth/ack, MAC, identity). */
  | 'handshake'
  /** The connection was dropped without a Disconnect message. */
  | 'closed'
  /** The node refused us with Disconnect(TooManyPeers). */
  | 'too-many-peers'
  /** The node refused us with Disconnect(UselessPeer) (e.g. no shared capability). */
  | 'useless-peer'
  /** Any other Disconnect from the node (see `disconnectReason`). */
  | 'disconnected'
  /** eth went wrong after Hello: a Status that does not decode, or another message first. */
  | 'protocol'
  /** The node advertises no TCP port. */
  | 'no-tcp';

/** Where in the check it failed. */
export type CheckPhase = 'dial' | 'rlpx' | 'status';

/** A failed check, as plain data (it is stored in the nodes file). */
export interface CheckError {
  kind: CheckErrorKind;
  phase: CheckPhase;
  message: string;
  /** The devp2p Disconnect reason code, when a Disconnect was involved. */
  disconnectReason?: number;
  /** True if the node sent the Disconnect (false: we ended the session). */
  remoteDisconnect?: boolean;
}

/** The parts of a node's Hello a crawl keeps. */
export interface HelloInfo {
  clientId: string;
  protocolVersion: number;
  capabilities: { name: string; version: number }[];
  listenPort: number;
}

/** A node's eth Status, in either form, plus whether it matches our chain. */
export interface RemoteStatus {
  /** The negotiated eth version (the highest both sides offered). */
  version: EthVersion;
  networkId: bigint;
  genesis: Uint8Array;
  forkId: ForkId;
  /** eth/68: head block hash and total difficulty. */
  head?: { hash: Uint8Array; td: bigint };
  /** eth/69+: the block range the node serves. */
  blockRange?: { earliest: bigint; latest: bigint; latestHash: Uint8Array };
  /** Why the Status does not match our chain (network, genesis, fork ID...), if it does not. */
  mismatch?: { reason: EthHandshakeFailure; message: string };
}

export interface NodeCheckResult {
  /** The node's Hello, if the RLPx handshake got that far. */
  hello?: HelloInfo;
  /** The node's Status, if eth was shared and it sent one. */
  status?: RemoteStatus;
  /** Set when the check did not complete (the fields above may still be set). */
  error?: CheckError;
  /** Wall time of the check in ms. */
  ms: number;
}

/** Where to connect: the node's key and TCP endpoint. */
export interface CheckTarget {
  publicKey: Uint8Array;
  ip: string;
  tcpPort: number;
}

export interface NodeCheckOptions {
  /** Our RLPx node key. */
  privateKey: Uint8Array;
  /** Our chain for the Status we send (network, and a head: the genesis is fine for a crawler). */
  local: LocalChainStatus;
  /** Fork ID filter of `local.network` (pass one to reuse it across checks). */
  forkFilter?: ForkIdFilter;
  /** eth versions offered (default 68, 69, 70: the highest shared one is used). */
  ethVersions?: readonly EthVersion[];
  /** Client ID in our Hello. */
  clientId?: string;
  /** Bound on the whole check (default {@link DEFAULT_CHECK_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Aborts the check; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Runs one check (see the module comment). */
export async function checkNode(target: CheckTarget, opts: NodeCheckOptions): Promise<NodeCheckResult> {
  const started = performance.now();
  const result: NodeCheckResult = { ms: 0 };
  if (!target.tcpPort) {
    result.error = { kind: 'no-tcp', phase: 'dial', message: 'the node advertises no TCP port' };
    return result;
  }
  if (opts.signal?.aborted) throw abortReason(opts.signal);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  let phase: CheckPhase = 'dial';
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new TimeoutError(phase === 'dial' ? 'dial' : phase === 'rlpx' ? 'handshake' : 'read', timeoutMs)), timeoutMs);
  const onAbort = (): void => deadline.abort(abortReason(opts.signal!));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let session: Session | undefined;
  try {
    const socket = await connectTcp(target.ip, target.tcpPort, { signal: deadline.signal, dialTimeoutMs: timeoutMs });
    phase = 'rlpx';
    session = new Session(
      socket,
      {
        privateKey: opts.privateKey,
        capabilities: ethCapabilities(opts.ethVersions),
        ...(opts.clientId ? { clientId: opts.clientId } : {}),
        handshakeTimeoutMs: timeoutMs,
        // Nodes without eth still tell us who they are.
        requireSharedCapability: false,
      },
      'outbound',
      target.publicKey,
    );
    await untilActive(session, deadline.signal);
    result.hello = helloInfo(session.remoteHello!);
    // A refusal (TooManyPeers...) comes right after the node's Hello, sometimes in the same read.
    if (session.closeInfo) throw closeError(session.closeInfo);
    const version = negotiatedEthVersion(session);
    if (version !== undefined) {
      phase = 'status';
      result.status = await exchangeStatus(session, version, opts, deadline.signal);
    } else {
      // No eth: the node handles our Hello before our Ping, so its Pong means it accepted us.
      await acceptedByPong(session, deadline.signal);
    }
  } catch (err) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    if (!result.hello && session?.remoteHello) result.hello = helloInfo(session.remoteHello);
    result.error = classifyCheckError(err, phase);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    // Resolves when the node closes after reading our Disconnect, or after the session's linger bound.
    if (session && session.currentState !== 'closed') await session.disconnect(DisconnectReason.ClientQuitting);
    result.ms = performance.now() - started;
  }
  return result;
}

/** Maps what ended a check to a {@link CheckError}. */
export function classifyCheckError(err: unknown, phase: CheckPhase): CheckError {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof EthHandshakeError) {
    if (err.reason === 'timeout') return { kind: 'timeout', phase, message };
    if (err.reason === 'disconnected' && err.cause !== undefined) return classifyCheckError(err.cause, phase);
    return { kind: 'protocol', phase, message };
  }
  if (err instanceof TimeoutError) return { kind: 'timeout', phase, message };
  if (err instanceof DialError) return { kind: err.code === 'ECONNREFUSED' ? 'refused' : 'unreachable', phase, message };
  if (err instanceof HandshakeError || err instanceof EciesError || err instanceof FrameError) return { kind: 'handshake', phase, message };
  if (err instanceof DisconnectError) {
    const base = { phase, message, disconnectReason: err.reason as number, remoteDisconnect: err.remote };
    if (err.remote) {
      if (err.reason === DisconnectReason.TooManyPeers) return { kind: 'too-many-peers', ...base };
      if (err.reason === DisconnectReason.UselessPeer) return { kind: 'useless-peer', ...base };
      // A dropped connection is a remote NetworkError caused by the socket event (an explicit
      // Disconnect message carries no cause).
      if (err.reason === DisconnectReason.NetworkError && err.cause instanceof Error && !(err.cause instanceof DisconnectError)) {
        return { kind: 'closed', phase, message };
      }
      return { kind: 'disconnected', ...base };
    }
    // We ended it: the node broke the handshake (wrong identity, bad Hello) or eth.
    return { kind: phase === 'status' ? 'protocol' : 'handshake', ...base };
  }
  return { kind: 'closed', phase, message };
}

/** Human-readable form of a check error, with the Disconnect reason name when there is one. */
export function describeCheckError(e: CheckError): string {
  const reason = e.disconnectReason !== undefined ? ` (${disconnectReasonName(e.disconnectReason)})` : '';
  return `${e.kind} in ${e.phase}${reason}: ${e.message}`;
}

function helloInfo(h: Hello): HelloInfo {
  return { clientId: h.clientId, protocolVersion: h.protocolVersion, capabilities: h.capabilities.map((c) => ({ name: c.name, version: c.version })), listenPort: h.listenPort };
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** The typed error of a session that ended: the peer's DisconnectError, or one made from the close. */
function closeError(info: CloseInfo): Error {
  if (info.error instanceof DisconnectError) return info.error;
  if (info.error instanceof TimeoutError || info.error instanceof HandshakeError || info.error instanceof FrameError) return info.error;
  return new DisconnectError(info.reason, info.remote, info.error);
}

/** Waits for the Hello exchange; on abort ends the session with the abort's reason. */
async function untilActive(session: Session, signal: AbortSignal): Promise<void> {
  const onAbort = (): void => void session.disconnect(DisconnectReason.ReadTimeout, abortReason(signal));
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await session.ready;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Sends our Status and reads the node's (the first eth message). Resolves with it, with the
 * mismatch if it is not our chain; rejects with EthHandshakeError ('unexpected-message',
 * 'decode', 'disconnected' with the close as cause) or the abort's reason.
 */
function exchangeStatus(session: Session, version: EthVersion, opts: NodeCheckOptions, signal: AbortSignal): Promise<RemoteStatus> {
  const filter = opts.forkFilter ?? networkForkFilter(opts.local.network);
  return new Promise<RemoteStatus>((resolve, reject) => {
    const cleanup = (): void => {
      session.off('message', onMessage);
      session.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onMessage = (msg: SessionMessage): void => {
      if (msg.capability.name !== ETH_PROTOCOL_NAME) return;
      if (msg.code !== EthMessageCode.Status) return fail(new EthHandshakeError('unexpected-message', `first eth message has code 0x${msg.code.toString(16)}, expected Status`));
      let remote: AnyStatus;
      try {
        remote = decodeStatus(version, msg.data);
      } catch (err) {
        return fail(new EthHandshakeError('decode', (err as Error).message, { cause: err }));
      }
      cleanup();
      const mismatch = checkStatus(version, remote, opts.local, filter);
      resolve(remoteStatus(version, remote, mismatch ? { reason: mismatch.reason, message: mismatch.message } : undefined));
    };
    const onClose = (info: CloseInfo): void => fail(new EthHandshakeError('disconnected', 'session closed before Status', { cause: closeError(info) }));
    const onAbort = (): void => fail(abortReason(signal));
    if (session.closeInfo) return onClose(session.closeInfo);
    if (signal.aborted) return onAbort();
    session.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      session.send(ETH_PROTOCOL_NAME, EthMessageCode.Status, encodeStatus(version, makeStatus(version, opts.local)));
    } catch (err) {
      return fail(new EthHandshakeError('disconnected', `cannot send Status: ${(err as Error).message}`, { cause: err }));
    }
    // Attached last: messages that arrived before are held by the session and delivered now.
    session.on('message', onMessage);
  });
}

function remoteStatus(version: EthVersion, s: AnyStatus, mismatch: RemoteStatus['mismatch']): RemoteStatus {
  const base = { version, networkId: s.networkId, genesis: s.genesis, forkId: s.forkId, ...(mismatch ? { mismatch } : {}) };
  if (isStatus68(s)) return { ...base, head: { hash: s.head, td: s.td } };
  return { ...base, blockRange: { earliest: s.earliestBlock, latest: s.latestBlock, latestHash: s.latestBlockHash } };
}

/** Resolves when our Ping is answered; rejects with the close's typed error or the abort's reason. */
function acceptedByPong(session: Session, signal: AbortSignal): Promise<void> {
  if (session.closeInfo) return Promise.reject(closeError(session.closeInfo));
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      session.off('pong', onPong);
      session.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onPong = (): void => done();
    const onClose = (info: CloseInfo): void => done(closeError(info));
    const onAbort = (): void => done(abortReason(signal));
    if (signal.aborted) return onAbort();
    session.on('pong', onPong);
    session.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    session.ping();
  });
}
