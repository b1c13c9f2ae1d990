/**
 * The long-running commands from the built CLI: `serve` and `node` log each peer's arrival,
 * refusal (with the reason and who refused) and departure (with the Disconnect reason and who
 * sent it) at info, nothing at --verbosity 0; `node` keeps its data in a per-user directory by
 * default and logs it; `sync-headers` against `serve` keeps stdout for its result and progress
 * on stderr. Every child is stopped by PID in afterEach.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { dial } from '../../src/rlpx/connect.js';
import { cli, requireBuild, startLongRunning, type LongRunning } from './run-cli.js';

let dir: string;
beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'devp2p-ts-cli-long-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const running: LongRunning[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  while (running.length) await running.pop()!.stop();
});

async function start(args: string[], env?: Record<string, string>): Promise<LongRunning> {
  const p = await startLongRunning(args, env ? { env } : {});
  running.push(p);
  return p;
}

/** A node ID as the logs show it (16 hex characters). */
const ID = '[0-9a-f]{16}';

/**
 * A TCP proxy to 127.0.0.1:`port` that holds every chunk from the server for `delayMs` (in
 * order): a sync through it lasts longer than HeaderSync's 1 s progress interval however fast
 * the machine is.
 */
async function delayingProxy(port: number, delayMs: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream);
    upstream.on('data', (d: Buffer) => void setTimeout(() => client.write(d), delayMs));
    upstream.on('end', () => void setTimeout(() => client.end(), delayMs));
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    port: (proxy.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => r());
      }),
  };
}

/** Longer than HeaderSync's progress interval (1 s). */
const PROXY_DELAY_MS = 1_100;

describe('serve logs its peers', () => {
  it('arrival, eth peer and departure of a syncing peer; sync-headers prints its result on stdout and progress on stderr', async () => {
    const serve = await start(['serve', '--devnet-blocks', '300', '--addr', '127.0.0.1:0']);
    const proxy = await delayingProxy(parseEnode(serve.firstLine).tcpPort, PROXY_DELAY_MS);
    cleanups.push(proxy.close);
    const peer = serve.firstLine.replace(/:\d+$/, `:${proxy.port}`);
    const sync = await cli(['sync-headers', '--network', 'devnet', '--peer', peer, '--datadir', join(dir, 'sync-from-serve')]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/^synced headers 0\.\.300 of devnet: head [0-9a-f]{64}\n/);
    expect(sync.stdout).not.toMatch(/%/);
    // Not a terminal: the first progress line is written at once, to stderr (and only there).
    expect(sync.stderr).toMatch(/^\[[#.]{30}\] [\d.]+% \d+\/301 headers/m);
    const log = await serve.waitForStderr(/peer disconnected/);
    expect(log).toMatch(new RegExp(`INFO  \\[serve\\] peer connected id=${ID} dir=inbound addr=127\\.0\\.0\\.1:\\d+ client=devp2p-ts/v0\\.1\\.0/sync-headers caps=eth/68,eth/69,eth/70,eth/71,eth/72$`, 'm'));
    expect(log).toMatch(new RegExp(`INFO  \\[serve\\] eth peer id=${ID} eth=72 client=devp2p-ts/v0\\.1\\.0/sync-headers$`, 'm'));
    expect(log).toMatch(new RegExp(`INFO  \\[serve\\] peer disconnected id=${ID} reason="client quitting" by=remote after=[\\d.]+s$`, 'm'));
  }, 30_000);

  it('refusals: at Hello (no shared capability, by us) and at Status (another network)', async () => {
    const serve = await start(['serve', '--devnet-blocks', '10', '--addr', '127.0.0.1:0']);
    const target = parseEnode(serve.firstLine);
    // A peer that speaks only snap: refused at Hello as useless.
    await dial({ publicKey: target.publicKey, host: target.ip, port: target.tcpPort }, { privateKey: generatePrivateKey(), capabilities: [{ name: 'snap', version: 1, length: 8 }], requireSharedCapability: false }, { signal: AbortSignal.timeout(10_000) }).then(
      (s) => s.disconnect(),
      () => undefined,
    );
    const refused = await serve.waitForStderr(/peer refused/);
    expect(refused).toMatch(/INFO {2}\[serve\] peer refused dir=inbound addr=127\.0\.0\.1:\d+ reason="useless peer" by=local$/m);
    // A peer of another network: it connects, then fails the eth Status exchange.
    const status = await cli(['eth', 'status', serve.firstLine, '--network', 'mainnet']);
    expect(status.code).toBe(1);
    // Both ends see the mismatch; whichever acts first, serve logs the refusal and the departure.
    await serve.waitForStderr(/peer refused at Status/);
    const log = await serve.waitForStderr(/peer disconnected/);
    expect(log).toMatch(new RegExp(`INFO  \\[serve\\] peer refused at Status id=${ID} err="eth handshake: `, 'm'));
    expect(log).toMatch(new RegExp(`INFO  \\[serve\\] peer disconnected id=${ID} reason="(client quitting|subprotocol error)" by=(remote|local)`, 'm'));
  }, 30_000);

  it('a connection that never reaches Hello is logged at debug (--verbosity 4), not at info', async () => {
    const serve = await start(['serve', '--devnet-blocks', '10', '--addr', '127.0.0.1:0', '--verbosity', '4']);
    const junk = connect(parseEnode(serve.firstLine).tcpPort, '127.0.0.1');
    junk.on('error', () => {});
    junk.end(Buffer.alloc(400, 1));
    const log = await serve.waitForStderr(/connection failed/);
    expect(log).toMatch(/DEBUG \[serve\] connection failed dir=inbound addr=127\.0\.0\.1:\d+ err=/);
    expect(log).not.toMatch(/INFO {2}\[serve\] peer/);
  }, 30_000);

  it('--log-json writes each log line as one JSON object', async () => {
    const serve = await start(['serve', '--devnet-blocks', '10', '--addr', '127.0.0.1:0', '--log-json']);
    const ping = await cli(['rlpx', 'ping', serve.firstLine]);
    expect(ping.code, ping.stderr).toBe(0);
    await serve.waitForStderr(/"peer disconnected"/);
    const lines = serve.stderr().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // rlpx ping leaves before eth Status, so serve also logs that Status never happened.
    expect(lines.map((l) => l['msg']).sort()).toEqual(['peer connected', 'peer disconnected', 'peer refused at Status', 'serving']);
    expect(lines.find((l) => l['msg'] === 'peer disconnected')).toMatchObject({ level: 'info', component: 'serve', reason: 'disconnect requested', by: 'remote' });
  }, 30_000);

  it('--verbosity 0 logs nothing', async () => {
    const serve = await start(['serve', '--devnet-blocks', '10', '--addr', '127.0.0.1:0', '--verbosity', '0']);
    const ping = await cli(['rlpx', 'ping', serve.firstLine]);
    expect(ping.code, ping.stderr).toBe(0);
    expect(await serve.stop()).toBe(0);
    expect(serve.stderr()).toBe('');
  }, 30_000);
});

describe('node', () => {
  const NODE_ARGS = ['node', '--network', 'devnet', '--nodiscover', '--bootnodes', '', '--addr', '127.0.0.1:0', '--status-interval', '0'];

  it('without --datadir keeps its data in $XDG_DATA_HOME/devp2p-ts/NETWORK, logged at start; logs a peer arriving and leaving', async () => {
    const xdg = join(dir, 'xdg');
    const node = await start(NODE_ARGS, { XDG_DATA_HOME: xdg, HOME: join(dir, 'home-unused') });
    const expected = join(xdg, 'devp2p-ts', 'devnet');
    expect(await node.waitForStderr(/data directory/)).toContain(`INFO  [node] data directory path=${expected} network=devnet`);
    expect(existsSync(expected)).toBe(true);
    const ping = await cli(['rlpx', 'ping', node.firstLine]);
    expect(ping.code, ping.stderr).toBe(0);
    const log = await node.waitForStderr(/peer disconnected/);
    expect(log).toMatch(new RegExp(`INFO  \\[node\\] peer connected id=${ID} dir=inbound addr=127\\.0\\.0\\.1:\\d+ client=devp2p-ts/`, 'm'));
    expect(log).toMatch(new RegExp(`INFO  \\[node\\] peer disconnected id=${ID} reason="disconnect requested" by=remote after=[\\d.]+s$`, 'm'));
  }, 30_000);

  it('without XDG_DATA_HOME: ~/.local/share/devp2p-ts/NETWORK; --datadir still wins', async () => {
    const home = join(dir, 'home');
    const node = await start(NODE_ARGS, { XDG_DATA_HOME: '', HOME: home });
    expect(await node.waitForStderr(/data directory/)).toContain(`data directory path=${join(home, '.local', 'share', 'devp2p-ts', 'devnet')} network=devnet`);
    await node.stop();
    const given = join(dir, 'given');
    const withDir = await start([...NODE_ARGS, '--datadir', given], { HOME: home });
    expect(await withDir.waitForStderr(/data directory/)).toContain(`data directory path=${given} network=devnet`);
    expect(existsSync(given)).toBe(true);
  }, 30_000);
});
