/** `devp2p-ts node --http/--metrics` from the built CLI: the listener's errors and its log line. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, expectErrorLine, requireBuild, startLongRunning } from './run-cli.js';

let dir: string;
let busy: Server;
let busyPort: number;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'devp2p-ts-node-http-'));
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  busyPort = (busy.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((r) => busy.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

const NODE = ['node', '--network', 'devnet', '--nodiscover', '--bootnodes', '', '--addr', '127.0.0.1:0', '--status-interval', '0'];

describe('node --http', () => {
  it('a port in use is one error line naming the flag value and the cause (exit 1); a malformed address is a usage error', async () => {
    const r = await cli([...NODE, '--datadir', join(dir, 'a'), '--http', `127.0.0.1:${busyPort}`]);
    expect(r.stdout).toMatch(/^enode:\/\//);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').pop()).toBe(`error: cannot listen on 127.0.0.1:${busyPort}: EADDRINUSE`);
    expectErrorLine(await cli([...NODE, '--http', 'localhost']), 2, 'error: --http must be IP:PORT, got "localhost"');
  });

  it('logs where the status page, its JSON and the metrics are, with the bound port; --metrics beside it', async () => {
    const node = await startLongRunning([...NODE, '--datadir', join(dir, 'b'), '--http', '127.0.0.1:0', '--metrics', '127.0.0.1:0']);
    try {
      const log = await node.waitForStderr(/status page url=/);
      const page = /status page url=(http:\/\/127\.0\.0\.1:(\d+)\/) api=http:\/\/127\.0\.0\.1:\2\/api\/status metrics=http:\/\/127\.0\.0\.1:\2\/metrics$/m.exec(log);
      expect(page, log).not.toBeNull();
      const metrics = /INFO {2}\[node\] metrics url=(http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(log)![1]!;
      expect(Number(page![2])).toBeGreaterThan(0);
      expect((await fetch(page![1]!)).status).toBe(200);
      // Both listeners serve the same registry.
      const a = await (await fetch(metrics)).text();
      const b = await (await fetch(`${page![1]}metrics`)).text();
      expect(a.match(/^# TYPE .*$/gm)).toEqual(b.match(/^# TYPE .*$/gm));
    } finally {
      expect(await node.stop()).toBe(0);
    }
  }, 30_000);
});
