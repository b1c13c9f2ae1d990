/**
 * Deliberately broken peers, to show that the checks fail when a node breaks a rule: an eth
 * node that accepts any Status and answers header requests wrongly, a TCP server that never
 * answers, and a discv4 node that skips the endpoint proof.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { parseEnode, formatEnode } from '../../src/enode/enode-url.js';
import { ethCapabilities, negotiatedEthVersion } from '../../src/eth/capabilities.js';
import type { MemoryChain } from '../../src/chain/chain.js';
import type { EthNetwork } from '../../src/chain/chain-config.js';
import { encodeStatus, makeStatus } from '../../src/eth/handshake.js';
import { decodeGetBlockHeaders, encodeBlockHeaders } from '../../src/eth/messages/headers.js';
import { EthMessageCode } from '../../src/eth/protocol.js';
import { serveBlockHeaders } from '../../src/eth/serve.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import type { Session } from '../../src/rlpx/session.js';
import { bindUdp, type DatagramTransport } from '../../src/discv4/udp.js';
import { decodePacket, encodePacket, expirationFrom } from '../../src/discv4/packets.js';
import { PacketType } from '../../src/discv4/messages.js';
import { parseIp } from '../../src/common/netutil.js';
import type { EthTarget } from '../../src/conformance/eth/target.js';
import type { Discv4Target } from '../../src/conformance/discv4/target.js';

export interface BrokenEthOptions {
  /** Answer with the request ID plus one. */
  wrongRequestId?: boolean;
  /** Answer header requests with one header more than asked. */
  extraHeader?: boolean;
}

/** An eth node that accepts every Status (never disconnects) and serves headers, maybe wrongly. */
export async function startBrokenEthNode(network: EthNetwork, chain: MemoryChain, opts: BrokenEthOptions, readTimeoutMs: number): Promise<{ target: EthTarget; close(): Promise<void> }> {
  const privateKey = generatePrivateKey();
  const listener = new RlpxListener({ privateKey, capabilities: ethCapabilities(), clientId: 'broken-eth-node' });
  const port = await listener.listen(0);
  listener.on('session', (s: Session) => {
    const version = negotiatedEthVersion(s);
    if (version === undefined) return;
    const head = chain.head();
    s.send('eth', EthMessageCode.Status, encodeStatus(version, makeStatus(version, { network, head: { number: head.number, hash: head.hash, time: head.time } })));
    s.on('message', (m) => {
      if (m.code !== EthMessageCode.GetBlockHeaders) return;
      const q = decodeGetBlockHeaders(m.data);
      const headers = serveBlockHeaders(chain, q);
      if (opts.extraHeader) {
        const next = chain.headerByNumber((headers[headers.length - 1]?.number ?? -1n) + 1n);
        if (next) headers.push(next);
      }
      s.send('eth', EthMessageCode.BlockHeaders, encodeBlockHeaders({ requestId: opts.wrongRequestId ? q.requestId + 1n : q.requestId, headers }));
    });
  });
  const node = parseEnode(formatEnode({ publicKey: publicKeyOf(privateKey), ip: '127.0.0.1', tcpPort: port, udpPort: port }));
  return { target: { node, readTimeoutMs }, close: () => listener.close() };
}

/** A TCP server that accepts connections and never answers or closes them. */
export async function startSilentServer(readTimeoutMs: number): Promise<{ target: EthTarget; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const node = parseEnode(formatEnode({ publicKey: publicKeyOf(generatePrivateKey()), ip: '127.0.0.1', tcpPort: port, udpPort: port }));
  return {
    target: { node, readTimeoutMs },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface BrokenDiscv4Options {
  /** Pong quotes a wrong reply token. */
  wrongPongToken?: boolean;
  /** Never Ping back (no endpoint proof offered). */
  noPingBack?: boolean;
}

/** A discv4 node that answers FindNode from anyone (no endpoint proof) and Pings as configured. */
export async function startBrokenDiscv4Node(opts: BrokenDiscv4Options, waitMs: number): Promise<{ target: Discv4Target; close(): Promise<void> }> {
  const privateKey = generatePrivateKey();
  const t: DatagramTransport = await bindUdp({ ip: '127.0.0.1', port: 0 });
  const exp = () => expirationFrom(Date.now() / 1000);
  const neighbor = { ip: parseIp('127.0.0.1')!, udpPort: 30303, tcpPort: 30303, publicKey: publicKeyOf(generatePrivateKey()) };
  t.onDatagram((data, from) => {
    let pkt;
    try {
      pkt = decodePacket(data.slice());
    } catch {
      return;
    }
    const to = { ip: parseIp(from.ip)!, udpPort: from.port, tcpPort: 0 };
    if (pkt.message.type === PacketType.Ping) {
      const token = opts.wrongPongToken ? new Uint8Array(32).fill(1) : pkt.hash;
      t.send(encodePacket({ type: PacketType.Pong, to, replyToken: token, expiration: exp(), enrSeq: 1n }, privateKey).packet, from);
      if (!opts.noPingBack) t.send(encodePacket({ type: PacketType.Ping, version: 4n, from: { ip: parseIp('127.0.0.1')!, udpPort: t.localAddress.port, tcpPort: 0 }, to, expiration: exp() }, privateKey).packet, from);
    } else if (pkt.message.type === PacketType.FindNode) {
      t.send(encodePacket({ type: PacketType.Neighbors, nodes: [neighbor], expiration: exp() }, privateKey).packet, from);
    }
  });
  return {
    target: { node: { publicKey: publicKeyOf(privateKey), ip: '127.0.0.1', udpPort: t.localAddress.port }, waitMs, listen2: '127.0.0.2' },
    close: () => t.close(),
  };
}
