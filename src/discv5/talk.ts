/**
 * TALKREQ / TALKRESP for embedders (geth v5_talk.go): a handler per protocol name answers
 * requests; a request for a protocol nobody registered gets an empty TALKRESP (the spec's
 * rule), and at most {@link MAX_ACTIVE_TALK_REQUESTS} handlers run at once: beyond that a
 * request is dropped unanswered (geth drops after waiting 400 ms for a slot).
 */
import type { Enr } from '../enode/enr.js';
import type { UdpAddress } from '../discv4/udp.js';

/** Handlers running at once (geth maxActiveTalkRequests). */
export const MAX_ACTIVE_TALK_REQUESTS = 1024;

/** One TALKREQ as a handler sees it. */
export interface TalkRequest {
  /** The sender's node ID and, when known, its record. */
  nodeId: Uint8Array;
  node?: Enr;
  from: UdpAddress;
  protocol: string;
  message: Uint8Array;
}

/** Answers a TALKREQ; the returned bytes are the TALKRESP message. */
export type TalkHandler = (req: TalkRequest) => Uint8Array | Promise<Uint8Array>;

export class TalkHandlers {
  private readonly handlers = new Map<string, TalkHandler>();
  private active = 0;
  /** Requests dropped because {@link MAX_ACTIVE_TALK_REQUESTS} handlers were running. */
  dropped = 0;

  constructor(readonly maxActive = MAX_ACTIVE_TALK_REQUESTS) {}

  register(protocol: string, handler: TalkHandler): void {
    this.handlers.set(protocol, handler);
  }

  unregister(protocol: string): void {
    this.handlers.delete(protocol);
  }

  /** Handlers running now. */
  get running(): number {
    return this.active;
  }

  /**
   * Handles a request and calls `respond` with the answer: empty for an unknown protocol, the
   * handler's bytes otherwise (empty if it throws). Nothing is sent for a dropped request.
   */
  handle(req: TalkRequest, respond: (message: Uint8Array) => void): void {
    const handler = this.handlers.get(req.protocol);
    if (!handler) return respond(new Uint8Array(0));
    if (this.active >= this.maxActive) {
      this.dropped++;
      return;
    }
    this.active++;
    void (async () => {
      try {
        respond(await handler(req));
      } catch {
        respond(new Uint8Array(0));
      } finally {
        this.active--;
      }
    })();
  }
}
