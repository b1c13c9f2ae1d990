/**
 * `npm run bench`: our RLPx stack side by side with @ethereumjs/devp2p 10.0.0 on loopback, both
 * ends of each connection in this process, each scenario run for both stacks back to back so
 * machine drift hits both. Prints a readable table, then one JSON object as the last line.
 * Run with `node --expose-gc` (the npm script does) for the heap figures.
 */
import { activeCrypto, describeCrypto } from '../src/crypto/select.js';
import { PureBackendWorker } from './pure.js';
import { ejsHandshakes, ejsHeapPerPeer, ejsRoundTrip, ejsThroughput } from './ejs/rlpx.js';
import { ourHandshakes, ourHeapPerPeer, ourRoundTrip, ourThroughput } from './rlpx.js';
import { measureCeilings } from './ceiling.js';
import { discv4Bench } from './discv4.js';
import { serverHeapPerPeer } from './server.js';
import { headerCodecBench, headersServedBench } from './eth.js';
import { stalledPeerBench } from './stalled-peer.js';
import { syncBench } from './sync.js';
import { GETH_FIGURES, GethBench, type GethRlpxFigures, type GethScenario } from './geth.js';
import { storeFigures } from './store-figures.js';
import { dnsdiscBench } from './dnsdisc.js';
import { discv5Bench } from './discv5.js';
import { snapBench } from './snap.js';

const quick = process.argv.includes('--quick');
const scale = (n: number) => (quick ? Math.max(1, Math.ceil(n / 10)) : n);
const rows: [string, number, number | undefined, string, number | undefined][] = [];
const result: Record<string, number> = {};
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** One table row; `geth` is go-ethereum at GOMAXPROCS=1 in the same run (bench/geth.ts). */
function row(name: string, ours: number, ejs: number | undefined, unit: string, geth?: number): void {
  rows.push([name, ours, ejs, unit, geth]);
  const peers = `${ejs === undefined ? '' : `, ejs ${ejs.toFixed(2)} ${unit}`}${geth === undefined ? '' : `, geth ${geth.toFixed(2)} ${unit}`}`;
  process.stderr.write(`  ${name}: ours ${ours.toFixed(2)} ${unit}${peers}\n`);
}

if (activeCrypto().backend !== 'fast') process.stderr.write(`note: the main process runs on ${describeCrypto()}; its keys are not the fast backend's\n`);
process.stderr.write(`${describeCrypto()}\n`);
// The pure backend runs in its own process (bench/pure.ts). Load on a shared machine drifts
// within seconds, so each pure scenario brackets the fast and ejs runs of the same scenario:
// half of its work just before them and half just after, combined as total work over total
// time. Started first: its start-up measures its ceilings.
process.stderr.write('starting the pure-backend worker (measures its ceilings)...\n');
const pureWorker = await PureBackendWorker.start({ quick });
const pure: Record<string, number> = {};
const PURE_1MIB_MESSAGES = 24;
/** Two rates over equal halves of the work, as one rate (total work / total time). */
const combined = (a: number, b: number): number => 2 / (1 / a + 1 / b);

process.stderr.write('measuring primitive ceilings...\n');
const ceil = measureCeilings();

process.stderr.write('geth (go-ethereum p2p/rlpx): build, then GOMAXPROCS=2 once...\n');
const gethBuilt = await GethBench.build({ quick });
const gethBench = 'skipped' in gethBuilt ? undefined : gethBuilt;
if ('skipped' in gethBuilt) process.stderr.write(`  ${gethBuilt.skipped}\n`);
const geth2 = await gethBench?.all(2);
/** geth at GOMAXPROCS=1, each scenario as half its work just before ours and half just after. */
const geth1: Partial<GethRlpxFigures> = {};
const gethBefore = async (name: GethScenario) => gethBench?.scenario(name, 0.5);
async function gethAfter(name: GethScenario, before: Partial<GethRlpxFigures> | undefined): Promise<void> {
  if (!gethBench || !before) return;
  const after = await gethBench.scenario(name, 0.5);
  for (const key of GETH_FIGURES) {
    if (before[key] !== undefined && after[key] !== undefined) geth1[key] = combined(before[key], after[key]);
  }
}

process.stderr.write('handshakes...\n');
const pureHsBefore = await pureWorker.handshakesPerSecond({ count: scale(100), concurrency: 1 });
const gethHsBefore = await gethBefore('handshakes');
const hsSeq = await ourHandshakes({ count: scale(200), concurrency: 1 });
const ejsHsSeq = await ejsHandshakes({ count: scale(200), concurrency: 1 });
const hsConc = await ourHandshakes({ count: scale(200), concurrency: 50 });
const ejsHsConc = await ejsHandshakes({ count: scale(200), concurrency: 50 });
await gethAfter('handshakes', gethHsBefore);
row('handshakes/s, 200 sequential', hsSeq.perSecond, ejsHsSeq.perSecond, '/s', geth1.handshakes_per_s);
pure.pure_handshakes_per_s = r1(combined(pureHsBefore, await pureWorker.handshakesPerSecond({ count: scale(100), concurrency: 1 })));
row('pure: handshakes/s, 200 sequential', pure.pure_handshakes_per_s, ejsHsSeq.perSecond, '/s');
row('handshakes/s, 50 concurrent', hsConc.perSecond, ejsHsConc.perSecond, '/s', geth1.handshakes_concurrent_per_s);

process.stderr.write('throughput...\n');
const sizes = [
  ['1kib', 1024, 20_000, 4_000],
  ['64kib', 65_536, 1_000, 100],
  ['1mib', 1 << 20, 100, 16],
] as const;
for (const [label, size, ourCount, ejsCount] of sizes) {
  // The pure side's message counts are ejs's (1 KiB) or a little more (1 MiB: each takes ~0.1 s).
  const pureHalf = { messageSize: size, messages: scale((label === '1mib' ? PURE_1MIB_MESSAGES : ejsCount) / 2) };
  const pureBefore = label === '64kib' ? 0 : await pureWorker.throughputMBps(pureHalf);
  const gethTpBefore = await gethBefore(label);
  const ours = await ourThroughput({ messageSize: size, messages: scale(ourCount) });
  const ejs = await ejsThroughput({ messageSize: size, messages: scale(ejsCount) });
  await gethAfter(label, gethTpBefore);
  const gethMBps = geth1[`rlpx_${label}_MBps`];
  row(`throughput ${label} messages`, ours.MBps, ejs.MBps, 'MB/s', gethMBps);
  result[`rlpx_${label}_MBps`] = r1(ours.MBps);
  result[`ejs_rlpx_${label}_MBps`] = r1(ejs.MBps);
  if (geth2 && gethMBps !== undefined) {
    result[`geth_rlpx_${label}_MBps`] = r1(gethMBps);
    result[`geth_rlpx_${label}_MBps_2cpu`] = r1(geth2[`rlpx_${label}_MBps`]);
    result[`rlpx_${label}_of_geth`] = r3(ours.MBps / gethMBps);
  }
  if (label === '64kib') continue;
  const pureMBps = combined(pureBefore, await pureWorker.throughputMBps(pureHalf));
  pure[`pure_rlpx_${label}_MBps`] = r1(pureMBps);
  row(`pure: throughput ${label} messages`, pureMBps, ejs.MBps, 'MB/s');
}

process.stderr.write('round trip...\n');
const pureRttBefore = await pureWorker.roundTripMs({ rounds: scale(100) });
const rtt = await ourRoundTrip({ rounds: scale(200) });
const ejsRtt = await ejsRoundTrip({ rounds: scale(200) });
row('request/response round trip (median)', rtt.ms, ejsRtt.ms, 'ms');
// Medians of the two halves, averaged.
pure.pure_rtt_ms = r3((pureRttBefore + (await pureWorker.roundTripMs({ rounds: scale(100) }))) / 2);
row('pure: request/response round trip (median)', pure.pure_rtt_ms, ejsRtt.ms, 'ms');

process.stderr.write('heap per peer...\n');
const heap = await ourHeapPerPeer({ peers: 100 });
const ejsHeap = await ejsHeapPerPeer({ peers: 100 });
row('heap per connected peer (both ends)', heap.kib, ejsHeap.kib, 'KiB');

process.stderr.write('server with 500 idle peers...\n');
const IDLE_MS = quick ? 2_000 : 20_000;
const srv = await serverHeapPerPeer({ peers: quick ? 50 : 500, idleMs: IDLE_MS });
const ejsSrv = await ejsHeapPerPeer({ peers: quick ? 50 : 500, idleMs: IDLE_MS });
row('server: heap per idle peer, 500 peers (both ends)', srv.kib, ejsSrv.kib, 'KiB');
row('server: CPU while 500 peers idle (keepalive)', srv.idleCpuMsPerS, ejsSrv.idleCpuMsPerS, 'ms/s');
Object.assign(result, {
  server_heap_per_peer_kib: r1(srv.kib),
  ejs_server_heap_per_peer_kib: r1(ejsSrv.kib),
  server_idle_cpu_ms_per_s: r1(srv.idleCpuMsPerS),
  ejs_server_idle_cpu_ms_per_s: r1(ejsSrv.idleCpuMsPerS),
});

process.stderr.write('discv4...\n');
const PURE_PING_MS = quick ? 300 : 1000;
const purePingsBefore = await pureWorker.discv4PingsPerSecond({ durationMs: PURE_PING_MS });
const disc = await discv4Bench();
row('discv4 ping/pong round trips', disc.discv4_pings_per_s!, disc.ejs_discv4_pings_per_s, '/s');
row('discv4 inbound packets verified (hash + recovery)', disc.discv4_verify_per_s!, disc.ejs_discv4_verify_per_s, '/s');
row('discv4 lookup in a 200-node simulation', disc.discv4_lookup_ms!, undefined, 'ms');
// Equal durations: the mean of the two rates is total pings over total time.
pure.pure_discv4_pings_per_s = Math.round((purePingsBefore + (await pureWorker.discv4PingsPerSecond({ durationMs: PURE_PING_MS }))) / 2);
row('pure: discv4 ping/pong round trips', pure.pure_discv4_pings_per_s, disc.ejs_discv4_pings_per_s, '/s');
const pc = pureWorker.ceilings;
row('pure: ceiling 1 MiB incl. snappy on the bench payload', pc.pipeline1MiBMBps, undefined, 'MB/s');
row('pure: ceiling handshakes (8 ECDH + 3 keygen + sign + recover)', pc.handshakesPerS, undefined, '/s');
Object.assign(pure, {
  pure_rlpx_ceiling_1mib_MBps: r1(pc.pipeline1MiBMBps),
  pure_rlpx_crypto_ceiling_1mib_MBps: r1(pc.crypto1MiBMBps),
  pure_handshake_ceiling_per_s: r1(pc.handshakesPerS),
  pure_ecdh_ms: r3(pc.ecdhMs),
  pure_keygen_ms: r3(pc.keygenMs),
  pure_sign_ms: r3(pc.signMs),
  pure_recover_ms: r3(pc.recoverMs),
  pure_snappy_1mib_ms: r3(pc.snappyMs),
  pure_keccak_1mib_ms: r3(pc.keccak1MiBMs),
});
Object.assign(result, pure);

process.stderr.write('discv5...\n');
const disc5 = await discv5Bench({ quick });
row('discv5 ping/pong round trips (established sessions)', disc5.discv5_pings_per_s!, undefined, '/s');
row('discv5 handshakes (WHOAREYOU + handshake + PONG)', disc5.discv5_handshakes_per_s!, undefined, '/s');
row('discv5 lookup in a 200-node simulation', disc5.discv5_lookup_ms!, undefined, 'ms');
row('discv5 lookups with the exact 16 closest', disc5.discv5_lookup_exact_rate!, undefined, '');
Object.assign(result, disc5);

process.stderr.write('eth headers...\n');
// Codec rates are per CPU second (pure computation); the served and synced rates are wall-clock.
const codec = headerCodecBench({ headers: quick ? 1_000 : 10_000, rounds: quick ? 3 : 7 });
const HEADERS_IN_FLIGHT = 4;
const served = await headersServedBench({ requests: scale(200), inFlight: HEADERS_IN_FLIGHT });
const SYNC_HEADERS = quick ? 5_000 : 50_000;
const synced = await syncBench({ headers: SYNC_HEADERS });
row('header decode + hash, per CPU s (ejs: @ethereumjs/block)', codec.decodePerS, codec.ejsDecodePerS, '/s');
row(`header sync, ${SYNC_HEADERS} headers from 3 nodes, end to end`, synced.headersPerS, undefined, '/s');
const pureSynced = await pureWorker.syncHeadersPerSecond({ headers: SYNC_HEADERS });
pureWorker.close();
row(`pure: header sync, ${SYNC_HEADERS} headers from 3 nodes (serving on the default backend)`, pureSynced, undefined, '/s');
row('header encode (fields to RLP), per CPU s', codec.encodePerS, undefined, '/s');
row(`headers served+decoded, 1024/request, ${HEADERS_IN_FLIGHT} in flight`, served.headersPerS, undefined, '/s');
Object.assign(result, {
  headers_decode_per_s: Math.round(codec.decodePerS),
  headers_encode_per_s: Math.round(codec.encodePerS),
  ejsblock_headers_decode_per_s: Math.round(codec.ejsDecodePerS),
  headers_decode_vs_ejsblock: r1(codec.decodePerS / codec.ejsDecodePerS),
  headers_served_per_s: Math.round(served.headersPerS),
  sync_headers_per_s: Math.round(synced.headersPerS),
  sync_cpu_ms_per_1k_headers: r1(synced.cpuMsPer1kHeaders),
  pure_sync_headers_per_s: Math.round(pureSynced),
});
Object.assign(result, disc);

process.stderr.write('a peer that floods requests and never reads (default 20 s write deadline)...\n');
const stalled = await stalledPeerBench();
row(`stalled peer: cut after (${stalled.cause})`, stalled.cutS, undefined, 's');
row('stalled peer: most bytes queued for it', stalled.peakQueueKib, undefined, 'KiB');
Object.assign(result, { stalled_peer_cut_s: r1(stalled.cutS), stalled_peer_peak_queue_kib: Math.round(stalled.peakQueueKib) });

const store = await storeFigures({ quick, log: (s) => process.stderr.write(`${s}\n`) });
for (const [name, value, unit] of store.rows) row(name, value, undefined, unit);
Object.assign(result, store.keys);

process.stderr.write('DNS discovery tree sync...\n');
const dns = await dnsdiscBench({ nodes: quick ? 1_000 : 10_000, runs: quick ? 1 : 3 });
row(`DNS tree sync, ${dns.nodes} nodes, loopback server, no rate limit`, dns.dnsdisc_tree_sync_ms, undefined, 'ms', dns.geth_dnsdisc_tree_sync_ms);
if (dns.geth_skipped) process.stderr.write(`  geth: ${dns.geth_skipped}\n`);
result.dnsdisc_tree_sync_ms = dns.dnsdisc_tree_sync_ms;
result.dnsdisc_tree_sync_sequential_ms = dns.dnsdisc_tree_sync_sequential_ms;
result.geth_cli_dns_sync_rate_limited_s = dns.geth_cli_rate_limited_s;
if (dns.geth_dnsdisc_tree_sync_ms !== undefined) {
  result.geth_dnsdisc_tree_sync_ms = dns.geth_dnsdisc_tree_sync_ms;
  result.dnsdisc_tree_sync_of_geth = dns.dnsdisc_tree_sync_of_geth!;
}

process.stderr.write('snap account ranges (500 KiB requests, proofs verified)...\n');
const snap = await snapBench({ quick, log: (s) => process.stderr.write(`${s}\n`) });
row(`snap accounts verified, ${snap.snap_accounts} accounts, our server`, snap.snap_accounts_verified_per_s, undefined, '/s');
result.snap_accounts_verified_per_s = r1(snap.snap_accounts_verified_per_s);
if (snap.snap_headstate_accounts_verified_per_s !== undefined) {
  row('snap accounts verified, ethtest head state (48)', snap.snap_headstate_accounts_verified_per_s, undefined, '/s', snap.geth_snap_headstate_accounts_verified_per_s);
  result.snap_headstate_accounts_verified_per_s = r1(snap.snap_headstate_accounts_verified_per_s);
  result.geth_snap_headstate_accounts_verified_per_s = r1(snap.geth_snap_headstate_accounts_verified_per_s!);
}

// A ceiling is a best case: measure the primitives again now and keep the faster reading, so
// load on this shared machine during one of the two readings does not lower the bound.
const ceil2 = measureCeilings();
const crypto1MiB = Math.max(ceil.crypto1MiBMBps, ceil2.crypto1MiBMBps);
const pipeline1MiB = Math.max(ceil.pipeline1MiBMBps, ceil2.pipeline1MiBMBps);
const handshakeCeiling = Math.max(ceil.handshakesPerS, ceil2.handshakesPerS);
row('ceiling 1 MiB: AES-CTR + keccak MAC, seal + open', crypto1MiB, undefined, 'MB/s');
row('ceiling 1 MiB incl. snappy on the bench payload', pipeline1MiB, undefined, 'MB/s');
row('ceiling handshakes (8 ECDH + 3 keygen + sign + recover)', handshakeCeiling, undefined, '/s');

Object.assign(result, {
  handshakes_per_s: r1(hsSeq.perSecond),
  ejs_handshakes_per_s: r1(ejsHsSeq.perSecond),
  handshakes_concurrent_per_s: r1(hsConc.perSecond),
  ejs_handshakes_concurrent_per_s: r1(ejsHsConc.perSecond),
  rtt_ms: r3(rtt.ms),
  ejs_rtt_ms: r3(ejsRtt.ms),
  heap_per_peer_kib: r1(heap.kib),
  ejs_heap_per_peer_kib: r1(ejsHeap.kib),
  external_per_peer_kib: r1(heap.externalKib),
  ejs_external_per_peer_kib: r1(ejsHeap.externalKib),
  // The ceiling for the scenario as run (snappy on): snappy both ends + AES-CTR + keccak MAC over
  // the compressed bytes both ends. The crypto-only figure over uncompressed bytes is beside it.
  rlpx_ceiling_1mib_MBps: r1(pipeline1MiB),
  rlpx_crypto_ceiling_1mib_MBps: r1(crypto1MiB),
  handshake_ceiling_per_s: r1(handshakeCeiling),
  ecdh_ms: r3(ceil.ecdhMs),
  keygen_ms: r3(ceil.keygenMs),
  sign_ms: r3(ceil.signMs),
  recover_ms: r3(ceil.recoverMs),
  snappy_1mib_ms: r3(ceil.snappyMs),
  keccak_1mib_ms: r3(ceil.keccak1MiBMs),
});
const ratios = {
  rlpx_1mib_vs_ejs: r1(result.rlpx_1mib_MBps! / result.ejs_rlpx_1mib_MBps!),
  rlpx_1mib_of_ceiling: r3(result.rlpx_1mib_MBps! / pipeline1MiB),
  rlpx_1mib_of_crypto_ceiling: r3(result.rlpx_1mib_MBps! / crypto1MiB),
  handshakes_vs_ejs: r1(hsSeq.perSecond / ejsHsSeq.perSecond),
  handshakes_of_ceiling: r3(hsConc.perSecond / handshakeCeiling),
  heap_per_peer_of_ejs: r3(heap.kib / ejsHeap.kib),
  discv4_pings_vs_ejs: r1(disc.discv4_pings_per_s! / disc.ejs_discv4_pings_per_s!),
  server_heap_per_peer_of_ejs: r3(srv.kib / ejsSrv.kib),
  pure_rlpx_1mib_vs_ejs: r1(pure.pure_rlpx_1mib_MBps! / result.ejs_rlpx_1mib_MBps!),
  pure_rlpx_1kib_vs_ejs: r1(pure.pure_rlpx_1kib_MBps! / result.ejs_rlpx_1kib_MBps!),
  pure_handshakes_vs_ejs: r1(pure.pure_handshakes_per_s! / ejsHsSeq.perSecond),
  pure_discv4_pings_vs_ejs: r1(pure.pure_discv4_pings_per_s! / disc.ejs_discv4_pings_per_s!),
  pure_rlpx_1mib_of_ceiling: r3(pure.pure_rlpx_1mib_MBps! / pc.pipeline1MiBMBps),
};
Object.assign(result, ratios);
if (geth2 && geth1.handshakes_per_s !== undefined && geth1.handshakes_concurrent_per_s !== undefined) {
  Object.assign(result, {
    geth_handshakes_per_s: r1(geth1.handshakes_per_s),
    geth_handshakes_per_s_2cpu: r1(geth2.handshakes_per_s),
    geth_handshakes_concurrent_per_s: r1(geth1.handshakes_concurrent_per_s),
    geth_handshakes_concurrent_per_s_2cpu: r1(geth2.handshakes_concurrent_per_s),
    handshakes_of_geth: r3(hsSeq.perSecond / geth1.handshakes_per_s),
    handshakes_concurrent_of_geth: r3(hsConc.perSecond / geth1.handshakes_concurrent_per_s),
  });
}

const cell = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2)).padStart(12);
process.stdout.write(`\n${'scenario'.padEnd(58)}${'ours'.padStart(12)}${'ejs'.padStart(12)}${'geth'.padStart(12)}  unit\n`);
for (const [name, ours, ejs, unit, gethValue] of rows) {
  process.stdout.write(`${name.padEnd(58)}${cell(ours)}${cell(ejs)}${cell(gethValue)}  ${unit}\n`);
}
if (geth2) {
  process.stdout.write(`geth: go-ethereum v1.17.10 p2p/rlpx (bench/geth), GOMAXPROCS=1, half of each scenario just before ours and half just after; ` +
    `at GOMAXPROCS=2 (one run at the start): ` +
    `${geth2.rlpx_1kib_MBps.toFixed(1)} / ${geth2.rlpx_64kib_MBps.toFixed(1)} / ${geth2.rlpx_1mib_MBps.toFixed(1)} MB/s (1 KiB / 64 KiB / 1 MiB), ` +
    `${geth2.handshakes_per_s.toFixed(0)} handshakes/s\n`);
}
process.stdout.write(`\n${JSON.stringify(result)}\n`);
