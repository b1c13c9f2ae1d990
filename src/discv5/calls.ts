/**
 * Outgoing requests and the responses that end them (geth v5_udp.go: callV5, dispatch,
 * handleCallResponse, matchWithCall). One call per remote node ID is active at a time; others
 * queue behind it. The active call is found by node ID for responses (same request ID, same
 * address, expected type) and by the nonce of its last packet for a WHOAREYOU, which makes us
 * resend it as a handshake once. Each response packet restarts the call's timeout, so a NODES
 * answer spread over several packets has {@link RESP_TIMEOUT_MS} between packets.
 */
import { bytesToHex, equalBytes } from '../common/bytes.js';
import type { DiscNode } from '../discv4/node.js';
import type { UdpAddress } from '../discv4/udp.js';
import { Discv5ClosedError, Discv5RequestError, Discv5TimeoutError } from './errors.js';
import { type Message, type MessageType, messageName } from './messages.js';
import type { Challenge } from './session-cache.js';

/** One request in flight or queued. */
export interface Call {
  readonly node: DiscNode;
  readonly addr: UdpAddress;
  readonly addrText: string;
  readonly message: Message;
  readonly responseType: MessageType;
  /** Hex nonce of the last packet sent for this call. */
  nonceHex?: string;
  handshakeCount: number;
  challenge?: Challenge;
  /** Receives each response; returns true when the call is complete. */
  onResponse(m: Message): boolean;
  settle(err?: Error): void;
  timer?: NodeJS.Timeout;
}

/** What the tracker needs from the node. */
export interface CallHost {
  respTimeoutMs: number;
  /** Sends the call's message (as a handshake when `call.challenge` is set); returns the packet nonce. */
  sendCall(call: Call): Uint8Array;
}

export class CallTracker {
  private readonly active = new Map<string, Call>();
  private readonly byNonce = new Map<string, Call>();
  private readonly queues = new Map<string, Call[]>();

  constructor(private readonly host: CallHost) {}

  /** Calls active or queued. */
  get size(): number {
    let n = this.active.size;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Queues a call and sends it when no other call to that node is active. */
  start(call: Call): void {
    const idHex = call.node.idHex;
    const q = this.queues.get(idHex);
    if (q) q.push(call);
    else this.queues.set(idHex, [call]);
    this.sendNext(idHex);
  }

  /**
   * The active call a WHOAREYOU with this nonce answers, if it may still do a handshake
   * (geth matchWithCall: one handshake per call).
   */
  matchChallenge(nonce: Uint8Array): Call | undefined {
    const c = this.byNonce.get(bytesToHex(nonce));
    if (!c || c.handshakeCount > 0) return undefined;
    return c;
  }

  /** Resends a call as a handshake answering `challenge`. */
  resendWithChallenge(call: Call, challenge: Challenge): void {
    call.handshakeCount++;
    call.challenge = challenge;
    this.send(call);
  }

  /**
   * Offers a response from (idHex, addr); true if it belonged to the active call to that node
   * (same request ID, address and expected type).
   */
  response(idHex: string, addrText: string, m: Message): boolean {
    const c = this.active.get(idHex);
    if (!c || !equalBytes(c.message.reqId, m.reqId) || c.addrText !== addrText || c.responseType !== m.type) return false;
    this.armTimeout(c);
    if (c.onResponse(m)) this.finish(c);
    return true;
  }

  /** Ends a call with an error (a WHOAREYOU we cannot answer). */
  fail(call: Call, err: Error): void {
    this.finish(call, err);
  }

  /** Fails every call with {@link Discv5ClosedError} and clears every timer. */
  closeAll(): void {
    const err = new Discv5ClosedError();
    for (const q of this.queues.values()) for (const c of q) c.settle(err);
    this.queues.clear();
    for (const c of this.active.values()) {
      clearTimeout(c.timer);
      c.settle(err);
    }
    this.active.clear();
    this.byNonce.clear();
  }

  private sendNext(idHex: string): void {
    if (this.active.has(idHex)) return;
    const q = this.queues.get(idHex);
    const next = q?.shift();
    if (!next) return;
    if (q!.length === 0) this.queues.delete(idHex);
    this.active.set(idHex, next);
    this.send(next);
  }

  private send(c: Call): void {
    if (c.nonceHex) this.byNonce.delete(c.nonceHex);
    let nonce: Uint8Array;
    try {
      nonce = this.host.sendCall(c);
    } catch (err) {
      this.finish(c, new Discv5RequestError(c.addrText, messageName(c.message.type), 'no-record', err instanceof Error ? err.message : String(err)));
      return;
    }
    c.nonceHex = bytesToHex(nonce);
    this.byNonce.set(c.nonceHex, c);
    this.armTimeout(c);
  }

  private armTimeout(c: Call): void {
    clearTimeout(c.timer);
    c.timer = setTimeout(() => this.finish(c, new Discv5TimeoutError(c.addrText, messageName(c.message.type), this.host.respTimeoutMs)), this.host.respTimeoutMs);
  }

  private finish(c: Call, err?: Error): void {
    clearTimeout(c.timer);
    if (this.active.get(c.node.idHex) !== c) return;
    this.active.delete(c.node.idHex);
    if (c.nonceHex) this.byNonce.delete(c.nonceHex);
    c.settle(err);
    this.sendNext(c.node.idHex);
  }
}
