/**
 * Why a connection failed before it became a peer, as one short label: what the server counts
 * per direction (its stats, metrics, status pages). Labels are few and fixed, so they are safe as
 * Prometheus label values: a failed TCP connect is `refused` or `unreachable`, a deadline
 * `timeout`, a broken ECIES handshake or Hello `handshake`, a Disconnect during the handshake
 * `<side>:<reason>` (e.g. `remote:TooManyPeers`, `local:AlreadyConnected`), anything else `other`.
 */
import { DialError } from '../rlpx/connect.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import { DisconnectError, EciesError, FrameError, HandshakeError, TimeoutError } from '../rlpx/errors.js';

/** The label of a failed dial or inbound handshake (see the module comment). */
export function connectionFailureKind(err: unknown): string {
  if (err instanceof DialError) return err.code === 'ECONNREFUSED' ? 'refused' : 'unreachable';
  if (err instanceof TimeoutError) return 'timeout';
  if (err instanceof DisconnectError) return `${err.remote ? 'remote' : 'local'}:${DisconnectReason[err.reason] ?? String(err.reason)}`;
  if (err instanceof HandshakeError || err instanceof EciesError || err instanceof FrameError) return 'handshake';
  return 'other';
}
