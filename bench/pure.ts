/**
 * The pure-backend part of `npm run bench`. The backend is chosen per process, so bench/main.ts
 * runs this file in a child process with DEVP2P_CRYPTO=pure (while the parent waits, so the two
 * never share the cores) and merges the JSON object it prints as its last line. Each scenario
 * is the same function, with the same payloads and rules, that measures the fast backend in
 * the parent and @ethereumjs/devp2p beside it.
 *
 * Run alone: `DEVP2P_CRYPTO=pure node --expose-gc dist/bench/pure.js [--quick]`.
 */
import { activeCrypto } from '../src/crypto/select.js';
import { measureCeilings } from './ceiling.js';
import { discv4PingsPerSecond } from './discv4.js';
import { ourHandshakes, ourRoundTrip, ourThroughput } from './rlpx.js';

/** Work per scenario: sized so each takes a few seconds on the pure backend. */
export const PURE_WORK = {
  handshakes: 200,
  kib1Messages: 4_000,
  mib1Messages: 24,
  rttRounds: 200,
  pingMs: 3_000,
} as const;

const active = activeCrypto();
if (active.backend !== 'pure') {
  process.stderr.write(`bench/pure.ts must run on the pure backend (DEVP2P_CRYPTO=pure); ${active.reason}\n`);
  process.exit(2);
}
const quick = process.argv.includes('--quick');
const scale = (n: number) => (quick ? Math.max(1, Math.ceil(n / 10)) : n);
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const log = (s: string) => process.stderr.write(`  [pure] ${s}\n`);

const hs = await ourHandshakes({ count: scale(PURE_WORK.handshakes), concurrency: 1 });
log(`handshakes/s ${hs.perSecond.toFixed(1)}`);
const kib = await ourThroughput({ messageSize: 1024, messages: scale(PURE_WORK.kib1Messages) });
log(`1 KiB messages ${kib.MBps.toFixed(2)} MB/s`);
const mib = await ourThroughput({ messageSize: 1 << 20, messages: scale(PURE_WORK.mib1Messages) });
log(`1 MiB messages ${mib.MBps.toFixed(2)} MB/s`);
const rtt = await ourRoundTrip({ rounds: scale(PURE_WORK.rttRounds) });
log(`round trip ${rtt.ms.toFixed(3)} ms`);
const pings = await discv4PingsPerSecond({ durationMs: quick ? 500 : PURE_WORK.pingMs });
log(`discv4 pings/s ${pings.toFixed(0)}`);
const ceil = measureCeilings({ reps: quick ? 0.1 : 0.3 });

process.stdout.write(
  JSON.stringify({
    pure_handshakes_per_s: r1(hs.perSecond),
    pure_rlpx_1kib_MBps: r1(kib.MBps),
    pure_rlpx_1mib_MBps: r1(mib.MBps),
    pure_rtt_ms: r3(rtt.ms),
    pure_discv4_pings_per_s: Math.round(pings),
    pure_rlpx_ceiling_1mib_MBps: r1(ceil.pipeline1MiBMBps),
    pure_rlpx_crypto_ceiling_1mib_MBps: r1(ceil.crypto1MiBMBps),
    pure_handshake_ceiling_per_s: r1(ceil.handshakesPerS),
    pure_ecdh_ms: r3(ceil.ecdhMs),
    pure_keygen_ms: r3(ceil.keygenMs),
    pure_sign_ms: r3(ceil.signMs),
    pure_recover_ms: r3(ceil.recoverMs),
    pure_snappy_1mib_ms: r3(ceil.snappyMs),
  }) + '\n',
);
