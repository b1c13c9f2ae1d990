/** Typed errors of discv5: what a caller needs to react (the peer, the reason, the limit). */
import { DecodeError } from '../common/errors.js';

/** Why a datagram was not a discv5 packet we could read. */
export type PacketErrorReason =
  | 'too-short'
  | 'too-large'
  | 'bad-header'
  | 'bad-version'
  | 'bad-flag'
  | 'bad-auth-size'
  | 'unexpected-handshake'
  | 'bad-ephemeral-key'
  | 'no-record'
  | 'bad-record'
  | 'bad-id-signature'
  | 'decrypt'
  | 'empty-message'
  | 'unknown-message'
  | 'bad-message'
  | 'request-id-too-long';

/**
 * A datagram that does not decode as discv5 (geth v5wire's errors). The `too-short` and
 * `bad-header` reasons mean "not a discv5 packet at all" (geth IsInvalidHeader): on a shared
 * socket such a datagram may belong to discv4.
 */
export class PacketError extends DecodeError {
  constructor(
    readonly reason: PacketErrorReason,
    detail: string,
  ) {
    super('discv5 packet', reason, detail);
    this.name = 'Discv5PacketError';
  }

  /** True when the datagram is not discv5 at all (geth v5wire.IsInvalidHeader). */
  get notDiscv5(): boolean {
    return this.reason === 'too-short' || this.reason === 'bad-header';
  }
}

/** A request got no (complete) answer in time. */
export class Discv5TimeoutError extends Error {
  constructor(
    readonly peer: string,
    readonly request: string,
    readonly timeoutMs: number,
  ) {
    super(`discv5 ${request} to ${peer}: no response within ${timeoutMs} ms`);
    this.name = 'Discv5TimeoutError';
  }
}

/** The node was closed while a request was pending (or a request was made after close). */
export class Discv5ClosedError extends Error {
  constructor() {
    super('discv5 node closed');
    this.name = 'Discv5ClosedError';
  }
}

/** A request failed for a reason other than a timeout (no record to handshake with, a bad response). */
export class Discv5RequestError extends Error {
  constructor(
    readonly peer: string,
    readonly request: string,
    readonly reason: 'no-record' | 'second-handshake' | 'bad-response' | 'wrong-count',
    detail: string,
  ) {
    super(`discv5 ${request} to ${peer}: ${detail}`);
    this.name = 'Discv5RequestError';
  }
}
