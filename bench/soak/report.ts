/**
 * The soak's output: a progress line per sample (stderr), then a table of samples, a summary (heap
 * and RSS slopes after warm-up and over the second half of the churn, CPU, handshakes) and, as
 * the last line, one JSON object.
 */
import { handshakes, st, stalled, type HandshakeStats } from './driver-stats.js';
import { mib, quantile, type CpuReading, type NodeMessage, type Sample } from './meters.js';

/** What the driver collected during a run. Index i of the per-sample arrays belongs to `samples[i]`. */
export interface SoakRun {
  samples: Sample[];
  /** The driver's own event-loop stall (max, ms), CPU and honest handshakes, per sample. */
  driverLoopMax: number[];
  driverCpu: CpuReading[];
  hsPerSample: HandshakeStats[];
  /** The node's report after it stopped (undefined if it was lost). */
  final: Extract<NodeMessage, { type: 'final' }> | undefined;
  /** Node exits before it was told to stop (or with an error), and uncaught errors in the driver. */
  nodeCrashes: number;
  driverCrashes: number;
  /** The driver's open handles after everything stopped. */
  driverHandles: Record<string, number>;
}

/** The run's parameters the report repeats. */
export interface ReportOptions {
  minutes: number;
  peers: number;
  hostile: number;
}

/** The progress line written to stderr when a sample arrives. */
export function progressLine(s: Sample, driverLoopMaxMs: number, dc: CpuReading, hs: HandshakeStats): string {
  return `  t=${s.t.toFixed(0)}s rss ${mib(s.rss)} MiB heap ${mib(s.heapUsed)} MiB peers ${s.peers} (eth ${s.ethPeers}) requests ${st.requests} errors ${Object.values(st.errors).reduce((a, b) => a + b, 0)} loop stall node ${s.loopMaxMs} ms driver ${driverLoopMaxMs} ms cpu node ${s.cpuPct} % (elu ${s.elu}, ${s.loopsPerSec} loop turns/s) driver ${dc.cpuPct} % (elu ${dc.elu}); honest handshakes ${hs.ok} ok p50/p99 ${hs.p50}/${hs.p99} ms, ${hs.failed} failed\n`;
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Figures derived from the samples, shared by the summary lines and the JSON line. */
interface Summary {
  warmAt: number;
  first: Sample | undefined;
  last: Sample | undefined;
  heapSlope: number;
  rssSlope: number;
  churnEnd: number;
  half: Sample[];
  /** Slope over the second half of the churn, KiB/min. */
  halfSlope: (f: (s: Sample) => number) => number;
  /** Min-max over the second half of the churn, in MiB. */
  range: (f: (s: Sample) => number) => string;
  /** Indexes of the samples taken during the churn. */
  churnIdx: number[];
  /** All honest handshakes with the node, sorted (ms). */
  allHs: number[];
}

function summarize(o: ReportOptions, samples: Sample[]): Summary {
  const warmAt = Math.max(60, o.minutes * 60 * 0.2);
  const warm = samples.filter((s) => s.t >= warmAt);
  const heapSlope = slope(warm.map((s) => s.t / 60), warm.map((s) => s.heapUsed));
  const rssSlope = slope(warm.map((s) => s.t / 60), warm.map((s) => s.rss));
  // Second half of the churn: does RSS keep growing once everything has been exercised?
  const churnEnd = o.minutes * 60;
  const half = samples.filter((s) => s.t >= churnEnd / 2 && s.t <= churnEnd + 5);
  const halfSlope = (f: (s: Sample) => number) => slope(half.map((s) => s.t / 60), half.map(f)) / 1024;
  const range = (f: (s: Sample) => number) => (half.length ? `${mib(Math.min(...half.map(f)))}-${mib(Math.max(...half.map(f)))} MiB` : 'n/a');
  const churnIdx = samples.map((s, i) => (s.t <= churnEnd ? i : -1)).filter((i) => i >= 0);
  const allHs = handshakes.all.sort((a, b) => a - b);
  return { warmAt, first: warm[0] ?? samples[0], last: samples[samples.length - 1], heapSlope, rssSlope, churnEnd, half, halfSlope, range, churnIdx, allHs };
}

function printTable(run: SoakRun): void {
  console.log('');
  console.log('   t (s)  rss MiB anon MiB heapTot  heap  ext MiB wasm  peers  node cpu% elu turns/s  hs p50 ms fail  loop p99/max ms  driver cpu% elu max ms');
  run.samples.forEach((s, i) => {
    const d = run.driverCpu[i];
    const hs = run.hsPerSample[i];
    console.log(
      [
        s.t.toFixed(0).padStart(8),
        mib(s.rss).toFixed(1).padStart(8),
        mib(s.rssAnon).toFixed(1).padStart(8),
        mib(s.heapTotal).toFixed(1).padStart(7),
        mib(s.heapUsed).toFixed(1).padStart(5),
        mib(s.external).toFixed(1).padStart(8),
        mib(s.wasmSnappy + s.wasmSecp).toFixed(1).padStart(4),
        String(s.peers).padStart(6),
        `${s.cpuPct} ${s.elu.toFixed(2)} ${s.loopsPerSec}`.padStart(18),
        `${hs?.p50 ?? ''} ${hs?.failed ?? ''}`.padStart(15),
        `${s.loopP99Ms}/${s.loopMaxMs}`.padStart(16),
        `${d?.cpuPct ?? ''} ${d?.elu.toFixed(2) ?? ''} ${run.driverLoopMax[i] ?? ''}`.padStart(22),
      ].join(' '),
    );
  });
  console.log('');
}

/** Memory, CPU and handshake lines. */
function printResources(run: SoakRun, sum: Summary): void {
  const { samples, driverCpu } = run;
  const { warmAt, heapSlope, rssSlope, churnEnd, half, halfSlope, range, last, churnIdx, allHs } = sum;
  console.log(`warm-up ends at ${warmAt.toFixed(0)} s; heap slope after it ${(heapSlope / 1024).toFixed(1)} KiB/min, rss slope ${(rssSlope / 1024).toFixed(1)} KiB/min`);
  console.log(
    `second half of the churn (${(churnEnd / 2).toFixed(0)}-${churnEnd} s, ${half.length} samples): rss slope ${halfSlope((s) => s.rss).toFixed(0)} KiB/min (${range((s) => s.rss)}), ` +
      `anon ${halfSlope((s) => s.rssAnon).toFixed(0)} KiB/min, external ${halfSlope((s) => s.external).toFixed(0)} KiB/min (${range((s) => s.external)}), heap total ${range((s) => s.heapTotal)}; ` +
      `wasm memory at the end: snappy ${last ? mib(last.wasmSnappy) : '?'} MiB, secp256k1 ${last ? mib(last.wasmSecp) : '?'} MiB (never shrinks)`,
  );
  console.log(
    `cpu during the churn: node ${mean(churnIdx.map((i) => samples[i]!.cpuPct)).toFixed(0)} % of a core (event loop busy ${(mean(churnIdx.map((i) => samples[i]!.elu)) * 100).toFixed(0)} %, ${mean(churnIdx.map((i) => samples[i]!.loopsPerSec)).toFixed(0)} loop turns/s, min ${Math.min(...churnIdx.map((i) => samples[i]!.loopsPerSec))}), ` +
      `driver ${mean(churnIdx.map((i) => driverCpu[i]?.cpuPct ?? 0)).toFixed(0)} % (busy ${(mean(churnIdx.map((i) => driverCpu[i]?.elu ?? 0)) * 100).toFixed(0)} %)`,
  );
  console.log(
    `honest handshakes with the node: ${allHs.length} ok, p50/p99/max ${quantile(allHs, 0.5)}/${quantile(allHs, 0.99)}/${allHs[allHs.length - 1] ?? 0} ms, ${handshakes.allFailed} failed; ` +
      `node sockets held past the handshake deadline: max ${Math.max(0, ...samples.map((s) => s.overdueHandshakes))} at a sample`,
  );
}

/** Handles, traffic, errors and outcome lines. */
function printCounters(run: SoakRun): void {
  const { final, driverHandles } = run;
  console.log(`node: open handles after stop ${JSON.stringify(final?.handles ?? 'no final report')}; driver handles ${JSON.stringify(driverHandles)}`);
  console.log(`traffic: ${st.sessions} honest sessions, ${st.requests} requests, ${st.responses} responses, node served ${final?.stats.served ?? '?'}`);
  console.log(`honest-peer errors: ${JSON.stringify(st.errors)}`);
  console.log(`hostile outcomes: ${JSON.stringify(st.hostile)}`);
  const cuts = [...stalled.cutS].sort((a, b) => a - b);
  console.log(
    `never-reads peers: ${cuts.length} cut (${JSON.stringify(stalled.causes)}) after ${cuts.map((c) => c.toFixed(1)).join(', ') || '-'} s; ` +
      `bytes queued for each (max) ${stalled.maxQueuedBytes.map((b) => Math.round(b / 1024)).join(', ') || '-'} KiB; most queued for any peer ${Math.round((final?.stats.maxQueuedBytes ?? 0) / 1024)} KiB`,
  );
  console.log(`node disconnects: ${JSON.stringify(final?.stats.disconnects ?? {})}`);
  console.log(`node handshake failures: ${JSON.stringify(final?.stats.handshakeFailures ?? {})}; refused: ${JSON.stringify(final?.stats.inboundRefused ?? {})}; refused after Hello: ${JSON.stringify(final?.stats.refusedAfterHello ?? {})}`);
}

/** The last line's object. */
function summaryJson(o: ReportOptions, run: SoakRun, sum: Summary): Record<string, unknown> {
  const { samples, driverCpu, driverLoopMax, final } = run;
  const { warmAt, first, last, heapSlope, rssSlope, halfSlope, churnIdx, allHs } = sum;
  const leaked = final ? Object.entries(final.handles).filter(([k]) => k !== 'Immediate').reduce((a, [, n]) => a + n, 0) : -1;
  return {
    soak: final ? 'done' : 'node-lost',
    minutes: o.minutes,
    peers: o.peers,
    hostileShare: o.hostile,
    samples: samples.length,
    warmupSeconds: warmAt,
    rssWarmMiB: first ? mib(first.rss) : null,
    rssEndMiB: last ? mib(last.rss) : null,
    heapWarmMiB: first ? mib(first.heapUsed) : null,
    heapEndMiB: last ? mib(last.heapUsed) : null,
    heapSlopeKiBPerMin: Math.round(heapSlope / 1024),
    rssSlopeKiBPerMin: Math.round(rssSlope / 1024),
    rssSecondHalfSlopeKiBPerMin: Math.round(halfSlope((s) => s.rss)),
    externalSecondHalfSlopeKiBPerMin: Math.round(halfSlope((s) => s.external)),
    wasmSnappyEndMiB: last ? mib(last.wasmSnappy) : null,
    wasmSecpEndMiB: last ? mib(last.wasmSecp) : null,
    nodeCpuPct: Math.round(mean(churnIdx.map((i) => samples[i]!.cpuPct))),
    nodeLoopTurnsPerSec: Math.round(mean(churnIdx.map((i) => samples[i]!.loopsPerSec))),
    driverCpuPct: Math.round(mean(churnIdx.map((i) => driverCpu[i]?.cpuPct ?? 0))),
    honestHandshakes: { ok: allHs.length, p50Ms: quantile(allHs, 0.5), p99Ms: quantile(allHs, 0.99), failed: handshakes.allFailed },
    overdueHandshakesMax: Math.max(0, ...samples.map((s) => s.overdueHandshakes)),
    heapAfterStopMiB: final ? mib(final.sample.heapUsed) : null,
    nodeLoopStallMaxMs: Math.max(0, ...samples.map((x) => x.loopMaxMs)),
    driverLoopStallMaxMs: Math.max(0, ...driverLoopMax),
    openHandlesAfterStop: final?.handles ?? null,
    leakedHandles: leaked,
    honestSessions: st.sessions,
    requests: st.requests,
    responses: st.responses,
    served: final?.stats.served ?? null,
    errors: st.errors,
    hostile: st.hostile,
    neverReadsCutS: stalled.cutS.map((c) => Math.round(c * 10) / 10),
    neverReadsMaxQueuedKiB: stalled.maxQueuedBytes.map((b) => Math.round(b / 1024)),
    peerMaxQueuedKiB: final ? Math.round(final.stats.maxQueuedBytes / 1024) : null,
    nodeDisconnects: final?.stats.disconnects ?? null,
    nodeRefusedAfterHello: final?.stats.refusedAfterHello ?? null,
    crashes: run.nodeCrashes + run.driverCrashes,
  };
}

/** Prints the table, the summary and the JSON line (stdout). */
export function report(o: ReportOptions, run: SoakRun): void {
  const sum = summarize(o, run.samples);
  printTable(run);
  printResources(run, sum);
  printCounters(run);
  console.log(JSON.stringify(summaryJson(o, run, sum)));
}
