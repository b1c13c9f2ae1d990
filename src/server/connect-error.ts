/**
 * The typed failure of {@link Server.connect}: what went wrong (`kind`), the target, and for a
 * refusal the Disconnect reason and who sent it. The underlying error is the `cause`.
 */
import { DialError } from '../rlpx/connect.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import { DisconnectError } from '../rlpx/errors.js';

export type ConnectFailure =
  /** The TCP connection failed (refused, unreachable, timed out): the cause is a DialError. */
  | 'dial'
  /** The encryption handshake or the Hello exchange failed (bad key, garbage, timeout). */
  | 'handshake'
  /** A side refused the peer with a Disconnect (`disconnectReason`, `remote` says which side). */
  | 'refused'
  /** The server is not running or stopped during the attempt. */
  | 'stopped';

export class ConnectError extends Error {
  /** For 'refused': the reason of the Disconnect. */
  readonly disconnectReason?: DisconnectReason;
  /** For 'refused': true if the remote refused us, false if we refused it (limits, duplicate). */
  readonly remote?: boolean;

  constructor(
    readonly kind: ConnectFailure,
    readonly target: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`connect ${target}: ${kind}: ${why}`, { cause });
    this.name = 'ConnectError';
    if (cause instanceof DisconnectError) {
      this.disconnectReason = cause.reason;
      this.remote = cause.remote;
    }
  }

  /** The ConnectError for a failed dial's error (`kind` from its type). */
  static from(err: unknown, target: string): ConnectError {
    if (err instanceof DialError) return new ConnectError('dial', target, err);
    if (err instanceof DisconnectError) return new ConnectError('refused', target, err);
    return new ConnectError('handshake', target, err);
  }
}
