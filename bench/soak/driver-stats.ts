/**
 * The driver's counters, shared by the honest peers, the hostile kinds and the report: the one
 * place the soak's driver keeps module-level mutable state.
 */
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { quantile } from './meters.js';

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
