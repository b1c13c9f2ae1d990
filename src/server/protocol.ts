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

/** What a protocol handler sees of its peer. Codes are relative to the protocol (0-based). */
export interface ProtocolPeer {
  /** Hex node ID (keccak256 of the public key), the peer's identity in logs and maps. */
  readonly id: string;
  /** 64-byte public key. */
  readonly publicKey: Uint8Array;
  /** The negotiated version of this protocol. */
  readonly version: number;
  readonly direction: Direction;
  /** The underlying RLPx session (remote Hello, stats). */
  readonly session: Session;
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
