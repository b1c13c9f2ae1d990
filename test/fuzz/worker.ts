/**
 * The fuzzing loop, run in a worker thread by run.ts so the parent can catch what a loop
 * cannot report itself: a decoder that hangs (the parent sees the execution counter stop) or
 * that allocates without bound (the worker dies at its heap limit). Before each execution the
 * input is copied into shared memory, so the parent can save it in either case.
 */
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { rlpEncode } from '../../src/common/rlp.js';
import { rlpValue } from '../eth/arbitraries.js';
import { mulberry32, mutate, randInt, randomInput, type Rng } from './mutate.js';
import { FUZZ_TARGETS, runInput, type FuzzTarget } from './targets.js';
import { SHARED_HEADER_BYTES, type WorkerInput, type WorkerMessage } from './protocol.js';

const { seed, seconds, targets: targetNames, shared, maxInput } = workerData as WorkerInput;
const header = new Int32Array(shared, 0, SHARED_HEADER_BYTES / 4);
const inputArea = new Uint8Array(shared, SHARED_HEADER_BYTES);
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

const targets: FuzzTarget[] = FUZZ_TARGETS.filter((t) => targetNames.includes(t.name));
const indexOf = new Map(FUZZ_TARGETS.map((t, i) => [t, i]));
const rng: Rng = mulberry32(seed);

/** Valid encodings per target, resampled every so often so mutation sees fresh structure. */
const pools = new Map<FuzzTarget, Uint8Array[]>();
let sampleRound = 0;
function pool(t: FuzzTarget, execs: number): Uint8Array[] {
  let p = pools.get(t);
  if (!p || execs % 2000 === 0) {
    p = fc.sample(t.valid, { seed: (seed ^ ++sampleRound) | 0, numRuns: 32 });
    pools.set(t, p);
  }
  return p;
}
const shapes = fc.sample(rlpValue, { seed, numRuns: 500 }).map((v) => rlpEncode(v));

function nextInput(t: FuzzTarget, execs: number): Uint8Array {
  const cap = Math.min(t.maxInput, maxInput);
  const r = rng();
  if (r < 0.1) return randomInput(rng, cap);
  if (r < 0.15) return shapes[randInt(rng, shapes.length)]!;
  const p = pool(t, execs);
  const a = p[randInt(rng, p.length)]!;
  if (r < 0.2) return a;
  return mutate(a, rng, p[randInt(rng, p.length)]!, cap);
}

const stats: Record<string, { execs: number; ok: number; typed: number; bugs: number }> = {};
for (const t of targets) stats[t.name] = { execs: 0, ok: 0, typed: 0, bugs: 0 };
const reported = new Set<string>();
const deadline = Date.now() + seconds * 1000;

let turn = 0;
while (Date.now() < deadline) {
  // Each target gets the same slice of time in turn, so the slow ones (public-key crypto) do
  // not hold back the executions of the fast ones.
  const t = targets[turn++ % targets.length]!;
  const s = stats[t.name]!;
  const sliceEnd = performance.now() + 20;
  do {
    let input: Uint8Array;
    try {
      input = nextInput(t, s.execs);
    } catch (err) {
      // A fault of the fuzzer, not of the decoder: reported apart, never saved to the corpus.
      post({ type: 'harness-error', target: t.name, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      continue;
    }
    inputArea.set(input);
    Atomics.store(header, 1, input.length);
    Atomics.store(header, 2, indexOf.get(t)!);
    Atomics.add(header, 0, 1);
    const r = runInput(t, input);
    s.execs++;
    if (r.kind === 'ok') s.ok++;
    else if (r.kind === 'typed-error') s.typed++;
    else {
      s.bugs++;
      // One report per target and kind of failure: the first input is enough to reproduce it.
      const key = `${t.name}|${r.why.split(':')[0]}`;
      if (!reported.has(key)) {
        reported.add(key);
        post({ type: 'bug', target: t.name, input, why: r.why, stack: r.error instanceof Error ? r.error.stack ?? '' : '' });
      }
    }
  } while (performance.now() < sliceEnd);
}
post({ type: 'done', stats });
