/**
 * go-ethereum's RLPx transport measured on this machine with our bench workload (bench/geth/,
 * built from Go modules by scripts/build-geth-bench.sh and cached like the interop builds), in
 * the same `npm run bench` as ours. At GOMAXPROCS=1, the figure ours is compared with, each
 * scenario runs in two halves, just before and just after ours (as the pure backend's do), so
 * the machine's drift over the run hits both; GOMAXPROCS=2 is one whole run, for reference.
 * Absent Go, it says so: the rest of the bench does not depend on it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A cold build downloads go-ethereum and compiles p2p/rlpx with its crypto (minutes). */
const BUILD_TIMEOUT_MS = 20 * 60_000;
const RUN_TIMEOUT_MS = 10 * 60_000;

/** The figures bench/geth prints (beside `gomaxprocs`, which is not one). */
export const GETH_FIGURES = ['rlpx_1kib_MBps', 'rlpx_64kib_MBps', 'rlpx_1mib_MBps', 'handshakes_per_s', 'handshakes_concurrent_per_s'] as const;

export type GethRlpxFigures = Record<(typeof GETH_FIGURES)[number], number>;

/** A scenario of bench/geth: one message size, or the handshakes (sequential and concurrent). */
export type GethScenario = '1kib' | '64kib' | '1mib' | 'handshakes';

/** The built bench/geth binary. */
export class GethBench {
  private constructor(
    private readonly bin: string,
    private readonly quick: boolean,
  ) {}

  /** Builds (or finds cached) bench/geth; `skipped` says why not when Go is missing or the build fails. */
  static async build(opts: { quick: boolean }): Promise<GethBench | { skipped: string }> {
    try {
      const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/go/bin` };
      const bin = (await run(`${ROOT}scripts/build-geth-bench.sh`, [], { env, timeout: BUILD_TIMEOUT_MS })).stdout.trim();
      return new GethBench(bin, opts.quick);
    } catch (err) {
      return { skipped: `bench/geth not built: ${(err as Error).message.split('\n')[0]}` };
    }
  }

  /** Every scenario once, whole, at `procs` GOMAXPROCS. */
  all(procs: number): Promise<GethRlpxFigures> {
    return this.run(procs, []) as Promise<GethRlpxFigures>;
  }

  /** One scenario at GOMAXPROCS=1 on `part` of its work (each run warms up first). */
  scenario(name: GethScenario, part: number): Promise<Partial<GethRlpxFigures>> {
    return this.run(1, ['-only', name, '-part', String(part)]);
  }

  private async run(procs: number, args: string[]): Promise<Partial<GethRlpxFigures>> {
    const { stdout } = await run(this.bin, [...(this.quick ? ['-quick'] : []), ...args], { env: { ...process.env, GOMAXPROCS: String(procs) }, timeout: RUN_TIMEOUT_MS });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Partial<GethRlpxFigures>;
  }
}
