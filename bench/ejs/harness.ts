/**
 * Bench-only harness around @ethereumjs/devp2p 10.0.0 ("ejs"): creates RLPx instances on
 * 127.0.0.1 (never a DPT), tracks everything they open and tears it all down again.
 *
 * Why the tracking is needed (ejs quirks):
 * - `RLPx.destroy()` does not close sockets; it sends Disconnect and arms an uncancellable 2 s
 *   `socket.end()` timer per peer, and ignores sockets whose handshake is still running.
 * - Every ETH instance arms a 5 s Status timeout that is only cleared by a successful Status
 *   exchange (never on close). Instances are recorded via a Proxy on the capability constructor.
 * - eventemitter3 silently drops 'error' events without a listener, so every emitter gets one.
 * Teardown therefore destroys every socket directly (no Disconnect), clears the Status timers,
 * and only then calls `RLPx.destroy()` (which then has no live peer left to "disconnect").
 */
import type { Socket, Server } from 'node:net';
import { Common, Mainnet } from '@ethereumjs/common';
import { ETH, Peer, RLPx, type Capabilities } from '@ethereumjs/devp2p';
import { bytesToHex, hexToBytes, intToBytes } from '@ethereumjs/util';
import { utils as secpUtils } from '@noble/secp256k1';

export { withDeadline } from '../measure.js';
import { withDeadline } from '../measure.js';

export const LOOPBACK = '127.0.0.1';

/** Mainnet genesis hash; both ends send it in Status (ejs only compares the two Statuses). */
const MAINNET_GENESIS = hexToBytes('0xd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3');

export function randomPrivateKey(): Uint8Array {
  return secpUtils.randomSecretKey();
}

export function idKey(id: Uint8Array): string {
  return bytesToHex(id);
}

export function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Waits for a condition signalled through `subscribe(done, fail)`; `subscribe` returns its
 * unsubscribe function. Always bounded by `ms`; the timer and the subscription are removed
 * whatever happens.
 */
export function waitFor<T>(
  label: string,
  ms: number,
  subscribe: (done: (v: T) => void, fail: (e: unknown) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let unsubscribe: (() => void) | undefined;
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      unsubscribe?.();
    };
    const timer = setTimeout(() => {
      if (settled) return;
      finish();
      reject(new Error(`ejs: timeout after ${ms} ms waiting for ${label}`));
    }, ms);
    const done = (v: T): void => {
      if (settled) return;
      finish();
      resolve(v);
    };
    const fail = (e: unknown): void => {
      if (settled) return;
      finish();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    unsubscribe = subscribe(done, fail);
    if (settled) unsubscribe();
  });
}

/** Marks `p` as handled (it is awaited later, or abandoned when an earlier step throws). */
export function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export function ethOf(peer: Peer): ETH {
  const eth = peer.getProtocols().find((p): p is ETH => p instanceof ETH);
  if (eth === undefined) throw new Error('ejs: peer has no eth protocol');
  return eth;
}

export function socketOf(peer: Peer): Socket {
  return peer['_socket'];
}

export function clearStatusTimer(eth: ETH): void {
  clearTimeout(eth['_statusTimeoutId']);
}

export interface EjsNode {
  rlpx: RLPx;
  id: Uint8Array;
  /** listening port, 0 for a dial-only node */
  port: number;
}

/**
 * A set of ejs RLPx nodes plus everything they open. `close()` releases all of it; it is safe
 * to call more than once.
 */
export class EjsWorld {
  readonly common = new Common({ chain: Mainnet });
  readonly nodes: EjsNode[] = [];
  /** every TCP socket any node opened or accepted, until it closes */
  readonly sockets = new Set<Socket>();
  /** every ETH instance created on any connection, until its peer is removed / world closed */
  readonly eths = new Set<ETH>();
  /** first error reported by any ejs emitter (peer:error / error) */
  errors: Error[] = [];
  readonly capability: Capabilities;
  private closed = false;
  /** fail callbacks of pending waits, so close() can abort them (and clear their timers) */
  private readonly pending = new Set<(e: unknown) => void>();

  constructor() {
    const eths = this.eths;
    // Same class and instances as ETH (construct trap); it only records each instance so the
    // world can clear its Status timer.
    const TrackedEth = new Proxy(ETH, {
      construct(target, args, newTarget) {
        const eth = Reflect.construct(target, args, newTarget) as ETH;
        eths.add(eth);
        return eth;
      },
    });
    this.capability = { ...ETH.eth68, constructor: TrackedEth };
  }

  /** `waitFor` that `close()` aborts (so no wait outlives the world). */
  wait<T>(label: string, ms: number, subscribe: (done: (v: T) => void, fail: (e: unknown) => void) => () => void): Promise<T> {
    if (this.closed) return Promise.reject(new Error('ejs: world closed'));
    return waitFor<T>(label, ms, (done, fail) => {
      this.pending.add(fail);
      const unsub = subscribe(done, fail);
      return () => {
        this.pending.delete(fail);
        unsub();
      };
    });
  }

  trackSocket(s: Socket): void {
    if (this.sockets.has(s)) return;
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  /** Creates a node; `listen` → bound on 127.0.0.1 with an OS-assigned port. */
  async node(opts: { listen: boolean; maxPeers: number; privateKey?: Uint8Array; timeoutMs?: number }): Promise<EjsNode> {
    if (this.closed) throw new Error('ejs: world closed');
    const rlpx = new RLPx(opts.privateKey ?? randomPrivateKey(), {
      capabilities: [this.capability],
      common: this.common,
      maxPeers: opts.maxPeers,
      timeout: opts.timeoutMs ?? 10_000,
    });
    const node: EjsNode = { rlpx, id: rlpx.id, port: 0 };
    this.nodes.push(node);
    rlpx.events.on('error', (e) => this.errors.push(e));
    rlpx.events.on('peer:error', (_p, e) => this.errors.push(e instanceof Error ? e : new Error(String(e))));
    rlpx.events.on('peer:removed', (peer) => {
      for (const p of peer.getProtocols()) {
        if (p instanceof ETH) {
          clearStatusTimer(p);
          this.eths.delete(p);
        }
      }
    });
    const server = rlpx['_server'] as Server;
    server.on('connection', (s: Socket) => this.trackSocket(s));
    if (opts.listen) {
      await this.wait<void>('ejs listen', 5_000, (done, fail) => {
        server.once('listening', () => done());
        server.once('error', fail);
        rlpx.listen(0, LOOPBACK);
        return () => server.off('error', fail);
      });
      const addr = server.address();
      if (addr === null || typeof addr === 'string') throw new Error('ejs: no listen address');
      node.port = addr.port;
    }
    return node;
  }

  /**
   * Dials `to` from `from` and resolves with the dialer-side Peer at the dialer's `peer:added`
   * (TCP connect + ECIES auth/ack + Hello both ways as seen by the dialer).
   */
  dial(from: EjsNode, to: { id: Uint8Array; port: number }, ms = 10_000): Promise<Peer> {
    const key = idKey(to.id);
    return this.wait<Peer>('dialer peer:added', ms, (done, fail) => {
      const onAdded = (peer: Peer): void => {
        const id = peer.getId();
        if (id !== null && idKey(id) === key) done(peer);
      };
      const onRemoved = (peer: Peer, reason: unknown): void => {
        const id = peer.getId();
        if (id !== null && idKey(id) === key) fail(new Error(`ejs: peer removed during handshake (reason ${String(reason)})`));
      };
      const onError = (_peer: Peer, e: unknown): void => fail(e);
      from.rlpx.events.on('peer:added', onAdded);
      from.rlpx.events.on('peer:removed', onRemoved);
      from.rlpx.events.on('peer:error', onError);
      from.rlpx.connect({ id: to.id, address: LOOPBACK, tcpPort: to.port }).catch(fail);
      // connect() registers its socket synchronously before its first await
      const s = from.rlpx['_peers'].get(key);
      if (s !== undefined && !(s instanceof Peer)) this.trackSocket(s);
      return () => {
        from.rlpx.events.off('peer:added', onAdded);
        from.rlpx.events.off('peer:removed', onRemoved);
        from.rlpx.events.off('peer:error', onError);
      };
    });
  }

  /** Sends Status on both ends and waits for both 'status' events. */
  async exchangeStatus(a: Peer, b: Peer, ms = 5_000): Promise<[ETH, ETH]> {
    const ea = ethOf(a);
    const eb = ethOf(b);
    const waitStatus = (eth: ETH): Promise<void> =>
      this.wait<void>('eth status', ms, (done) => {
        const h = (): void => done();
        eth.events.once('status', h);
        return () => eth.events.off('status', h);
      });
    const both = handled(Promise.all([waitStatus(ea), waitStatus(eb)]));
    const status = { td: intToBytes(1), bestHash: MAINNET_GENESIS, genesisHash: MAINNET_GENESIS };
    ea.sendStatus(status);
    eb.sendStatus(status);
    await both;
    return [ea, eb];
  }

  /** Destroys every socket, clears every ejs timer it can reach, destroys every RLPx. */
  async close(ms = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const fail of [...this.pending]) fail(new Error('ejs: world closed'));
    for (const eth of this.eths) clearStatusTimer(eth);
    this.eths.clear();
    for (const n of this.nodes) {
      for (const v of n.rlpx['_peers'].values()) this.trackSocket(v instanceof Peer ? socketOf(v) : v);
    }
    const open = [...this.sockets].filter((s) => !s.closed);
    const allClosed = Promise.all(
      open.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.once('close', () => resolve());
          }),
      ),
    );
    for (const s of open) s.destroy();
    await withDeadline('socket close', ms, allClosed);
    await Promise.all(
      this.nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.rlpx['_server'] === null) return resolve();
            n.rlpx.destroy(() => resolve()); // server.close(cb); cb gets ERR_SERVER_NOT_RUNNING for dial-only nodes
          }),
      ),
    );
  }
}
