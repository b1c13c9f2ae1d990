/**
 * The discv5 protocol engine (geth `p2p/discover/v5_udp.go`): PING/PONG, FINDNODE/NODES,
 * TALKREQ/TALKRESP over encrypted sessions, lookups and table upkeep. It wires together the
 * parts that each do one job:
 * - codec.ts + session-cache.ts: packets, sessions and pending challenges;
 * - calls.ts: our requests, their responses and the handshake resend;
 * - handlers.ts: every inbound datagram; nodes-response.ts: FINDNODE answers and NODES checks;
 * - talk.ts: TALKREQ handlers of the embedder.
 * The table, lookups, upkeep (revalidation, refresh), node database and local record are the
 * ones discv4 uses (geth shares table.go between v4 and v5 the same way); each protocol has its
 * own instance.
 *
 * Timers: one per active call (calls.ts) and upkeep's two; all cleared by {@link Discv5.close}.
 */
import { setMaxListeners } from 'node:events';
import { abortable } from '../common/abortable.js';
import { equalBytes } from '../common/bytes.js';
import { TypedEmitter } from '../common/emitter.js';
import { formatIp, parseIp } from '../common/netutil.js';
import { keccak256 } from '../crypto/keccak.js';
import { randomBytes } from '../crypto/random.js';
import type { Enr, EnrBuilder } from '../enode/enr.js';
import { LocalNode } from '../discv4/local-node.js';
import { lookup, type LookupHost, type LookupResult, randomNodes } from '../discv4/lookup.js';
import { type DiscNode, nodeToEnode, withEnr } from '../discv4/node.js';
import { MemoryNodeDb, type NodeDb } from '../discv4/nodedb.js';
import { Table } from '../discv4/table.js';
import { bindUdp, type DatagramTransport, type UdpAddress } from '../discv4/udp.js';
import { REFRESH_INTERVAL_MS, REVALIDATE_INTERVAL_MS, SPARSE_REFRESH_INTERVAL_MS, TableUpkeep } from '../discv4/upkeep.js';
import { type Call, CallTracker } from './calls.js';
import { Codec, type CodecRandom } from './codec.js';
import { type Discv5Config, RESP_TIMEOUT_MS } from './config.js';
import { Discv5ClosedError, Discv5RequestError } from './errors.js';
import { type DropReason, type Discv5Stats, PacketHandlers } from './handlers.js';
import { type Message, MessageType, type Nodes, type Pong, type TalkResp } from './messages.js';
import { checkResponseNode, lookupDistances, MAX_NODES_RESPONSES } from './nodes-response.js';
import { SessionCache } from './session-cache.js';
import { type TalkHandler, TalkHandlers } from './talk.js';

export type { DropReason, Discv5Stats } from './handlers.js';

export interface Discv5Events {
  'node:added': (node: DiscNode) => void;
  'node:removed': (node: DiscNode) => void;
  /** An inbound datagram was dropped (logs, tests). */
  dropped: (reason: DropReason, from: UdpAddress, detail: string) => void;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

/** What a PONG told us. */
export interface PongInfo {
  enrSeq: bigint;
  /** Our address as the remote saw it. */
  toIp: string;
  toPort: number;
  rttMs: number;
}

/** Size of the request IDs we send (geth: 8 random bytes). */
export const REQUEST_ID_SIZE = 8;

const addrText = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** A discv5 node. */
export class Discv5 extends TypedEmitter<Discv5Events> {
  readonly table: Table;
  readonly selfId: Uint8Array;
  readonly stats: Discv5Stats = { packetsIn: 0, packetsOut: 0, whoareyouSent: 0, handshakes: 0, dropped: {} };
  readonly codec: Codec;
  private readonly transport: DatagramTransport;
  private readonly local: LocalNode;
  private readonly db: NodeDb;
  private readonly now: () => number;
  private readonly calls: CallTracker;
  private readonly talk = new TalkHandlers();
  private readonly upkeep: TableUpkeep;
  private readonly lookupHost: LookupHost;
  private readonly handlers: PacketHandlers;
  private readonly lifetime = new AbortController();
  private state: 'open' | 'closed' = 'open';

  /**
   * @param local our identity and record; pass discv4's to run both protocols with one record
   * on one socket (see shared-socket.ts). Default: a record built from the config.
   * @param random codec randomness (tests).
   */
  constructor(
    private readonly config: Discv5Config,
    local?: LocalNode,
    random?: CodecRandom,
  ) {
    super();
    this.transport = config.transport;
    this.now = config.now ?? Date.now;
    this.db = config.db ?? new MemoryNodeDb();
    const la = this.transport.localAddress;
    const ip = parseIp(config.externalIp ?? la.ip) ?? new Uint8Array(4);
    this.local = local ?? new LocalNode(config.privateKey, { ip, udpPort: la.port, tcpPort: config.tcpPort ?? la.port }, config.enrSeq ?? BigInt(this.now()), config.enrEntries);
    this.selfId = this.local.id;
    const sessions = new SessionCache(this.now, config.sessionCacheSize !== undefined ? { maxSessions: config.sessionCacheSize } : {});
    this.codec = new Codec({ privateKey: config.privateKey, id: this.selfId, enr: () => this.local.enr }, sessions, random);
    this.table = new Table(this.selfId, { now: this.now, ...(config.netrestrict ? { netrestrict: config.netrestrict } : {}) });
    this.table.on('node:added', (n) => this.emit('node:added', n));
    this.table.on('node:removed', (n) => this.emit('node:removed', n));
    const respTimeoutMs = config.respTimeoutMs ?? RESP_TIMEOUT_MS;
    this.calls = new CallTracker({ respTimeoutMs, sendCall: (c) => this.sendCall(c) });
    const isOpen = (): boolean => this.state === 'open';
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
      lookupSelf: () => this.lookup(),
      lookupRandom: () => this.lookupRandom(),
    });
    this.lookupHost = {
      selfId: this.selfId,
      closest: (t, n) => this.table.closest(t, n),
      findNode: async (n, target, opts) => {
        const found = await this.findNode(n, lookupDistances(keccak256(target), n.id), opts.signal ? { signal: opts.signal } : {});
        return found.filter((f) => !equalBytes(f.id, this.selfId) && this.admits(f));
      },
    };
    this.handlers = new PacketHandlers({
      codec: this.codec,
      calls: this.calls,
      table: this.table,
      talk: this.talk,
      stats: this.stats,
      noFindnodeLivenessCheck: config.noFindnodeLivenessCheck ?? false,
      isOpen,
      enr: () => this.local.enr,
      sendMessage: (id, to, m) => this.sendMessage(id, to, m),
      sendRaw: (p, to) => this.sendRaw(p, to),
      addInbound: (n) => {
        if (this.admits(n)) this.table.add(n);
      },
      dropped: (reason, from, detail) => this.emit('dropped', reason, from, detail),
    });
    this.transport.onDatagram((data, from) => this.handlers.onDatagram(data, from));
    setMaxListeners(0, this.lifetime.signal);
  }

  /** Binds a UDP socket at `addr` and creates a node on it. */
  static async listen(addr: UdpAddress, config: Omit<Discv5Config, 'transport'>): Promise<Discv5> {
    return new Discv5({ ...config, transport: await bindUdp(addr) });
  }

  /** Starts revalidation and refresh (a first refresh runs at once, not awaited). */
  start(): void {
    if (this.state === 'open') this.upkeep.start();
  }

  get localAddress(): UdpAddress {
    return this.transport.localAddress;
  }

  get localEnr(): Enr {
    return this.local.enr;
  }

  get self(): DiscNode {
    return this.local.node;
  }

  get enode(): string {
    return nodeToEnode(this.self);
  }

  /** Sessions currently cached. */
  get sessionCount(): number {
    return this.codec.sessions.sessionCount;
  }

  /** Changes ENR entries and signs with seq + 1; peers learn it from our PONG seq and handshakes. */
  updateEnr(change: (b: EnrBuilder) => void): Enr {
    return this.local.update(change);
  }

  /** Registers the handler of TALKREQ for `protocol` (replacing any). */
  registerTalkHandler(protocol: string, handler: TalkHandler): void {
    this.talk.register(protocol, handler);
  }

  /** Adds a node with a record to the table (if the node filter admits it). */
  addNode(node: DiscNode): boolean {
    if (!this.admits(node)) return false;
    const r = this.table.add(node);
    return r === 'added' || r === 'updated';
  }

  // ---- requests ---------------------------------------------------------------------------

  /** PING; resolves with the PONG. */
  async ping(node: DiscNode, opts: RequestOptions = {}): Promise<PongInfo> {
    const started = performance.now();
    const pong = await this.call<Pong>(node, { type: MessageType.Ping, reqId: this.reqId(), enrSeq: this.local.enr.seq }, MessageType.Pong, opts);
    this.db.updateLastPongReceived(node.idHex, node.ip, this.now());
    return { enrSeq: pong.enrSeq, toIp: formatIp(pong.toIp), toPort: pong.toPort, rttMs: performance.now() - started };
  }

  /**
   * FINDNODE for `distances`; resolves with the valid nodes of the answer (at most
   * {@link MAX_NODES_RESPONSES} NODES packets are read; records at other distances, duplicates
   * and addresses the sender may not relay are dropped).
   */
  findNode(node: DiscNode, distances: number[], opts: RequestOptions = {}): Promise<DiscNode[]> {
    const found: DiscNode[] = [];
    const check = { from: node, fromIp: parseIp(node.ip) ?? new Uint8Array(4), distances, seen: new Set<string>(), ...(this.config.netrestrict ? { netrestrict: this.config.netrestrict } : {}) };
    let received = 0;
    let total = -1;
    return this.request<DiscNode[]>(
      node,
      { type: MessageType.FindNode, reqId: this.reqId(), distances },
      MessageType.Nodes,
      (m, resolve) => {
        for (const r of (m as Nodes).records) {
          const n = checkResponseNode(r, check);
          if (typeof n !== 'string') found.push(n);
        }
        if (total === -1) total = Math.min((m as Nodes).total, MAX_NODES_RESPONSES);
        if (++received >= total) {
          resolve(found);
          return true;
        }
        return false;
      },
      opts,
    );
  }

  /** The node's current record (FINDNODE distance 0, geth RequestENR). */
  async requestEnr(node: DiscNode, opts: RequestOptions = {}): Promise<Enr> {
    const nodes = await this.findNode(node, [0], opts);
    if (nodes.length !== 1 || !nodes[0]!.enr) throw new Discv5RequestError(addrText(node.ip, node.udpPort), 'FINDNODE', 'wrong-count', `${nodes.length} nodes in response for distance zero`);
    return nodes[0]!.enr;
  }

  /** TALKREQ; resolves with the TALKRESP message. */
  async talkRequest(node: DiscNode, protocol: string, message: Uint8Array, opts: RequestOptions = {}): Promise<Uint8Array> {
    const resp = await this.call<TalkResp>(node, { type: MessageType.TalkReq, reqId: this.reqId(), protocol: new Uint8Array(Buffer.from(protocol, 'latin1')), message }, MessageType.TalkResp, opts);
    return resp.message;
  }

  /** The newest record of a node (geth Resolve): asks it, else looks it up. Undefined if unreachable. */
  async resolve(node: DiscNode, opts: RequestOptions = {}): Promise<DiscNode | undefined> {
    const known = this.table.get(node.idHex)?.node;
    const n = known && (known.enr?.seq ?? 0n) > (node.enr?.seq ?? 0n) ? known : node;
    try {
      return withEnr(n, await this.requestEnr(n, opts));
    } catch (err) {
      if (err instanceof Discv5ClosedError || opts.signal?.aborted) throw err;
    }
    const { nodes } = await this.lookup(node.publicKey, { signal: opts.signal });
    return nodes.find((x) => x.idHex === node.idHex);
  }

  /** Iterative lookup of the 16 nodes closest to `target` (a 64-byte public key; default ours). */
  lookup(target: Uint8Array = this.local.publicKey, opts: { signal?: AbortSignal | undefined } = {}): Promise<LookupResult> {
    return lookup(this.lookupHost, target, { signal: this.linkedSignal(opts.signal) });
  }

  /** A lookup of a random target (as Discv4's). */
  lookupRandom(opts: { signal?: AbortSignal | undefined } = {}): Promise<LookupResult> {
    return this.lookup(randomBytes(64), opts);
  }

  /** Random nodes for a dialer (see discv4 lookup.ts randomNodes). */
  randomNodes(opts: { signal?: AbortSignal; max?: number; maxEmptyLookups?: number; emptyDelayMs?: number } = {}): AsyncGenerator<DiscNode, void, undefined> {
    return randomNodes(this.lookupHost, { ...opts, signal: this.linkedSignal(opts.signal) });
  }

  /** Runs one table refresh now (bootnodes, self lookup, random lookups). */
  refresh(randomLookups?: number): Promise<void> {
    return this.upkeep.refresh(randomLookups);
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const upkeepDone = this.upkeep.close();
    this.lifetime.abort(new Discv5ClosedError());
    this.calls.closeAll();
    await upkeepDone;
    await this.transport.close();
    await this.db.close();
  }

  /** Timers armed (tests check 0 after close). */
  get activeTimers(): number {
    return this.upkeep.armedTimers + this.calls.size;
  }

  // ---- internals --------------------------------------------------------------------------

  private admits(n: DiscNode): boolean {
    return this.config.nodeFilter ? this.config.nodeFilter(n) : true;
  }

  private reqId(): Uint8Array {
    return randomBytes(REQUEST_ID_SIZE);
  }

  private call<T extends Message>(node: DiscNode, message: Message, responseType: MessageType, opts: RequestOptions): Promise<T> {
    return this.request<T>(node, message, responseType, (m, resolve) => (resolve(m as T), true), opts);
  }

  private request<T>(node: DiscNode, message: Message, responseType: MessageType, onResponse: (m: Message, resolve: (v: T) => void) => boolean, opts: RequestOptions): Promise<T> {
    if (this.state !== 'open') return Promise.reject(new Discv5ClosedError());
    const p = new Promise<T>((resolve, reject) => {
      let value: T | undefined;
      const call: Call = {
        node,
        addr: { ip: node.ip, port: node.udpPort },
        addrText: addrText(node.ip, node.udpPort),
        message,
        responseType,
        handshakeCount: 0,
        onResponse: (m) => onResponse(m, (v) => (value = v)),
        settle: (err) => (err ? reject(err) : resolve(value as T)),
      };
      this.calls.start(call);
    });
    return abortable(p, opts.signal);
  }

  private sendCall(c: Call): Uint8Array {
    const enc = c.challenge
      ? this.codec.encodeHandshake(c.node.id, c.addrText, c.message, c.challenge, { publicKey: c.node.publicKey, ...(c.node.enr ? { enr: c.node.enr } : {}) })
      : this.codec.encodeMessage(c.node.id, c.addrText, c.message);
    this.sendRaw(enc.packet, c.addr);
    return enc.nonce;
  }

  private sendMessage(destId: Uint8Array, to: UdpAddress, m: Message): void {
    this.sendRaw(this.codec.encodeMessage(destId, addrText(to.ip, to.port), m).packet, to);
  }

  private sendRaw(packet: Uint8Array, to: UdpAddress): void {
    if (this.state !== 'open') return;
    this.stats.packetsOut++;
    this.transport.send(packet, to);
  }

  private linkedSignal(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.lifetime.signal]) : this.lifetime.signal;
  }
}
