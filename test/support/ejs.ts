/**
 * Interop helper: an @ethereumjs/devp2p 10.0.0 ("ejs") RLPx node on 127.0.0.1 (no DPT).
 *
 *   const ejs = await startEjsNode({ privateKey });
 *   const peer = await ejs.dial({ id: ourId, address: '127.0.0.1', tcpPort: ourPort });
 *   // or: const inbound = ejs.waitForPeer({ id: ourId }); ...our side dials ejs.port...; await inbound;
 *   await ejs.close();
 *
 * close() destroys every socket directly instead of using ejs' destroy()/disconnect() (which
 * send Disconnect and leave a 2 s `socket.end()` timer, and never close sockets still in the
 * handshake), and clears the 5 s Status timer ejs arms on each ETH instance. A disconnect
 * initiated by ejs itself (e.g. on a protocol error) still leaves its own ≤2 s timer behind.
 * Note: ejs drops a connection with TIMEOUT 5 s after Hello unless Status is exchanged.
 */
import type { Server, Socket } from 'node:net';
import { Common, Mainnet } from '@ethereumjs/common';
import { ETH, Peer, RLPx, type Capabilities } from '@ethereumjs/devp2p';

export const EJS_HOST = '127.0.0.1';

export interface EjsRemote {
  /** 64-byte uncompressed public key without the 0x04 prefix */
  id: Uint8Array;
  address?: string;
  tcpPort: number;
}

export interface EjsNode {
  rlpx: RLPx;
  common: Common;
  /** this node's 64-byte public key (node id) */
  id: Uint8Array;
  port: number;
  /** errors reported by ejs ('error' / 'peer:error'), which ejs would otherwise drop silently */
  errors: Error[];
  /** Dials `remote`; resolves at this node's `peer:added` for that id. */
  dial(remote: EjsRemote, timeoutMs?: number): Promise<Peer>;
  /** Resolves at `peer:added` (for `id` if given; an already connected match resolves at once). */
  waitForPeer(opts?: { id?: Uint8Array; timeoutMs?: number }): Promise<Peer>;
  close(): Promise<void>;
}

export interface StartEjsNodeOptions {
  privateKey: Uint8Array;
  /** listen port on 127.0.0.1; 0 or absent: a free port */
  port?: number;
  /** default [ETH.eth68] */
  capabilities?: Capabilities[];
  /** default new Common({ chain: Mainnet }) */
  common?: Common;
  maxPeers?: number;
  /** ejs `timeout` (connect idle timeout and Pong wait), default 10 000 ms */
  timeout?: number;
  clientId?: Uint8Array;
}

function sameId(a: Uint8Array | null, b: Uint8Array): boolean {
  return a !== null && a.length === b.length && a.every((x, i) => x === b[i]);
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * Waits for `rlpx`'s `peer:added` (optionally for one id); rejects on timeout, on a matching
 * peer:error, or when `signal` aborts. The timer and listeners are always removed.
 */
export function waitForEjsPeerAdded(
  rlpx: RLPx,
  opts: { id?: Uint8Array; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Peer> {
  const { id, timeoutMs = 10_000, signal } = opts;
  if (signal?.aborted === true) return Promise.reject(toError(signal.reason));
  const matches = (p: Peer): boolean => id === undefined || sameId(p.getId(), id);
  const existing = rlpx.getPeers().find(matches);
  if (existing !== undefined) return Promise.resolve(existing);
  return new Promise<Peer>((resolve, reject) => {
    const onAdded = (p: Peer): void => {
      if (!matches(p)) return;
      cleanup();
      resolve(p);
    };
    const onError = (p: Peer, e: unknown): void => {
      if (id !== undefined && p.getId() !== null && !sameId(p.getId(), id)) return;
      cleanup();
      reject(new Error(`ejs peer:error before peer:added: ${toError(e).message}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`ejs: no peer:added within ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = (): void => {
      cleanup();
      reject(toError(signal?.reason));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      rlpx.events.off('peer:added', onAdded);
      rlpx.events.off('peer:error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    rlpx.events.on('peer:added', onAdded);
    rlpx.events.on('peer:error', onError);
    signal?.addEventListener('abort', onAbort);
  });
}

export async function startEjsNode(opts: StartEjsNodeOptions): Promise<EjsNode> {
  const common = opts.common ?? new Common({ chain: Mainnet });
  const protocols = new Set<{ _statusTimeoutId?: NodeJS.Timeout }>();
  // Wrap each capability's protocol class (construct trap, same class and instances) only to
  // remember its instances, so close() can clear their timers.
  const capabilities = (opts.capabilities ?? [ETH.eth68]).map(
    (c): Capabilities => ({
      ...c,
      constructor: new Proxy(c.constructor, {
        construct(target, args, newTarget) {
          const p = Reflect.construct(target, args, newTarget) as object;
          protocols.add(p as { _statusTimeoutId?: NodeJS.Timeout });
          return p;
        },
      }),
    }),
  );
  const rlpx = new RLPx(opts.privateKey, {
    capabilities,
    common,
    maxPeers: opts.maxPeers ?? 25,
    timeout: opts.timeout ?? 10_000,
    listenPort: opts.port !== undefined && opts.port !== 0 ? opts.port : null,
    ...(opts.clientId !== undefined ? { clientId: opts.clientId } : {}),
  });
  const errors: Error[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    if (sockets.has(s)) return;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  rlpx.events.on('error', (e) => errors.push(e));
  rlpx.events.on('peer:error', (_p, e) => errors.push(toError(e)));
  const server = rlpx['_server'] as Server;
  server.on('connection', track);

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const p of protocols) clearTimeout(p._statusTimeoutId);
    for (const v of rlpx['_peers'].values()) track(v instanceof Peer ? v['_socket'] : v);
    const open = [...sockets].filter((s) => !s.closed);
    await Promise.all(
      open.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.once('close', () => resolve());
            s.destroy();
          }),
      ),
    );
    for (const p of protocols) clearTimeout(p._statusTimeoutId);
    await new Promise<void>((resolve) => rlpx.destroy(() => resolve()));
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => {
        server.off('error', reject);
        resolve();
      });
      server.once('error', reject);
      rlpx.listen(opts.port ?? 0, EJS_HOST);
    });
  } catch (e) {
    await close();
    throw e;
  }
  const addr = server.address();
  if (addr === null || typeof addr === 'string') {
    await close();
    throw new Error('ejs: no listen address');
  }

  const dial = async (remote: EjsRemote, timeoutMs = 10_000): Promise<Peer> => {
    const abort = new AbortController();
    const added = waitForEjsPeerAdded(rlpx, { id: remote.id, timeoutMs, signal: abort.signal });
    // resolves at TCP connect (not at Hello); rejects e.g. on ECONNREFUSED or 'Already connected'
    const connecting = rlpx
      .connect({ id: remote.id, address: remote.address ?? EJS_HOST, tcpPort: remote.tcpPort })
      .catch((e: unknown) => abort.abort(toError(e)));
    // connect() registers its socket synchronously, before its first await
    const s = rlpx['_peers'].get(Buffer.from(remote.id).toString('hex'));
    if (s !== undefined && !(s instanceof Peer)) track(s);
    const [peer] = await Promise.all([added, connecting]);
    return peer;
  };

  return {
    rlpx,
    common,
    id: rlpx.id,
    port: addr.port,
    errors,
    dial,
    waitForPeer: (o) => waitForEjsPeerAdded(rlpx, o),
    close,
  };
}
