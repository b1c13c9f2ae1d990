/**
 * Runs a geth built from Go modules on loopback with the ethtest chain shipped in its module
 * (cmd/devp2p/internal/ethtest/testdata: genesis.json + chain.rlp, imported with init + import).
 * Everything binds 127.0.0.1; geth is stopped by its PID, always.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Builds (or finds in the cache) a go-ethereum command; returns its path. */
export function buildTool(tool: 'geth' | 'devp2p', version: string): string {
  const t0 = Date.now();
  const out = execFileSync(join(ROOT, 'scripts/build-go-tool.sh'), [tool, version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 1_500_000 });
  const ms = Date.now() - t0;
  if (ms > 10_000) process.stderr.write(`built ${tool} ${version} in ${(ms / 1000).toFixed(0)} s (cold build)\n`);
  return out.trim();
}

/** The ethtest testdata directory of a go-ethereum version (downloads the module if needed). */
export function ethtestData(go: string, version: string): string {
  const modcache = execFileSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dir = join(modcache, `github.com/ethereum/go-ethereum@${version}`, 'cmd/devp2p/internal/ethtest/testdata');
  if (!existsSync(dir)) execFileSync(go, ['mod', 'download', `github.com/ethereum/go-ethereum@${version}`], { stdio: 'ignore', cwd: tmpdir(), timeout: 600_000 });
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

export interface GethNode {
  enode: string;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  genesisHash: string;
  stop(): Promise<void>;
  log(): string;
}

export async function startGeth(geth: string, testdata: string): Promise<GethNode> {
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-geth-'));
  execFileSync(geth, ['--datadir', datadir, 'init', join(testdata, 'genesis.json')], { stdio: 'ignore', timeout: 120_000 });
  execFileSync(geth, ['--datadir', datadir, 'import', join(testdata, 'chain.rlp')], { stdio: 'ignore', timeout: 300_000 });
  const [p2p, http, auth] = [await freePort(), await freePort(), await freePort()];
  const networkId = String(JSON.parse(readFileSync(join(testdata, 'genesis.json'), 'utf8')).config.chainId);
  const logPath = join(datadir, 'geth.log');
  const child: ChildProcess = spawn(
    geth,
    [
      '--datadir', datadir, '--port', String(p2p), '--nodiscover', '--maxpeers', '10', '--netrestrict', '127.0.0.0/8',
      '--nat', 'extip:127.0.0.1', '--syncmode', 'full', '--networkid', networkId, '--ipcdisable',
      '--authrpc.addr', '127.0.0.1', '--authrpc.port', String(auth), '--http', '--http.addr', '127.0.0.1', '--http.port', String(http),
      '--http.api', 'admin,eth,net', '--verbosity', '3',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let logText = '';
  child.stderr!.on('data', (d: Buffer) => (logText = (logText + d.toString()).slice(-200_000)));
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${http}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(5_000) });
    const j = (await res.json()) as { result?: T; error?: { message: string } };
    if (j.error) throw new Error(`${method}: ${j.error.message}`);
    return j.result as T;
  };
  const stop = async () => {
    if (child.exitCode === null) {
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
  return { enode: enode.replace(/\?discport=0$/, ''), rpc, genesisHash: genesis.hash.slice(2), stop, log: () => logText };
}
