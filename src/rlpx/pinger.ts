/**
 * The base protocol's keep-alive (geth `p2p/peer.go` pingLoop, reth `p2pstream` pinger): a Ping
 * every {@link PING_INTERVAL_MS}, the round trip measured from its Pong, and each Ping of the
 * peer answered with one Pong, never more than one waiting to leave.
 */
import { BaseCode, EMPTY_LIST } from './hello.js';

/** geth's pingInterval. */
export const PING_INTERVAL_MS = 15_000;

/** What the pinger needs of the connection. */
export interface PingTransport {
  sendFrame(code: number, data: Uint8Array): void;
  /** Writes the kernel has taken whole. */
  readonly writesDone: number;
  /** The number (1-based, in queue order) of the last write queued so far. */
  readonly lastWriteNumber: number;
}

/** What the pinger reports to its session. */
export interface PingOwner {
  /** The interval passed: send a Ping if the session can. */
  pingDue(): void;
  /** A Pong arrived for our Ping. */
  onRtt(rttMs: number): void;
}

/** The interval's callback: a module function with the owner as its argument, not a closure per session. */
function pingDue(owner: PingOwner): void {
  owner.pingDue();
}

/** Pings for one session. */
export class Pinger {
  /** The last measured round trip in ms, or undefined. */
  lastRttMs?: number;
  private timer?: NodeJS.Timeout;
  private sentAt = 0;
  /** The write number of our last Pong; a Ping is answered only once it has left. */
  private lastPongWrite = 0;

  constructor(
    private readonly conn: PingTransport,
    private readonly owner: PingOwner,
  ) {}

  /** Asks the owner to ping every `intervalMs` until {@link stop}. */
  start(intervalMs: number): void {
    this.timer = setInterval(pingDue, intervalMs, this.owner);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Sends a Ping now. */
  ping(): void {
    this.sentAt = performance.now();
    this.conn.sendFrame(BaseCode.Ping, EMPTY_LIST);
  }

  /**
   * The peer pinged: one Pong in the queue at a time, so a peer that sends Pings and reads
   * nothing does not queue a Pong per Ping (geth's read loop waits while its Pong is written).
   */
  onPing(): void {
    if (this.conn.writesDone < this.lastPongWrite) return;
    this.conn.sendFrame(BaseCode.Pong, EMPTY_LIST);
    this.lastPongWrite = this.conn.lastWriteNumber;
  }

  /** The peer's Pong: reports the round trip of our outstanding Ping, if any. */
  onPong(): void {
    if (!this.sentAt) return;
    this.lastRttMs = performance.now() - this.sentAt;
    this.sentAt = 0;
    this.owner.onRtt(this.lastRttMs);
  }
}
