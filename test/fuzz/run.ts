/**
 * `npm run fuzz`: fuzzes every registered decoder (test/fuzz/targets.ts) for a bounded time
 * with a random (printed) seed, in a worker thread with a heap limit. An input that makes a
 * decoder throw an untyped error, accept non-canonical bytes, hang, or run out of memory is
 * written to test/corpus/<target>/<sha>.hex with what happened, and the run exits 1.
 *
 *   npm run fuzz -- [--seconds 60] [--seed N] [--target NAME[,NAME...]] [--hang-ms 10000]
 *                   [--max-heap-mb 512] [--max-input 1048576] [--corpus DIR] [--json]
 */
import { Worker } from 'node:worker_threads';
import { randomInt } from 'node:crypto';
import { defaultCorpusDir, writeCorpusEntry } from './corpus.js';
import { SHARED_HEADER_BYTES, type TargetStats, type WorkerMessage } from './protocol.js';
import { FUZZ_TARGETS } from './targets.js';

interface Options {
  seconds: number;
  seed: number;
  targets: string[];
  hangMs: number;
  maxHeapMb: number;
  maxInput: number;
  corpus: string;
}

function usage(msg: string): never {
  console.error(`error: ${msg}`);
  console.error('usage: npm run fuzz -- [--seconds N] [--seed N] [--target NAME[,NAME...]] [--hang-ms MS] [--max-heap-mb MB] [--max-input BYTES] [--corpus DIR]');
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    seconds: Number(process.env.FUZZ_SECONDS ?? 60),
    seed: process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(0, 2 ** 31),
    targets: FUZZ_TARGETS.map((t) => t.name),
    hangMs: 10_000,
    maxHeapMb: 512,
    maxInput: 1 << 20,
    corpus: defaultCorpusDir(),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => argv[++i] ?? usage(`${a} needs a value`);
    const num = () => {
      const n = Number(val());
      if (!Number.isFinite(n) || n < 0) usage(`${a} needs a non-negative number`);
      return n;
    };
    if (a === '--seconds') o.seconds = num();
    else if (a === '--seed') o.seed = Math.floor(num()) | 0;
    else if (a === '--target') o.targets = val().split(',');
    else if (a === '--hang-ms') o.hangMs = num();
    else if (a === '--max-heap-mb') o.maxHeapMb = num();
    else if (a === '--max-input') o.maxInput = Math.floor(num());
    else if (a === '--corpus') o.corpus = val();
    else if (a === '--list') {
      for (const t of FUZZ_TARGETS) console.log(t.name);
      process.exit(0);
    } else usage(`unknown option ${a}`);
  }
  const known = new Set(FUZZ_TARGETS.map((t) => t.name));
  for (const t of o.targets) if (!known.has(t)) usage(`unknown target ${t} (--list shows them)`);
  return o;
}

interface Finding {
  target: string;
  kind: 'untyped-error' | 'non-canonical' | 'hang' | 'out-of-memory' | 'worker-crash';
  why: string;
  file: string;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  console.log(`fuzz: seed ${o.seed}, ${o.seconds} s, ${o.targets.length} targets, worker heap ${o.maxHeapMb} MiB, inputs <= ${o.maxInput} bytes`);
  console.log(`fuzz: reproduce with  npm run fuzz -- --seed ${o.seed} --seconds ${o.seconds}${o.targets.length < FUZZ_TARGETS.length ? ` --target ${o.targets.join(',')}` : ''}`);
  const shared = new SharedArrayBuffer(SHARED_HEADER_BYTES + o.maxInput);
  const header = new Int32Array(shared, 0, SHARED_HEADER_BYTES / 4);
  const findings: Finding[] = [];
  const started = Date.now();
  const note = (target: string, input: Uint8Array, kind: Finding['kind'], why: string, extra: string[] = []) => {
    const file = writeCorpusEntry(o.corpus, target, input, [`target: ${target}`, `found by: npm run fuzz -- --seed ${o.seed} (${new Date().toISOString()})`, `${kind}: ${why}`, ...extra]);
    findings.push({ target, kind, why, file });
    console.log(`fuzz: ${kind} in ${target}: ${why}\n      saved ${file}`);
  };
  const currentInput = (): { target: string; input: Uint8Array } => {
    const len = Atomics.load(header, 1);
    return { target: FUZZ_TARGETS[Atomics.load(header, 2)]?.name ?? 'unknown', input: new Uint8Array(shared, SHARED_HEADER_BYTES, len).slice() };
  };

  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: { seed: o.seed, seconds: o.seconds, targets: o.targets, shared, maxInput: o.maxInput },
    resourceLimits: { maxOldGenerationSizeMb: o.maxHeapMb },
  });
  let stats: Record<string, TargetStats> | undefined;
  let harnessErrors = 0;
  const outcome = await new Promise<'done' | 'hang' | 'died'>((resolve) => {
    let lastCount = -1;
    let lastChange = Date.now();
    const watchdog = setInterval(() => {
      const c = Atomics.load(header, 0);
      if (c !== lastCount) {
        lastCount = c;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > o.hangMs) {
        clearInterval(watchdog);
        const { target, input } = currentInput();
        note(target, input, 'hang', `one input ran for more than ${o.hangMs} ms`);
        void worker.terminate().then(() => resolve('hang'));
      }
    }, 250);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'bug') note(m.target, m.input, m.why.startsWith('untyped') ? 'untyped-error' : 'non-canonical', m.why, m.stack ? [`stack: ${m.stack.split('\n').slice(0, 6).join(' | ')}`] : []);
      else if (m.type === 'harness-error') {
        harnessErrors++;
        if (harnessErrors <= 3) console.error(`fuzz: harness error while generating an input for ${m.target} (a fuzzer bug):\n${m.message}`);
      } else stats = m.stats;
    });
    worker.on('error', (err: Error & { code?: string }) => {
      clearInterval(watchdog);
      const { target, input } = currentInput();
      const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      note(target, input, oom ? 'out-of-memory' : 'worker-crash', oom ? `decoding one input passed the ${o.maxHeapMb} MiB heap limit` : `${err.name}: ${err.message}`);
      resolve('died');
    });
    worker.on('exit', () => {
      clearInterval(watchdog);
      resolve(stats ? 'done' : 'died');
    });
  });

  const seconds = (Date.now() - started) / 1000;
  const rows = Object.entries(stats ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length > 0) {
    console.log('');
    console.log(`${'target'.padEnd(36)} ${'execs'.padStart(9)} ${'ok'.padStart(9)} ${'typed err'.padStart(9)} ${'bugs'.padStart(5)}`);
    for (const [name, s] of rows) console.log(`${name.padEnd(36)} ${String(s.execs).padStart(9)} ${String(s.ok).padStart(9)} ${String(s.typed).padStart(9)} ${String(s.bugs).padStart(5)}`);
  }
  const execs = stats ? rows.reduce((n, [, s]) => n + s.execs, 0) : Atomics.load(header, 0);
  console.log('');
  console.log(
    JSON.stringify({
      fuzz: outcome,
      seed: o.seed,
      seconds: Math.round(seconds * 10) / 10,
      targets: o.targets.length,
      execs,
      execsPerSecond: Math.round(execs / Math.max(seconds, 0.001)),
      findings: findings.map((f) => ({ target: f.target, kind: f.kind, file: f.file })),
      harnessErrors,
    }),
  );
  return findings.length > 0 || harnessErrors > 0 || outcome !== 'done' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
