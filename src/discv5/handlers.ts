/**
 * Inbound packets (geth v5_udp.go handlePacket, handle and the per-message handlers):
 * - a packet that does not decode is dropped (counted by reason);
 * - a message that does not decrypt (no session, or a session for another address) is
 *   answered with WHOAREYOU, the same one again while it is pending;
 * - a WHOAREYOU is matched to our active call by nonce and makes us resend that call as a
 *   handshake, once per call; any other WHOAREYOU is dropped (no crypto is spent on it);
 * - PING gets PONG with the address we saw; FINDNODE gets NODES; TALKREQ goes to the talk
 *   handlers; PONG, NODES and TALKRESP are accepted only as the response to the active call to
 *   that node at that address, so unsolicited NODES never reach the table;
 * - the record a handshake brought enters the table (if the node filter admits it).
 */
import { bytesToHex } from '../common/bytes.js';
import { parseIp } from '../common/netutil.js';
import type { Enr } from '../enode/enr.js';
import { type DiscNode, nodeFromEnr } from '../discv4/node.js';
import type { Table } from '../discv4/table.js';
import type { UdpAddress } from '../discv4/udp.js';
import type { CallTracker } from './calls.js';
import type { Codec, DecodedPacket } from './codec.js';
import { PacketError, type PacketErrorReason } from './errors.js';
import { type Message, MessageType } from './messages.js';
import { collectTableNodes, packNodes } from './nodes-response.js';
import { sessionKey } from './session-cache.js';
import type { TalkHandlers } from './talk.js';

/** Why an inbound datagram was dropped. */
export type DropReason = PacketErrorReason | 'unmatched-whoareyou' | 'unsolicited' | 'handshake-failed';

/** Counters (logs, tests, benchmarks). */
export interface Discv5Stats {
  packetsIn: number;
  packetsOut: number;
  whoareyouSent: number;
  handshakes: number;
  dropped: Partial<Record<DropReason, number>>;
}

/** What the handlers need from the node. */
export interface HandlerHost {
  readonly codec: Codec;
  readonly calls: CallTracker;
  readonly table: Table;
  readonly talk: TalkHandlers;
  readonly stats: Discv5Stats;
  /** Answer FINDNODE with unchecked table nodes too (geth NoFindnodeLivenessCheck). */
  readonly noFindnodeLivenessCheck: boolean;
  isOpen(): boolean;
  enr(): Enr;
  /** Encodes and sends `message` to (id, addr) with the session we have (or a random packet). */
  sendMessage(destId: Uint8Array, to: UdpAddress, message: Message): void;
  sendRaw(packet: Uint8Array, to: UdpAddress): void;
  /** Offers a node from a handshake to the table (node filter applied). */
  addInbound(node: DiscNode): void;
  dropped(reason: DropReason, from: UdpAddress, detail: string): void;
  /** A packet that is not discv5 at all (for a shared socket's other protocol, if any). */
  unhandled?: (data: Uint8Array, from: UdpAddress) => void;
}

const addrText = (a: UdpAddress): string => (a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`);

export class PacketHandlers {
  constructor(private readonly host: HandlerHost) {}

  onDatagram(data: Uint8Array, from: UdpAddress): void {
    const host = this.host;
    if (!host.isOpen()) return;
    host.stats.packetsIn++;
    const addr = addrText(from);
    let p: DecodedPacket;
    try {
      p = host.codec.decode(data, addr);
    } catch (err) {
      if (!(err instanceof PacketError)) throw err;
      if (err.notDiscv5 && host.unhandled) return host.unhandled(data, from);
      return this.drop(err.reason, from, err.detail);
    }
    switch (p.kind) {
      case 'whoareyou':
        return this.onWhoareyou(p.challenge, from);
      case 'unknown':
        return this.onUnknown(p.srcId, p.nonce, from, addr);
      default:
        if (p.node) {
          host.stats.handshakes++;
          const n = nodeFromEnr(p.node);
          if (n) host.addInbound(n);
        }
        return this.onMessage(p.srcId, p.message, from, addr);
    }
  }

  private onUnknown(srcId: Uint8Array, nonce: Uint8Array, from: UdpAddress, addr: string): void {
    const known = this.host.table.get(bytesToHex(srcId))?.node.enr;
    this.host.stats.whoareyouSent++;
    this.host.sendRaw(this.host.codec.encodeWhoareyou(srcId, addr, nonce, known), from);
  }

  private onWhoareyou(challenge: import('./session-cache.js').Challenge, from: UdpAddress): void {
    const call = this.host.calls.matchChallenge(challenge.nonce);
    if (!call) return this.drop('unmatched-whoareyou', from, 'no call with that nonce, or its handshake was already done');
    this.host.calls.resendWithChallenge(call, challenge);
  }

  private onMessage(srcId: Uint8Array, m: Message, from: UdpAddress, addr: string): void {
    const host = this.host;
    const idHex = bytesToHex(srcId);
    switch (m.type) {
      case MessageType.Ping: {
        const ip = parseIp(from.ip)!;
        host.sendMessage(srcId, from, { type: MessageType.Pong, reqId: m.reqId, enrSeq: host.enr().seq, toIp: ip, toPort: from.port });
        return;
      }
      case MessageType.FindNode: {
        const records = collectTableNodes(host.table, host.enr(), parseIp(from.ip)!, m.distances, undefined, !host.noFindnodeLivenessCheck);
        for (const resp of packNodes(m.reqId, records)) host.sendMessage(srcId, from, resp);
        return;
      }
      case MessageType.TalkReq: {
        const session = host.codec.sessions.get(sessionKey(idHex, addr));
        const protocol = Buffer.from(m.protocol).toString('latin1');
        host.talk.handle({ nodeId: srcId, ...(session?.node ? { node: session.node } : {}), from, protocol, message: m.message }, (message) => {
          if (host.isOpen()) host.sendMessage(srcId, from, { type: MessageType.TalkResp, reqId: m.reqId, message });
        });
        return;
      }
      default:
        if (!host.calls.response(idHex, addr, m)) this.drop('unsolicited', from, `unsolicited or late message type ${m.type}`);
    }
  }

  private drop(reason: DropReason, from: UdpAddress, detail: string): void {
    const d = this.host.stats.dropped;
    d[reason] = (d[reason] ?? 0) + 1;
    this.host.dropped(reason, from, detail);
  }
}
