/** Typed errors of the snap layer, each with a `reason` an embedding client can switch on. */

/** Why a snap request failed. */
export type SnapRequestFailure =
  /** No response within the request's timeout. */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** The peer is (or became) disconnected. */
  | 'disconnected'
  /** The response's Merkle proof does not prove it against the requested root (the peer is penalised). */
  | 'proof'
  /** The response is larger than the requested byte limit allows (the peer is penalised). */
  | 'oversize'
  /** The response breaks the request's bounds otherwise: more items than asked, a code or node not hashing to what was asked (the peer is penalised). */
  | 'invalid-response'
  /** The request cannot be sent on the negotiated version (e.g. GetTrieNodes on snap/2). */
  | 'unsupported';

/** A failed snap request. */
export class SnapRequestError extends Error {
  constructor(
    readonly reason: SnapRequestFailure,
    readonly request: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`snap ${request}: ${reason}: ${message}`, options);
    this.name = 'SnapRequestError';
  }
}

/** What a peer did wrong on the snap protocol; set as the CloseInfo error when we disconnect it. */
export type SnapProtocolFailure =
  /** A message that does not decode. */
  | 'decode'
  /** A message over 10 MiB. */
  | 'too-large'
  /** A code the negotiated version does not define (e.g. GetTrieNodes on snap/2). */
  | 'unknown-code'
  /** A response to a request we never sent, or of the wrong type for its ID. */
  | 'unsolicited'
  /** A GetTrieNodes with an empty path set (geth's errBadRequest). */
  | 'bad-request';

/** A snap protocol breach by the remote peer (it is disconnected with SubprotocolError, as geth does). */
export class SnapProtocolError extends Error {
  constructor(
    readonly reason: SnapProtocolFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`snap protocol: ${reason}: ${message}`, options);
    this.name = 'SnapProtocolError';
  }
}
