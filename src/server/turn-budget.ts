/**
 * One budget of protocol-handler time per event-loop turn, shared by every peer of the process.
 *
 * Why: Node's event loop accepts at most one inbound connection per turn (Node 20.20 / libuv
 * 1.46, measured with strace: one accept4 per epoll wake), and reads every socket once per turn.
 * When each of N busy peers may run its handler for {@link DRAIN_SLICE_MS} in a turn, a turn
 * lasts up to N times that: in the soak (130 peers, each with a request pending) the node turned
 * its loop 5-10 times a second, so new connections waited seconds in the kernel's accept queue,
 * past the dialer's 5 s handshake deadline, and honest peers could not get in. With one shared
 * budget a turn's handler work is bounded whatever the number of peers; what is left runs on the
 * next turns, after the loop has accepted, read and written in between.
 *
 * @see DRAIN_SLICE_MS in peer.ts (the share one peer may take before yielding)
 */

/** Handler time all peers together may use in one event-loop turn before yielding it (ms). */
export const TURN_BUDGET_MS = 20;

export class TurnBudget {
  /** When handler work began in the current turn, or -1 before any. */
  private turnStart = -1;
  private nextTurn?: Promise<void>;

  constructor(
    readonly budgetMs = TURN_BUDGET_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Returns undefined while this turn has budget left (the caller may handle a message now), or
   * a promise that resolves on a later turn. The first use in a turn starts that turn's clock.
   */
  wait(): Promise<void> | undefined {
    const t = this.now();
    if (this.turnStart < 0) {
      this.turnStart = t;
      void this.arm();
      return undefined;
    }
    return t - this.turnStart < this.budgetMs ? undefined : this.arm();
  }

  /**
   * One pending setImmediate per turn in which handlers ran: it marks the next turn (a new
   * budget) and releases the waiters. setImmediate queued from the check phase, where handlers
   * run, fires only on the next loop iteration, after the poll phase (accepts and reads).
   */
  private arm(): Promise<void> {
    this.nextTurn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.nextTurn = undefined;
        this.turnStart = -1;
        resolve();
      }),
    );
    return this.nextTurn;
  }
}

/** The budget every peer shares by default: one event loop, one budget. */
export const sharedTurnBudget = new TurnBudget();
