/**
 * A minimal RLPx listener: accepts TCP connections and runs the recipient handshake on each.
 * It applies no peer limits (the server layer does); it tracks open sessions so `close()` can
 * end them all with ClientQuitting and leave no socket behind.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TypedEmitter } from '../common/emitter.js';
import { accept } from './connect.js';
import { DisconnectReason } from './disconnect-reason.js';
import type { Session, SessionConfig } from './session.js';

export interface ListenerEvents {
  /**
   * A peer completed the handshake and Hello. Listeners attached to the session in this handler
   * (synchronously) get all of it, even when the peer sent Hello, messages and Disconnect in one
   * burst and the session closed before it was reported: its held messages, then its 'close'.
   */
  session: (session: Session) => void;
  /** An inbound connection failed before becoming a session (typed error; the socket is closed). */
  'handshake:failed': (err: Error, remoteAddress: string) => void;
}

export class RlpxListener extends TypedEmitter<ListenerEvents> {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Session>();
  /** The bound port, read once at listen (server.address() is a getsockname call each time). */
  private boundPort = 0;

  constructor(private readonly config: SessionConfig) {
    super();
    this.server = createServer((socket) => this.onSocket(socket));
  }

  /** Starts listening; resolves with the bound port. */
  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    return this.boundPort;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Sessions currently open. */
  get openSessions(): ReadonlySet<Session> {
    return this.sessions;
  }

  private onSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    accept(socket, { ...this.config, listenPort: this.config.listenPort ?? this.boundPort }).then(
      (session) => {
        // A session can close in the same tick it became active (Hello, messages and Disconnect
        // in one read): nobody could listen yet. It is still reported (not tracked as open),
        // and what the 'session' handlers attach still gets it all, in order: the held messages
        // (the session delivers them to its first 'message' listener, in a microtask), then the
        // 'close', replayed in a microtask queued after theirs.
        const closedEarly = session.closeInfo;
        if (!closedEarly) {
          this.sessions.add(session);
          session.once('close', () => this.sessions.delete(session));
        }
        this.emit('session', session);
        if (closedEarly) queueMicrotask(() => session.emit('close', closedEarly));
      },
      (err: Error) => this.emit('handshake:failed', err, remote),
    );
  }

  /** Stops accepting, disconnects every session (ClientQuitting) and closes every socket. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.sessions].map((s) => s.disconnect(DisconnectReason.ClientQuitting)));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
