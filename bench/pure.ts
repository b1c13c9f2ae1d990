/**
 * The pure-backend side of `npm run bench`. The backend is chosen per process, so bench/main.ts
 * forks this file with DEVP2P_CRYPTO=pure and asks it, over the IPC channel, to run each
 * scenario right after the same scenario ran on the fast backend and on @ethereumjs/devp2p in
 * the parent (which waits meanwhile, so they never share the cores, and machine drift hits all
 * three alike). Each scenario is the same function, with the same payloads and rules, as on the
 * fast side. On start it measures the pure ceilings, which also warms it up as the parent's own
 * ceiling measurement warms the fast side.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { activeCrypto } from '../src/crypto/select.js';
import { measureCeilings, type Ceilings } from './ceiling.js';
import { discv4PingsPerSecond } from './discv4.js';
import { ourHandshakes, ourRoundTrip, ourThroughput } from './rlpx.js';
import { syncBench } from './sync.js';

/** A request to the worker: a scenario and its options. */
type Request =
  | { id: number; run: 'handshakes'; opts: { count: number; concurrency: number } }
  | { id: number; run: 'throughput'; opts: { messageSize: number; messages: number } }
  | { id: number; run: 'rtt'; opts: { rounds: number } }
  | { id: number; run: 'pings'; opts: { durationMs: number } }
  | { id: number; run: 'sync'; opts: { headers: number } };
/** The pure backend's ceilings (its primitives are noble's own: no separate noble figures). */
export type PureCeilings = Ceilings;
type Reply = { id: number; value?: number; error?: string } | { ready: PureCeilings } | { failed: string };

/** The parent's handle on the pure worker. */
export class PureBackendWorker {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: number) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    /** The pure backend's primitive ceilings, measured at start. */
    readonly ceilings: PureCeilings,
  ) {
    child.on('message', (m: Reply) => {
      if (!('id' in m)) return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(`pure worker: ${m.error}`));
      else w?.resolve(m.value!);
    });
    child.once('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`pure worker exited with ${code}`));
      this.waiting.clear();
    });
  }

  /** Forks the worker on the pure backend and waits (bounded) until it has measured its ceilings. */
  static async start(opts: { quick: boolean; timeoutMs?: number }): Promise<PureBackendWorker> {
    const child = fork(fileURLToPath(import.meta.url), opts.quick ? ['--quick'] : [], {
      env: { ...process.env, DEVP2P_CRYPTO: 'pure' },
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ceilings = await new Promise<PureCeilings>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('pure worker did not start in time'));
      }, opts.timeoutMs ?? 300_000);
      child.once('message', (m: Reply) => {
        clearTimeout(timer);
        if ('ready' in m) resolve(m.ready);
        else reject(new Error(`pure worker: ${'failed' in m ? m.failed : 'unexpected message'}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`pure worker exited with ${code} before it was ready`));
      });
    });
    return new PureBackendWorker(child, ceilings);
  }

  private ask(req: Omit<Request, 'id'>): Promise<number> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...req, id });
    });
  }

  handshakesPerSecond(opts: { count: number; concurrency: number }): Promise<number> {
    return this.ask({ run: 'handshakes', opts });
  }

  throughputMBps(opts: { messageSize: number; messages: number }): Promise<number> {
    return this.ask({ run: 'throughput', opts });
  }

  roundTripMs(opts: { rounds: number }): Promise<number> {
    return this.ask({ run: 'rtt', opts });
  }

  discv4PingsPerSecond(opts: { durationMs: number }): Promise<number> {
    return this.ask({ run: 'pings', opts });
  }

  /** Header sync (bench/sync.ts) with the syncing node on the pure backend: headers per second. */
  syncHeadersPerSecond(opts: { headers: number }): Promise<number> {
    return this.ask({ run: 'sync', opts });
  }

  /** Ends the worker (it exits when the IPC channel closes). */
  close(): void {
    this.child.disconnect();
  }
}

async function serve(req: Request): Promise<number> {
  switch (req.run) {
    case 'handshakes':
      return (await ourHandshakes(req.opts)).perSecond;
    case 'throughput':
      return (await ourThroughput(req.opts)).MBps;
    case 'rtt':
      return (await ourRoundTrip(req.opts)).ms;
    case 'pings':
      return discv4PingsPerSecond(req.opts);
    case 'sync':
      return (await syncBench(req.opts)).headersPerS;
  }
}

// Worker side: only when forked (an IPC channel exists) and on the pure backend.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const send = (m: Reply) => process.send!(m);
  const active = activeCrypto();
  if (active.backend !== 'pure') {
    send({ failed: `must run on the pure backend (DEVP2P_CRYPTO=pure); ${active.reason}` });
    process.exit(2);
  }
  const reps = process.argv.includes('--quick') ? 0.1 : 0.3;
  const ceilings: PureCeilings = measureCeilings({ reps });
  // Requests run one at a time, in order: a scenario never overlaps another.
  let queue = Promise.resolve();
  process.on('message', (req: Request) => {
    queue = queue.then(async () => {
      try {
        send({ id: req.id, value: await serve(req) });
      } catch (err) {
        send({ id: req.id, error: err instanceof Error ? err.message : String(err) });
      }
    });
  });
  process.once('disconnect', () => process.exit(0));
  send({ ready: ceilings });
}
