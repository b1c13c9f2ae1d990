/**
 * What the soak's two processes share: the messages the node under test sends the driver, and the
 * meters both sides read (event-loop delay, CPU, WebAssembly memories, RSS parts, open handles).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

export const MiB = 1024 * 1024;
/** Length of the devnet chain the node serves and the peers request from. */
export const CHAIN_LENGTH = 256;
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Bytes in MiB, to one decimal. */
export const mib = (b: number) => Math.round((b / MiB) * 10) / 10;

/** A memory sample of the node under test, after a full GC. */
export interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  peers: number;
  ethPeers: number;
  /** Event-loop delay of the node since the last sample (ms): how long it stalled everyone. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** CPU time (user + system) of the node since the last sample, as % of one core. */
  cpuPct: number;
  /** Event-loop utilisation of the node since the last sample (0-1). */
  elu: number;
  /**
   * Event-loop iterations per second of the node. Node 20's libuv accepts one connection per
   * iteration (measured with strace: one accept4 per epoll wake), so this caps the accept rate.
   */
  loopsPerSec: number;
  /** V8 heap reserved (committed) bytes. */
  heapTotal: number;
  /** WebAssembly linear memory of snappy-wasm and tiny-secp256k1 (bytes; counted in `external`). */
  wasmSnappy: number;
  wasmSecp: number;
  /** Anonymous / file-backed resident memory (/proc/self/status RssAnon, RssFile; 0 if unknown). */
  rssAnon: number;
  rssFile: number;
  /**
   * Inbound sockets the node accepted more than HANDSHAKE_TIMEOUT_MS + DISCONNECT_LINGER_MS + 2 s
   * ago that are neither a peer nor closed: a socket held past the handshake deadline (should be 0).
   */
  overdueHandshakes: number;
}

/**
 * A peer the node closed after queuing at least {@link STALL_REPORT_BYTES} for it, or for not
 * reading (write deadline): the driver matches it to its never-reads peers by node ID.
 */
export interface StalledClose {
  id: string;
  /** When the node closed it (ms since epoch; both processes share the clock). */
  at: number;
  /** The error's name and phase, e.g. TimeoutError:write. */
  cause: string;
  maxQueuedBytes: number;
}

/** Peers that had at least this many bytes queued are reported to the driver as they close. */
export const STALL_REPORT_BYTES = 1024 * 1024;

export type NodeMessage =
  | { type: 'ready'; enode: string }
  | { type: 'sample'; sample: Sample }
  | { type: 'stalled-close'; close: StalledClose }
  | { type: 'final'; handles: Record<string, number>; sample: Sample; stats: NodeStats };

export interface NodeStats {
  inboundAccepted: number;
  inboundRefused: Record<string, number>;
  /** Peers refused after their Hello, by Disconnect reason (e.g. TooManyPeers past the inbound share). */
  refusedAfterHello: Record<string, number>;
  /** Disconnects by reason name and side. */
  disconnects: Record<string, number>;
  /** Inbound handshake failures by error name. */
  handshakeFailures: Record<string, number>;
  /** Requests the node answered. */
  served: number;
  ethHandshakeFailures: number;
  /** The most bytes the node ever had queued for one peer (session stats.maxQueuedBytes). */
  maxQueuedBytes: number;
}

export function count(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

/** The element at fraction `f` of an ascending array (0 if empty). */
export function quantile(sorted: number[], f: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * f))] ?? 0;
}

/** p99 and max of an event-loop delay histogram in ms, then reset for the next interval. */
export function loopDelay(h: IntervalHistogram): { p99: number; max: number } {
  const r = { p99: Math.round(h.percentile(99) / 1e6), max: Math.round(h.max / 1e6) };
  h.reset();
  return r;
}

/** One reading of {@link cpuMeter}. */
export interface CpuReading {
  cpuPct: number;
  elu: number;
  loopsPerSec: number;
}

/** CPU % of one core and event-loop utilisation since the previous call. */
export function cpuMeter(): () => CpuReading {
  // uvMetricsInfo (Node >= 20.18): libuv's loop counter.
  const loops = () => (performance as unknown as { nodeTiming: { uvMetricsInfo?: { loopCount: number } } }).nodeTiming.uvMetricsInfo?.loopCount ?? NaN;
  let cpu = process.cpuUsage();
  let at = performance.now();
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let count = loops();
  return () => {
    const c = process.cpuUsage(cpu);
    const now = performance.now();
    const e = performance.eventLoopUtilization(elu);
    const n = loops();
    const ms = Math.max(1, now - at);
    const r = { cpuPct: Math.round(((c.user + c.system) / 1000 / ms) * 100), elu: Math.round(e.utilization * 100) / 100, loopsPerSec: Math.round(((n - count) / ms) * 1000) };
    cpu = process.cpuUsage();
    at = now;
    elu = performance.eventLoopUtilization();
    count = n;
    return r;
  };
}

/** Byte sizes of the WebAssembly memories we can reach (the instances src/ uses: same module files). */
export async function wasmMemories(): Promise<() => { snappy: number; secp: number }> {
  const req = createRequire(import.meta.url);
  const snappy = req('snappy-wasm') as { __wasm: { memory: { buffer: ArrayBuffer } } };
  // tiny-secp256k1's ESM entry (lib/index.js) instantiates lib/wasm_loader.js; importing that file
  // by URL yields the same module instance. Its package exports hide it, hence the path.
  const secpDir = join(dirname(req.resolve('tiny-secp256k1')), '..');
  const secp = ((await import(pathToFileURL(join(secpDir, 'wasm_loader.js')).href)) as { default: { memory: { buffer: ArrayBuffer } } }).default;
  return () => ({ snappy: snappy.__wasm.memory.buffer.byteLength, secp: secp.memory.buffer.byteLength });
}

/** RssAnon and RssFile of this process in bytes (Linux), zeros elsewhere. */
export function rssParts(): { anon: number; file: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { anon: 0, file: 0 };
  }
}

export const HANDLE_KINDS = ['TCPSocketWrap', 'TCPServerWrap', 'UDPWrap', 'Timeout', 'Immediate'];
export function openHandles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (HANDLE_KINDS.includes(r)) count(out, r);
  return out;
}
