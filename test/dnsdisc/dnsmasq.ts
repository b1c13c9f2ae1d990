/**
 * Debian's dnsmasq serving TXT records on 127.0.0.1: a real DNS server for the DNS discovery
 * tests. Started with a generated conf file (one txt-record line per record, quoted so commas
 * stay inside the record), stopped by its PID. `.ci/run` installs the binary.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../interop/geth-harness.js';

/** The dnsmasq binary, or undefined when it is not installed. */
export function dnsmasqBinary(): string | undefined {
  for (const b of ['dnsmasq', '/usr/sbin/dnsmasq']) {
    try {
      execFileSync(b, ['--version'], { stdio: 'ignore' });
      return b;
    } catch {
      // next
    }
  }
  return undefined;
}

export interface Dnsmasq {
  /** `127.0.0.1:PORT`. */
  server: string;
  stop(): Promise<void>;
}

/** How long dnsmasq may take to answer its first query. */
const START_TIMEOUT_MS = 10_000;

export async function startDnsmasq(bin: string, records: ReadonlyMap<string, string>): Promise<Dnsmasq> {
  const dir = mkdtempSync(join(tmpdir(), 'dnsmasq-'));
  const conf = join(dir, 'txt.conf');
  writeFileSync(conf, [...records].map(([name, text]) => `txt-record=${name},"${text}"`).join('\n') + '\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['--no-daemon', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--pid-file=', `--conf-file=${conf}`, '--log-facility=-'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when it answers a query for the first record.
  const probe = new Resolver({ timeout: 200, tries: 1 });
  probe.setServers([`127.0.0.1:${port}`]);
  const first = records.keys().next().value!;
  const t0 = Date.now();
  for (;;) {
    try {
      await probe.resolveTxt(first);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() - t0 > START_TIMEOUT_MS) {
        await stop();
        throw new Error(`dnsmasq did not start: ${log.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { server: `127.0.0.1:${port}`, stop };
}
