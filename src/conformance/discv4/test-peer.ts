/**
 * The tester's discv4 endpoint: a UDP socket with a fresh node key, which sends hand-built
 * packets (valid or not) and reads the node's replies with bounded waits, as geth's
 * `devp2p discv4 test` framework does.
 */
import { ignoreAbort, sleep } from '../../common/abortable.js';
import { equalBytes } from '../../common/bytes.js';
import { generatePrivateKey, publicKeyOf } from '../../crypto/secp256k1.js';
import { parseIp } from '../../common/netutil.js';
import { PacketError } from '../../discv4/errors.js';
import { DISCV4_VERSION, PacketType, type Message, type Ping } from '../../discv4/messages.js';
import { decodePacket, encodePacket, expirationFrom, type DecodedPacket } from '../../discv4/packets.js';
import { bindUdp, type DatagramTransport, type UdpAddress } from '../../discv4/udp.js';
import { CheckFailure } from '../check.js';

/** A packet from the node. */
export interface Received {
  pkt: DecodedPacket;
  from: UdpAddress;
}

/** A datagram from the node that is not a valid packet (kept so a check can say why). */
export interface Rejected {
  error: PacketError;
  from: UdpAddress;
}

/** Expiration `seconds` from now (default geth's 20 s). */
export function expiresIn(seconds = 20): bigint {
  return expirationFrom(Date.now() / 1000, seconds);
}

/** An expiration 30 s in the past. */
export function expired(): bigint {
  return BigInt(Math.floor(Date.now() / 1000) - 30);
}

export class Discv4TestPeer {
  readonly privateKey = generatePrivateKey();
  readonly publicKey = publicKeyOf(this.privateKey);
  /** Valid packets received and not yet read. */
  private readonly queue: Received[] = [];
  /** Invalid datagrams received. */
  readonly rejected: Rejected[] = [];
  private wake?: () => void;

  private constructor(
    private readonly transport: DatagramTransport,
    /** How long each read waits. */
    readonly waitMs: number,
    private readonly signal: AbortSignal,
  ) {
    transport.onDatagram((data, from) => {
      try {
        this.queue.push({ pkt: decodePacket(data.slice()), from });
      } catch (err) {
        if (err instanceof PacketError) this.rejected.push({ error: err, from });
      }
      this.wake?.();
    });
  }

  /** Binds a socket on `ip`, port `port` (0: any). */
  static async bind(ip: string, port: number, waitMs: number, signal: AbortSignal): Promise<Discv4TestPeer> {
    let transport: DatagramTransport;
    try {
      transport = await bindUdp({ ip, port });
    } catch (err) {
      throw new CheckFailure(`cannot bind UDP on ${ip}:${port}: ${(err as Error).message}`);
    }
    return new Discv4TestPeer(transport, waitMs, signal);
  }

  /** The bound address. */
  get address(): UdpAddress {
    return this.transport.localAddress;
  }

  /** This peer's endpoint as Ping `from` carries it. */
  get endpoint(): { ip: Uint8Array; udpPort: number; tcpPort: number } {
    return { ip: parseIp(this.address.ip) ?? new Uint8Array(0), udpPort: this.address.port, tcpPort: 0 };
  }

  /** Encodes, signs (with this peer's key unless another is given) and sends; returns the packet hash. */
  send(msg: Message, to: UdpAddress, key = this.privateKey): Uint8Array {
    const { packet, hash } = encodePacket(msg, key);
    this.transport.send(packet, to);
    return hash;
  }

  sendRaw(data: Uint8Array, to: UdpAddress): void {
    this.transport.send(data, to);
  }

  /** A Ping to `to` (fields overridable). */
  pingMessage(to: UdpAddress, over: Partial<Ping> = {}): Ping {
    return { type: PacketType.Ping, version: DISCV4_VERSION, from: this.endpoint, to: { ip: parseIp(to.ip) ?? new Uint8Array(0), udpPort: to.port, tcpPort: 0 }, expiration: expiresIn(), ...over };
  }

  /** Sends a Ping; returns its hash. */
  ping(to: UdpAddress, over: Partial<Ping> = {}, key = this.privateKey): Uint8Array {
    return this.send(this.pingMessage(to, over), to, key);
  }

  /** The next valid packet within the wait, or undefined. */
  async next(ms = this.waitMs): Promise<Received | undefined> {
    if (this.queue.length === 0 && !this.signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wake = undefined;
          this.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.wake = done;
        this.signal.addEventListener('abort', done, { once: true });
      });
    }
    return this.queue.shift();
  }

  /** Every valid packet that arrives within `ms` (plus those already queued). */
  async collect(ms = this.waitMs): Promise<Received[]> {
    await sleep(ms, { signal: this.signal }).catch(ignoreAbort);
    return this.queue.splice(0);
  }

  /**
   * Answers the node's Ping in `r` with a Pong (its hash as reply token, or `token`).
   */
  pong(r: Received, token: Uint8Array = r.pkt.hash, key = this.privateKey): void {
    this.send({ type: PacketType.Pong, to: { ip: parseIp(r.from.ip) ?? new Uint8Array(0), udpPort: r.from.port, tcpPort: 0 }, replyToken: token, expiration: expiresIn() }, r.from, key);
  }

  /**
   * Bonds as geth's tester does: Ping, answer the node's Ping with a Pong, see the node's Pong.
   * Fails the check if either is missing. Returns the node's Pong.
   */
  async bond(to: UdpAddress, key = this.privateKey): Promise<Received> {
    const hash = this.ping(to, {}, key);
    let pong: Received | undefined;
    let pinged = false;
    for (let i = 0; i < 4 && !(pong && pinged); i++) {
      const r = await this.next();
      if (!r) break;
      if (r.pkt.type === PacketType.Pong && r.pkt.message.type === PacketType.Pong && equalBytes(r.pkt.message.replyToken, hash)) pong = r;
      if (r.pkt.type === PacketType.Ping) {
        pinged = true;
        this.pong(r, r.pkt.hash, key);
      }
    }
    if (!pong) throw new CheckFailure(`bond: no Pong to our Ping within ${this.waitMs} ms`);
    if (!pinged) throw new CheckFailure(`bond: the node did not Ping us back within ${this.waitMs} ms (no endpoint proof possible)`);
    // Give the node a moment to record our Pong before the query that needs it.
    await sleep(Math.min(50, this.waitMs), { signal: this.signal }).catch(ignoreAbort);
    return pong;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
