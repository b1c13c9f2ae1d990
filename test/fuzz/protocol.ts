/** What run.ts and its fuzzing worker exchange. */

/**
 * Shared memory layout: Int32 [0] executions so far, [1] length of the current input,
 * [2] index of its target in FUZZ_TARGETS; then the current input's bytes.
 */
export const SHARED_HEADER_BYTES = 16;

export interface WorkerInput {
  seed: number;
  seconds: number;
  /** Names of the targets to fuzz. */
  targets: string[];
  shared: SharedArrayBuffer;
  /** Largest input generated (the shared input area's size). */
  maxInput: number;
}

export interface TargetStats {
  execs: number;
  ok: number;
  typed: number;
  bugs: number;
}

export type WorkerMessage =
  | { type: 'bug'; target: string; input: Uint8Array; why: string; stack: string }
  | { type: 'harness-error'; target: string; message: string }
  | { type: 'done'; stats: Record<string, TargetStats> };
