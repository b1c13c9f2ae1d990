/**
 * The one small interface through which a sub-protocol plugs into the server: a name, a version,
 * how many message codes it uses, and a factory that makes a handler per peer. eth is registered
 * this way; an embedding client adds its own (snap, a custom one) the same way. Register each
 * version of a protocol separately (eth/68, eth/69, eth/70): the peer gets a handler for the one
 * version negotiated.
 */
import type { DisconnectReason } from '../rlpx/disconnect-reason.js';
import type { CloseInfo, Direction, Session } from '../rlpx/session.js';
import type { PenaltyKind } from './reputation.js';

/**
 * What a protocol handler sees of the RLPx session under it: facts (remote Hello, negotiated
 * capabilities, stats) and flow control shared by every protocol on the connection. Not its
 * `send`, `on('message')` or `disconnect`: a handler sends, receives and ends through its
 * {@link ProtocolPeer} (or a SessionView over it), so it only touches its own protocol.
 */
export type ProtocolSessionInfo = Pick<
  Session,
  'direction' | 'currentState' | 'remoteHello' | 'capabilities' | 'stats' | 'activeSince' | 'remoteAddress' | 'lastPingRttMs' | 'closeInfo' | 'writableLength' | 'drained' | 'pauseReading' | 'resumeReading'
>;

/**
 * What a protocol handler sees of its peer: a view of its own protocol (send with codes relative
 * to it, messages through {@link ProtocolHandler.handle}, the close through
 * {@link ProtocolHandler.close}). Codes are relative to the protocol (0-based).
 */
export interface ProtocolPeer {
  /** Hex node ID (keccak256 of the public key), the peer's identity in logs and maps. */
  readonly id: string;
  /** 64-byte public key. */
  readonly publicKey: Uint8Array;
  /** The negotiated version of this protocol. */
  readonly version: number;
  readonly direction: Direction;
  /** Facts about the underlying RLPx session (remote Hello, stats) and shared flow control. */
  readonly session: ProtocolSessionInfo;
  /** Sends a message of this protocol; `data` is the RLP message body. */
  send(code: number, data: Uint8Array): void;
  /**
   * Records misbehaviour (an invalid message, a timed-out request...). Enough of it disconnects
   * the peer and bans its node ID and IP for a while.
   */
  penalize(kind: PenaltyKind, detail?: string): void;
  /** Ends the whole peer (every protocol on it). */
  disconnect(reason: DisconnectReason, error?: Error): Promise<void>;
}

/** Per-peer protocol logic. Messages are delivered one at a time, in order. */
export interface ProtocolHandler {
  /**
   * Handles one message. A returned promise is awaited before the next message is delivered.
   * A throw or rejection disconnects the peer with SubprotocolError.
   */
  handle(code: number, data: Uint8Array): void | Promise<void>;
  /** Called once when the peer is gone. */
  close?(info: CloseInfo): void;
}

/** A protocol as registered with the server. */
export interface Protocol {
  name: string;
  version: number;
  /** Number of message codes. */
  length: number;
  /** The name of message `code` (relative), for metrics and logs; undefined for codes it does not define. */
  messageName?(code: number): string | undefined;
  /** Creates the handler for a newly connected peer that negotiated this protocol. */
  create(peer: ProtocolPeer): ProtocolHandler;
}
