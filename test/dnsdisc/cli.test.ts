/**
 * `devp2p-ts dns sync|sign|to-txt` and `node --dns`, run as the built CLI against trees served
 * by a DNS server on 127.0.0.1 in this process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEVNET_SEED } from '../../src/cli/common-options.js';
import { MAX_DNS_SYNC_RATE } from '../../src/cli/dns.js';
import { bytesToHex } from '../../src/common/bytes.js';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { EnrBuilder } from '../../src/enode/enr.js';
import { encryptKeystore } from '../../src/dnsdisc/keystore.js';
import { TREE_INFO_FILE, TREE_NODES_FILE, txtRecordsJson, writeTreeNodes } from '../../src/dnsdisc/tree-definition.js';
import { makeTree } from '../../src/dnsdisc/tree.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { P2PNode } from '../../src/sync/node/p2p-node.js';
import { cli, expectErrorLine, expectJsonError, MAIN, requireBuild, ROOT, startLongRunning, type RunResult } from '../cli/run-cli.js';
import { freePort } from '../interop/geth-harness.js';
import { startTxtServer, type TxtServer } from '../support/txt-server.js';
import { signedTree, testRecords, TREE_KEY } from './fixtures.js';

beforeAll(requireBuild);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dns-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: TxtServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(txt: Map<string, string>): Promise<TxtServer> {
  const s = await startTxtServer(txt);
  servers.push(s);
  return s;
}

/** Runs the CLI with `input` on its stdin. */
function cliWithStdin(args: string[], input: string): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
    child.stdin.end(input);
  });
}

const TREE_KEY_HEX = bytesToHex(TREE_KEY);

describe('dns sign and dns to-txt', () => {
  it('signs with a geth keystore (password file), prints the URL; to-txt prints the records the tree makes', async () => {
    const tdir = join(dir, 'nodes.example.org');
    const recs = testRecords(30);
    await writeTreeNodes(tdir, recs);
    writeFileSync(join(dir, 'key.json'), encryptKeystore(TREE_KEY, 'pw'));
    writeFileSync(join(dir, 'pw.txt'), 'pw\n');
    const r = await cli(['dns', 'sign', tdir, join(dir, 'key.json'), '--password', join(dir, 'pw.txt')]);
    expect(r.code, r.stderr).toBe(0);
    const { tree, url } = makeTree(1n, recs, []).sign(TREE_KEY, 'nodes.example.org');
    expect(r.stdout).toBe(url + '\n');
    const info = JSON.parse(readFileSync(join(tdir, TREE_INFO_FILE), 'utf8'));
    expect(info).toMatchObject({ url, seq: 1, signature: tree.signature, links: [] });
    const txt = await cli(['dns', 'to-txt', tdir]);
    expect(txt.code, txt.stderr).toBe(0);
    expect(txt.stdout).toBe(txtRecordsJson(tree.toTxt('nodes.example.org')) + '\n');
    const out = join(dir, 'records.json');
    expect((await cli(['dns', 'to-txt', tdir, out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(txtRecordsJson(tree.toTxt('nodes.example.org')));
  });

  it('signs with a nodekey file; seq goes up by one unless --seq; --domain renames; the keystore password can come on stdin', async () => {
    const tdir = join(dir, 'tree2');
    await writeTreeNodes(tdir, testRecords(3));
    writeFileSync(join(dir, 'tree.key'), TREE_KEY_HEX);
    const first = await cli(['dns', 'sign', tdir, join(dir, 'tree.key'), '--json']);
    expect(JSON.parse(first.stdout)).toMatchObject({ seq: '1', nodes: 3, links: 0 });
    expect(JSON.parse(first.stdout).url).toMatch(/@tree2$/);
    await cli(['dns', 'sign', tdir, join(dir, 'tree.key')]);
    expect(JSON.parse(readFileSync(join(tdir, TREE_INFO_FILE), 'utf8')).seq).toBe(2);
    const renamed = await cli(['dns', 'sign', tdir, join(dir, 'tree.key'), '--seq', String(Number.MAX_SAFE_INTEGER), '--domain', 'other.example.org']);
    expect(renamed.stdout).toMatch(/@other\.example\.org\n$/);
    expect(JSON.parse(readFileSync(join(tdir, TREE_INFO_FILE), 'utf8')).seq).toBe(Number.MAX_SAFE_INTEGER);
    writeFileSync(join(dir, 'key2.json'), encryptKeystore(TREE_KEY, 'from stdin'));
    const piped = await cliWithStdin(['dns', 'sign', tdir, join(dir, 'key2.json'), '--seq', '9'], 'from stdin\n');
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/@other\.example\.org\n$/);
  });

  it('errors: a wrong password (nodekey), an unsigned directory (file), a --seq out of range (usage)', async () => {
    const tdir = join(dir, 'tree3');
    await writeTreeNodes(tdir, testRecords(2));
    writeFileSync(join(dir, 'key3.json'), encryptKeystore(TREE_KEY, 'right'));
    writeFileSync(join(dir, 'wrong.txt'), 'wrong');
    expectJsonError(await cli(['dns', 'sign', tdir, join(dir, 'key3.json'), '--password', join(dir, 'wrong.txt'), '--json']), 1, { code: 'nodekey', message: 'could not decrypt key with given password' });
    expectJsonError(await cli(['dns', 'to-txt', tdir, '--json']), 1, { code: 'file', message: /enrtree-info.json: missing 'url' field/ });
    expectErrorLine(await cli(['dns', 'sign', tdir, join(dir, 'key3.json'), '--seq', String(Number.MAX_SAFE_INTEGER + 1)]), 2, /^error: --seq must be an integer between 0 and 9007199254740991/);
    expectErrorLine(await cli(['dns', 'sign', tdir]), 2, 'error: dns sign needs a tree directory and a key file');
    expectErrorLine(await cli(['dns', 'sign', join(dir, 'missing'), join(dir, 'key3.json')]), 1, /nodes\.json: cannot read: ENOENT$/);
  });
});

describe('dns sync', () => {
  it('downloads a tree into a directory that to-txt turns back into exactly the records served', async () => {
    const a = signedTree([], [], 'linked.example.org');
    const { url, txt } = signedTree(testRecords(40), [a.url], 'nodes.example.org', 5n);
    const srv = await serve(txt);
    const out = join(dir, 'synced');
    const r = await cli(['dns', 'sync', url, out, '--server', srv.server, '--rate', '0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dir: out, url, seq: '5', nodes: 40, links: 1, lookups: txt.size });
    const back = await cli(['dns', 'to-txt', out]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toBe(txtRecordsJson(txt) + '\n');
    const nodes = JSON.parse(readFileSync(join(out, TREE_NODES_FILE), 'utf8'));
    expect(Object.keys(nodes)).toHaveLength(40);
  });

  it('the directory defaults to the domain; the rate limit (default 3/s, burst 10) still completes a small tree', async () => {
    const { url, txt } = signedTree(testRecords(3), [], 'small.example.org');
    const srv = await serve(txt);
    const r = await cli(['dns', 'sync', url, '--server', srv.server], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('wrote small.example.org: 3 nodes, 0 links, seq 1 (6 lookups)\n');
    expect(JSON.parse(readFileSync(join(dir, 'small.example.org', TREE_NODES_FILE), 'utf8'))).toBeTypeOf('object');
  });

  it('errors: a bad URL or flag (usage, exit 2), a bad signature (exit 1), a silent server (timeout)', async () => {
    expectErrorLine(await cli(['dns', 'sync', 'enrtree://AAAA@x']), 2, 'error: invalid enrtree URL "enrtree://AAAA@x": invalid public key');
    expectErrorLine(await cli(['dns', 'sync', signedTree([], [], 'x').url, '--rate', String(MAX_DNS_SYNC_RATE + 1)]), 2, `error: --rate must be a number between 0 and ${MAX_DNS_SYNC_RATE}, got "${MAX_DNS_SYNC_RATE + 1}"`);
    expectErrorLine(await cli(['dns', 'sync', signedTree([], [], 'x').url, '--rate', '-1']), 2, `error: --rate must be a number between 0 and ${MAX_DNS_SYNC_RATE}, got "-1"`);
    expectErrorLine(await cli(['dns', 'sync', signedTree([], [], 'x').url, '--timeout', '0']), 2, /^error: --timeout must be at least 1ms/);
    expectErrorLine(await cli(['dns', 'sync', signedTree([], [], 'x').url, '--server', 'not-an-ip']), 2, /^error: --server must be IP or IP:PORT, got "not-an-ip"/);
    const forged = signedTree(testRecords(1), [], 'n', 1n, generatePrivateKey());
    const srv = await serve(forged.txt);
    const { url } = signedTree([], [], 'n');
    expectJsonError(await cli(['dns', 'sync', url, join(dir, 'forged'), '--server', srv.server, '--json']), 1, { code: 'failed', message: 'invalid signature on the tree root at n' });
    // A server that never answers: each lookup times out.
    const quiet = await startTxtServer(new Map(), { delayMs: () => Infinity });
    servers.push(quiet);
    const slow = await cli(['dns', 'sync', url, join(dir, 'quiet'), '--server', quiet.server, '--timeout', '300ms', '--json']);
    expectJsonError(slow, 1, { code: 'timeout', message: 'DNS lookup of n timed out after 300 ms' });
    expect(MAX_DNS_SYNC_RATE).toBe(100_000);
    expect((await cli(['dns', 'sync', url, join(dir, 'r'), '--server', srv.server, '--rate', String(MAX_DNS_SYNC_RATE)])).code).toBe(1); // in range; the signature fails
  });
});

describe('node --dns', () => {
  it('dials the nodes of the tree and logs them as outbound peers', async () => {
    const devnet = generateDevnetChain({ length: 2, seed: DEVNET_SEED });
    const key = generatePrivateKey();
    const target = await P2PNode.start({ network: devnet.network, chain: devnet.chain, privateKey: key, addr: { host: '127.0.0.1', port: await freePort() }, discovery: false });
    try {
      const rec = new EnrBuilder().ip(Uint8Array.of(127, 0, 0, 1)).tcp(target.server.port).udp(target.server.port).sign(key, 1n);
      const { url, txt } = signedTree([rec], [], 'nodes.example.org');
      const srv = await serve(txt);
      const node = await startLongRunning(['node', '--network', 'devnet', '--bootnodes', '', '--addr', '127.0.0.1:0', '--status-interval', '0', '--datadir', join(dir, 'node'), '--dns', url, '--dns-server', srv.server]);
      try {
        const log = await node.waitForStderr(/peer connected .*dir=outbound/, 20_000);
        expect(log).toMatch(new RegExp(`peer connected id=${target.server.id.slice(0, 16)} dir=outbound addr=127\\.0\\.0\\.1:${target.server.port}`));
      } finally {
        await node.stop();
      }
    } finally {
      await target.stop();
    }
  }, 40_000);

  it('usage errors: --dns-server without --dns, --dns with --nodiscover, a bad URL', async () => {
    const url = signedTree([], [], 'n').url;
    expectErrorLine(await cli(['node', '--network', 'devnet', '--dns-server', '127.0.0.1']), 2, 'error: --dns-server needs --dns');
    expectErrorLine(await cli(['node', '--network', 'devnet', '--nodiscover', '--dns', url]), 2, 'error: --dns is discovery: it cannot be used with --nodiscover');
    expectErrorLine(await cli(['node', '--network', 'devnet', '--dns', 'enrtree://x']), 2, 'error: --dns: invalid enrtree URL "enrtree://x": missing public key');
  });
});
