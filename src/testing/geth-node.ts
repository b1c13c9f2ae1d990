/**
 * A geth process on loopback, for interop tests and the demo: `geth init` of a genesis.json (and
 * optionally `geth import` of a chain file), then the node with JSON-RPC and the JWT-authenticated
 * engine API on 127.0.0.1, discovery off unless asked for, peers restricted to 127.0.0.0/8. It is
 * stopped by its PID (SIGTERM, then SIGKILL after 10 s) and its datadir removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { bytesToHex } from '../common/bytes.js';
import { hmacSha256 } from '../crypto/hash.js';
import { randomBytes } from '../crypto/random.js';

/** How long geth may take to open its JSON-RPC endpoint after it starts. */
export const GETH_START_TIMEOUT_MS = 30_000;
/** How long one JSON-RPC call to geth may take. */
export const GETH_RPC_TIMEOUT_MS = 10_000;

/**
 * Runs a command without blocking the event loop; resolves with its stdout, rejects on a
 * non-zero exit or after `timeoutMs` (the process is killed).
 */
export function runProcess(cmd: string, args: readonly string[], opts: { timeoutMs: number; cwd?: string; stderr?: 'inherit' | 'ignore' }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', opts.stderr ?? 'inherit'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(t);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')}: ${signal ? `killed (${signal})` : `exit ${code}`}`));
    });
  });
}

/** How long a child asked to stop (SIGTERM) may take before it is killed (SIGKILL). */
export const STOP_GRACE_MS = 10_000;

/** Stops a child we started, by its PID: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopProcess(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

/** A free TCP port on 127.0.0.1 (free when asked: another process may take it before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Where this project's scripts cache Go builds (scripts/build-go-tool.sh): `$DEVP2P_TS_CACHE`, else `$XDG_CACHE_HOME/devp2p-ts`, else `~/.cache/devp2p-ts`. */
export function toolCacheDir(): string {
  return process.env.DEVP2P_TS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'devp2p-ts');
}

/** The geth versions the interop scripts build, newest first: the order {@link findGethBinary} tries the cache in. */
export const CACHED_GETH_VERSIONS = ['v1.17.10', 'v1.17.0'] as const;

/** True for a regular file this process may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * A geth binary: the newest one the interop scripts built into {@link toolCacheDir}, else `geth`
 * on PATH; undefined when there is none.
 */
export function findGethBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const v of CACHED_GETH_VERSIONS) {
    const bin = join(toolCacheDir(), 'go', `geth-${v}`, 'bin', 'geth');
    if (isExecutableFile(bin)) return bin;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutableFile(join(dir, 'geth'))) return join(dir, 'geth');
  }
  return undefined;
}

/** A running geth. */
export interface GethNode {
  /** Its enode URL (without the discport parameter). */
  enode: string;
  /** Its discovery endpoint (the p2p port unless geth says otherwise). */
  udpPort: number;
  /** A JSON-RPC call on its HTTP endpoint. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Its JSON-RPC endpoint (loopback). */
  rpcUrl: string;
  /** An engine API call (JWT-authenticated, on the auth RPC port). */
  engine<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Its block 0 hash, hex without 0x. */
  genesisHash: string;
  /** Its process ID. */
  pid: number;
  stop(): Promise<void>;
  /** The last 200,000 characters of its log. */
  log(): string;
}

export interface StartGethOptions {
  /** The genesis.json given to `geth init`. */
  genesis: string;
  /** A chain file `geth import` executes after init. */
  importChain?: string;
  /** Run discv4 (on the p2p port) instead of --nodiscover; `bootnodes` are given to it. */
  discovery?: { bootnodes?: string[] };
  /** Flags for init, import and the node alike (e.g. an archive node's `--gcmode archive`). */
  extraArgs?: string[];
  /** geth's --verbosity (default 3). */
  verbosity?: number;
}

/** An HS256 JWT for geth's engine API (claims: iat only, as the Engine API spec asks). */
function engineToken(secret: Uint8Array): string {
  const b64 = (x: string | Uint8Array) => Buffer.from(x).toString('base64url');
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' })) + '.' + b64(JSON.stringify({ iat: Math.floor(Date.now() / 1000) }));
  return head + '.' + b64(hmacSha256(secret, new TextEncoder().encode(head)));
}

/** Inits a datadir with `opts.genesis` (and imports `opts.importChain`), starts geth on loopback and waits for its RPC. */
export async function startGeth(geth: string, opts: StartGethOptions): Promise<GethNode> {
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-geth-'));
  try {
    return await launch(geth, datadir, opts);
  } catch (err) {
    rmSync(datadir, { recursive: true, force: true });
    throw err;
  }
}

async function launch(geth: string, datadir: string, opts: StartGethOptions): Promise<GethNode> {
  const extra = opts.extraArgs ?? [];
  await runProcess(geth, ['--datadir', datadir, ...extra, 'init', opts.genesis], { stderr: 'ignore', timeoutMs: 120_000 });
  if (opts.importChain !== undefined) await runProcess(geth, ['--datadir', datadir, ...extra, 'import', opts.importChain], { stderr: 'ignore', timeoutMs: 300_000 });
  const [p2p, http, auth] = [await freePort(), await freePort(), await freePort()];
  const networkId = String(JSON.parse(readFileSync(opts.genesis, 'utf8')).config.chainId);
  const secret = randomBytes(32);
  const jwtPath = join(datadir, 'jwtsecret');
  writeFileSync(jwtPath, bytesToHex(secret));
  const discovery = opts.discovery
    ? ['--discovery.v4', '--discovery.v5=false', ...(opts.discovery.bootnodes?.length ? ['--bootnodes', opts.discovery.bootnodes.join(',')] : ['--bootnodes', ''])]
    : ['--nodiscover'];
  const child: ChildProcess = spawn(
    geth,
    [
      '--datadir', datadir, ...extra, '--port', String(p2p), ...discovery, '--maxpeers', '10', '--netrestrict', '127.0.0.0/8',
      '--nat', 'extip:127.0.0.1', '--syncmode', 'full', '--networkid', networkId, '--ipcdisable',
      '--authrpc.addr', '127.0.0.1', '--authrpc.port', String(auth), '--authrpc.jwtsecret', jwtPath,
      '--http', '--http.addr', '127.0.0.1', '--http.port', String(http), '--http.api', 'admin,eth,net,debug', '--verbosity', String(opts.verbosity ?? 3),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let logText = '';
  child.stderr!.on('data', (d: Buffer) => (logText = (logText + d.toString()).slice(-200_000)));
  const call = async <T>(port: number, method: string, params: unknown[], headers: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${port}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(GETH_RPC_TIMEOUT_MS) });
    const j = (await res.json()) as { result?: T; error?: { message: string } };
    if (j.error) throw new Error(`${method}: ${j.error.message}`);
    return j.result as T;
  };
  const rpc = <T>(method: string, params: unknown[] = []) => call<T>(http, method, params);
  const engine = <T>(method: string, params: unknown[] = []) => call<T>(auth, method, params, { authorization: `Bearer ${engineToken(secret)}` });
  const stop = async () => {
    await stopProcess(child);
    rmSync(datadir, { recursive: true, force: true });
  };
  let enode = '';
  for (let i = 0; i < GETH_START_TIMEOUT_MS / 100 && !enode; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (child.exitCode !== null) break;
    try {
      enode = (await rpc<{ enode: string }>('admin_nodeInfo')).enode;
    } catch {
      // RPC not up yet
    }
  }
  if (!enode) {
    await stop();
    throw new Error(`geth did not start:\n${logText.slice(-3000)}`);
  }
  let genesis: { hash: string };
  try {
    genesis = await rpc<{ hash: string }>('eth_getBlockByNumber', ['0x0', false]);
  } catch (err) {
    await stop();
    throw err;
  }
  const url = new URL(enode);
  const udpPort = Number(url.searchParams.get('discport') ?? url.port);
  url.search = '';
  return { enode: url.toString(), udpPort, rpc, rpcUrl: `http://127.0.0.1:${http}`, engine, genesisHash: genesis.hash.slice(2), pid: child.pid!, stop, log: () => logText };
}
