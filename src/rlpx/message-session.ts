/**
 * The part of a {@link Session} a sub-protocol implementation needs: its negotiated
 * capabilities, send by (capability, code), 'message' and 'close' events, disconnect, and the
 * means to serve at the pace the peer reads (how much is queued for it, a wait for that to
 * drain, holding reading paused). A Session is one; so is a server peer's per-protocol view
 * (src/server/session-view.ts), which lets code written against a session (eth's handshake and
 * EthPeer) run inside the server's multiplexer.
 */
import type { TypedEmitter } from '../common/emitter.js';
import type { DisconnectReason } from './disconnect-reason.js';
import type { SharedCapability } from './capabilities.js';
import type { CloseInfo, Session, SessionEvents } from './session.js';

export interface MessageSession extends Pick<TypedEmitter<SessionEvents>, 'on' | 'off' | 'once'>, Pick<Session, 'drained' | 'pauseReading' | 'resumeReading'> {
  readonly capabilities: readonly SharedCapability[];
  readonly closeInfo?: CloseInfo | undefined;
  /** Bytes queued for the peer that the kernel has not yet taken (see {@link Session.writableLength}). */
  readonly writableLength: number;
  send(capability: string, code: number, data: Uint8Array): void;
  disconnect(reason?: DisconnectReason, error?: Error): Promise<void>;
}
