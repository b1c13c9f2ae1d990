/**
 * Runs the built CLI (dist/src/cli/main.js; `npm test` runs tsc first) as a child process:
 * one-shot commands under a hard timeout (SIGKILL), and long-running ones (`serve`, `node`,
 * `discv4 listen`) whose stderr is watched and which are stopped by PID. A hung command fails
 * its test and never outlives it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { CommandSpec } from '../../src/cli/command.js';
import type { Command, Group } from '../../src/cli/command-tree.js';
import { ROOT as COMMANDS } from '../../src/cli/commands.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = join(ROOT, 'dist/src/cli/main.js');
/** Hard limit for one CLI run; the commands tested take a few seconds at most. */
export const CHILD_TIMEOUT_MS = 20_000;

export function requireBuild(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npx tsc -p tsconfig.json)`);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Added to the environment. */
  env?: Record<string, string>;
  cwd?: string;
}

/** Runs the CLI to completion; resolves (never rejects) with its exit status and output. */
export function cli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return runScript(MAIN, args, opts);
}

/** Runs `node <script> args` to completion (SIGKILL at the timeout); never rejects. */
export function runScript(script: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: opts.cwd ?? ROOT, timeout: opts.timeoutMs ?? CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 4 << 20, env: { ...process.env, NO_COLOR: '1', ...opts.env } },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

/** The run failed with exactly `line` on stderr (one line), nothing on stdout, exit `code`. */
export function expectErrorLine(r: RunResult, code: number, line: string | RegExp): void {
  expect(r.signal, `killed: ${r.stderr}`).toBeNull();
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
}

/** The run failed with exactly one JSON error object on stdout, nothing on stderr, exit `code`. */
export function expectJsonError(r: RunResult, code: number, error: { code: string; message: string | RegExp }): void {
  expect(r.signal, `killed: ${r.stderr}`).toBeNull();
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toBe('');
  expect(r.stdout.endsWith('\n')).toBe(true);
  expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  const j = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  expect(Object.keys(j)).toEqual(['error']);
  expect(Object.keys(j.error)).toEqual(['code', 'message']);
  expect(j.error.code).toBe(error.code);
  if (typeof error.message === 'string') expect(j.error.message).toBe(error.message);
  else expect(j.error.message).toMatch(error.message);
}

/** A running long-lived command. */
export interface LongRunning {
  /** Its first stdout line (the enode of serve, node and discv4 listen). */
  firstLine: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with stderr once it matches `re`; rejects after `timeoutMs`. */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM (SIGKILL after 5 s); resolves with the exit code once it has exited. */
  stop(): Promise<number | null>;
}

/**
 * Starts `devp2p-ts ARGS` and resolves once it printed its first stdout line; rejects with its
 * stderr if it exits first or prints nothing in `timeoutMs`.
 */
export function startLongRunning(args: string[], opts: RunOptions = {}): Promise<LongRunning> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...opts.env } });
  let out = '';
  let err = '';
  const errWaiters = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of errWaiters) w();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(hard);
    return code;
  };
  const waitForStderr = (re: RegExp, ms = 10_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!re.test(err)) return;
        done();
        resolve(err);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`stderr did not match ${re} within ${ms} ms:\n${err}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        errWaiters.delete(check);
      };
      errWaiters.add(check);
      check();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${args[0]} printed nothing within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      const first = !out.includes('\n');
      out += d.toString();
      const nl = out.indexOf('\n');
      if (first && nl >= 0) {
        clearTimeout(timer);
        resolve({ firstLine: out.slice(0, nl), child, stdout: () => out, stderr: () => err, waitForStderr, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited (${code}) before printing a line: ${err}`));
    });
  });
}

/** A TCP port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Every command's spec in the CLI's command tree, by name ("rlpx ping"). */
export function commandSpecs(): Map<string, CommandSpec> {
  const out = new Map<string, CommandSpec>();
  const walk = (node: Group | Command): void => {
    if ('spec' in node) out.set(node.spec.name, node.spec);
    else {
      if (node.default) out.set(node.default.spec.name, node.default.spec);
      Object.values(node.commands).forEach(walk);
    }
  };
  walk(COMMANDS);
  return out;
}
