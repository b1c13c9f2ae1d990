/**
 * Test helpers for discv4: a raw packet peer on a UDP socket (like geth's v4test framework:
 * hand-built packets, bounded reads) and node factories.
 */
import { createSocket, type Socket } from 'node:dgram';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import {
  DISCV4_VERSION,
  Discv4,
  type Discv4Config,
  type DecodedPacket,
  decodePacket,
  encodePacket,
  expirationFrom,
  type Message,
  PacketType,
  parseIp,
} from '../../src/discv4/index.js';

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
export const future = (): bigint => expirationFrom(nowSeconds());
export const past = (): bigint => BigInt(nowSeconds() - 30);

/** A node on 127.0.0.1 with maintenance timers off (tests drive it). */
export async function startNode(overrides: Partial<Omit<Discv4Config, 'transport'>> = {}, ip = '127.0.0.1'): Promise<Discv4> {
  return Discv4.listen({ ip, port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: 0, refreshIntervalMs: 0, ...overrides });
}

export interface Received {
  pkt: DecodedPacket;
  from: { ip: string; port: number };
}

/** A hand-driven discv4 peer on a UDP socket. */
export class RawPeer {
  readonly privateKey = generatePrivateKey();
  readonly publicKey = publicKeyOf(this.privateKey);
  private readonly queue: Received[] = [];
  private wake: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly ip: string,
    readonly port: number,
  ) {
    socket.on('message', (msg, rinfo) => {
      try {
        this.queue.push({ pkt: decodePacket(new Uint8Array(msg)), from: { ip: rinfo.address, port: rinfo.port } });
        this.wake?.();
      } catch {
        // not a packet
      }
    });
  }

  static async bind(ip = '127.0.0.1'): Promise<RawPeer> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, ip, () => resolve());
    });
    return new RawPeer(s, ip, s.address().port);
  }

  /** This peer's endpoint as a Ping `from` carries it. */
  get endpoint(): { ip: Uint8Array; udpPort: number; tcpPort: number } {
    return { ip: parseIp(this.ip)!, udpPort: this.port, tcpPort: 0 };
  }

  /** Encodes, signs (with this peer's key unless given) and sends; returns the packet hash. */
  send(msg: Message, to: { ip: string; port: number }, key = this.privateKey): Uint8Array {
    const { packet, hash } = encodePacket(msg, key);
    this.sendRaw(packet, to);
    return hash;
  }

  sendRaw(data: Uint8Array, to: { ip: string; port: number }): void {
    this.socket.send(data, to.port, to.ip);
  }

  ping(to: { ip: string; port: number }, over: Partial<Extract<Message, { type: 1 }>> = {}, key = this.privateKey): Uint8Array {
    return this.send(
      {
        type: PacketType.Ping,
        version: DISCV4_VERSION,
        from: this.endpoint,
        to: { ip: parseIp(to.ip)!, udpPort: to.port, tcpPort: 0 },
        expiration: future(),
        ...over,
      },
      to,
      key,
    );
  }

  /** Next packet within `ms`, or undefined. */
  async next(ms = 300): Promise<Received | undefined> {
    if (this.queue.length) return this.queue.shift();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
    return this.queue.shift();
  }

  /** Every packet received within `ms`. */
  async collect(ms = 300): Promise<Received[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.splice(0);
  }

  /** Bond like geth's tester: Ping, answer the node's Ping with Pong, see its Pong. */
  async bond(to: { ip: string; port: number }, key = this.privateKey): Promise<void> {
    this.ping(to, {}, key);
    let gotPong = false;
    let gotPing = false;
    for (let i = 0; i < 4 && !(gotPong && gotPing); i++) {
      const r = await this.next(500);
      if (!r) break;
      if (r.pkt.type === PacketType.Pong) gotPong = true;
      if (r.pkt.type === PacketType.Ping) {
        gotPing = true;
        this.send(
          { type: PacketType.Pong, to: { ip: parseIp(r.from.ip)!, udpPort: r.from.port, tcpPort: 0 }, replyToken: r.pkt.hash, expiration: future() },
          r.from,
          key,
        );
      }
    }
    if (!gotPong || !gotPing) throw new Error(`bond failed (pong ${gotPong}, ping ${gotPing})`);
    // Let the Pong reach the node.
    await new Promise((r) => setTimeout(r, 30));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
