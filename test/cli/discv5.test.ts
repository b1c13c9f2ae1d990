/** The discv5 CLI commands against an in-process discv5 node on 127.0.0.1 (no external network). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { enrFromText, enrToText } from '../../src/enode/enr.js';
import { type Discv5CliIo, discv5Crawl, discv5Listen, discv5Ping, discv5RequestEnr, discv5Resolve } from '../../src/cli/discv5.js';
import { Discv5 } from '../../src/discv5/discv5.js';
import { cli, expectErrorLine, expectJsonError, requireBuild } from './run-cli.js';

function capture(signal?: AbortSignal, onListening?: (n: Discv5) => void): Discv5CliIo & { text: () => string } {
  let out = '';
  return { out: (t) => void (out += t), err: () => undefined, ...(signal ? { signal } : {}), ...(onListening ? { onListening } : {}), text: () => out };
}

let remote: Discv5;
let dir: string;
beforeAll(async () => {
  remote = await Discv5.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: 0, refreshIntervalMs: 0 });
  dir = await mkdtemp(join(tmpdir(), 'discv5-cli-'));
});
afterAll(async () => {
  await remote.close();
  await rm(dir, { recursive: true, force: true });
});

describe('discv5 CLI', () => {
  it('ping prints the round trip, and the observed address with --json', async () => {
    const io = capture();
    await discv5Ping([enrToText(remote.localEnr), '--addr', '127.0.0.1:0'], io);
    expect(io.text()).toMatch(/^node responded to ping \(RTT [\d.]+ ms\)\n$/);
    const j = capture();
    await discv5Ping([remote.enode, '--addr', '127.0.0.1:0', '--json'], j);
    const v = JSON.parse(j.text()) as { enrSeq: number; to: { ip: string } };
    expect(v.to.ip).toBe('127.0.0.1');
    expect(BigInt(v.enrSeq)).toBe(remote.localEnr.seq);
  });

  it('requestenr prints the record (JSON); resolve prints it as text', async () => {
    const io = capture();
    await discv5RequestEnr([remote.enode, '--addr', '127.0.0.1:0', '--json'], io);
    expect((JSON.parse(io.text()) as { record: string }).record).toBe(enrToText(remote.localEnr));
    const r = capture();
    await discv5Resolve([enrToText(remote.localEnr), '--addr', '127.0.0.1:0'], r);
    expect(r.text().trim()).toBe(enrToText(remote.localEnr));
  });

  it('listen prints its enode and ENR, answers, and closes on signal', async () => {
    const ac = new AbortController();
    let node: Discv5 | undefined;
    const io = capture(ac.signal, (n) => (node = n));
    const run = discv5Listen(['--addr', '127.0.0.1:0', '--verbosity', '0'], io);
    while (!node) await new Promise((r) => setTimeout(r, 10));
    const [enode, enr] = io.text().trim().split('\n');
    expect(enode).toBe(node.enode);
    expect(enrFromText(enr!).nodeId).toEqual(node.selfId);
    expect((await remote.ping(node.self)).toIp).toBe('127.0.0.1');
    ac.abort();
    await run;
  });

  it('crawl walks from a bootnode and writes the nodes that answered', async () => {
    const out = join(dir, 'nodes.json');
    const io = capture();
    await discv5Crawl(['--bootnodes', enrToText(remote.localEnr), '--timeout', '1500ms', '--addr', '127.0.0.1:0', '--out', out], io);
    const nodes = JSON.parse(await readFile(out, 'utf8')) as Record<string, { record: string }>;
    expect(Object.keys(nodes)).toContain(remote.self.idHex);
    expect(io.text()).toMatch(/^wrote 1 nodes to /);
  });

  it('errors: a bad argument is a usage error (exit 2); an unreachable node is exit 1, as JSON with --json', async () => {
    requireBuild();
    expectErrorLine(await cli(['discv5', 'ping', 'enode://xyz']), 2, /^error: invalid enode URL/);
    // A valid key at a port where nobody answers.
    const silent = `enode://${bytesToHex(publicKeyOf(generatePrivateKey()))}@127.0.0.1:9`;
    expectJsonError(await cli(['discv5', 'ping', silent, '--timeout', '300ms', '--json']), 1, { code: 'timeout', message: /timeout/ });
  });
});
