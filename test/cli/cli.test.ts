/**
 * The built CLI end to end (run-cli.ts): key files, rlpx ping against in-process listeners,
 * usage errors, the demos. Every server started here is closed in afterEach.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { formatEnode, parseEnode } from '../../src/enode/enode-url.js';
import { loadNodeKey } from '../../src/enode/key.js';
import { RlpxListener } from '../../src/rlpx/listener.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import { DisconnectError } from '../../src/rlpx/errors.js';
import type { SessionConfig } from '../../src/rlpx/session.js';
import { loadVectors } from '../support/vectors.js';
import { cli, closedPort, expectErrorLine, expectJsonError, requireBuild, type RunResult } from './run-cli.js';

const vectors = loadVectors('rlpx-handshake.json');
const KEY_A: string = vectors.keys.static_key_a;
const PUB_A: string = vectors.derived_public_keys.static_pubkey_a;

/** The run failed with one `error:` line on stderr and nothing on stdout. */
function expectOneLineError(r: RunResult, code: number, message?: RegExp): string {
  expectErrorLine(r, code, message ?? /^error: /);
  expect(r.stderr).toMatch(/^error: /);
  return r.stderr.trimEnd();
}

let dir: string;
beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'devp2p-ts-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A key file holding the EIP-8 vector key A. */
async function vectorKeyFile(): Promise<string> {
  const p = join(dir, `key-a-${Math.random().toString(36).slice(2)}`);
  await writeFile(p, KEY_A + '\n');
  return p;
}

const LISTENER_CAPS = [
  { name: 'eth', version: 68, length: 17 },
  { name: 'eth', version: 69, length: 18 },
  { name: 'snap', version: 1, length: 8 },
];

/** An RlpxListener on 127.0.0.1 in this process, and its enode URL. */
async function startListener(extra: Partial<SessionConfig> = {}, privateKey = generatePrivateKey()) {
  const listener = new RlpxListener({ privateKey, capabilities: LISTENER_CAPS, clientId: 'cli-test/v1.2.3', ...extra });
  const port = await listener.listen(0, '127.0.0.1');
  cleanups.push(() => listener.close());
  const publicKey = publicKeyOf(privateKey);
  return { listener, port, publicKey, enode: formatEnode({ publicKey, ip: '127.0.0.1', tcpPort: port, udpPort: port }) };
}

describe('key', () => {
  it('key generate prints one 64-hex key', async () => {
    const r = await cli(['key', 'generate']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    // and it is a usable key
    expect(publicKeyOf(hexToBytes(r.stdout.trim())).length).toBe(64);
    const again = await cli(['key', 'generate']);
    expect(again.stdout).not.toBe(r.stdout);
  });

  it('key generate --out F writes a 64-hex geth key file (0600) and prints its public key', async () => {
    const f = join(dir, 'generated.key');
    const r = await cli(['key', 'generate', '--out', f]);
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(f, 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(f)).mode & 0o777).toBe(0o600);
    const pub = bytesToHex(publicKeyOf(await loadNodeKey(f)));
    expect(r.stdout).toContain(f);
    expect(r.stdout).toContain(pub);
    expect(r.stdout).not.toContain(text); // the private key is not echoed
  });

  it('key to-id F prints keccak256 of the public key (vector key A)', async () => {
    const r = await cli(['key', 'to-id', await vectorKeyFile()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(bytesToHex(keccak_256(hexToBytes(PUB_A))) + '\n');
    expect(r.stdout).toBe('6469cc2093f39e9117071e660d3ab14bbad3d99f4203bd7a11acb94882050e7e\n');
  });

  it('key to-enode F --ip 127.0.0.1 --tcp 30303 --udp 30301 prints the enode with discport', async () => {
    const r = await cli(['key', 'to-enode', await vectorKeyFile(), '--ip', '127.0.0.1', '--tcp', '30303', '--udp', '30301']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`enode://${PUB_A}@127.0.0.1:30303?discport=30301\n`);
    expect(parseEnode(r.stdout.trim())).toMatchObject({ ip: '127.0.0.1', tcpPort: 30303, udpPort: 30301 });
  });

  it('key to-enode: UDP defaults to TCP (no discport); IPv6 is bracketed', async () => {
    const f = await vectorKeyFile();
    const v4 = await cli(['key', 'to-enode', f, '--ip', '127.0.0.1', '--tcp', '30303']);
    expect(v4.stdout).toBe(`enode://${PUB_A}@127.0.0.1:30303\n`);
    const v6 = await cli(['key', 'to-enode', f, '--ip', '::1', '--tcp', '30303', '--udp', '30301']);
    expect(v6.code, v6.stderr).toBe(0);
    expect(v6.stdout).toBe(`enode://${PUB_A}@[::1]:30303?discport=30301\n`);
  });

  it('key to-id on a missing or malformed file: exit 1, one error line naming the file', async () => {
    const missing = join(dir, 'no-such-key');
    expectOneLineError(await cli(['key', 'to-id', missing]), 1, new RegExp(`${missing}: cannot read: ENOENT`));
    const bad = join(dir, 'bad.key');
    await writeFile(bad, 'abc\n');
    expectOneLineError(await cli(['key', 'to-id', bad]), 1, new RegExp(`${bad}: expected 64 hex characters`));
    const zero = join(dir, 'zero.key');
    await writeFile(zero, '0'.repeat(64));
    expectOneLineError(await cli(['key', 'to-enode', zero, '--tcp', '1']), 1, /not a valid secp256k1 private key/);
  });
});

describe('rlpx ping', () => {
  it('prints the remote Hello: client, version, caps, public key and node ID', async () => {
    const l = await startListener();
    const r = await cli(['rlpx', 'ping', l.enode]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toMatch(/^client: +cli-test\/v1\.2\.3$/m);
    expect(out).toMatch(/^version: +5$/m);
    expect(out).toMatch(/^caps: +eth\/68, eth\/69, snap\/1$/m);
    expect(out).toMatch(new RegExp(`^port: +${l.port}$`, 'm'));
    // "public key": in geth a nodekey is the private key.
    expect(out).toMatch(new RegExp(`^public key: +${bytesToHex(l.publicKey)}$`, 'm'));
    expect(out).not.toMatch(/node key/);
    expect(out).toMatch(new RegExp(`^node ID: +${bytesToHex(keccak_256(l.publicKey))}$`, 'm'));
    expect(out).toMatch(/^handshake: +\d+(\.\d+)? ms$/m);
  });

  it('--json prints one JSON object with clientId, capabilities, publicKey and id', async () => {
    const l = await startListener();
    const r = await cli(['rlpx', 'ping', l.enode, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      clientId: 'cli-test/v1.2.3',
      protocolVersion: 5,
      capabilities: [
        { name: 'eth', version: 68 },
        { name: 'eth', version: 69 },
        { name: 'snap', version: 1 },
      ],
      listenPort: l.port,
      publicKey: bytesToHex(l.publicKey),
      id: bytesToHex(keccak_256(l.publicKey)),
    });
    expect(typeof j.handshakeMs).toBe('number');
  });

  it('pings a node whose enode came from `key generate --out` + `key to-enode`', async () => {
    const f = join(dir, 'node.key');
    expect((await cli(['key', 'generate', '--out', f])).code).toBe(0);
    const l = await startListener({}, await loadNodeKey(f));
    const en = await cli(['key', 'to-enode', f, '--ip', '127.0.0.1', '--tcp', String(l.port)]);
    expect(en.code, en.stderr).toBe(0);
    const r = await cli(['rlpx', 'ping', en.stdout.trim(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).publicKey).toBe(bytesToHex(l.publicKey));
  });

  it('connection refused: exit 1, one error line', async () => {
    const port = await closedPort();
    const enode = formatEnode({ publicKey: hexToBytes(PUB_A), ip: '127.0.0.1', tcpPort: port, udpPort: port });
    const line = expectOneLineError(await cli(['rlpx', 'ping', enode]), 1, /ECONNREFUSED/);
    expect(line).toContain(`127.0.0.1:${port}`);
    // Under --json the failure is one JSON object on stdout.
    expectJsonError(await cli(['rlpx', 'ping', enode, '--json']), 1, { code: 'dial', message: `dial 127.0.0.1:${port}: ECONNREFUSED` });
  });

  it('listener refusing with TooManyPeers really refuses (setup check for the next test)', async () => {
    const l = await startListener({ checkHello: () => DisconnectReason.TooManyPeers });
    const refused = new Promise<Error>((resolve) => l.listener.once('handshake:failed', (err) => resolve(err)));
    await cli(['rlpx', 'ping', l.enode]);
    const err = await refused;
    expect(err).toBeInstanceOf(DisconnectError);
    expect((err as DisconnectError).reason).toBe(DisconnectReason.TooManyPeers);
  });

  it('listener refusing with a Disconnect reason: exit 1 with the reason', async () => {
    const l = await startListener({ checkHello: () => DisconnectReason.TooManyPeers });
    const r = await cli(['rlpx', 'ping', l.enode]);
    expectOneLineError(r, 1, /too many peers/);
  });

  it('silent TCP listener with --timeout 500: exit 1 with a timeout message within a few seconds', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          silent.close(() => r());
        }),
    );
    const port = (silent.address() as { port: number }).port;
    const enode = formatEnode({ publicKey: hexToBytes(PUB_A), ip: '127.0.0.1', tcpPort: port, udpPort: port });
    const r = await cli(['rlpx', 'ping', enode, '--timeout', '500'], { timeoutMs: 10_000 });
    expectOneLineError(r, 1, /time(d)? ?out/i);
    expect(r.ms).toBeLessThan(5_000);
  });

  it('a malformed enode URL is a usage error: exit 2, one line naming the bad part', async () => {
    const r = await cli(['rlpx', 'ping', `enode://${PUB_A}@localhost:30303`]);
    expectErrorLine(r, 2, 'error: invalid enode URL: "localhost" is not an IP address');
  });
});

describe.concurrent('usage errors exit 2', () => {
  it.each([
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['unknown key subcommand', ['key', 'frob'], /unknown key command "frob"/],
    ['unknown rlpx subcommand', ['rlpx', 'pong'], /unknown rlpx command "pong"/],
    ['key without subcommand', ['key'], /^error: key needs a command: generate, to-id, to-enode, to-enr \(see devp2p-ts key --help\)$/],
    ['rlpx without subcommand', ['rlpx'], /^error: rlpx needs a command: ping \(see devp2p-ts rlpx --help\)$/],
    ['rlpx ping without enode', ['rlpx', 'ping'], /needs an enode URL/],
    ['key to-id without file', ['key', 'to-id'], /needs a key FILE/],
    ['key to-enode without file', ['key', 'to-enode', '--tcp', '1'], /needs a key FILE/],
    ['unknown flag on rlpx ping', ['rlpx', 'ping', `enode://${PUB_A}@127.0.0.1:1`, '--bogus'], /--bogus/],
    ['unknown flag on key generate', ['key', 'generate', '--bogus'], /--bogus/],
    ['unknown flag on demo', ['demo', '--bogus'], /--bogus/],
    ['stray argument to key generate', ['key', 'generate', 'extra'], /extra/],
    ['--timeout not a number', ['rlpx', 'ping', `enode://${PUB_A}@127.0.0.1:1`, '--timeout', 'soon'], /--timeout/],
    ['--out without value', ['key', 'generate', '--out'], /--out/],
    ['--ip not an IP', ['key', 'to-enode', 'F', '--ip', 'localhost'], /--ip must be an IP address/],
    ['--tcp out of range', ['key', 'to-enode', 'F', '--tcp', '70000'], /--tcp must be a port number/],
    ['--udp not a number', ['key', 'to-enode', 'F', '--udp', 'x'], /--udp must be a port number/],
  ])('%s', async (_name, args, message) => {
    // A usage error is one line too: exit 2.
    expectOneLineError(await cli(args), 2, message);
  });

  it('no command at all prints the usage and exits 2; help exits 0', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/commands:/);
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(none.stdout);
    for (const cmd of ['demo', 'key generate', 'key to-id', 'key to-enode', 'rlpx ping']) expect(help.stdout).toContain(cmd);
  });
});

describe('demo', () => {
  it('demo rlpx --nodes 2 --messages 2 --json exits 0 with {"ok":true,...}', async () => {
    const r = await cli(['demo', 'rlpx', '--nodes', '2', '--messages', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout.startsWith('{"ok":true')).toBe(true);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(true);
    expect(j.nodes).toHaveLength(2);
    for (const n of j.nodes) expect(n.echoOk).toBe(true);
  });

  it('demo (devnet: bootnode, serving nodes, header sync through discovery) checks the synced head, then crawls the devnet', async () => {
    const reportFile = join(tmpdir(), `devp2p-ts-demo-${process.pid}.html`);
    const r = await cli(['demo', '--nodes', '2', '--blocks', '300', '--json', '--report', reportFile], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, blocks: 300, to: '300' });
    expect(j.synced).toBe(j.head);
    expect(j.peers.length).toBe(2);
    // The crawl found every serving node, reached it over RLPx and got its eth Status.
    expect(j.crawl).toMatchObject({ ok: true, endedBy: 'idle', devnet: { nodes: 2, found: 2, reachable: 2, eth: 2 } });
    // Found: the two servers, the bootnode and (usually) the stopped syncing node; only the servers accept RLPx.
    expect(j.crawl.found).toBeGreaterThanOrEqual(3);
    expect(j.crawl.reachable).toBe(2);
    expect(j.crawl.clients).toEqual([{ key: 'devp2p-ts', count: 2 }]);
    // Serving node 0 offers eth/68-70 (70 is used), node 1 eth/69 only.
    expect(j.crawl.ethVersions).toEqual([{ key: '69', count: 1 }, { key: '70', count: 1 }]);
    // It ends by writing the crawl report (browser checks: test/report/browser.test.ts).
    expect(j.crawl.reportFile).toBe(reportFile);
    expect(readFileSync(reportFile, 'utf8')).toMatch(/^<!doctype html>/);
    rmSync(reportFile);
  }, 90_000);
});
