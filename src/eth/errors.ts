/**
 * Typed errors of the eth layer, each with a `reason` string an embedding client can switch on.
 */
import type { DisconnectReason } from '../rlpx/disconnect-reason.js';
import type { ForkIdValidation } from '../chain/forkid.js';
import type { EthVersion } from './protocol.js';

/** Why a Status handshake failed. */
export type EthHandshakeFailure =
  /** eth was not negotiated on the session (nothing is sent; the session is left open). */
  | 'no-eth'
  /** The remote Status names another network ID. */
  | 'network-id'
  /** The remote Status names another genesis block. */
  | 'genesis'
  /** The remote Status version differs from the negotiated one. */
  | 'version'
  /** The EIP-2124 filter rejected the remote fork ID (see `forkId`). */
  | 'fork-id'
  /** eth/69+: earliest > latest, or a zero latest hash. */
  | 'block-range'
  /** No Status within the limit. */
  | 'timeout'
  /** The Status did not decode. */
  | 'decode'
  /** The first eth message was not Status. */
  | 'unexpected-message'
  /** The session closed during the handshake. */
  | 'disconnected'
  /** The caller's AbortSignal fired. */
  | 'aborted';

/** A failed Status handshake. Unless `reason` is 'no-eth' or 'disconnected', we disconnected the session with `disconnectReason`. */
export class EthHandshakeError extends Error {
  constructor(
    readonly reason: EthHandshakeFailure,
    message: string,
    readonly details: { disconnectReason?: DisconnectReason; forkId?: ForkIdValidation; cause?: unknown } = {},
  ) {
    super(`eth handshake: ${reason}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'EthHandshakeError';
  }

  /** The Disconnect reason we sent (SubprotocolError for mismatches, ReadTimeout on timeout), if we ended the session. */
  get disconnectReason(): DisconnectReason | undefined {
    return this.details.disconnectReason;
  }

  /** For 'fork-id': the EIP-2124 verdict ('remote-stale' or 'local-incompatible-or-stale'). */
  get forkIdResult(): ForkIdValidation | undefined {
    return this.details.forkId;
  }
}

/** Why a request to a peer failed. */
export type EthRequestFailure =
  /** No response within the request's timeout (including time spent waiting for an in-flight slot). */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** The peer is (or became) disconnected. */
  | 'disconnected'
  /** The response broke the request's bounds (e.g. more headers than asked for). */
  | 'invalid-response';

/** A failed request. */
export class EthRequestError extends Error {
  constructor(
    readonly reason: EthRequestFailure,
    readonly request: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`eth ${request}: ${reason}: ${message}`, options);
    this.name = 'EthRequestError';
  }
}

/** Thrown when asked to send a message the negotiated version does not have (e.g. NewBlock to an eth/69 peer). */
export class EthUnsupportedMessageError extends Error {
  constructor(
    readonly messageName: string,
    readonly version: EthVersion,
  ) {
    super(`eth/${version} has no ${messageName} message${version >= 69 && (messageName === 'NewBlock' || messageName === 'NewBlockHashes') ? ' (block announcements end at the merge; EIP-7642)' : ''}`);
    this.name = 'EthUnsupportedMessageError';
  }
}

/** What a peer did wrong after the handshake; set as the CloseInfo error when we disconnect it. */
export type EthProtocolFailure =
  /** A message whose body does not decode (Disconnect ProtocolBreach, as geth's errInvalidMsg). */
  | 'decode'
  /** A message over 10 MiB (geth's errMsgTooLarge), or Transactions with more than 5000 (geth: "too many transactions"). */
  | 'too-large'
  /** A message code the negotiated version does not define (geth's errInvalidMsgCode). */
  | 'unknown-code'
  /** A second Status. */
  | 'unexpected-status'
  /** BlockRangeUpdate with earliest > latest or a zero latest hash. */
  | 'block-range'
  /** A response to a request we never sent, or of the wrong type for its request ID. */
  | 'unsolicited';

/** A protocol breach by the remote peer. */
export class EthProtocolError extends Error {
  constructor(
    readonly reason: EthProtocolFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`eth protocol: ${reason}: ${message}`, options);
    this.name = 'EthProtocolError';
  }
}
