/**
 * Stand-alone check of the ejs bench side: `node --expose-gc dist/bench/ejs/run-ejs.js [--full]`.
 * Default: small counts (smoke test). --full: the counts used by `npm run bench`.
 * Prints one JSON object, then the handles/timers still alive (should be none).
 */
import { ejsHandshakes, ejsHeapPerPeer, ejsRoundTrip, ejsThroughput } from './rlpx.js';

const full = process.argv.includes('--full');
const KiB = 1024;
const MiB = 1024 * KiB;

async function main(): Promise<void> {
  const results: Record<string, unknown> = {};
  const t = async (name: string, f: () => Promise<unknown>): Promise<void> => {
    const t0 = Date.now();
    results[name] = await f();
    process.stderr.write(`${name}: ${JSON.stringify(results[name])} (${Date.now() - t0} ms)\n`);
  };
  await t('handshakesSequential', () => ejsHandshakes({ count: full ? 200 : 10, concurrency: 1 }));
  await t('handshakesConcurrent50', () => ejsHandshakes({ count: full ? 200 : 20, concurrency: full ? 50 : 5 }));
  await t('throughput1MiB', () => ejsThroughput({ messageSize: MiB, messages: full ? 16 : 2 }));
  await t('throughput64KiB', () => ejsThroughput({ messageSize: 64 * KiB, messages: full ? 192 : 16 }));
  await t('throughput1KiB', () => ejsThroughput({ messageSize: KiB, messages: full ? 8_000 : 500 }));
  await t('roundTrip', () => ejsRoundTrip({ rounds: full ? 200 : 10 }));
  await t('heapPerPeer', () => ejsHeapPerPeer({ peers: full ? 100 : 10 }));
  console.log(JSON.stringify(results, null, 2));
  // Everything should be cleaned up: report what is still keeping the loop alive.
  await new Promise<void>((r) => setTimeout(r, 20)); // let libuv finish closing handles
  const active = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap'); // stdio
  process.stderr.write(`active resources after run: ${JSON.stringify(active)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
