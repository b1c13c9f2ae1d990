/**
 * Runs a geth built from Go modules on loopback with the ethtest chain shipped in its module
 * (cmd/devp2p/internal/ethtest/testdata: genesis.json + chain.rlp, imported with init + import).
 * Everything binds 127.0.0.1; geth is stopped by its PID, always.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileChain } from '../../src/chain/file-chain.js';
import { genesisBlockFromJson } from '../../src/chain/genesis.js';
import { record } from './report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The go binary, or undefined when Go is not installed (the suite is then skipped). */
export function goBinary(): string | undefined {
  for (const g of ['go', '/usr/local/go/bin/go']) {
    try {
      execFileSync(g, ['version'], { stdio: 'ignore' });
      return g;
    } catch {
      // try the next
    }
  }
  return undefined;
}

/**
 * Runs a command without blocking the event loop (a blocked test worker misses vitest's RPC
 * deadlines during a minutes-long Go build); resolves with its stdout, rejects on a non-zero exit
 * or after `timeoutMs` (the process is killed).
 */
export function run(cmd: string, args: readonly string[], opts: { timeoutMs: number; cwd?: string; stderr?: 'inherit' | 'ignore' }): Promise<string> {
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

/** Builds (or finds in the cache) a go-ethereum command; returns its path. */
export async function buildTool(tool: 'geth' | 'devp2p', version: string): Promise<string> {
  const t0 = Date.now();
  const out = await run(join(ROOT, 'scripts/build-go-tool.sh'), [tool, version], { timeoutMs: 1_500_000 });
  const ms = Date.now() - t0;
  // Only a cold build is worth a line (a cached one takes milliseconds).
  if (ms > 10_000) {
    process.stderr.write(`built ${tool} ${version} in ${(ms / 1000).toFixed(0)} s (cold build)\n`);
    record({ node: 'build', check: `${tool} ${version} (cold build)`, status: 'passed', reason: `${(ms / 1000).toFixed(0)} s`, ms });
  }
  return out.trim();
}

/** The ethtest testdata directory of a go-ethereum version (downloads the module if needed). */
export async function ethtestData(go: string, version: string): Promise<string> {
  const modcache = execFileSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dir = join(modcache, `github.com/ethereum/go-ethereum@${version}`, 'cmd/devp2p/internal/ethtest/testdata');
  if (!existsSync(dir)) await run(go, ['mod', 'download', `github.com/ethereum/go-ethereum@${version}`], { stderr: 'ignore', cwd: tmpdir(), timeoutMs: 600_000 });
  return dir;
}

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

/** The geth versions the suite runs against, with the eth versions each speaks. */
export const GETH_VERSIONS = [
  { version: 'v1.17.0', eth: [68, 69] as const }, // the last geth with eth/68
  { version: 'v1.17.10', eth: [69, 70, 71, 72] as const }, // the newest v1.17 release (eth/69 to eth/72)
] as const;

export interface GethNode {
  enode: string;
  /** Its discovery endpoint, when started with `discovery`. */
  udpPort: number;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Its JSON-RPC endpoint (loopback). */
  rpcUrl: string;
  /** An engine API call (JWT-authenticated, on the auth RPC port). */
  engine<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  genesisHash: string;
  stop(): Promise<void>;
  log(): string;
}

export interface StartGethOptions {
  /** Import the testdata's chain.rlp after init (default true). */
  importChain?: boolean;
  /** Run discv4 (on the p2p port) instead of --nodiscover; `bootnodes` are given to it. */
  discovery?: { bootnodes?: string[] };
  /** Flags for init, import and the node alike (e.g. an archive node's `--gcmode archive`). */
  extraArgs?: string[];
}

/** An HS256 JWT for geth's engine API (claims: iat only, as the Engine API spec asks). */
function engineToken(secret: Uint8Array): string {
  const b64 = (x: string | Buffer) => Buffer.from(x).toString('base64url');
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' })) + '.' + b64(JSON.stringify({ iat: Math.floor(Date.now() / 1000) }));
  return head + '.' + b64(createHmac('sha256', secret).update(head).digest());
}

export async function startGeth(geth: string, testdata: string, opts: StartGethOptions = {}): Promise<GethNode> {
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-geth-'));
  const extra = opts.extraArgs ?? [];
  await run(geth, ['--datadir', datadir, ...extra, 'init', join(testdata, 'genesis.json')], { stderr: 'ignore', timeoutMs: 120_000 });
  if (opts.importChain ?? true) await run(geth, ['--datadir', datadir, ...extra, 'import', join(testdata, 'chain.rlp')], { stderr: 'ignore', timeoutMs: 300_000 });
  const [p2p, http, auth] = [await freePort(), await freePort(), await freePort()];
  const networkId = String(JSON.parse(readFileSync(join(testdata, 'genesis.json'), 'utf8')).config.chainId);
  const secret = randomBytes(32);
  const jwtPath = join(datadir, 'jwtsecret');
  writeFileSync(jwtPath, secret.toString('hex'));
  const discovery = opts.discovery
    ? ['--discovery.v4', '--discovery.v5=false', ...(opts.discovery.bootnodes?.length ? ['--bootnodes', opts.discovery.bootnodes.join(',')] : [])]
    : ['--nodiscover'];
  const child: ChildProcess = spawn(
    geth,
    [
      '--datadir', datadir, ...extra, '--port', String(p2p), ...discovery, '--maxpeers', '10', '--netrestrict', '127.0.0.0/8',
      '--nat', 'extip:127.0.0.1', '--syncmode', 'full', '--networkid', networkId, '--ipcdisable',
      '--authrpc.addr', '127.0.0.1', '--authrpc.port', String(auth), '--authrpc.jwtsecret', jwtPath,
      '--http', '--http.addr', '127.0.0.1', '--http.port', String(http), '--http.api', 'admin,eth,net,debug', '--verbosity', process.env.SNAP_DEBUG ? '5' : '3',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let logText = '';
  child.stderr!.on('data', (d: Buffer) => (logText = (logText + d.toString()).slice(-200_000)));
  const call = async <T>(port: number, method: string, params: unknown[], headers: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${port}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(10_000) });
    const j = (await res.json()) as { result?: T; error?: { message: string } };
    if (j.error) throw new Error(`${method}: ${j.error.message}`);
    return j.result as T;
  };
  const rpc = <T>(method: string, params: unknown[] = []) => call<T>(http, method, params);
  const engine = <T>(method: string, params: unknown[] = []) => call<T>(auth, method, params, { authorization: `Bearer ${engineToken(secret)}` });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(datadir, { recursive: true, force: true });
  };
  let enode = '';
  for (let i = 0; i < 300 && !enode; i++) {
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
  const genesis = await rpc<{ hash: string }>('eth_getBlockByNumber', ['0x0', false]);
  const url = new URL(enode);
  const udpPort = Number(url.searchParams.get('discport') ?? url.port);
  url.search = '';
  return { enode: url.toString(), udpPort, rpc, rpcUrl: `http://127.0.0.1:${http}`, engine, genesisHash: genesis.hash.slice(2), stop, log: () => logText };
}

/** Where Go builds and per-version exports are cached (outside the repository). */
export function toolCacheDir(): string {
  return process.env.DEVP2P_TS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'devp2p-ts');
}

/** The ethtest chain (genesis.json + chain.rlp) loaded for serving, with the head's total difficulty (eth/68 Status). */
export async function loadEthtestChain(testdata: string): Promise<{ chain: FileChain; td: bigint }> {
  const genesis = genesisBlockFromJson(JSON.parse(readFileSync(join(testdata, 'genesis.json'), 'utf8')));
  const chain = await FileChain.load({ chainFile: join(testdata, 'chain.rlp'), genesis });
  return { chain, td: chain.totalDifficulty };
}

/** Imports the ethtest chain into `geth`, exports every block's receipts from its JSON-RPC into `out`. */
export async function exportReceipts(gethBin: string, testdata: string, out: string): Promise<void> {
  const geth = await startGeth(gethBin, testdata);
  try {
    await run(process.execPath, [join(ROOT, 'scripts/export-receipts.mjs'), '--rpc', geth.rpcUrl, '--out', out], { timeoutMs: 300_000 });
  } finally {
    await geth.stop();
  }
}
