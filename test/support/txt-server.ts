/**
 * A DNS server on 127.0.0.1 that answers TXT queries from a map, over UDP and TCP on one port,
 * built on dns-packet (the codec) and node:dgram/net. Answers longer than the query's UDP size
 * (512 bytes, or its EDNS size) are truncated (TC) so the client retries over TCP, as a real
 * server does. Unknown names get NXDOMAIN. Tests and the DNS discovery bench serve trees with it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import * as dnsPacket from 'dns-packet';

/** Name -> the TXT records there (each one text; split into 255-byte strings on the wire). */
export type TxtRecords = ReadonlyMap<string, string | readonly string[]>;

export interface TxtServerOptions {
  /** Port for both UDP and TCP (0: any free one). */
  port?: number;
  /** Milliseconds to wait before answering a query for `name` (or never answer: Infinity). */
  delayMs?: (name: string) => number;
}

export interface TxtServer {
  readonly address: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, for a resolver's server list. */
  readonly server: string;
  /** Queries answered or dropped so far, by transport. */
  readonly stats: { udp: number; tcp: number };
  /** Replaces the records served. */
  setRecords(records: TxtRecords): void;
  close(): Promise<void>;
}

const DNS_UDP_SIZE = 512;
const TXT_STRING_MAX = 255;

export async function startTxtServer(records: TxtRecords, opts: TxtServerOptions = {}): Promise<TxtServer> {
  let table = index(records);
  const stats = { udp: 0, tcp: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const conns = new Set<TcpSocket>();
  const later = (name: string, fn: () => void): void => {
    const ms = opts.delayMs?.(name) ?? 0;
    if (ms === Infinity) return;
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const answer = (query: dnsPacket.DecodedPacket): dnsPacket.Packet => {
    const q = query.questions?.[0];
    const found = q ? table.get(q.name.toLowerCase()) : undefined;
    const base = { id: query.id, type: 'response' as const, flags: dnsPacket.AUTHORITATIVE_ANSWER | (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED, questions: query.questions ?? [] };
    if (!q || !found || q.type !== 'TXT') return { ...base, flags: base.flags | (found ? 0 : 3) }; // rcode 3: NXDOMAIN
    return { ...base, answers: found.map((text) => ({ type: 'TXT' as const, name: q.name, ttl: 60, class: 'IN' as const, data: chunks(text) })) };
  };

  const onUdp = (udp: Socket) => (msg: Buffer, rinfo: { port: number; address: string }): void => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    stats.udp++;
    later(query.questions?.[0]?.name ?? '', () => {
      let out = dnsPacket.encode(answer(query));
      const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
      if (out.length > Math.max(DNS_UDP_SIZE, opt?.udpPayloadSize ?? 0)) {
        out = dnsPacket.encode({ id: query.id, type: 'response', flags: dnsPacket.TRUNCATED_RESPONSE | dnsPacket.AUTHORITATIVE_ANSWER, questions: query.questions ?? [] });
      }
      udp.send(out, rinfo.port, rinfo.address);
    });
  };

  const tcp: Server = createServer((sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        let query: dnsPacket.DecodedPacket;
        try {
          query = dnsPacket.decode(buf.subarray(2, 2 + len));
        } catch {
          sock.destroy();
          return;
        }
        buf = buf.subarray(2 + len);
        stats.tcp++;
        later(query.questions?.[0]?.name ?? '', () => {
          if (!sock.destroyed) sock.write(dnsPacket.streamEncode(answer(query)));
        });
      }
    });
  });
  // UDP picks the port; TCP takes the same number (retried if another socket holds it on TCP).
  let udp: Socket | undefined;
  let port = 0;
  for (let attempt = 0; !udp; attempt++) {
    const sock = createSocket('udp4');
    sock.on('message', onUdp(sock));
    port = await bindUdp(sock, opts.port ?? 0);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      udp = sock;
    } catch (err) {
      await new Promise<void>((resolve) => sock.close(() => resolve()));
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || opts.port || attempt >= 9) throw err;
    }
  }
  const udpSocket = udp;

  return {
    address: '127.0.0.1',
    port,
    server: `127.0.0.1:${port}`,
    stats,
    setRecords(r) {
      table = index(r);
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const c of conns) c.destroy();
      await new Promise<void>((resolve) => udpSocket.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

function index(records: TxtRecords): Map<string, readonly string[]> {
  const m = new Map<string, readonly string[]>();
  for (const [k, v] of records) m.set(k.toLowerCase(), typeof v === 'string' ? [v] : v);
  return m;
}

/** A record's text as the 255-byte strings a TXT record carries. */
function chunks(text: string): Buffer[] {
  const b = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += TXT_STRING_MAX) out.push(b.subarray(i, i + TXT_STRING_MAX));
  return out.length ? out : [Buffer.alloc(0)];
}

function bindUdp(sock: Socket, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, '127.0.0.1', () => {
      sock.off('error', reject);
      resolve(sock.address().port);
    });
  });
}
