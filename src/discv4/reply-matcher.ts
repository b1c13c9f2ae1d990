/**
 * Reply matching (geth `p2p/discover/v4_udp.go`, its replyMatcher): every request we send waits
 * here for its reply from (node ID, IP) until its timeout. An inbound Pong, Neighbors or
 * ENRResponse is offered to the pending requests of its sender; the first whose matcher takes
 * it consumes it, and a reply nobody takes is unsolicited.
 *
 * Replies we wait for skip the per-IP rate limit ({@link ReplyMatcher.expectedReply}), and a
 * request may carry one resend (see bonding.ts, `resendAfterPong`).
 *
 * Timers: one per pending request and one for its resend, both cleared when it ends.
 */
import { Discv4ClosedError, Discv4TimeoutError } from './errors.js';
import { type Message, PacketType } from './messages.js';
import { type DiscNode, endpointKey } from './node.js';
import { type DecodedPacket, HEADER_SIZE, MIN_PACKET_SIZE } from './packets.js';
import { abortError } from '../common/abortable.js';

/**
 * Neighbors datagrams per FindNode (and per resend) that skip the rate limit: a full answer of
 * 16 nodes takes 2 (geth packs 12 per packet), and a little slack covers smaller packers.
 */
export const FREE_NEIGHBORS_REPLIES = 4;
/** Pong or ENRResponse datagrams per request (and per resend) that skip the rate limit. */
export const FREE_SINGLE_REPLIES = 1;

/** A request to send once more at `atMs` (performance.now()) if no reply has come by then. */
export interface Resend {
  atMs: number;
  packet: Uint8Array;
}

/** Takes the packet if it belongs to this request (true), or leaves it for another (false). */
export type ReplyMatch = (msg: Message, pkt: DecodedPacket, fromIp: Uint8Array) => boolean;

/** One request waiting for its reply. */
export interface ReplyRequest<T> {
  /** The node asked: only its ID at its IP can answer. */
  node: DiscNode;
  /** The reply packet type awaited (Pong, Neighbors or ENRResponse). */
  type: PacketType;
  /** Default: the matcher's reply timeout. */
  timeoutMs?: number | undefined;
  /** What a timeout means (default: reject with {@link Discv4TimeoutError}). */
  onTimeout?: ((resolve: (v: T) => void, reject: (e: Error) => void) => void) | undefined;
  /** Gets the request's resolve/reject and returns its packet matcher. */
  matcher: (resolve: (v: T) => void, reject: (e: Error) => void) => ReplyMatch;
  /** Aborting rejects the request with the signal's reason. */
  signal?: AbortSignal | undefined;
  resend?: Resend | undefined;
}

/** What the matcher needs from the node. */
export interface ReplyMatcherHost {
  readonly respTimeoutMs: number;
  isOpen(): boolean;
  /** Sends an encoded packet (a resend) to the node's UDP endpoint. */
  send(packet: Uint8Array, node: DiscNode): void;
}

interface Pending {
  key: string;
  ip: string;
  /** Reply datagrams from this IP that may still skip the rate limit. */
  freeReplies: number;
  type: PacketType;
  match: ReplyMatch;
  /** Ends the request (timers and abort listener cleared by {@link ReplyMatcher.remove}). */
  fail(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  /** Sends the request once more if no reply came by then. */
  resendTimer: NodeJS.Timeout | undefined;
  /** Replies matched so far. */
  replies: number;
  cleanup: (() => void) | undefined;
}

/** The request named in a timeout, by the reply it waited for. */
const REQUEST_NAME: Partial<Record<PacketType, string>> = {
  [PacketType.Pong]: 'Ping',
  [PacketType.Neighbors]: 'FindNode',
  [PacketType.EnrResponse]: 'ENRRequest',
};

const freeRepliesOf = (type: PacketType): number => (type === PacketType.Neighbors ? FREE_NEIGHBORS_REPLIES : FREE_SINGLE_REPLIES);

/** The pending requests of one node, by (node ID, IP) and by IP. */
export class ReplyMatcher {
  private readonly pending = new Map<string, Set<Pending>>();
  /** Pending requests per remote IP: their expected replies skip the rate limit. */
  private readonly pendingIps = new Map<string, Set<Pending>>();

  constructor(private readonly host: ReplyMatcherHost) {}

  /**
   * Registers a pending reply from (node ID, IP); the caller sends the request after this
   * returns. Rejects at once with {@link Discv4ClosedError} once the node is closed, and with
   * the signal's reason if it has aborted.
   */
  request<T>(r: ReplyRequest<T>): Promise<T> {
    if (!this.host.isOpen()) return Promise.reject(new Discv4ClosedError());
    const { node, type, signal, resend } = r;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<T>((resolveOuter, rejectOuter) => {
      const p: Pending = {
        key: endpointKey(node.idHex, node.ip),
        ip: node.ip,
        freeReplies: freeRepliesOf(type),
        type,
        match: () => false,
        fail: (err) => {
          this.remove(p);
          rejectOuter(err);
        },
        timer: undefined,
        resendTimer: undefined,
        replies: 0,
        cleanup: undefined,
      };
      const resolve = (v: T): void => {
        this.remove(p);
        resolveOuter(v);
      };
      const reject = (e: Error): void => p.fail(e);
      const match = r.matcher(resolve, reject);
      p.match = (msg, pkt, fromIp) => {
        const ok = match(msg, pkt, fromIp);
        if (ok) p.replies++;
        return ok;
      };
      const armTimeout = (): void => {
        clearTimeout(p.timer);
        p.timer = setTimeout(() => {
          p.timer = undefined;
          if (r.onTimeout) r.onTimeout(resolve, reject);
          else reject(new Discv4TimeoutError(REQUEST_NAME[type] ?? `request ${type}`, node));
        }, r.timeoutMs ?? this.host.respTimeoutMs);
      };
      armTimeout();
      if (resend) {
        p.resendTimer = setTimeout(() => {
          p.resendTimer = undefined;
          if (p.replies > 0 || !this.host.isOpen()) return;
          // The resent request gets a full reply window, and its replies skip the rate limit too.
          p.freeReplies += freeRepliesOf(type);
          armTimeout();
          this.host.send(resend.packet, node);
        }, Math.max(0, resend.atMs - performance.now()));
      }
      if (signal) {
        const onAbort = (): void => reject(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        p.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      let set = this.pending.get(p.key);
      if (!set) this.pending.set(p.key, (set = new Set()));
      set.add(p);
      let byIp = this.pendingIps.get(p.ip);
      if (!byIp) this.pendingIps.set(p.ip, (byIp = new Set()));
      byIp.add(p);
    });
  }

  /**
   * Replies we are waiting for are not charged to the rate limit, so our own lookups do not
   * starve on busy peers: a reply-type datagram from an IP with a pending request uses one of
   * that request's free replies (see {@link FREE_NEIGHBORS_REPLIES}). Only the type byte is
   * read here; the packet is verified as usual afterwards.
   */
  expectedReply(data: Uint8Array, ip: string): boolean {
    const set = this.pendingIps.get(ip);
    if (!set || data.length < MIN_PACKET_SIZE) return false;
    const type = data[HEADER_SIZE];
    for (const p of set) {
      if (p.type === type && p.freeReplies > 0) {
        p.freeReplies--;
        return true;
      }
    }
    return false;
  }

  /** Offers a verified reply from (node ID, IP) to its pending requests; false if none took it. */
  match(idHex: string, ip: string, pkt: DecodedPacket, fromIp: Uint8Array): boolean {
    const set = this.pending.get(endpointKey(idHex, ip));
    if (!set) return false;
    for (const p of set) {
      if (p.type === pkt.type && p.match(pkt.message, pkt, fromIp)) return true;
    }
    return false;
  }

  /** Fails every pending request with {@link Discv4ClosedError} (the node is closing). */
  close(): void {
    for (const set of [...this.pending.values()]) for (const p of [...set]) p.fail(new Discv4ClosedError());
    this.pending.clear();
    this.pendingIps.clear();
  }

  /** Timers armed by pending requests (replies and resends). */
  get armedTimers(): number {
    let n = 0;
    for (const set of this.pending.values()) for (const p of set) n += (p.timer ? 1 : 0) + (p.resendTimer ? 1 : 0);
    return n;
  }

  private remove(p: Pending): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    clearTimeout(p.resendTimer);
    p.resendTimer = undefined;
    p.cleanup?.();
    p.cleanup = undefined;
    const set = this.pending.get(p.key);
    if (!set?.delete(p)) return;
    if (set.size === 0) this.pending.delete(p.key);
    const byIp = this.pendingIps.get(p.ip);
    if (byIp?.delete(p) && byIp.size === 0) this.pendingIps.delete(p.ip);
  }
}
