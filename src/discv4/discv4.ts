/**
 * The discv4 protocol engine (geth `p2p/discover/v4_udp.go`): sends Ping/Pong,
 * FindNode/Neighbors and ENRRequest/ENRResponse over a {@link DatagramTransport}, and performs
 * lookups. It wires together the parts that each do one job:
 * - handlers.ts: every inbound datagram (rate limit, decoding, the rules that protect the node);
 * - reply-matcher.ts: pending requests and the replies that end them;
 * - bonding.ts: endpoint proofs both ways (ensureBond before our requests, the resend after a
 *   fresh Pong);
 * - upkeep.ts: the table's revalidation and refresh;
 * - lookup.ts: iterative lookups and the random-node iterator; table.ts: the table itself.
 *
 * Timers: those of the reply matcher (one per pending reply, plus one for its resend), of
 * bonding (one per wait for a ping-back) and of upkeep (revalidation, refresh). All are cleared
 * in one place, {@link Discv4.close}.
 *
 * Over 400 lines on purpose: the engine is the wiring listed below and the public API
 * (ping, findNode, requestEnr, lookups, close) with its TSDoc; each rule lives in its own file.
 */
import { setMaxListeners } from 'node:events';
import { abortable } from '../common/abortable.js';
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { TypedEmitter } from '../common/emitter.js';
import { parseIp } from '../common/netutil.js';
import { type Enr, EnrBuilder } from '../enode/enr.js';
import { BOND_EXPIRATION_MS, Bonding, MAX_FINDNODE_FAILURES } from './bonding.js';
import { type Discv4Config, RESP_TIMEOUT_MS } from './config.js';
import type { Endpoint } from './endpoint.js';
import { Discv4ClosedError, Discv4ReplyError, Discv4TimeoutError } from './errors.js';
import { type DropReason, type Discv4Stats, PacketHandlers } from './handlers.js';
import { lookup, type LookupHost, type LookupResult, randomNodes } from './lookup.js';
import { DISCV4_VERSION, type Message, PacketType, type Pong } from './messages.js';
import { nodeFromNeighbor } from './neighbors.js';
import { LocalNode } from './local-node.js';
import { type DiscNode, nodeToEnode, withEnr } from './node.js';
import { MemoryNodeDb, type NodeDb } from './nodedb.js';
import { encodePacket, expirationFrom, type PacketSigner, SECP256K1_SIGNER } from './packets.js';
import { DEFAULT_LAN_PACKETS_PER_MINUTE, DEFAULT_PACKETS_PER_MINUTE, IpRateLimiter } from './ratelimit.js';
import { ReplyMatcher } from './reply-matcher.js';
import { BUCKET_SIZE, Table } from './table.js';
import { REFRESH_INTERVAL_MS, REVALIDATE_INTERVAL_MS, SPARSE_REFRESH_INTERVAL_MS, TableUpkeep } from './upkeep.js';
import { bindUdp, type DatagramTransport, type UdpAddress } from './udp.js';

// The limits and intervals live with the part they bound; the node's module still exports them.
export { BOND_EXPIRATION_MS, MAX_FINDNODE_FAILURES } from './bonding.js';
export type { DropReason, Discv4Stats } from './handlers.js';
export { type Discv4Config, RESP_TIMEOUT_MS } from './config.js';
export { REFRESH_INTERVAL_MS, REFRESH_RANDOM_LOOKUPS, REVALIDATE_INTERVAL_MS, SEED_COUNT, SEED_MAX_AGE_MS, SPARSE_REFRESH_INTERVAL_MS } from './upkeep.js';

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
  private readonly respTimeoutMs: number;
  private readonly replies: ReplyMatcher;
  private readonly bonding: Bonding;
  private readonly upkeep: TableUpkeep;
  private readonly pingsInFlight = new Map<string, Promise<PongInfo>>();
  /** What lookups run on: our table, and FindNode with failure tracking. */
  private readonly lookupHost: LookupHost;
  private readonly lifetime = new AbortController();
  private state: 'open' | 'closed' = 'open';
  private readonly local: LocalNode;
  private readonly signer: PacketSigner;

  constructor(private readonly config: Discv4Config) {
    super();
    this.privateKey = config.privateKey;
    this.transport = config.transport;
    this.signer = config.signer ?? SECP256K1_SIGNER;
    this.db = config.db ?? new MemoryNodeDb();
    this.now = config.now ?? Date.now;
    const local = this.transport.localAddress;
    const ip = parseIp(config.externalIp ?? local.ip) ?? new Uint8Array(4);
    const endpoint = { ip, udpPort: local.port, tcpPort: config.tcpPort ?? local.port };
    this.local = new LocalNode(config.privateKey, endpoint, config.enrSeq ?? BigInt(this.now()), config.enrEntries);
    this.publicKey = this.local.publicKey;
    this.selfId = this.local.id;
    this.respTimeoutMs = config.respTimeoutMs ?? RESP_TIMEOUT_MS;
    const isOpen = (): boolean => this.state === 'open';
    this.table = new Table(this.selfId, { now: this.now, ...(config.netrestrict ? { netrestrict: config.netrestrict } : {}) });
    this.table.on('node:added', (n) => this.emit('node:added', n));
    this.table.on('node:removed', (n) => this.emit('node:removed', n));
    this.replies = new ReplyMatcher({ respTimeoutMs: this.respTimeoutMs, isOpen, send: (packet, node) => this.send(packet, node) });
    this.bonding = new Bonding({
      db: this.db,
      now: this.now,
      bondExpirationMs: config.bondExpirationMs ?? BOND_EXPIRATION_MS,
      respTimeoutMs: this.respTimeoutMs,
      isOpen,
      ping: (node, signal) => this.ping(node, signal ? { signal } : {}),
    });
    this.upkeep = new TableUpkeep({
      table: this.table,
      db: this.db,
      now: this.now,
      bootnodes: config.bootnodes ?? [],
      revalidateIntervalMs: config.revalidateIntervalMs ?? REVALIDATE_INTERVAL_MS,
      refreshIntervalMs: config.refreshIntervalMs ?? REFRESH_INTERVAL_MS,
      sparseRefreshIntervalMs: config.sparseRefreshIntervalMs ?? SPARSE_REFRESH_INTERVAL_MS,
      isOpen,
      ping: (node) => this.ping(node),
      requestEnr: (node) => this.requestEnr(node),
      lookupSelf: () => this.lookup(this.publicKey),
      lookupRandom: () => this.lookupRandom(),
    });
    this.lookupHost = {
      selfId: this.selfId,
      closest: (t, n) => this.closest(t, n),
      findNode: (n, t, s) => this.trackedFindNode(n, t, s),
    };
    const handlers = new PacketHandlers({
      selfId: this.selfId,
      stats: this.stats,
      table: this.table,
      db: this.db,
      now: this.now,
      signer: this.signer,
      limiter:
        config.rateLimit === false
          ? undefined
          : new IpRateLimiter(config.rateLimit ?? { perMinute: DEFAULT_PACKETS_PER_MINUTE, lanPerMinute: DEFAULT_LAN_PACKETS_PER_MINUTE }, this.now),
      replies: this.replies,
      bonding: this.bonding,
      isOpen,
      enr: () => this.local.enr,
      expiration: () => this.expiration(),
      sendTo: (msg, to) => this.sendTo(msg, to),
      ping: (node) => this.ping(node),
      handled: (type, from, nodeId) => this.emit('packet', type, from, nodeId),
      dropped: (reason, from, detail) => this.emit('dropped', reason, from, detail),
    });
    this.transport.onDatagram((data, from) => handlers.onDatagram(data, from));
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
    this.upkeep.start();
  }

  /** The bound UDP address. */
  get localAddress(): UdpAddress {
    return this.transport.localAddress;
  }

  /** Our current node record. */
  get localEnr(): Enr {
    return this.local.enr;
  }

  /** Ourselves as a node (advertised endpoint). */
  get self(): DiscNode {
    return this.local.node;
  }

  /** Our enode URL. */
  get enode(): string {
    return nodeToEnode(this.self);
  }

  /** Changes ENR entries (e.g. `eth` on a new fork) and signs the record with seq + 1. */
  updateEnr(change: (b: EnrBuilder) => void): Enr {
    return this.local.update(change);
  }

  /** True if (node ID, IP) has a valid endpoint proof with us (we got its Pong recently). */
  isBonded(idHex: string, ip: string): boolean {
    return this.bonding.hasProof(idHex, ip);
  }

  // ---- requests ---------------------------------------------------------------------------

  /**
   * Pings `node` and resolves with its Pong. Concurrent pings that encode to the same packet
   * (same second, same content) share one request, so their replies cannot collide.
   */
  ping(node: DiscNode, opts: RequestOptions = {}): Promise<PongInfo> {
    if (this.state !== 'open') return Promise.reject(new Discv4ClosedError());
    const to: Endpoint = { ip: parseIp(node.ip) ?? new Uint8Array(4), udpPort: node.udpPort, tcpPort: node.tcpPort };
    const { endpoint, enr } = this.local;
    const { packet, hash } = this.encodeMsg({ type: PacketType.Ping, version: DISCV4_VERSION, from: endpoint, to, expiration: this.expiration(), enrSeq: enr.seq });
    const hk = bytesToHex(hash);
    let p = this.pingsInFlight.get(hk);
    if (!p) {
      const started = performance.now();
      p = this.replies.request<PongInfo>({
        node,
        type: PacketType.Pong,
        timeoutMs: opts.timeoutMs,
        matcher: (resolve) => (msg) => {
          const pong = msg as Pong;
          if (!equalBytes(pong.replyToken, hash)) return false;
          this.db.updateLastPongReceived(node.idHex, node.ip, this.now());
          resolve({ to: pong.to, rttMs: performance.now() - started, ...(pong.enrSeq !== undefined ? { enrSeq: pong.enrSeq } : {}) });
          return true;
        },
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
    await this.bonding.ensureBond(node, sig);
    const found: DiscNode[] = [];
    // Entries counted once each: a resent FindNode (see resendAfterPong) may be answered twice.
    const received = new Set<string>();
    const { packet } = this.encodeMsg({ type: PacketType.FindNode, target, expiration: this.expiration() });
    const p = this.replies.request<DiscNode[]>({
      node,
      type: PacketType.Neighbors,
      timeoutMs: opts.timeoutMs,
      onTimeout: (resolve, reject) => (found.length > 0 ? resolve(found) : reject(new Discv4TimeoutError('FindNode', node))),
      matcher: (resolve) => (msg, _pkt, fromIp) => {
        if (msg.type !== PacketType.Neighbors) return false;
        for (const rn of msg.nodes) {
          const key = bytesToHex(rn.publicKey);
          if (received.has(key)) continue;
          received.add(key);
          const n = nodeFromNeighbor(fromIp, rn, { selfId: this.selfId, netrestrict: this.config.netrestrict });
          if (n) found.push(n);
        }
        if (received.size >= BUCKET_SIZE) resolve(found);
        return true;
      },
      signal: sig,
      resend: this.bonding.resendAfterPong(node, packet),
    });
    this.send(packet, node);
    return p;
  }

  /** Asks `node` for its ENR (bonding first if needed); checks it is that node's record. */
  async requestEnr(node: DiscNode, opts: RequestOptions = {}): Promise<Enr> {
    await this.bonding.ensureBond(node, opts.signal);
    const { packet, hash } = this.encodeMsg({ type: PacketType.EnrRequest, expiration: this.expiration() });
    const p = this.replies.request<Enr>({
      node,
      type: PacketType.EnrResponse,
      timeoutMs: opts.timeoutMs,
      matcher: (resolve, reject) => (msg) => {
        if (msg.type !== PacketType.EnrResponse || !equalBytes(msg.replyToken, hash)) return false;
        if (!equalBytes(msg.record.nodeId, node.id)) reject(new Discv4ReplyError('ENRResponse: record belongs to another node'));
        else resolve(msg.record);
        return true;
      },
      signal: opts.signal,
      resend: this.bonding.resendAfterPong(node, packet),
    });
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
    return lookup(this.lookupHost, target, { signal: this.linkedSignal(signal) });
  }

  /** Lookup of a random target. */
  lookupRandom(signal?: AbortSignal): Promise<LookupResult> {
    return this.lookup(crypto.getRandomValues(new Uint8Array(64)), signal);
  }

  /** Random nodes for a dialer: an async iterator over lookup results (see lookup.ts randomNodes). */
  randomNodes(opts: { signal?: AbortSignal; max?: number; maxEmptyLookups?: number; emptyDelayMs?: number } = {}): AsyncGenerator<DiscNode, void, undefined> {
    return randomNodes(this.lookupHost, { ...opts, signal: this.linkedSignal(opts.signal) });
  }

  /** LookupHost: our table's closest nodes. */
  closest(targetId: Uint8Array, n: number): DiscNode[] {
    return this.table.closest(targetId, n);
  }

  /**
   * Fills the table: seeds from the database and the bootnodes, then a self lookup and
   * random lookups (geth doRefresh). Concurrent calls share one run.
   */
  refresh(randomLookups?: number): Promise<void> {
    return this.upkeep.refresh(randomLookups);
  }

  /** Closes the node: clears every timer, fails pending requests, closes transport and db. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const upkeepDone = this.upkeep.close();
    this.lifetime.abort(new Discv4ClosedError());
    this.replies.close();
    this.bonding.close();
    await upkeepDone;
    await this.transport.close();
    await this.db.close();
  }

  /** Number of timers currently armed (tests check it is 0 after close). */
  get activeTimers(): number {
    return this.replies.armedTimers + this.bonding.armedTimers + this.upkeep.armedTimers;
  }

  // ---- outbound ---------------------------------------------------------------------------

  private encodeMsg(msg: Message): { packet: Uint8Array; hash: Uint8Array } {
    return encodePacket(msg, this.privateKey, this.signer);
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
    const { packet } = this.encodeMsg(msg);
    this.stats.packetsOut++;
    this.transport.send(packet, to);
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
}
