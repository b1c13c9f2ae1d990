/**
 * Serving at the pace the peer reads: a reply is built only while at most
 * {@link SERVE_BACKLOG_BYTES} are queued for the peer; requests wait (undecoded) meanwhile, and
 * past {@link SERVE_QUEUE_HIGH_WATER} of them the session stops reading the peer. A peer that
 * never reads holds one backlog and one reply, and its session's write deadline ends it.
 */
import type { MessageSession } from '../rlpx/message-session.js';
import type { SessionMessage } from '../rlpx/session.js';
import { SOFT_RESPONSE_LIMIT } from './serve.js';

/**
 * Serving pauses while more than this many bytes are queued for the peer (not yet taken by the
 * kernel), and resumes as it reads. Twice geth's softResponseLimit: a reply stops growing once
 * past that limit, so what one peer makes us hold is at most this plus one reply.
 */
export const SERVE_BACKLOG_BYTES = 2 * SOFT_RESPONSE_LIMIT;
/**
 * Requests waiting to be served (while serving is paused) past which the session stops reading
 * the peer, by count or by their bytes. Well above the requests an honest peer keeps in flight
 * (ours: `DEFAULT_MAX_IN_FLIGHT`), so reading, and with it the answers to our own requests,
 * never stalls on an honest peer's queue.
 */
export const SERVE_QUEUE_HIGH_WATER = 64;
export const SERVE_QUEUE_HIGH_WATER_BYTES = 1024 * 1024;
/** Our name for the hold on the session's reading while requests pile up. */
const SERVE_READ_HOLD = 'eth-serve';

/** The requests of one peer waiting to be served. */
export class ServeQueue {
  /** Requests waiting for serving to resume, in arrival order; decoded when served. */
  private queue: SessionMessage[] = [];
  private queueBytes = 0;
  /** A later turn is set to serve the queue (after a drain, or after yielding). */
  private scheduled = false;
  private readingHeld = false;
  private stopped = false;

  constructor(
    private readonly session: MessageSession,
    /** Decodes and answers one request. */
    private readonly serve: (msg: SessionMessage) => void,
    /** Counts a request that had to wait. */
    private readonly onPaused: () => void,
    private readonly backlogBytes: number = SERVE_BACKLOG_BYTES,
  ) {}

  /**
   * A request from the peer: answered at once when nothing is waiting and the peer is reading
   * what we send, else queued until it is.
   */
  push(msg: SessionMessage): void {
    if (this.queue.length === 0 && !this.scheduled && this.session.writableLength <= this.backlogBytes) {
      this.serve(msg);
      return;
    }
    this.onPaused();
    this.queue.push(msg);
    this.queueBytes += msg.data.length;
    this.holdReadingIfFull();
    this.schedule();
  }

  /** Drops what waits (the session closed). */
  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.queueBytes = 0;
  }

  /** Serves the queue on a later turn: once the peer's backlog is down to the bound, else on the next turn. */
  private schedule(): void {
    if (this.scheduled || this.stopped || this.queue.length === 0) return;
    this.scheduled = true;
    const next = () => {
      this.scheduled = false;
      this.serveQueued();
    };
    // A drain that times out (the peer reads, slowly) just checks again; the session's write
    // deadline ends a peer that stops reading, and then `drained` rejects and we stop.
    if (this.session.writableLength > this.backlogBytes) this.session.drained({ lowWater: this.backlogBytes }).then(next, next);
    else setImmediate(next);
  }

  /** Serves one queued request per turn (other peers' work runs between), while the backlog allows. */
  private serveQueued(): void {
    if (this.stopped) return;
    if (this.queue.length > 0 && this.session.writableLength <= this.backlogBytes) {
      const m = this.queue.shift()!;
      this.queueBytes -= m.data.length;
      this.holdReadingIfFull();
      this.serve(m);
    }
    this.schedule();
  }

  /** Holds the session's reading while the queue is at its high-water mark, releases it below. */
  private holdReadingIfFull(): void {
    const full = this.queue.length >= SERVE_QUEUE_HIGH_WATER || this.queueBytes >= SERVE_QUEUE_HIGH_WATER_BYTES;
    if (full === this.readingHeld || this.stopped) return;
    this.readingHeld = full;
    if (full) this.session.pauseReading(SERVE_READ_HOLD);
    else this.session.resumeReading(SERVE_READ_HOLD);
  }
}
