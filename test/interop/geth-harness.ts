/**
 * Runs a geth built from Go modules on loopback with the ethtest chain shipped in its module
 * (cmd/devp2p/internal/ethtest/testdata: genesis.json + chain.rlp, imported with init + import).
 * Everything binds 127.0.0.1; geth is stopped by its PID, always.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileChain } from '../../src/chain/file-chain.js';
import { genesisBlockFromJson } from '../../src/chain/genesis.js';
import { runProcess, startGeth as startGethNode, type GethNode, type StartGethOptions as GethStartOptions } from '../../src/testing/geth-node.js';
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

export { freePort, runProcess as run, toolCacheDir, type GethNode } from '../../src/testing/geth-node.js';

/** Builds (or finds in the cache) a go-ethereum command; returns its path. */
export async function buildTool(tool: 'geth' | 'devp2p', version: string): Promise<string> {
  const t0 = Date.now();
  const out = await runProcess(join(ROOT, 'scripts/build-go-tool.sh'), [tool, version], { timeoutMs: 1_500_000 });
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
  if (!existsSync(dir)) await runProcess(go, ['mod', 'download', `github.com/ethereum/go-ethereum@${version}`], { stderr: 'ignore', cwd: tmpdir(), timeoutMs: 600_000 });
  return dir;
}

/** The geth versions the suite runs against, with the eth versions each speaks. */
export const GETH_VERSIONS = [
  { version: 'v1.17.0', eth: [68, 69] as const }, // the last geth with eth/68
  { version: 'v1.17.10', eth: [69, 70, 71, 72] as const }, // the newest v1.17 release (eth/69 to eth/72)
] as const;

export interface StartGethOptions extends Omit<GethStartOptions, 'genesis' | 'importChain'> {
  /** Import the testdata's chain.rlp after init (default true). */
  importChain?: boolean;
}

/** geth on loopback with `testdata`'s genesis.json (and its chain.rlp imported unless `importChain` is false). */
export function startGeth(geth: string, testdata: string, opts: StartGethOptions = {}): Promise<GethNode> {
  const { importChain = true, ...rest } = opts;
  return startGethNode(geth, { ...rest, genesis: join(testdata, 'genesis.json'), ...(importChain ? { importChain: join(testdata, 'chain.rlp') } : {}), ...(process.env.SNAP_DEBUG ? { verbosity: 5 } : {}) });
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
    await runProcess(process.execPath, [join(ROOT, 'scripts/export-receipts.mjs'), '--rpc', geth.rpcUrl, '--out', out], { timeoutMs: 300_000 });
  } finally {
    await geth.stop();
  }
}
