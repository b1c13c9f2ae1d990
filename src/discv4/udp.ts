/**
 * Datagram transports for discv4: the small interface the protocol engine talks to, a real
 * UDP socket (node:dgram) behind it, and an in-memory network for tests and simulations.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { normalizeIp } from '../common/netutil.js';

/** A UDP address. `ip` is a normalised literal (IPv4-mapped IPv6 folded to IPv4). */
export interface UdpAddress {
  ip: string;
  port: number;
}

/** What the engine needs from a socket. */
export interface DatagramTransport {
  /** The bound address (port resolved if 0 was asked). */
  readonly localAddress: UdpAddress;
  /** Sends one datagram; errors (unreachable, closed) are swallowed: UDP is lossy anyway. */
  send(data: Uint8Array, to: UdpAddress): void;
  /** Sets the receiver of every datagram (one receiver; a later call replaces it). */
  onDatagram(handler: (data: Uint8Array, from: UdpAddress) => void): void;
  close(): Promise<void>;
}

/** Binds a UDP socket (udp4 for IPv4 literals, udp6 otherwise). */
export async function bindUdp(addr: UdpAddress): Promise<DatagramTransport> {
  const type = isIP(addr.ip) === 6 ? 'udp6' : 'udp4';
  const socket = createSocket({ type, reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.bind(addr.port, addr.ip, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  return new UdpTransport(socket);
}

class UdpTransport implements DatagramTransport {
  readonly localAddress: UdpAddress;
  private handler: ((data: Uint8Array, from: UdpAddress) => void) | undefined;
  private closed = false;

  constructor(private readonly socket: Socket) {
    const a = socket.address();
    this.localAddress = { ip: normalizeIp(a.address), port: a.port };
    socket.on('message', (msg, rinfo) => {
      this.handler?.(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), { ip: normalizeIp(rinfo.address), port: rinfo.port });
    });
    // Errors after bind (ICMP unreachable reports on some systems) are not fatal for UDP.
    socket.on('error', () => undefined);
  }

  send(data: Uint8Array, to: UdpAddress): void {
    if (this.closed) return;
    try {
      this.socket.send(data, to.port, to.ip, () => undefined);
    } catch {
      // Bad address or closed socket: dropped like any lost datagram.
    }
  }

  onDatagram(handler: (data: Uint8Array, from: UdpAddress) => void): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.handler = undefined;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/**
 * An in-memory "network" of transports addressed by ip:port. Datagrams are delivered
 * asynchronously (setImmediate), in order, copied, and dropped if nobody is bound there.
 * Any source address can be bound, so tests can play public, LAN or spoofed senders.
 */
export class MemoryNetwork {
  private readonly bound = new Map<string, MemoryTransport>();
  private nextPort = 40000;
  /** Datagrams delivered so far. */
  delivered = 0;
  /** If set, called for each datagram; return false to drop it (loss, partition tests). */
  filter: ((data: Uint8Array, from: UdpAddress, to: UdpAddress) => boolean) | undefined;

  /** Binds `ip:port` (a free port above 40000 if port is 0 or absent). Throws if taken. */
  bind(ip: string, port = 0): MemoryTransport {
    const p = port || this.allocPort(ip);
    const k = `${normalizeIp(ip)}:${p}`;
    if (this.bound.has(k)) throw new Error(`address ${k} in use`);
    const t = new MemoryTransport(this, { ip: normalizeIp(ip), port: p });
    this.bound.set(k, t);
    return t;
  }

  private allocPort(ip: string): number {
    while (this.bound.has(`${normalizeIp(ip)}:${this.nextPort}`)) this.nextPort++;
    return this.nextPort++;
  }

  /** @internal */
  deliver(data: Uint8Array, from: UdpAddress, to: UdpAddress): void {
    if (this.filter && !this.filter(data, from, to)) return;
    const copy = data.slice();
    setImmediate(() => {
      const t = this.bound.get(`${normalizeIp(to.ip)}:${to.port}`);
      if (!t) return;
      this.delivered++;
      t.receive(copy, from);
    });
  }

  /** @internal */
  unbind(t: MemoryTransport): void {
    this.bound.delete(`${t.localAddress.ip}:${t.localAddress.port}`);
  }
}

/** One endpoint of a {@link MemoryNetwork}. */
export class MemoryTransport implements DatagramTransport {
  private handler: ((data: Uint8Array, from: UdpAddress) => void) | undefined;
  private closed = false;
  /** Datagrams sent through this transport. */
  sent = 0;

  constructor(
    private readonly net: MemoryNetwork,
    readonly localAddress: UdpAddress,
  ) {}

  send(data: Uint8Array, to: UdpAddress): void {
    if (this.closed) return;
    this.sent++;
    this.net.deliver(data, this.localAddress, to);
  }

  /** Sends with a forged source address (hostile-input tests). */
  sendFrom(data: Uint8Array, from: UdpAddress, to: UdpAddress): void {
    this.net.deliver(data, from, to);
  }

  onDatagram(handler: (data: Uint8Array, from: UdpAddress) => void): void {
    this.handler = handler;
  }

  /** @internal */
  receive(data: Uint8Array, from: UdpAddress): void {
    if (!this.closed) this.handler?.(data, from);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.handler = undefined;
      this.net.unbind(this);
    }
    return Promise.resolve();
  }
}
