/**
 * `sync-headers --metrics IP:PORT` serves Prometheus metrics while it runs: the node's (server,
 * eth) and the header sync's progress gauges, on the address given; a taken address is a
 * one-line error naming the flag.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_ENODE } from '../../src/cli/common-options.js';
import { freePort } from '../../src/testing/geth-node.js';
import { cli, MAIN, requireBuild, ROOT } from './run-cli.js';

let dir: string;
/** A peer that accepts TCP and never answers the handshake: the sync waits on it. */
let silent: NetServer;
const sockets = new Set<Socket>();
beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'devp2p-ts-sync-metrics-'));
  silent = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

describe('sync-headers --metrics', () => {
  it('serves the node and header sync metrics while the sync runs', async () => {
    const port = await freePort();
    const peer = EXAMPLE_ENODE.replace(':30303', `:${(silent.address() as { port: number }).port}`);
    const child = spawn(process.execPath, [MAIN, 'sync-headers', '--network', 'devnet', '--peer', peer, '--datadir', join(dir, 'a'), '--metrics', `127.0.0.1:${port}`], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      let body = '';
      for (let i = 0; i < 100 && !body && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        body = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.text(),
          () => '',
        );
      }
      expect(body).toMatch(/^devp2p_header_sync_total_headers 0$/m);
      expect(body).toMatch(/^devp2p_header_sync_verified_headers 0$/m);
      expect(body).toMatch(/^devp2p_peers(\{[^}]*\})? 0$/m);
      expect(body).toMatch(/^# HELP devp2p_eth_/m);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }, 30_000);

  it('an address in use is a one-line error naming the flag', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const addr = `127.0.0.1:${(taken.address() as { port: number }).port}`;
      const r = await cli(['sync-headers', '--network', 'devnet', '--peer', EXAMPLE_ENODE, '--datadir', join(dir, 'b'), '--metrics', addr]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n').pop()).toMatch(new RegExp(`^error: .*${addr.replace(/\./g, '\\.')}.*(EADDRINUSE|in use)`));
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });
});
