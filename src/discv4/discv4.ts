/**
 * The discv4 protocol engine (geth `p2p/discover/v4_udp.go`): answers and sends Ping/Pong,
 * FindNode/Neighbors and ENRRequest/ENRResponse over a {@link DatagramTransport}, keeps the
 * endpoint proofs, runs the table's revalidation and refresh, and performs lookups.
 *
 * Rules that protect the node (and that geth's `devp2p discv4 test` checks):
 * - every datagram passes the per-IP rate limit before any crypto (except the few replies a
 *   pending request of ours expects from that IP); non-discv4 datagrams
 *   (too small, bad hash, unknown type) and expired packets are dropped without a reply;
 * - a Ping is answered with a Pong whose `to` is the observed source address, and a node
 *   without a valid endpoint proof is pinged back at once;
 * - FindNode and ENRRequest are answered only for a (node ID, IP) that sent us a Pong with
 *   the right reply token within {@link BOND_EXPIRATION_MS};
 * - Pong, Neighbors and ENRResponse are accepted only as replies to a pending request to
 *   that node ID at that IP (Pong and ENRResponse also by reply token).
 *
 * - before our own FindNode or ENRRequest, a node that may not hold our endpoint proof is
 *   pinged, and the request waits for its Ping back (see {@link Discv4.ensureBond}); a request
 *   that may have overtaken the Pong proving us is resent once (see `resendAfterPong`).
 *
 * Timers: the revalidation and refresh timers, one per pending reply (plus one for its resend)
 * and one per bond wait. All are cleared in one place, {@link Discv4.close}.
 */
import { setMaxListeners } from 'node:events';
import { abortable } from '../common/abortable.js';
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { TypedEmitter } from '../common/emitter.js';
import { keccak256 } from '../crypto/keccak.js';
import { publicKeyOf, validatePublicKey } from '../crypto/secp256k1.js';
import { type Enr, EnrBuilder } from '../enode/enr.js';
import { type Endpoint, ipFamily, type NeighborNode } from './endpoint.js';
import { Discv4ClosedError, Discv4ReplyError, Discv4TimeoutError, PacketError, type PacketErrorReason } from './errors.js';
import { lookup, type LookupHost, type LookupResult, randomNodes } from './lookup.js';
import { DISCV4_VERSION, type Message, PacketType, type Pong } from './messages.js';
import { splitNeighbors } from './neighbors.js';
import { type Cidr, cidrContains, formatIp, isUnspecified, parseIp, relayIpError, toIpv4IfMapped } from '../common/netutil.js';
import { type DiscNode, makeNode, nodeToEnode, withEnr } from './node.js';
import { MemoryNodeDb, type NodeDb } from './nodedb.js';
import {
  decodePacket,
  type DecodedPacket,
  encodePacket as encodeSigned,
  expirationFrom,
  HEADER_SIZE,
  isExpired,
  MIN_PACKET_SIZE,
  type PacketSigner,
  SECP256K1_SIGNER,
} from './packets.js';
import { DEFAULT_LAN_PACKETS_PER_MINUTE, DEFAULT_PACKETS_PER_MINUTE, IpRateLimiter, type RateLimitConfig } from './ratelimit.js';
import { BUCKET_SIZE, Table } from './table.js';
import { bindUdp, type DatagramTransport, type UdpAddress } from './udp.js';

/** How long a Pong from (ID, IP) counts as endpoint proof (geth bondExpiration). */
export const BOND_EXPIRATION_MS = 24 * 3600_000;
/** How long we wait for a reply (geth respTimeout). */
export const RESP_TIMEOUT_MS = 500;
/** FindNode failures after which a node leaves the table (geth maxFindnodeFailures). */
export const MAX_FINDNODE_FAILURES = 5;
/** Mean revalidation interval: a random delay in [0, 2x) between pings (geth PingInterval 3 s, two lists). */
export const REVALIDATE_INTERVAL_MS = 3_000;
/** Table refresh period (geth RefreshInterval 30 min; each wait is random in [half, full]). */
export const REFRESH_INTERVAL_MS = 30 * 60_000;
/**
 * Refresh period while the table holds fewer than 16 nodes. geth waits the full period; we
 * retry sooner so small networks (devnets, a node started before its peers) fill up.
 */
export const SPARSE_REFRESH_INTERVAL_MS = 30_000;
/** Seeds loaded from the node database at refresh (geth seedCount, seedMaxAge). */
export const SEED_COUNT = 30;
export const SEED_MAX_AGE_MS = 5 * 24 * 3600_000;
/** Random lookups per refresh after the self lookup (geth does 3). */
export const REFRESH_RANDOM_LOOKUPS = 3;

/** Why an inbound datagram was dropped. */
export type DropReason = PacketErrorReason | 'expired' | 'rate-limited' | 'unsolicited' | 'no-endpoint-proof' | 'self';

export interface Discv4Events {
  /** A node entered the table. */
  'node:added': (node: DiscNode) => void;
  /** A node left the table. */
  'node:removed': (node: DiscNode) => void;
  /** An inbound datagram was dropped (for logs and tests). */
  dropped: (reason: DropReason, from: UdpAddress, detail: string) => void;
  /** An inbound packet was accepted and handled. */
  packet: (type: PacketType, from: UdpAddress, nodeId: Uint8Array) => void;
}

export interface Discv4Config {
  privateKey: Uint8Array;
  transport: DatagramTransport;
  /** IP advertised in Ping `from` and our ENR; default the bound address (omitted from the ENR if unspecified). */
  externalIp?: string;
  /** RLPx port advertised; default the UDP port. */
  tcpPort?: number;
  /** Nodes added to the table at every refresh. */
  bootnodes?: readonly DiscNode[];
  /** Endpoint proofs and seeds; default in memory. The node closes it. */
  db?: NodeDb;
  /** Only nodes in these networks are accepted from Neighbors or into the table. */
  netrestrict?: readonly Cidr[];
  /** ENR sequence number of our first record; default the current Unix time in ms (grows across restarts). */
  enrSeq?: bigint;
  /** Extra ENR entries (e.g. `eth`). */
  enrEntries?: (b: EnrBuilder) => void;
  respTimeoutMs?: number;
  bondExpirationMs?: number;
  /** 0 disables revalidation. */
  revalidateIntervalMs?: number;
  /** 0 disables the periodic refresh (an explicit {@link Discv4.refresh} still works). */
  refreshIntervalMs?: number;
  /** Refresh period while the table holds fewer than 16 nodes (default {@link SPARSE_REFRESH_INTERVAL_MS}). */
  sparseRefreshIntervalMs?: number;
  /** Per-IP inbound limits; false disables them (benchmarks). */
  rateLimit?: RateLimitConfig | false;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Packet signatures; default secp256k1. Only simulations replace it (see simulation.ts). */
  signer?: PacketSigner;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** What a Pong told us. */
export interface PongInfo {
  /** The sender's ENR sequence number, if it sent one (EIP-868). */
  enrSeq?: bigint;
  /** Our endpoint as the remote saw it. */
  to: Endpoint;
  rttMs: number;
}

/** Counters (for logs, tests and benchmarks). */
export interface Discv4Stats {
  packetsIn: number;
  packetsOut: number;
  handled: number;
  dropped: Partial<Record<DropReason, number>>;
}

interface Pending {
  key: string;
  ip: string;
  /** Reply datagrams from this IP that may still skip the rate limit. */
  freeReplies: number;
  type: PacketType;
  /** Returns true if the packet belonged to this request. */
  match(msg: Message, pkt: DecodedPacket, fromIp: Uint8Array): boolean;
  /** Ends the request (timer and abort listener cleared by {@link Discv4.removePending}). */
  fail(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  /** Sends the request once more if no reply came by then (see Discv4.resendAfterPong). */
  resendTimer: NodeJS.Timeout | undefined;
  /** Replies matched so far. */
  replies: number;
  cleanup: (() => void) | undefined;
}

/** A request to send once more at `atMs` (performance.now()) if no reply has come by then. */
interface Resend {
  atMs: number;
  packet: Uint8Array;
}

const keyOf = (idHex: string, ip: string): string => `${idHex}@${ip}`;

/** A discv4 node. */
export class Discv4 extends TypedEmitter<Discv4Events> implements LookupHost {
  readonly table: Table;
  readonly selfId: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly stats: Discv4Stats = { packetsIn: 0, packetsOut: 0, handled: 0, dropped: {} };
  private readonly privateKey: Uint8Array;
  private readonly transport: DatagramTransport;
  private readonly db: NodeDb;
  private readonly now: () => number;
  private readonly limiter: IpRateLimiter | undefined;
  private readonly respTimeoutMs: number;
  private readonly bondExpirationMs: number;
  private readonly pending = new Map<string, Set<Pending>>();
  /** Pending requests per remote IP: their expected replies skip the rate limit. */
  private readonly pendingIps = new Map<string, Set<Pending>>();
  private cachedSelf: DiscNode | undefined;
  private readonly pingsInFlight = new Map<string, Promise<PongInfo>>();
  /** ensureBond calls waiting for a Ping from (ID, IP), woken by handlePing. */
  private readonly bondWaiters = new Map<string, Set<() => void>>();
  /** Bond waits in progress: each timer with the function that ends its wait early (close). */
  private readonly bondWaits = new Map<NodeJS.Timeout, (err?: Error) => void>();
  /**
   * When (performance.now()) we last answered a Ping from (ID, IP), for Pongs younger than
   * {@link Discv4.pongSettleMs}: such a Pong may be the endpoint proof the remote needs before
   * it answers our FindNode. Insertion order is time order, so pruning reads from the front.
   */
  private readonly recentPongs = new Map<string, number>();
  /** How long after our Pong a FindNode or ENRRequest without reply is resent (respTimeout / 2). */
  private readonly pongSettleMs: number;
  private readonly lifetime = new AbortController();
  private revalidateTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private enr: Enr;
  private state: 'open' | 'closed' = 'open';
  private readonly fromEndpoint: Endpoint;
  private readonly signer: PacketSigner;

  constructor(private readonly config: Discv4Config) {
    super();
    this.privateKey = config.privateKey;
    this.publicKey = publicKeyOf(config.privateKey);
    this.selfId = keccak256(this.publicKey);
    this.transport = config.transport;
    this.signer = config.signer ?? SECP256K1_SIGNER;
    this.db = config.db ?? new MemoryNodeDb();
    this.now = config.now ?? Date.now;
    this.respTimeoutMs = config.respTimeoutMs ?? RESP_TIMEOUT_MS;
    this.bondExpirationMs = config.bondExpirationMs ?? BOND_EXPIRATION_MS;
    this.pongSettleMs = this.respTimeoutMs / 2;
    if (config.rateLimit !== false) {
      this.limiter = new IpRateLimiter(config.rateLimit ?? { perMinute: DEFAULT_PACKETS_PER_MINUTE, lanPerMinute: DEFAULT_LAN_PACKETS_PER_MINUTE }, this.now);
    }
    this.table = new Table(this.selfId, { now: this.now, ...(config.netrestrict ? { netrestrict: config.netrestrict } : {}) });
    this.table.on('node:added', (n) => this.emit('node:added', n));
    this.table.on('node:removed', (n) => this.emit('node:removed', n));
    const local = this.transport.localAddress;
    const ip = parseIp(config.externalIp ?? local.ip) ?? new Uint8Array(4);
    this.fromEndpoint = { ip, udpPort: local.port, tcpPort: config.tcpPort ?? local.port };
    this.enr = this.buildEnr(config.enrSeq ?? BigInt(this.now()));
    this.transport.onDatagram((data, from) => this.onDatagram(data, from));
    // Every lookup links its signal to this one.
    setMaxListeners(0, this.lifetime.signal);
  }

  /** Binds a UDP socket at `addr` and creates a node on it. */
  static async listen(addr: UdpAddress, config: Omit<Discv4Config, 'transport'>): Promise<Discv4> {
    return new Discv4({ ...config, transport: await bindUdp(addr) });
  }

  /** Starts revalidation and the refresh timer, and runs a first refresh (not awaited). */
  start(): void {
    if (this.state !== 'open') return;
    this.scheduleRevalidation();
    if ((this.config.refreshIntervalMs ?? REFRESH_INTERVAL_MS) > 0) {
      void this.refresh()
        .catch(() => undefined)
        .finally(() => this.scheduleRefresh());
    }
  }

  /** The bound UDP address. */
  get localAddress(): UdpAddress {
    return this.transport.localAddress;
  }

  /** Our current node record. */
  get localEnr(): Enr {
    return this.enr;
  }

  /** Ourselves as a node (advertised endpoint). */
  get self(): DiscNode {
    if (this.cachedSelf?.enr !== this.enr) {
      this.cachedSelf = makeNode(this.publicKey, formatIp(this.fromEndpoint.ip), this.fromEndpoint.udpPort, this.fromEndpoint.tcpPort, this.enr);
    }
    return this.cachedSelf;
  }

  /** Our enode URL. */
  get enode(): string {
    return nodeToEnode(this.self);
  }

  /** Changes ENR entries (e.g. `eth` on a new fork) and signs the record with seq + 1. */
  updateEnr(change: (b: EnrBuilder) => void): Enr {
    const b = new EnrBuilder(this.enr);
    change(b);
    this.enr = b.sign(this.privateKey, this.enr.seq + 1n);
    return this.enr;
  }

  /** True if (node ID, IP) has a valid endpoint proof with us (we got its Pong recently). */
  isBonded(idHex: string, ip: string): boolean {
    const t = this.db.lastPongReceived(idHex, ip);
    return t > 0 && this.now() - t < this.bondExpirationMs;
  }

  // ---- requests ---------------------------------------------------------------------------

  /**
   * Pings `node` and resolves with its Pong. Concurrent pings that encode to the same packet
   * (same second, same content) share one request, so their replies cannot collide.
   */
  ping(node: DiscNode, opts: RequestOptions = {}): Promise<PongInfo> {
    if (this.state !== 'open') return Promise.reject(new Discv4ClosedError());
    const to: Endpoint = { ip: parseIp(node.ip) ?? new Uint8Array(4), udpPort: node.udpPort, tcpPort: node.tcpPort };
    const { packet, hash } = this.encodeMsg(
      { type: PacketType.Ping, version: DISCV4_VERSION, from: this.fromEndpoint, to, expiration: this.expiration(), enrSeq: this.enr.seq },
      this.privateKey,
    );
    const hk = bytesToHex(hash);
    let p = this.pingsInFlight.get(hk);
    if (!p) {
      const started = performance.now();
      p = this.request<PongInfo>(node, PacketType.Pong, opts.timeoutMs, undefined, (resolve) => (msg) => {
        const pong = msg as Pong;
        if (!equalBytes(pong.replyToken, hash)) return false;
        this.db.updateLastPongReceived(node.idHex, node.ip, this.now());
        resolve({ to: pong.to, rttMs: performance.now() - started, ...(pong.enrSeq !== undefined ? { enrSeq: pong.enrSeq } : {}) });
        return true;
      });
      this.pingsInFlight.set(hk, p);
      const del = (): void => void this.pingsInFlight.delete(hk);
      p.then(del, del);
      this.send(packet, node);
    }
    return abortable(p, opts.signal);
  }

  /**
   * Asks `node` for the nodes closest to `target` (a 64-byte public key), bonding first if
   * needed. Resolves with the valid nodes received, once 16 arrived or at the timeout if at
   * least one did; rejects if none did.
   */
  async findNode(node: DiscNode, target: Uint8Array, signal?: AbortSignal, opts: RequestOptions = {}): Promise<DiscNode[]> {
    const sig = signal ?? opts.signal;
    await this.ensureBond(node, sig);
    const found: DiscNode[] = [];
    // Entries counted once each: a resent FindNode (see resendAfterPong) may be answered twice.
    const received = new Set<string>();
    const { packet } = this.encodeMsg({ type: PacketType.FindNode, target, expiration: this.expiration() }, this.privateKey);
    const p = this.request<DiscNode[]>(
      node,
      PacketType.Neighbors,
      opts.timeoutMs,
      (resolve, reject) => (found.length > 0 ? resolve(found) : reject(new Discv4TimeoutError('FindNode', node))),
      (resolve) => (msg, _pkt, fromIp) => {
        if (msg.type !== PacketType.Neighbors) return false;
        for (const rn of msg.nodes) {
          const key = bytesToHex(rn.publicKey);
          if (received.has(key)) continue;
          received.add(key);
          const n = this.nodeFromRpc(fromIp, rn);
          if (n) found.push(n);
        }
        if (received.size >= BUCKET_SIZE) resolve(found);
        return true;
      },
      sig,
      this.resendAfterPong(node, packet),
    );
    this.send(packet, node);
    return p;
  }

  /** Asks `node` for its ENR (bonding first if needed); checks it is that node's record. */
  async requestEnr(node: DiscNode, opts: RequestOptions = {}): Promise<Enr> {
    await this.ensureBond(node, opts.signal);
    const { packet, hash } = this.encodeMsg({ type: PacketType.EnrRequest, expiration: this.expiration() }, this.privateKey);
    const p = this.request<Enr>(
      node,
      PacketType.EnrResponse,
      opts.timeoutMs,
      undefined,
      (resolve, reject) => (msg) => {
        if (msg.type !== PacketType.EnrResponse || !equalBytes(msg.replyToken, hash)) return false;
        if (!equalBytes(msg.record.nodeId, node.id)) reject(new Discv4ReplyError('ENRResponse: record belongs to another node'));
        else resolve(msg.record);
        return true;
      },
      opts.signal,
      this.resendAfterPong(node, packet),
    );
    this.send(packet, node);
    return p;
  }

  /**
   * The most recent record of a node (geth Resolve): asks the node itself, and if that fails
   * looks it up by key and asks again at the address found. Undefined if unreachable.
   */
  async resolve(node: DiscNode, opts: RequestOptions = {}): Promise<DiscNode | undefined> {
    const known = this.table.get(node.idHex)?.node;
    const n = known && (known.enr?.seq ?? 0n) > (node.enr?.seq ?? 0n) ? known : node;
    try {
      return withEnr(n, await this.requestEnr(n, opts));
    } catch (err) {
      if (err instanceof Discv4ClosedError || opts.signal?.aborted) throw err;
    }
    const { nodes } = await this.lookup(node.publicKey, opts.signal);
    const found = nodes.find((x) => x.idHex === node.idHex);
    if (!found) return undefined;
    try {
      return withEnr(found, await this.requestEnr(found, opts));
    } catch {
      return found;
    }
  }

  /** Iterative lookup of the 16 nodes closest to `target` (a 64-byte public key; default ours). */
  lookup(target: Uint8Array = this.publicKey, signal?: AbortSignal): Promise<LookupResult> {
    const host: LookupHost = {
      selfId: this.selfId,
      closest: (t, n) => this.closest(t, n),
      findNode: (n, t, s) => this.trackedFindNode(n, t, s),
    };
    return lookup(host, target, { signal: this.linkedSignal(signal) });
  }

  /** Lookup of a random target. */
  lookupRandom(signal?: AbortSignal): Promise<LookupResult> {
    return this.lookup(crypto.getRandomValues(new Uint8Array(64)), signal);
  }

  /** Random nodes for a dialer: an async iterator over lookup results (see lookup.ts randomNodes). */
  randomNodes(opts: { signal?: AbortSignal; max?: number; maxEmptyLookups?: number; emptyDelayMs?: number } = {}): AsyncGenerator<DiscNode, void, undefined> {
    const host: LookupHost = {
      selfId: this.selfId,
      closest: (t, n) => this.closest(t, n),
      findNode: (n, t, s) => this.trackedFindNode(n, t, s),
    };
    return randomNodes(host, { ...opts, signal: this.linkedSignal(opts.signal) });
  }

  /** LookupHost: our table's closest nodes. */
  closest(targetId: Uint8Array, n: number): DiscNode[] {
    return this.table.closest(targetId, n);
  }

  /**
   * Fills the table: seeds from the database and the bootnodes, then a self lookup and
   * random lookups (geth doRefresh). Concurrent calls share one run.
   */
  refresh(randomLookups = REFRESH_RANDOM_LOOKUPS): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const run = async (): Promise<void> => {
      for (const n of this.db.seedNodes(SEED_COUNT, SEED_MAX_AGE_MS, this.now())) this.table.add(n);
      for (const n of this.config.bootnodes ?? []) this.table.add(n);
      await this.lookup(this.publicKey);
      for (let i = 0; i < randomLookups && this.state === 'open'; i++) await this.lookupRandom();
    };
    this.refreshing = run().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Closes the node: clears every timer, fails pending requests, closes transport and db. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.revalidateTimer);
    clearTimeout(this.refreshTimer);
    this.revalidateTimer = undefined;
    this.refreshTimer = undefined;
    this.lifetime.abort(new Discv4ClosedError());
    for (const set of [...this.pending.values()]) for (const p of [...set]) p.fail(new Discv4ClosedError());
    this.pending.clear();
    this.pendingIps.clear();
    for (const end of [...this.bondWaits.values()]) end(new Discv4ClosedError());
    this.bondWaits.clear();
    this.bondWaiters.clear();
    this.recentPongs.clear();
    await this.refreshing?.catch(() => undefined);
    await this.transport.close();
    await this.db.close();
  }

  /** Number of timers currently armed (tests check it is 0 after close). */
  get activeTimers(): number {
    let n = this.bondWaits.size + (this.revalidateTimer ? 1 : 0) + (this.refreshTimer ? 1 : 0);
    for (const set of this.pending.values()) for (const p of set) n += (p.timer ? 1 : 0) + (p.resendTimer ? 1 : 0);
    return n;
  }

  // ---- inbound ------------------------------------------------------------------------------

  private onDatagram(data: Uint8Array, from: UdpAddress): void {
    if (this.state !== 'open') return;
    this.stats.packetsIn++;
    if (this.limiter && !this.expectedReply(data, from.ip) && !this.limiter.allow(from.ip)) return this.drop('rate-limited', from, 'per-IP limit');
    let pkt: DecodedPacket;
    try {
      pkt = decodePacket(data, this.signer);
    } catch (err) {
      if (err instanceof PacketError) return this.drop(err.reason, from, err.message);
      return this.drop('bad-body', from, (err as Error).message);
    }
    if (equalBytes(pkt.nodeId, this.selfId)) return this.drop('self', from, 'packet from our own key');
    const msg = pkt.message;
    if (msg.type !== PacketType.EnrResponse && isExpired(msg.expiration, Math.floor(this.now() / 1000))) {
      return this.drop('expired', from, `expiration ${msg.expiration}`);
    }
    const fromIp = parseIp(from.ip);
    if (!fromIp) return this.drop('bad-body', from, 'bad source address');
    const idHex = bytesToHex(pkt.nodeId);
    switch (msg.type) {
      case PacketType.Ping:
        this.handlePing(pkt, msg.from.tcpPort, from, fromIp, idHex);
        break;
      case PacketType.FindNode:
      case PacketType.EnrRequest:
        if (!this.isBonded(idHex, from.ip)) return this.drop('no-endpoint-proof', from, `${idHex.slice(0, 16)} not bonded`);
        if (msg.type === PacketType.FindNode) this.handleFindNode(msg.target, from, fromIp);
        else this.sendTo({ type: PacketType.EnrResponse, replyToken: pkt.hash, record: this.enr }, from);
        break;
      case PacketType.Pong:
      case PacketType.Neighbors:
      case PacketType.EnrResponse:
        if (!this.handleReply(idHex, from.ip, pkt, fromIp)) return this.drop('unsolicited', from, `unsolicited ${msg.type}`);
        break;
    }
    this.stats.handled++;
    this.emit('packet', msg.type, from, pkt.nodeId);
  }

  /**
   * Replies we are waiting for are not charged to the rate limit, so our own lookups do not
   * starve on busy peers: a reply-type datagram from an IP with a pending request uses one of
   * that request's free replies (1 Pong or ENRResponse, 4 Neighbors). Only the type byte is
   * read here; the packet is verified as usual afterwards.
   */
  private expectedReply(data: Uint8Array, ip: string): boolean {
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

  private handlePing(pkt: DecodedPacket, tcpPort: number, from: UdpAddress, fromIp: Uint8Array, idHex: string): void {
    // The Pong goes to the observed source and reports it, whatever the Ping's `from` says.
    this.sendTo(
      { type: PacketType.Pong, to: { ip: fromIp, udpPort: from.port, tcpPort }, replyToken: pkt.hash, expiration: this.expiration(), enrSeq: this.enr.seq },
      from,
    );
    const node = makeNode(pkt.publicKey, from.ip, from.port, tcpPort);
    this.db.updateLastPingReceived(idHex, from.ip, this.now());
    this.notePongSent(keyOf(idHex, from.ip));
    const waiters = this.bondWaiters.get(keyOf(idHex, from.ip));
    if (waiters) for (const w of [...waiters]) w();
    if (this.isBonded(idHex, from.ip)) {
      this.addInbound(node);
      return;
    }
    // Endpoint proof the other way: ping back now; the node enters the table once it answers.
    this.ping(node).then(
      () => this.addInbound(node),
      () => undefined,
    );
  }

  private addInbound(node: DiscNode): void {
    if (this.state !== 'open') return;
    this.table.add(node, true);
    this.db.updateNode(this.table.get(node.idHex)?.node ?? node);
  }

  private handleFindNode(target: Uint8Array, to: UdpAddress, toIp: Uint8Array): void {
    const closest = this.table.closest(keccak256(target), BUCKET_SIZE, true).filter((n) => {
      const ip = parseIp(n.ip);
      return ip !== undefined && relayIpError(toIp, ip) === undefined;
    });
    const nodes: NeighborNode[] = closest.map((n) => ({ ip: parseIp(n.ip)!, udpPort: n.udpPort, tcpPort: n.tcpPort, publicKey: n.publicKey }));
    for (const m of splitNeighbors(nodes, this.expiration())) this.sendTo(m, to);
  }

  private handleReply(idHex: string, ip: string, pkt: DecodedPacket, fromIp: Uint8Array): boolean {
    const set = this.pending.get(keyOf(idHex, ip));
    if (!set) return false;
    for (const p of set) {
      if (p.type === pkt.type && p.match(pkt.message, pkt, fromIp)) return true;
    }
    return false;
  }

  /** geth nodeFromRPC: a Neighbors entry we are willing to use, or undefined. */
  private nodeFromRpc(senderIp: Uint8Array, rn: NeighborNode): DiscNode | undefined {
    if (rn.udpPort <= 1024) return undefined;
    if (ipFamily(rn.ip) === undefined) return undefined;
    const ip = toIpv4IfMapped(rn.ip);
    if (relayIpError(senderIp, ip) !== undefined) return undefined;
    const nr = this.config.netrestrict;
    if (nr && !nr.some((c) => cidrContains(c, ip))) return undefined;
    try {
      validatePublicKey(rn.publicKey);
    } catch {
      return undefined;
    }
    const n = makeNode(rn.publicKey, formatIp(ip), rn.udpPort, rn.tcpPort);
    return equalBytes(n.id, this.selfId) ? undefined : n;
  }

  private drop(reason: DropReason, from: UdpAddress, detail: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
    this.emit('dropped', reason, from, detail);
  }

  // ---- outbound and request bookkeeping ---------------------------------------------------------

  private encodeMsg(msg: Message, privateKey: Uint8Array): { packet: Uint8Array; hash: Uint8Array } {
    return encodeSigned(msg, privateKey, this.signer);
  }

  private expiration(): bigint {
    return expirationFrom(this.now() / 1000);
  }

  private send(packet: Uint8Array, node: { ip: string; udpPort: number }): void {
    this.stats.packetsOut++;
    this.transport.send(packet, { ip: node.ip, port: node.udpPort });
  }

  private sendTo(msg: Message, to: UdpAddress): void {
    if (this.state !== 'open') return;
    const { packet } = this.encodeMsg(msg, this.privateKey);
    this.stats.packetsOut++;
    this.transport.send(packet, to);
  }

  /**
   * Registers a pending reply from (node ID, IP). `matcher` gets resolve/reject and returns
   * the packet matcher; `onTimeout` decides what a timeout means (default: reject).
   */
  private request<T>(
    node: DiscNode,
    type: PacketType,
    timeoutMs: number | undefined,
    onTimeout: ((resolve: (v: T) => void, reject: (e: Error) => void) => void) | undefined,
    matcher: (resolve: (v: T) => void, reject: (e: Error) => void) => Pending['match'],
    signal?: AbortSignal,
    resend?: Resend,
  ): Promise<T> {
    if (this.state !== 'open') return Promise.reject(new Discv4ClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<T>((resolveOuter, rejectOuter) => {
      const p: Pending = {
        key: keyOf(node.idHex, node.ip),
        ip: node.ip,
        freeReplies: type === PacketType.Neighbors ? 4 : 1,
        type,
        match: () => false,
        fail: (err) => {
          this.removePending(p);
          rejectOuter(err);
        },
        timer: undefined,
        resendTimer: undefined,
        replies: 0,
        cleanup: undefined,
      };
      const resolve = (v: T): void => {
        this.removePending(p);
        resolveOuter(v);
      };
      const reject = (e: Error): void => p.fail(e);
      const match = matcher(resolve, reject);
      p.match = (msg, pkt, fromIp) => {
        const ok = match(msg, pkt, fromIp);
        if (ok) p.replies++;
        return ok;
      };
      const armTimeout = (): void => {
        clearTimeout(p.timer);
        p.timer = setTimeout(() => {
          p.timer = undefined;
          if (onTimeout) onTimeout(resolve, reject);
          else reject(new Discv4TimeoutError(type === PacketType.Pong ? 'Ping' : type === PacketType.Neighbors ? 'FindNode' : 'ENRRequest', node));
        }, timeoutMs ?? this.respTimeoutMs);
      };
      armTimeout();
      if (resend) {
        p.resendTimer = setTimeout(() => {
          p.resendTimer = undefined;
          if (p.replies > 0 || this.state !== 'open') return;
          // The resent request gets a full reply window, and its replies skip the rate limit too.
          p.freeReplies += type === PacketType.Neighbors ? 4 : 1;
          armTimeout();
          this.send(resend.packet, node);
        }, Math.max(0, resend.atMs - performance.now()));
      }
      if (signal) {
        const onAbort = (): void => reject(signal.reason as Error);
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

  private removePending(p: Pending): void {
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

  /**
   * geth ensureBond: makes it likely that `node` holds our endpoint proof before we send it a
   * FindNode or ENRRequest, which it would otherwise drop in silence.
   *
   * If the node has not pinged us within the bond period (or keeps failing our FindNodes), we
   * ping it; a node without our proof then pings us back, and our Pong to that Ping is the
   * proof. geth waits for all this blind: after its Ping's reply it always sleeps respTimeout
   * "for them to ping back and process our pong". We wait for the signal instead: the node's
   * Ping (at most respTimeout after its Pong, as geth's sleep), which handlePing answers at
   * once. Our Pong can still be overtaken by the request sent right behind it; rather than a
   * blind sleep for that, the request is resent once if it gets no reply in time
   * ({@link resendAfterPong}).
   */
  private async ensureBond(node: DiscNode, signal?: AbortSignal): Promise<void> {
    const lastPing = this.db.lastPingReceived(node.idHex, node.ip);
    const tooOld = this.now() - lastPing > this.bondExpirationMs;
    if (!tooOld && this.db.findFails(node.idHex, node.ip) <= MAX_FINDNODE_FAILURES) return;
    const asked = this.now();
    await this.ping(node, signal ? { signal } : {});
    // A Ping that arrived after ours went out is its ping-back, already answered with our Pong.
    if (this.db.lastPingReceived(node.idHex, node.ip) >= asked) return;
    const k = keyOf(node.idHex, node.ip);
    await this.bondWait(this.respTimeoutMs, signal, (wake) => {
      let set = this.bondWaiters.get(k);
      if (!set) this.bondWaiters.set(k, (set = new Set()));
      set.add(wake);
      return () => {
        set.delete(wake);
        if (set.size === 0 && this.bondWaiters.get(k) === set) this.bondWaiters.delete(k);
      };
    });
  }

  /**
   * If we answered a Ping from `node` less than {@link pongSettleMs} ago, that Pong may be the
   * endpoint proof the node needs to answer the request we are about to send, and on a network
   * that reorders datagrams the request can overtake it and be dropped. The reply is the only
   * signal that the Pong landed (nothing acknowledges a Pong), so: send at once, and if no reply
   * has come when the Pong is pongSettleMs (respTimeout / 2) old, send the same request once
   * more. Half a respTimeout is one leg of a round trip that is expected within respTimeout;
   * geth sleeps a full respTimeout before every such request instead. The cost is nothing when
   * the reply comes in time, one extra request when it was dropped, and a duplicate answer
   * (ignored) from a node whose reply is merely slower than that.
   */
  private resendAfterPong(node: DiscNode, packet: Uint8Array): Resend | undefined {
    const pongAt = this.recentPongs.get(keyOf(node.idHex, node.ip));
    if (pongAt === undefined || performance.now() - pongAt >= this.pongSettleMs) return undefined;
    return { atMs: pongAt + this.pongSettleMs, packet };
  }

  /** Records that we just answered a Ping from `k`; forgets Pongs older than {@link pongSettleMs}. */
  private notePongSent(k: string): void {
    const t = performance.now();
    for (const [key, at] of this.recentPongs) {
      if (t - at < this.pongSettleMs) break;
      this.recentPongs.delete(key);
    }
    this.recentPongs.delete(k);
    this.recentPongs.set(k, t);
  }

  /**
   * Waits `ms` (a bond wait): ends early when `arm`'s wake function is called, rejects when
   * `signal` aborts or the node closes. The timer is in {@link bondWaits} until it ends.
   */
  private bondWait(ms: number, signal: AbortSignal | undefined, arm: (wake: () => void) => () => void): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new Discv4ClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      let ended = false;
      let disarm: (() => void) | undefined;
      const end = (err?: Error): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        this.bondWaits.delete(timer);
        signal?.removeEventListener('abort', onAbort);
        disarm?.();
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => end(signal!.reason as Error);
      const timer = setTimeout(() => end(), ms);
      this.bondWaits.set(timer, end);
      signal?.addEventListener('abort', onAbort, { once: true });
      disarm = arm(() => end());
    });
  }

  /** findNode for lookups: adds what it finds to the table and tracks failures (geth trackRequest). */
  private async trackedFindNode(node: DiscNode, target: Uint8Array, signal?: AbortSignal): Promise<DiscNode[]> {
    let found: DiscNode[] = [];
    try {
      found = await this.findNode(node, target, signal);
    } catch (err) {
      if (err instanceof Discv4ClosedError || signal?.aborted) throw err;
    }
    const fails = this.db.findFails(node.idHex, node.ip);
    if (found.length === 0) {
      this.db.updateFindFails(node.idHex, node.ip, fails + 1);
      // geth trackRequest: drop a node that keeps failing, unless its bucket is nearly empty.
      if (fails + 1 >= MAX_FINDNODE_FAILURES && this.table.bucketSizeOf(node.id) >= BUCKET_SIZE / 4) this.table.remove(node.idHex);
      throw new Discv4TimeoutError('FindNode', node);
    }
    if (fails > 0) this.db.updateFindFails(node.idHex, node.ip, 0);
    for (const n of found) this.table.add(n);
    return found;
  }

  private linkedSignal(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.lifetime.signal]) : this.lifetime.signal;
  }

  private buildEnr(seq: bigint): Enr {
    const b = new EnrBuilder();
    const ip = this.fromEndpoint.ip;
    const { udpPort, tcpPort } = this.fromEndpoint;
    if (ip.length === 16) {
      if (!isUnspecified(ip)) b.ip6(ip);
      b.udp6(udpPort);
      if (tcpPort) b.tcp6(tcpPort);
    } else {
      if (!isUnspecified(ip)) b.ip(ip);
      b.udp(udpPort);
      if (tcpPort) b.tcp(tcpPort);
    }
    this.config.enrEntries?.(b);
    return b.sign(this.privateKey, seq);
  }

  // ---- maintenance --------------------------------------------------------------------------

  private scheduleRevalidation(): void {
    const every = this.config.revalidateIntervalMs ?? REVALIDATE_INTERVAL_MS;
    if (every <= 0 || this.state !== 'open') return;
    this.revalidateTimer = setTimeout(() => {
      this.revalidateTimer = undefined;
      void this.revalidateOne(every).finally(() => this.scheduleRevalidation());
    }, Math.random() * 2 * every);
    this.revalidateTimer.unref?.();
  }

  /** Pings one table node; a newer ENR seq in the Pong triggers an ENRRequest (geth table_reval). */
  private async revalidateOne(every: number): Promise<void> {
    const entry = this.table.nextToRevalidate(every * 3);
    if (!entry) return;
    const node = entry.node;
    try {
      const pong = await this.ping(node);
      let updated: DiscNode | undefined;
      if (pong.enrSeq !== undefined && pong.enrSeq > (node.enr?.seq ?? 0n)) {
        updated = await this.requestEnr(node).then(
          (enr) => withEnr(node, enr),
          () => undefined,
        );
      }
      this.table.revalidated(node.idHex, true, updated);
      if (updated) this.db.updateNode(updated);
    } catch {
      if (this.state === 'open') this.table.revalidated(node.idHex, false);
    }
  }

  private scheduleRefresh(): void {
    const every = this.config.refreshIntervalMs ?? REFRESH_INTERVAL_MS;
    if (every <= 0 || this.state !== 'open') return;
    // A sparse table (new network, bootnodes that knew nobody yet) is refreshed sooner.
    const sparse = this.config.sparseRefreshIntervalMs ?? SPARSE_REFRESH_INTERVAL_MS;
    const delay = this.table.size < BUCKET_SIZE ? Math.min(every, sparse) : every / 2 + (Math.random() * every) / 2;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh()
        .catch(() => undefined)
        .finally(() => this.scheduleRefresh());
    }, delay);
    this.refreshTimer.unref?.();
  }
}
