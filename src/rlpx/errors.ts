/** Typed errors of the RLPx layer. Each carries what a caller needs to act on it. */
import { DisconnectReason, disconnectReasonName } from './disconnect-reason.js';

/** ECIES decryption failed: bad MAC, bad point, or truncated message. */
export class EciesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EciesError';
  }
}

/** The ECIES/EIP-8 auth-ack handshake failed (malformed, oversized, unsupported, bad signature). */
export class HandshakeError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'HandshakeError';
  }
}

/** A frame failed its MAC check, was oversized, or did not decode. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** A deadline passed: `phase` says which (handshake, read, write, dial, ping). */
export class TimeoutError extends Error {
  constructor(readonly phase: 'handshake' | 'read' | 'write' | 'dial' | 'request', readonly ms: number) {
    super(`${phase} timeout after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** The session's outbound queue would exceed its byte bound. */
export class WriteQueueFullError extends Error {
  constructor(readonly limit: number, readonly queued: number) {
    super(`write queue full: ${queued} bytes queued, limit ${limit}`);
    this.name = 'WriteQueueFullError';
  }
}

/**
 * The session ended with a devp2p Disconnect reason. `remote` is true when the peer sent the
 * Disconnect (or closed), false when we decided it.
 */
export class DisconnectError extends Error {
  constructor(
    readonly reason: DisconnectReason,
    readonly remote: boolean,
    override readonly cause?: unknown,
  ) {
    super(`${remote ? 'remote' : 'local'} disconnect: ${disconnectReasonName(reason)}${cause instanceof Error ? ` (${cause.message})` : ''}`);
    this.name = 'DisconnectError';
  }

  /**
   * The error a peer's Disconnect stands for, built without a stack trace: it would only say
   * where we read the frame, and capturing it costs more than the rest of building the error
   * (every session the peer ends builds one).
   */
  static fromPeer(reason: DisconnectReason): DisconnectError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new DisconnectError(reason, true);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** A message was sent on a capability that was not negotiated, or with a code out of its range. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** A session was asked to move between states its transition table does not allow: a bug here, not the peer's doing. */
export class InvalidTransitionError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`session state cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}
