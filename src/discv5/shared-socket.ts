/**
 * One UDP socket for discv4 and discv5 (geth runs both on the discovery port: a packet discv4
 * cannot read goes to discv5 through its `Unhandled` channel). The split here is by discv4's
 * first check: a datagram whose first 32 bytes are keccak256 of the rest is discv4, any other
 * goes to discv5. Each side gets a transport of its own; the socket closes when both have.
 */
import { equalBytes } from '../common/bytes.js';
import { keccak256 } from '../crypto/keccak.js';
import { MIN_PACKET_SIZE as V4_MIN_PACKET_SIZE } from '../discv4/packets.js';
import type { DatagramTransport, UdpAddress } from '../discv4/udp.js';

/** True if `data` is framed as a discv4 packet (its hash matches). */
export function isDiscv4Packet(data: Uint8Array): boolean {
  return data.length >= V4_MIN_PACKET_SIZE && equalBytes(keccak256(data.subarray(32)), data.subarray(0, 32));
}

type Handler = (data: Uint8Array, from: UdpAddress) => void;

class SideTransport implements DatagramTransport {
  handler: Handler | undefined;
  closed = false;

  constructor(
    private readonly base: DatagramTransport,
    private readonly onClose: () => Promise<void>,
  ) {}

  get localAddress(): UdpAddress {
    return this.base.localAddress;
  }

  send(data: Uint8Array, to: UdpAddress): void {
    if (!this.closed) this.base.send(data, to);
  }

  onDatagram(handler: Handler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.handler = undefined;
    return this.onClose();
  }
}

/** Splits one transport into a discv4 side and a discv5 side. */
export function shareTransport(base: DatagramTransport): { v4: DatagramTransport; v5: DatagramTransport } {
  let open = 2;
  const closeOne = async (): Promise<void> => {
    if (--open === 0) await base.close();
  };
  const v4 = new SideTransport(base, closeOne);
  const v5 = new SideTransport(base, closeOne);
  base.onDatagram((data, from) => {
    const side = isDiscv4Packet(data) ? v4 : v5;
    side.handler?.(data, from);
  });
  return { v4, v5 };
}
