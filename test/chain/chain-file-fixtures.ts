/**
 * Shared by the chain file, genesis and serve-chain tests: where geth's ethtest chain lives
 * (the go-ethereum module in the Go module cache, read in place, never copied), and temp dirs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The ethtest chain of one go-ethereum release. */
export interface EthtestData {
  version: string;
  dir: string;
  genesisFile: string;
  chainFile: string;
  genesisJson: string;
  /** headblock.json `hash`/`number`: the last block of chain.rlp. */
  headHash: string;
  headNumber: bigint;
}

/** Genesis hashes of the ethtest chains (the chain.rlp first block's parent). */
export const ETHTEST_GENESIS: Record<string, string> = {
  'v1.17.0': '0xe5850a454eb99a0b5a4393fc9b4b3e02f8daf8079f828f76c307936006d70b1e',
  'v1.17.10': '0x1518c33dab6ed4dbb2d0c48239ac2f00acc0e28dc43660bb745a0f127552024c',
};

function goModCache(): string | undefined {
  if (process.env['GOMODCACHE']) return process.env['GOMODCACHE'];
  try {
    const out = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (out) return out;
  } catch {
    // no Go: fall back to the default location
  }
  const dflt = join(homedir(), 'go', 'pkg', 'mod');
  return existsSync(dflt) ? dflt : undefined;
}

const cache = goModCache();

/** The go-ethereum module directory of `version`, if it is in the module cache. */
export function gethModuleDir(version: string): string | undefined {
  if (cache === undefined) return undefined;
  const dir = join(cache, 'github.com', 'ethereum', `go-ethereum@${version}`);
  return existsSync(dir) ? dir : undefined;
}

/** The ethtest testdata of `version`, or undefined (tests then skip). */
export function ethtestData(version: string): EthtestData | undefined {
  const mod = gethModuleDir(version);
  if (mod === undefined) return undefined;
  const dir = join(mod, 'cmd', 'devp2p', 'internal', 'ethtest', 'testdata');
  if (!existsSync(join(dir, 'chain.rlp'))) return undefined;
  const head = JSON.parse(readFileSync(join(dir, 'headblock.json'), 'utf8')) as { hash: string; number: string };
  return {
    version,
    dir,
    genesisFile: join(dir, 'genesis.json'),
    chainFile: join(dir, 'chain.rlp'),
    genesisJson: readFileSync(join(dir, 'genesis.json'), 'utf8'),
    headHash: head.hash,
    headNumber: BigInt(head.number),
  };
}

/** Why tests of `version` are skipped, for the describe title. */
export function skipNote(version: string, present: boolean): string {
  return present ? '' : ` (SKIPPED: go-ethereum ${version} is not in the Go module cache; fetch it with \`go mod download github.com/ethereum/go-ethereum@${version}\`)`;
}

/** A temp dir removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
