/**
 * A connected peer: one RLPx session with one handler per negotiated protocol. Each handler gets
 * its messages in order from a bounded queue; while a queue is over its high-water mark the
 * socket stops being read (TCP back-pressure, as geth's blocking reads give), and a queue that
 * passes its hard bound disconnects the peer.
 */
import { bytesToHex } from '../common/bytes.js';
import { normalizeIp } from '../common/netutil.js';
import { nodeIdOf } from '../enode/key.js';
import { formatEnode } from '../enode/enode-url.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import { ProtocolError } from '../rlpx/errors.js';
import type { CloseInfo, Direction, Session, SessionMessage } from '../rlpx/session.js';
import type { Protocol, ProtocolHandler, ProtocolPeer } from './protocol.js';
import type { PenaltyKind } from './reputation.js';
import { sharedTurnBudget, type TurnBudget } from './turn-budget.js';

/** Queue depth at which we stop reading the socket until the handler catches up. */
export const QUEUE_HIGH_WATER = 64;
/** Queue bounds past which the peer is dropped (a burst in one read can overshoot high water). */
export const MAX_QUEUED_MESSAGES = 4096;
export const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
/**
 * Longest a peer's handler runs before yielding the event loop to other peers (ms). All peers
 * together are bounded per event-loop turn by `turn-budget.ts TURN_BUDGET_MS`.
 */
export const DRAIN_SLICE_MS = 10;
/** Our name for the hold on the session's reading while a handler queue is over high water. */
const READ_HOLD = 'server:handler-queue';

/** Callbacks the server gives each peer: reputation and per-protocol traffic accounting. */
export interface PeerHooks {
  penalize?: (peer: Peer, kind: PenaltyKind, detail?: string) => void;
  traffic?: (direction: 'in' | 'out', protocol: string, code: number, bytes: number) => void;
  /** Handler time per event-loop turn shared with other peers (default: one per process). */
  turnBudget?: TurnBudget;
}

/** Per-peer information for an embedding client's status pages. */
export interface PeerInfo {
  id: string;
  enode: string;
  clientId: string;
  caps: string[];
  protocols: Record<string, number>;
  direction: Direction;
  remoteAddress: string;
  trusted: boolean;
  static: boolean;
  uptimeMs: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
}

/** A protocol handler's ordered inbound queue. */
class HandlerQueue {
  private queue: SessionMessage[] = [];
  private bytes = 0;
  private running = false;

  constructor(
    readonly handler: ProtocolHandler,
    private readonly peer: Peer,
    private readonly budget: TurnBudget,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  push(m: SessionMessage): void {
    this.queue.push(m);
    this.bytes += m.data.length;
    if (this.queue.length > MAX_QUEUED_MESSAGES || this.bytes > MAX_QUEUED_BYTES) {
      void this.peer.disconnect(DisconnectReason.SubprotocolError, new ProtocolError(`${m.capability} handler queue overflow (${this.queue.length} messages, ${this.bytes} bytes)`));
      return;
    }
    this.peer.updateBackpressure();
    if (!this.running) {
      // Handle on a later turn, not inside the socket read: the messages of one read queue up
      // first, so the high-water mark can pause the socket, and other peers' I/O runs between.
      this.running = true;
      setImmediate(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    try {
      let sliceStart = performance.now();
      while (this.queue.length > 0 && !this.peer.closed) {
        // The turn's shared budget is spent: wait for the next turn (and check again, the peer
        // may have closed meanwhile).
        const later = this.budget.wait();
        if (later) {
          await later;
          sliceStart = performance.now();
          continue;
        }
        const m = this.queue.shift()!;
        this.bytes -= m.data.length;
        this.peer.updateBackpressure();
        const r = this.handler.handle(m.code, m.data);
        if (r && typeof (r as Promise<void>).then === 'function') await r;
        if (performance.now() - sliceStart >= DRAIN_SLICE_MS) {
          // A flood of cheap requests must not hold the event loop: let every other peer run.
          await new Promise<void>((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }
    } catch (err) {
      void this.peer.disconnect(DisconnectReason.SubprotocolError, err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.running = false;
    }
  }

  clear(): void {
    this.queue = [];
    this.bytes = 0;
  }
}

export class Peer {
  readonly id: string;
  readonly publicKey: Uint8Array;
  private readonly queues = new Map<string, HandlerQueue>();
  private paused = false;
  closed = false;

  constructor(
    readonly session: Session,
    protocols: readonly Protocol[],
    readonly flags: { trusted: boolean; static: boolean },
    hooks: PeerHooks = {},
  ) {
    this.publicKey = session.remotePublicKey!;
    this.id = bytesToHex(nodeIdOf(this.publicKey));
    for (const cap of session.capabilities) {
      const proto = protocols.find((p) => p.name === cap.name && p.version === cap.version);
      if (!proto) continue;
      const peerView: ProtocolPeer = {
        id: this.id,
        publicKey: this.publicKey,
        version: cap.version,
        direction: session.direction,
        session,
        send: (code, data) => {
          session.send(cap.name, code, data);
          hooks.traffic?.('out', cap.name, code, data.length);
        },
        penalize: (kind, detail) => hooks.penalize?.(this, kind, detail),
        disconnect: (reason, error) => this.disconnect(reason, error),
      };
      this.queues.set(cap.name, new HandlerQueue(proto.create(peerView), this, hooks.turnBudget ?? sharedTurnBudget));
    }
    session.on('message', (m) => {
      hooks.traffic?.('in', m.capability, m.code, m.data.length);
      this.queues.get(m.capability)?.push(m);
    });
    session.once('close', (info) => this.onClose(info));
  }

  get direction(): Direction {
    return this.session.direction;
  }

  /** Pauses reading while any handler queue is over its high-water mark. */
  updateBackpressure(): void {
    let over = false;
    for (const q of this.queues.values()) if (q.length >= QUEUE_HIGH_WATER) over = true;
    if (over && !this.paused) {
      this.paused = true;
      this.session.pauseReading(READ_HOLD);
    } else if (!over && this.paused) {
      this.paused = false;
      this.session.resumeReading(READ_HOLD);
    }
  }

  disconnect(reason: DisconnectReason, error?: Error): Promise<void> {
    return this.session.disconnect(reason, error);
  }

  private onClose(info: CloseInfo): void {
    this.closed = true;
    for (const q of this.queues.values()) {
      q.clear();
      try {
        q.handler.close?.(info);
      } catch {
        // A handler failing while being closed must not disturb the others.
      }
    }
  }

  info(): PeerInfo {
    const s = this.session;
    const h = s.remoteHello!;
    const ip = normalizeIp(s.socket.remoteAddress ?? '0.0.0.0');
    return {
      id: this.id,
      enode: formatEnode({ publicKey: this.publicKey, ip, tcpPort: h.listenPort, udpPort: h.listenPort }),
      clientId: h.clientId,
      caps: h.capabilities.map((c) => `${c.name}/${c.version}`),
      protocols: Object.fromEntries(s.capabilities.map((c) => [c.name, c.version])),
      direction: s.direction,
      remoteAddress: s.remoteAddress,
      trusted: this.flags.trusted,
      static: this.flags.static,
      uptimeMs: Date.now() - s.activeSince,
      ...s.stats,
    };
  }
}
