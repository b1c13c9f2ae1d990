/**
 * The driver's counters, shared by the honest peers, the hostile kinds and the report: the one
 * place the soak's driver keeps module-level mutable state.
 */
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { quantile, type StalledClose } from './meters.js';

export interface DriverStats {
  sessions: number;
  requests: number;
  responses: number;
  /** Errors seen by honest peers, by kind. */
  errors: Record<string, number>;
  /** Hostile attempts by kind and outcome (cut: the node closed the connection). */
  hostile: Record<string, number>;
}

export const st: DriverStats = { sessions: 0, requests: 0, responses: 0, errors: {}, hostile: {} };

/** Durations (ms) of honest RLPx handshakes with the node (dial to Hello) since the last sample, and failures. */
export const handshakes = { ms: [] as number[], failed: 0, all: [] as number[], allFailed: 0 };

export interface HandshakeStats {
  ok: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
}

/** Honest handshakes with the node since the last call; then resets. */
export function takeHandshakeStats(): HandshakeStats {
  const xs = handshakes.ms.sort((a, b) => a - b);
  const r = { ok: xs.length, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: xs[xs.length - 1] ?? 0, failed: handshakes.failed };
  handshakes.ms = [];
  handshakes.failed = 0;
  return r;
}

/** The key an error is counted under. */
export function errorKind(err: unknown): string {
  const e = err as { name?: string; reason?: unknown; code?: string; phase?: string };
  if (e?.name === 'DisconnectError' && typeof e.reason === 'number') return `DisconnectError:${DisconnectReason[e.reason] ?? e.reason}`;
  if (e?.name === 'EthRequestError' || e?.name === 'EthHandshakeError') return `${e.name}:${String(e.reason)}`;
  if (e?.name === 'DialError') return `DialError:${e.code ?? '?'}`;
  if (e?.name === 'TimeoutError') return `TimeoutError:${e.phase ?? '?'}`;
  return e?.name ?? 'unknown';
}

/** never-reads peers the node cut: seconds from the flood to the cut, and bytes queued for each (max). */
export const stalled = { cutS: [] as number[], maxQueuedBytes: [] as number[], causes: {} as Record<string, number> };

/** never-reads peers waiting for the node to close them, by node ID. */
const stallWatch = new Map<string, { floodAt: number; done: (c: StalledClose | undefined) => void }>();

/**
 * Waits (at most `ms`) for the node to report closing peer `id`, whose flood started at
 * `floodAt`; records the cut time and queued bytes. Resolves undefined if it was not closed.
 */
export function watchStalled(id: string, floodAt: number, ms: number): Promise<StalledClose | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), ms);
    const done = (c: StalledClose | undefined) => {
      clearTimeout(timer);
      stallWatch.delete(id);
      if (c) {
        stalled.cutS.push((c.at - floodAt) / 1000);
        stalled.maxQueuedBytes.push(c.maxQueuedBytes);
        stalled.causes[c.cause] = (stalled.causes[c.cause] ?? 0) + 1;
      }
      resolve(c);
    };
    stallWatch.set(id, { floodAt, done });
  });
}

/** The node closed a peer that had much queued (or stopped reading): settles its watch, if any. */
export function onStalledClose(c: StalledClose): void {
  stallWatch.get(c.id)?.done(c);
}
