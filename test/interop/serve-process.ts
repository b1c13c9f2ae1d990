/** `devp2p-ts serve` as a child process for the interop suites: started on a free loopback port, stopped by its PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** Starts `devp2p-ts serve --chain` on a free loopback port and resolves with its enode. */
export function startServe(args: string[]): Promise<{ enode: string; child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--addr', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-100_000)));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not print its enode in 60 s:\n${err.slice(-3000)}`));
    }, 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /enode:\/\/\S+/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ enode: m[0], child, log: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`serve exited with ${code}:\n${err.slice(-3000)}`));
    });
  });
}

export { stopProcess as stopChild } from '../../src/testing/geth-node.js';

/** The output lines of a failed test (between its `-- RUN` and `-- FAIL` lines), last few. */
export function failureReason(out: string, test: string): string {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`-- RUN ${test}`));
  const end = lines.findIndex((l, i) => i > start && l.startsWith(`-- FAIL ${test}`));
  if (start < 0 || end < 0) return 'failed';
  return lines.slice(start + 1, end).map((l) => l.trim()).filter((l) => /fail|error|expected|got|want/i.test(l)).slice(-3).join(' ').slice(0, 400) || 'failed';
}
