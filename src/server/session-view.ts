/**
 * Runs code written against a session (a {@link MessageSession}) as a server protocol handler:
 * the view shows one protocol's messages as 'message' events, sends through the peer, and ends
 * with the peer. Messages keep the server's ordering and queue bounds; `gate` lets the adapter
 * hold a message (by returning a promise) until the code that consumes it is listening.
 */
import { TypedEmitter } from '../common/emitter.js';
import type { DisconnectReason } from '../rlpx/disconnect-reason.js';
import type { SharedCapability } from '../rlpx/capabilities.js';
import type { MessageSession } from '../rlpx/message-session.js';
import type { CloseInfo, SessionEvents } from '../rlpx/session.js';
import type { ProtocolHandler, ProtocolPeer } from './protocol.js';

export class SessionView extends TypedEmitter<SessionEvents> implements MessageSession {
  closeInfo?: CloseInfo;
  readonly capability: SharedCapability;

  constructor(
    readonly peer: ProtocolPeer,
    name: string,
  ) {
    super();
    this.capability = peer.session.capabilities.find((c) => c.name === name)!;
  }

  /** Only this view's protocol is visible: the code inside cannot touch the peer's others. */
  get capabilities(): readonly SharedCapability[] {
    return [this.capability];
  }

  send(capability: string, code: number, data: Uint8Array): void {
    if (capability !== this.capability.name) throw new Error(`view of ${this.capability.name} cannot send ${capability}`);
    this.peer.send(code, data);
  }

  disconnect(reason?: DisconnectReason, error?: Error): Promise<void> {
    return this.peer.disconnect(reason ?? 0, error);
  }

  /** Bytes queued for the peer (every protocol's, as they share the connection). */
  get writableLength(): number {
    return this.peer.session.writableLength;
  }

  drained(opts?: Parameters<MessageSession['drained']>[0]): Promise<void> {
    return this.peer.session.drained(opts);
  }

  /** Holds reading of the whole peer; the hold is named after this view's protocol. */
  pauseReading(holder: string): void {
    this.peer.session.pauseReading(`${this.capability.name}:${holder}`);
  }

  resumeReading(holder: string): void {
    this.peer.session.resumeReading(`${this.capability.name}:${holder}`);
  }

  /** Delivers one message to the code behind the view. */
  deliver(code: number, data: Uint8Array): void {
    this.emit('message', { capability: this.capability.name, version: this.capability.version, code, data });
  }

  /** Ends the view (the peer is gone). */
  end(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.emit('close', info);
  }

  /** A handler feeding this view; `gate(code)` may return a promise to wait on before delivery. */
  handler(gate?: (code: number) => Promise<void> | undefined): ProtocolHandler {
    return {
      handle: (code, data) => {
        const wait = gate?.(code);
        if (wait) return wait.then(() => this.deliver(code, data));
        this.deliver(code, data);
      },
      close: (info) => this.end(info),
    };
  }
}
