/**
 * go-ethereum's RLPx transport measured on this machine with our bench workload (bench/geth/,
 * built from Go modules by scripts/build-geth-bench.sh and cached like the interop builds), run
 * at GOMAXPROCS=1 and 2 in the same `npm run bench` as ours. Absent Go, it says so and returns
 * nothing: the rest of the bench does not depend on it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A cold build downloads go-ethereum and compiles p2p/rlpx with its crypto (minutes). */
const BUILD_TIMEOUT_MS = 20 * 60_000;
const RUN_TIMEOUT_MS = 10 * 60_000;

export interface GethRlpxFigures {
  rlpx_1kib_MBps: number;
  rlpx_64kib_MBps: number;
  rlpx_1mib_MBps: number;
  handshakes_per_s: number;
  handshakes_concurrent_per_s: number;
}

/** geth's figures at GOMAXPROCS=1 (`cpu1`) and 2 (`cpu2`), or undefined with the reason. */
export async function gethRlpxBench(opts: { quick: boolean }): Promise<{ cpu1: GethRlpxFigures; cpu2: GethRlpxFigures } | { skipped: string }> {
  let bin: string;
  try {
    const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin` };
    bin = (await run(`${ROOT}scripts/build-geth-bench.sh`, [], { env, timeout: BUILD_TIMEOUT_MS })).stdout.trim();
  } catch (err) {
    return { skipped: `bench/geth not built: ${(err as Error).message.split('\n')[0]}` };
  }
  const measure = async (procs: number): Promise<GethRlpxFigures> => {
    const { stdout } = await run(bin, opts.quick ? ['--quick'] : [], { env: { ...process.env, GOMAXPROCS: String(procs) }, timeout: RUN_TIMEOUT_MS });
    return JSON.parse(stdout.trim().split('\n').pop()!) as GethRlpxFigures;
  };
  return { cpu1: await measure(1), cpu2: await measure(2) };
}
