/** Measurement helpers shared by every benchmark, so both stacks are measured the same way. */

/** Median of samples (mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** heapUsed after three rounds of (yield to the event loop, full GC). Needs node --expose-gc. */
export async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('heap measurement needs global.gc: run node with --expose-gc');
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Races `p` against a deadline; the deadline timer is always cleared. */
export async function withDeadline<T>(label: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** CPU milliseconds per second this process uses over the next `ms` (0: not measured). */
export async function idleCpu(ms: number): Promise<number> {
  if (ms <= 0) return 0;
  const start = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000 / ((performance.now() - t0) / 1000);
}
