/**
 * The devp2p server: listens, accepts and dials, enforces geth's peer limits, and runs the
 * registered protocols on every peer. Limits (all configurable, geth's defaults):
 * max peers 50 with a dial ratio of 3 (16 dialed / 34 inbound), 50 pending inbound handshakes,
 * 50 dials in flight, 15 s dial timeout, 35 s dial history, 30 s inbound throttle per IP
 * (LAN exempt), an optional netrestrict CIDR list. Trusted peers bypass the peer limits; static
 * and trusted peers are kept connected with backoff. No self-dial, one session per node ID;
 * when two nodes dial each other at once, both keep the connection dialed by the lower node ID
 * (see {@link keepsNewSession}).
 *
 * Over 400 lines on purpose: the Server class is the one owner of the peer set and the
 * listener/dial lifecycle; its rules already live in their own files (dial-scheduler,
 * reputation, turn-budget, expiring-set, peer, session-view), and what stays is the shared state
 * they act on.
 */
import { setMaxListeners } from 'node:events';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { DEFAULT_CLIENT_ID } from '../common/client-id.js';
import { bytesToHex } from '../common/bytes.js';
import { TypedEmitter } from '../common/emitter.js';
import { publicKeyOf } from '../crypto/secp256k1.js';
import { formatEnode, parseEnode, type Enode } from '../enode/enode-url.js';
import { abortError, onAbort } from '../common/abortable.js';
import { ConnectError } from './connect-error.js';
import { nodeIdOf } from '../enode/key.js';
import { accept, dial, DIAL_TIMEOUT_MS } from '../rlpx/connect.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import { DisconnectError, TimeoutError } from '../rlpx/errors.js';
import type { CloseInfo, Direction, Session, SessionConfig } from '../rlpx/session.js';
import type { Hello } from '../rlpx/hello.js';
import { DialScheduler, enodeId, DIAL_HISTORY_MS, type DialCandidate } from './dial-scheduler.js';
import { connectionFailureKind } from './connection-failure.js';
import { ExpiringSet } from './expiring-set.js';
import { isLanIp, NetList, normalizeIp } from '../common/netutil.js';
import { Peer, type PeerInfo } from './peer.js';
import type { Protocol } from './protocol.js';
import { BAN_DURATION_MS, Reputation, type PenaltyKind } from './reputation.js';
import { TrafficTotals } from './traffic-totals.js';

export const DEFAULT_MAX_PEERS = 50;
export const DEFAULT_DIAL_RATIO = 3;
export const DEFAULT_MAX_PENDING_PEERS = 50;
export const DEFAULT_MAX_ACTIVE_DIALS = 50;
/** geth's inboundThrottleTime. */
export const INBOUND_THROTTLE_MS = 30_000;

export interface ServerConfig {
  privateKey: Uint8Array;
  protocols: readonly Protocol[];
  clientId?: string;
  /** Where to listen; omit (or null) to not accept inbound connections. */
  listen?: { host: string; port: number } | null;
  /** Address advertised in our enode (NAT extip); defaults to the listen host. */
  advertisedIp?: string;
  maxPeers?: number;
  dialRatio?: number;
  maxPendingPeers?: number;
  maxActiveDials?: number;
  dialTimeoutMs?: number;
  dialHistoryMs?: number;
  inboundThrottleMs?: number;
  /** Exempt loopback/LAN addresses from the inbound throttle (default true, as geth). */
  throttleExemptsLan?: boolean;
  /** Only these networks are accepted, dialed and taken from discovery. */
  netrestrict?: NetList | readonly string[];
  staticNodes?: readonly Enode[];
  trustedNodes?: readonly Enode[];
  bootnodes?: readonly Enode[];
  /** Dial candidates from discovery (discv4 random nodes, a DNS list...). */
  discovery?: AsyncIterable<DialCandidate> | AsyncIterator<DialCandidate>;
  /** Do not dial at all (no outbound slots). */
  noDial?: boolean;
  /** How long a peer that reached the penalty threshold stays banned. */
  banDurationMs?: number;
  /** Extra RLPx session settings (timeouts, write bound). */
  session?: Partial<Omit<SessionConfig, 'privateKey' | 'capabilities' | 'checkHello'>>;
}

export interface ServerEvents {
  'peer:added': (peer: Peer) => void;
  /** `info.remote` says who ended it; `info.reason` why. */
  'peer:removed': (peer: Peer, info: CloseInfo) => void;
  /** A dial or an inbound handshake failed before a peer was added (typed error). */
  'connection:failed': (direction: Direction, error: Error, target: string) => void;
  /** Every sub-protocol message in or out (for metrics): protocol name, relative code, body bytes. */
  traffic: (direction: 'in' | 'out', protocol: string, code: number, bytes: number) => void;
}

/** Counters for status lines and metrics. */
export interface ServerStats {
  dialsStarted: number;
  dialsSucceeded: number;
  dialsFailed: number;
  inboundAccepted: number;
  /**
   * Inbound sockets refused before the handshake, by cause. `gone`: the peer had already reset
   * the connection when we accepted it (no remote address; e.g. it gave up while the connection
   * waited in the kernel's accept queue).
   */
  inboundRefused: { pending: number; throttled: number; netrestrict: number; banned: number; stopped: number; gone: number };
  /** Peers refused after Hello, by Disconnect reason name. */
  refusedAfterHello: Record<string, number>;
  /** Failed dials by {@link connectionFailureKind} (`refused`, `timeout`, `remote:TooManyPeers`...). */
  dialFailures: Record<string, number>;
  /** Failed inbound handshakes by {@link connectionFailureKind}. */
  inboundFailures: Record<string, number>;
  /** Ended peer sessions by Disconnect reason name and by which side ended them. */
  disconnects: Record<string, { local: number; remote: number }>;
}

export class Server extends TypedEmitter<ServerEvents> {
  readonly publicKey: Uint8Array;
  readonly id: string;
  readonly stats: ServerStats = {
    dialsStarted: 0,
    dialsSucceeded: 0,
    dialsFailed: 0,
    inboundAccepted: 0,
    inboundRefused: { pending: 0, throttled: 0, netrestrict: 0, banned: 0, stopped: 0, gone: 0 },
    refusedAfterHello: {},
    dialFailures: {},
    inboundFailures: {},
    disconnects: {},
  };
  /** Sub-protocol messages and bytes since the server was created, per protocol, code and direction. */
  readonly traffic = new TrafficTotals();
  private readonly cfg: ServerConfig;
  private readonly maxPeers: number;
  private readonly maxDialed: number;
  private readonly maxInbound: number;
  private readonly peersById = new Map<string, Peer>();
  private readonly trusted = new Set<string>();
  /** Node IDs with a {@link Server.connect} in progress (count of calls), exempt from the dial ratio. */
  private readonly requested = new Map<string, number>();
  private readonly scheduler: DialScheduler;
  private readonly throttle: ExpiringSet;
  private readonly netrestrict?: NetList;
  private readonly pendingSockets = new Set<Socket>();
  private netServer?: NetServer;
  private running = false;
  /** Aborted by stop(); start() makes a new one, so a stopped server can start again. */
  private abort: AbortController;
  private scheduleTimer?: NodeJS.Timeout;
  private discovery?: AsyncIterator<DialCandidate>;
  private discoveryBusy = false;
  private readonly inflight = new Set<Promise<unknown>>();
  /** Scores and bans; `penalize` is also reachable from every protocol handler's peer. */
  readonly reputation: Reputation;

  constructor(config: ServerConfig) {
    super();
    this.cfg = config;
    this.publicKey = publicKeyOf(config.privateKey);
    this.id = bytesToHex(nodeIdOf(this.publicKey));
    this.maxPeers = config.maxPeers ?? DEFAULT_MAX_PEERS;
    const ratio = config.dialRatio ?? DEFAULT_DIAL_RATIO;
    this.maxDialed = config.noDial || this.maxPeers === 0 ? 0 : Math.max(1, Math.floor(this.maxPeers / ratio));
    this.maxInbound = this.maxPeers - this.maxDialed;
    this.throttle = new ExpiringSet(config.inboundThrottleMs ?? INBOUND_THROTTLE_MS);
    this.abort = this.newStopController();
    this.reputation = new Reputation(config.banDurationMs ?? BAN_DURATION_MS);
    if (config.netrestrict) this.netrestrict = config.netrestrict instanceof NetList ? config.netrestrict : new NetList(config.netrestrict);
    this.scheduler = new DialScheduler(
      {
        selfId: this.id,
        isConnected: (id) => this.peersById.has(id),
        freeDynamicSlots: () => this.freeDynamicSlots(),
        maxActiveDials: config.noDial ? 0 : config.maxActiveDials ?? DEFAULT_MAX_ACTIVE_DIALS,
        isBanned: (id, ip) => this.reputation.isBanned(id, ip),
        ...(this.netrestrict ? { netrestrict: this.netrestrict } : {}),
      },
      config.dialHistoryMs ?? DIAL_HISTORY_MS,
    );
    for (const n of config.staticNodes ?? []) this.scheduler.addStatic(n);
    for (const n of config.trustedNodes ?? []) this.addTrusted(n);
  }

  /** Our enode URL (advertised IP, listen port). */
  get enode(): string {
    const port = this.port;
    const host = this.cfg.advertisedIp ?? (this.cfg.listen?.host && !['0.0.0.0', '::'].includes(this.cfg.listen.host) ? this.cfg.listen.host : '127.0.0.1');
    return formatEnode({ publicKey: this.publicKey, ip: host, tcpPort: port, udpPort: port });
  }

  /** The bound TCP port (0 if not listening). */
  get port(): number {
    const a = this.netServer?.address() as AddressInfo | null | undefined;
    return a?.port ?? 0;
  }

  /** Connected peers. */
  get peers(): Peer[] {
    return [...this.peersById.values()];
  }

  peerInfos(): PeerInfo[] {
    return this.peers.map((p) => p.info());
  }

  /** The name of message `code` of `protocol`, from the first registered version that names it. */
  messageName(protocol: string, code: number): string | undefined {
    for (const p of this.cfg.protocols) {
      const name = p.name === protocol ? p.messageName?.(code) : undefined;
      if (name !== undefined) return name;
    }
    return undefined;
  }

  /** Peer counts by direction and dials in flight. */
  counts(): { inbound: number; outbound: number; dialing: number } {
    let inbound = 0;
    for (const p of this.peersById.values()) if (p.direction === 'inbound') inbound++;
    return { inbound, outbound: this.peersById.size - inbound, dialing: this.scheduler.dialing.size };
  }

  addStatic(node: Enode): void {
    this.scheduler.addStatic(node);
    this.schedule();
  }

  removeStatic(node: Enode): void {
    this.scheduler.removeStatic(node);
  }

  /** Trusted peers bypass the peer limits and are kept connected like static peers. */
  addTrusted(node: Enode): void {
    this.trusted.add(enodeId(node));
    this.scheduler.addStatic(node, 'trusted');
    this.schedule();
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.abort.signal.aborted) this.abort = this.newStopController();
    if (this.cfg.listen) {
      const srv = createServer((s) => this.onInbound(s));
      this.netServer = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(this.cfg.listen!.port, this.cfg.listen!.host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
    }
    if (this.cfg.discovery) {
      const d = this.cfg.discovery;
      this.discovery = Symbol.asyncIterator in d ? (d as AsyncIterable<DialCandidate>)[Symbol.asyncIterator]() : (d as AsyncIterator<DialCandidate>);
    }
    this.offerBootnodes();
    this.schedule();
  }

  /**
   * Dials `node` once (an enode URL or its parts) and resolves with the peer once its Hello has
   * passed the server's checks, every protocol runs on it, and it has answered one Ping (so a
   * remote that refuses us right after its Hello, e.g. TooManyPeers, rejects here rather than
   * resolving to a peer that closes at once). Resolves at once with the peer already connected
   * to that node, if any. No redial: a failure rejects with a
   * {@link ConnectError} (`kind` 'dial', 'handshake', 'refused' with the Disconnect reason and
   * side, or 'stopped'), an abort of `opts.signal` with an AbortError (cause: the signal's
   * reason). The peer counts against maxPeers but, as a peer the embedder asked for, not against
   * the dial ratio (as static peers).
   */
  async connect(node: string | Enode, opts: { signal?: AbortSignal; dialTimeoutMs?: number } = {}): Promise<Peer> {
    const enode = typeof node === 'string' ? parseEnode(node) : node;
    const target = `${enode.ip}:${enode.tcpPort}`;
    if (opts.signal?.aborted) throw abortError(opts.signal);
    if (!this.running) throw new ConnectError('stopped', target, new Error('server is not running'));
    const id = enodeId(enode);
    const existing = this.peersById.get(id);
    if (existing) return existing;
    this.requested.set(id, (this.requested.get(id) ?? 0) + 1);
    const signal = opts.signal ? AbortSignal.any([this.abort.signal, opts.signal]) : this.abort.signal;
    const attempt = this.dialOnce(enode, signal, opts.dialTimeoutMs);
    this.track(attempt);
    try {
      const session = await attempt;
      const peer = this.addPeer(session);
      if (peer && (await this.answersPing(session, signal, opts.dialTimeoutMs ?? this.cfg.dialTimeoutMs ?? DIAL_TIMEOUT_MS))) return peer;
      // Refused after activation (a simultaneous dial won, or the server stopped).
      const info = session.closeInfo ?? (await new Promise<CloseInfo>((r) => session.once('close', r)));
      if (!this.running) throw new ConnectError('stopped', target, new Error('server stopped'));
      const winner = this.peersById.get(id);
      if (winner) return winner;
      throw ConnectError.from(new DisconnectError(info.reason, info.remote, info.error), target);
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      if (opts.signal?.aborted) throw abortError(opts.signal);
      if (!this.running || this.abort.signal.aborted) throw new ConnectError('stopped', target, err);
      throw ConnectError.from(err, target);
    } finally {
      const n = (this.requested.get(id) ?? 1) - 1;
      if (n > 0) this.requested.set(id, n);
      else this.requested.delete(id);
    }
  }

  /**
   * True once `session` answers a Ping; false if it closes first (its Disconnect was sent before
   * any Pong: TCP keeps the order). A peer silent past `ms` is disconnected (ReadTimeout).
   */
  private answersPing(session: Session, signal: AbortSignal, ms: number): Promise<boolean> {
    if (session.currentState === 'closed') return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      const done = (ok: boolean, err?: Error): void => {
        clearTimeout(timer);
        session.off('pong', onPong);
        session.off('close', onClose);
        detach();
        if (err) reject(err);
        else resolve(ok);
      };
      const onPong = (): void => done(true);
      const onClose = (): void => done(false);
      const timer = setTimeout(() => done(false, new TimeoutError('read', ms)), ms);
      const detach = onAbort(signal, (err) => done(false, err));
      session.on('pong', onPong);
      session.on('close', onClose);
      session.ping();
    }).catch((err: unknown) => {
      void session.disconnect(err instanceof TimeoutError ? DisconnectReason.ReadTimeout : DisconnectReason.Requested, err as Error);
      throw err;
    });
  }

  /** Sends Disconnect(ClientQuitting) to every peer, stops every dial, timer and socket. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort(new Error('server stopped'));
    clearTimeout(this.scheduleTimer);
    this.scheduleTimer = undefined;
    const closed = this.netServer ? new Promise<void>((r) => this.netServer!.close(() => r())) : Promise.resolve();
    for (const s of this.pendingSockets) s.destroy();
    await Promise.all(this.peers.map((p) => p.disconnect(DisconnectReason.ClientQuitting)));
    await Promise.allSettled([...this.inflight]);
    await this.discovery?.return?.();
    await closed;
  }

  private newStopController(): AbortController {
    const c = new AbortController();
    // Every pending handshake and dial listens on the stop signal until it settles: that many
    // listeners is expected, not a leak (Node warns past 10).
    setMaxListeners((this.cfg.maxPendingPeers ?? DEFAULT_MAX_PENDING_PEERS) + (this.cfg.maxActiveDials ?? DEFAULT_MAX_ACTIVE_DIALS) + 16, c.signal);
    return c;
  }

  // ---- limits ----------------------------------------------------------------------------

  private freeDynamicSlots(): number {
    const { outbound } = this.counts();
    const max = this.cfg.noDial ? 0 : this.cfg.maxActiveDials ?? DEFAULT_MAX_ACTIVE_DIALS;
    return Math.max(0, Math.min((this.maxDialed - outbound) * 2, max) - this.scheduler.dialing.size);
  }

  /** geth's postHandshakeChecks, run once the remote Hello is valid. */
  private checkHello(session: Session, hello: Hello): DisconnectReason | undefined {
    const id = bytesToHex(nodeIdOf(hello.publicKey));
    const trusted = this.trusted.has(id);
    if (!this.running) return DisconnectReason.ClientQuitting;
    if (id === this.id) return DisconnectReason.Self;
    if (this.reputation.isBanned(id)) return DisconnectReason.UselessPeer;
    const existing = this.peersById.get(id);
    if (this.losesToExisting(existing, id, session)) return DisconnectReason.AlreadyConnected;
    // A session replacing the other direction's for the same node (simultaneous dials) takes no
    // new peer slot, but must fit its direction's share (the one it replaces is not counted
    // there). If it does not fit, the other end may already have dropped the one we keep: both
    // are lost, as every simultaneous dial is in geth, only when that share is full.
    if (!trusted && existing === undefined && this.peersById.size >= this.maxPeers) return DisconnectReason.TooManyPeers;
    if (!trusted && session.direction === 'inbound' && this.counts().inbound >= this.maxInbound) return DisconnectReason.TooManyPeers;
    // Dynamic dials run up to 2x the free outbound slots (many fail); the ones that succeed past
    // the outbound share are let go here, so the dial ratio holds. Static peers are exempt.
    if (!trusted && session.direction === 'outbound' && !this.scheduler.isStatic(id) && !this.requested.has(id) && this.counts().outbound >= this.maxDialed) {
      return DisconnectReason.TooManyPeers;
    }
    return undefined;
  }

  private sessionConfig(): SessionConfig {
    return {
      ...this.cfg.session,
      privateKey: this.cfg.privateKey,
      capabilities: this.cfg.protocols.map((p) => ({ name: p.name, version: p.version, length: p.length })),
      clientId: this.cfg.clientId ?? this.cfg.session?.clientId ?? DEFAULT_CLIENT_ID,
      listenPort: this.port,
      checkHello: (hello, session) => {
        const r = this.checkHello(session, hello);
        if (r !== undefined) {
          const name = DisconnectReason[r] ?? String(r);
          this.stats.refusedAfterHello[name] = (this.stats.refusedAfterHello[name] ?? 0) + 1;
        }
        return r;
      },
    };
  }

  // ---- inbound -----------------------------------------------------------------------------

  private onInbound(socket: Socket): void {
    const refuse = (why: keyof ServerStats['inboundRefused']) => {
      this.stats.inboundRefused[why]++;
      socket.destroy();
    };
    if (!this.running) return refuse('stopped');
    // A connection reset before we accepted it has no peer address. It is not an address: it
    // must neither take a pending slot nor be throttled as the "IP" '' (which is not LAN, so the
    // next dead socket within 30 s was counted as throttled).
    if (socket.remoteAddress === undefined) return refuse('gone');
    const ip = normalizeIp(socket.remoteAddress);
    if (this.pendingSockets.size >= (this.cfg.maxPendingPeers ?? DEFAULT_MAX_PENDING_PEERS)) return refuse('pending');
    if (this.netrestrict && !this.netrestrict.contains(ip)) return refuse('netrestrict');
    if (this.reputation.isBanned(undefined, ip)) return refuse('banned');
    const exempt = (this.cfg.throttleExemptsLan ?? true) && isLanIp(ip);
    if (!exempt) {
      if (this.throttle.has(ip)) return refuse('throttled');
      this.throttle.add(ip);
      this.throttle.prune();
    }
    this.pendingSockets.add(socket);
    const done = () => this.pendingSockets.delete(socket);
    socket.once('close', done);
    this.track(
      accept(socket, this.sessionConfig(), { signal: this.abort.signal }).then(
        (session) => {
          done();
          this.stats.inboundAccepted++;
          this.addPeer(session);
        },
        (err: Error) => {
          done();
          bump(this.stats.inboundFailures, connectionFailureKind(err));
          this.emit('connection:failed', 'inbound', err, `${ip}:${socket.remotePort}`);
        },
      ),
    );
  }

  // ---- outbound ----------------------------------------------------------------------------

  private offerBootnodes(): void {
    for (const b of this.cfg.bootnodes ?? []) this.scheduler.offer({ ...b, source: 'bootnode' });
  }

  /** Starts due dials, pulls from discovery when slots are free, and arms the static redial timer. */
  private schedule(): void {
    if (!this.running) return;
    for (const node of this.scheduler.next()) this.startDial(node);
    void this.pumpDiscovery();
    clearTimeout(this.scheduleTimer);
    const due = this.scheduler.nextStaticDueIn();
    if (due !== undefined) this.scheduleTimer = setTimeout(() => this.schedule(), Math.max(50, due));
  }

  private async pumpDiscovery(): Promise<void> {
    if (!this.discovery || this.discoveryBusy) return;
    this.discoveryBusy = true;
    try {
      // Bounded: at most one pending next() at a time, and only while there are free slots.
      while (this.running && this.scheduler.wantsCandidates) {
        const r = await this.discovery.next();
        if (r.done) {
          this.discovery = undefined;
          break;
        }
        if (this.scheduler.offer({ ...r.value, source: 'discovery' })) {
          for (const node of this.scheduler.next()) this.startDial(node);
        }
      }
    } catch {
      this.discovery = undefined;
    } finally {
      this.discoveryBusy = false;
    }
  }

  private startDial(node: DialCandidate): void {
    this.track(
      this.dialOnce(node, this.abort.signal).then(
        (session) => {
          this.scheduler.done(node, true);
          this.addPeer(session);
          this.schedule();
        },
        () => {
          this.scheduler.done(node, false);
          this.schedule();
        },
      ),
    );
  }

  /** One dial with its stats and, on failure, its 'connection:failed' event (scheduled or requested). */
  private async dialOnce(node: Enode, signal: AbortSignal, dialTimeoutMs?: number): Promise<Session> {
    this.stats.dialsStarted++;
    try {
      const session = await dial({ publicKey: node.publicKey, host: node.ip, port: node.tcpPort }, this.sessionConfig(), {
        signal,
        dialTimeoutMs: dialTimeoutMs ?? this.cfg.dialTimeoutMs ?? DIAL_TIMEOUT_MS,
      });
      this.stats.dialsSucceeded++;
      return session;
    } catch (err) {
      this.stats.dialsFailed++;
      bump(this.stats.dialFailures, connectionFailureKind(err));
      this.emit('connection:failed', 'outbound', err as Error, `${node.ip}:${node.tcpPort}`);
      throw err;
    }
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    // then(f, f), not finally(): a derived promise from finally() would re-reject unhandled.
    const forget = (): void => void this.inflight.delete(p);
    p.then(forget, forget);
  }

  // ---- peers -------------------------------------------------------------------------------

  private peerIp(peer: Peer): string | undefined {
    const a = peer.session.socket.remoteAddress;
    return a ? normalizeIp(a) : undefined;
  }

  /** Records misbehaviour of a peer; at the threshold it is disconnected and banned. */
  penalize(peer: Peer, kind: PenaltyKind): void {
    if (this.trusted.has(peer.id)) return;
    if (this.reputation.penalize(peer.id, this.peerIp(peer), kind)) {
      const reason = kind === 'protocol-breach' || kind === 'invalid-message' ? DisconnectReason.ProtocolBreach : DisconnectReason.UselessPeer;
      void peer.disconnect(reason, new Error(`banned after ${kind}`));
    }
  }

  /** Whether `session` with node `id` must give way to the session already active with it. */
  private losesToExisting(existing: Peer | undefined, id: string, session: Session): boolean {
    return existing !== undefined && !keepsNewSession(this.id, id, existing.direction, session.direction);
  }

  /** Makes an active session a peer; undefined if it is refused (closed, lost a simultaneous dial). */
  private addPeer(session: Session): Peer | undefined {
    if (session.currentState === 'closed') return undefined;
    const id = bytesToHex(nodeIdOf(session.remotePublicKey!));
    // The Hello check ran before activation, but another session for the same node may have
    // become active since (simultaneous dials): both ends keep the same one.
    const existing = this.peersById.get(id);
    if (!this.running || this.losesToExisting(existing, id, session)) {
      void session.disconnect(this.running ? DisconnectReason.AlreadyConnected : DisconnectReason.ClientQuitting);
      return undefined;
    }
    if (existing !== undefined) void existing.disconnect(DisconnectReason.AlreadyConnected, new Error('replaced by the connection the lower node ID dialed'));
    const peer = new Peer(session, this.cfg.protocols, { trusted: this.trusted.has(id), static: this.scheduler.isStatic(id) }, {
      penalize: (p, kind) => this.penalize(p, kind),
      traffic: (dir, proto, code, bytes) => {
        this.traffic.add(dir, proto, code, bytes);
        this.emit('traffic', dir, proto, code, bytes);
      },
    });
    this.peersById.set(id, peer);
    session.once('close', (info) => {
      const sides = (this.stats.disconnects[DisconnectReason[info.reason] ?? String(info.reason)] ??= { local: 0, remote: 0 });
      sides[info.remote ? 'remote' : 'local']++;
      // A peer we dropped for breaking a protocol is remembered: repeat offenders get banned.
      if (!info.remote && (info.reason === DisconnectReason.ProtocolBreach || info.reason === DisconnectReason.SubprotocolError)) {
        this.reputation.penalize(id, this.peerIp(peer), 'protocol-breach');
      }
      // A session replaced by a simultaneous dial's winner leaves the winner in place.
      if (this.peersById.get(id) !== peer) {
        this.emit('peer:removed', peer, info);
        return;
      }
      this.peersById.delete(id);
      this.scheduler.disconnected(id);
      this.emit('peer:removed', peer, info);
      if (this.peersById.size === 0) this.offerBootnodes();
      this.schedule();
    });
    this.emit('peer:added', peer);
    return peer;
  }
}

/**
 * Whether a new session with a node replaces the one already active with it. Two nodes that
 * dial each other at once each accept the other's dial after their own succeeded; keeping
 * the first on both ends (geth) drops both connections, since each end's first is the
 * other's second. Both ends instead keep the connection dialed by the lower node ID, so they
 * agree whatever the order. Two sessions in the same direction keep the first.
 */
export function keepsNewSession(selfId: string, remoteId: string, existing: Direction, incoming: Direction): boolean {
  if (existing === incoming) return false;
  const newDialer = incoming === 'outbound' ? selfId : remoteId;
  const oldDialer = existing === 'outbound' ? selfId : remoteId;
  return newDialer < oldDialer;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
