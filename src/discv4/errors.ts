/** Typed errors of discv4: the packet codec's, and those its requests reject with. */
import { DecodeError } from '../common/errors.js';
import type { DiscNode } from './node.js';

/**
 * Why a datagram was not accepted as a discv4 packet. The UDP layer drops every kind; it can
 * log `bad-*` ones and ignore `unknown-type` and `bad-hash` quietly (a discv5 packet on a
 * shared port fails the hash check).
 */
export type PacketErrorReason = 'too-small' | 'too-large' | 'bad-hash' | 'unknown-type' | 'bad-signature' | 'bad-body';

/** What is known about a packet that failed after its header was checked. */
export interface PacketErrorContext {
  /** The field that failed, when a body decoder named one. */
  field?: string;
  /** The packet hash (set from `unknown-type` on). */
  hash?: Uint8Array;
  /** The packet type byte (set from `unknown-type` on). */
  packetType?: number;
  /** The recovered 64-byte signer key (set for `bad-body`). */
  publicKey?: Uint8Array;
}

/**
 * Raised by the packet codec. A {@link DecodeError} whose `field` is the failing body field or,
 * for framing problems, the reason itself.
 */
export class PacketError extends DecodeError {
  readonly hash?: Uint8Array;
  readonly packetType?: number;
  readonly publicKey?: Uint8Array;

  constructor(
    readonly reason: PacketErrorReason,
    detail: string,
    context: PacketErrorContext = {},
  ) {
    super('discv4 packet', context.field ?? reason, detail);
    this.name = 'PacketError';
    if (context.hash) this.hash = context.hash;
    if (context.packetType !== undefined) this.packetType = context.packetType;
    if (context.publicKey) this.publicKey = context.publicKey;
  }
}

/** Raised by requests when the node closes. */
export class Discv4ClosedError extends Error {
  constructor() {
    super('discv4 node closed');
    this.name = 'Discv4ClosedError';
  }
}

/** Raised when a request gets no (valid) reply in time. */
export class Discv4TimeoutError extends Error {
  constructor(what: string, node: Pick<DiscNode, 'ip' | 'udpPort'>) {
    super(`${what} to ${node.ip}:${node.udpPort} timed out`);
    this.name = 'Discv4TimeoutError';
  }
}

/** Raised for a reply that matched but is invalid (e.g. an ENR of another node). */
export class Discv4ReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Discv4ReplyError';
  }
}
