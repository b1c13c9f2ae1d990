/** The discv4 CLI commands against in-process nodes on 127.0.0.1 (no external network). */
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/secp256k1.js';
import { enrFromText, enrToText } from '../../src/enode/enr.js';
import { type CliIo, discv4Crawl, discv4Listen, discv4Ping, discv4RequestEnr, discv4Resolve, enrdumpCommand } from '../../src/cli/discv4.js';
import { keyToEnr } from '../../src/cli/key.js';
import { UsageError } from '../../src/cli/output.js';
import { Discv4 } from '../../src/discv4/index.js';

function capture(signal?: AbortSignal, onListening?: (n: Discv4) => void): CliIo & { text: () => string; errText: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    ...(signal ? { signal } : {}),
    ...(onListening ? { onListening } : {}),
    text: () => out,
    errText: () => err,
  };
}

let remote: Discv4;
let dir: string;
beforeAll(async () => {
  remote = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: 0, refreshIntervalMs: 0 });
  dir = await mkdtemp(join(tmpdir(), 'discv4-cli-'));
});
afterAll(async () => {
  await remote.close();
  await rm(dir, { recursive: true, force: true });
});

describe('discv4 CLI', () => {
  it('ping prints the round trip', async () => {
    const io = capture();
    await discv4Ping([remote.enode, '--addr', '127.0.0.1:0'], io);
    expect(io.text()).toMatch(/^node responded to ping \(RTT [\d.]+ ms\)\n$/);
  });

  it('requestenr prints the record (JSON)', async () => {
    const io = capture();
    await discv4RequestEnr([remote.enode, '--addr', '127.0.0.1:0', '--json'], io);
    const j = JSON.parse(io.text()) as { record: string; nodeId: string };
    expect(j.record).toBe(enrToText(remote.localEnr));
    expect(j.nodeId).toBe(remote.self.idHex);
  });

  it('resolve accepts an ENR and prints the current record', async () => {
    const io = capture();
    await discv4Resolve([enrToText(remote.localEnr), '--addr', '127.0.0.1:0'], io);
    expect(io.text().trim()).toBe(enrToText(remote.localEnr));
  });

  it('listen prints a parseable enode line and its ENR, serves, and closes on signal', async () => {
    const ac = new AbortController();
    let served: Discv4 | undefined;
    const io = capture(ac.signal, (n) => {
      served = n;
    });
    const keyFile = join(dir, 'nodekey');
    const key = generatePrivateKey();
    await writeFile(keyFile, bytesToHex(key));
    const run = discv4Listen(['--addr', '127.0.0.1:0', '--nodekey', keyFile, '--nodedb', join(dir, 'db')], io);
    for (let i = 0; i < 100 && !served; i++) await new Promise((r) => setTimeout(r, 20));
    expect(served).toBeDefined();
    const [enode, enr] = io.text().split('\n');
    expect(enode).toMatch(new RegExp(`^enode://${bytesToHex(publicKeyOf(key))}@127\\.0\\.0\\.1:\\d+$`));
    expect(enrFromText(enr!).udp()).toBe(served!.localAddress.port);
    await remote.ping(served!.self);
    // The remote's Ping makes the node bond with it and take it into its table: logged at info.
    for (let i = 0; i < 100 && !io.errText().includes('node added'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(io.errText()).toMatch(new RegExp(`INFO  \\[discv4\\] node added id=${remote.self.idHex.slice(0, 16)} addr=127\\.0\\.0\\.1:${remote.localAddress.port}`));
    // Leaving the table is logged too.
    served!.table.remove(remote.self.idHex);
    expect(io.errText()).toMatch(new RegExp(`INFO  \\[discv4\\] node removed id=${remote.self.idHex.slice(0, 16)} addr=127\\.0\\.0\\.1:${remote.localAddress.port}`));
    // A datagram it refuses is logged with the reason.
    const junk = createSocket('udp4');
    await new Promise<void>((r) => junk.send(Buffer.alloc(200, 7), served!.localAddress.port, '127.0.0.1', () => r()));
    junk.close();
    for (let i = 0; i < 100 && !io.errText().includes('packet refused'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(io.errText()).toMatch(/INFO {2}\[discv4\] packet refused reason=\S+ from=127\.0\.0\.1:\d+/);
    ac.abort();
    await run;
    expect(served!.activeTimers).toBe(0);
    // The bond with `remote` was persisted.
    expect(await readFile(join(dir, 'db', 'discv4-nodes.jsonl'), 'utf8')).toContain(remote.self.idHex);
  });

  it('crawl writes a nodes.json of the nodes reachable from the bootnodes', async () => {
    const others = await Promise.all(
      [0, 1, 2].map(() => Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: 0, refreshIntervalMs: 0 })),
    );
    for (const o of others) remote.table.add(o.self);
    const out = join(dir, 'nodes.json');
    const io = capture();
    await discv4Crawl(['--out', out, '--bootnodes', remote.enode, '--timeout', '3s', '--addr', '127.0.0.1:0'], io);
    const nodes = JSON.parse(await readFile(out, 'utf8')) as Record<string, { record: string; seq: number }>;
    for (const o of [remote, ...others]) expect(nodes[o.self.idHex]?.record).toBe(enrToText(o.localEnr));
    await Promise.all(others.map((o) => o.close()));
  });

  it('enrdump prints geth-style fields', async () => {
    const io = capture();
    await enrdumpCommand([enrToText(remote.localEnr)], io);
    expect(io.text()).toContain(`Node ID: ${remote.self.idHex}`);
    expect(io.text()).toContain('"udp"');
  });

  it('key to-enr signs a record with the given endpoint', async () => {
    const keyFile = join(dir, 'k2');
    const key = generatePrivateKey();
    await writeFile(keyFile, bytesToHex(key));
    const io = capture();
    await keyToEnr([keyFile, '--ip', '10.1.2.3', '--tcp', '30305', '--udp', '30306'], io.out);
    const enr = enrFromText(io.text().trim());
    expect(Array.from(enr.ip()!)).toEqual([10, 1, 2, 3]);
    expect(enr.tcp()).toBe(30305);
    expect(enr.udp()).toBe(30306);
    expect(bytesToHex(enr.publicKey)).toBe(bytesToHex(publicKeyOf(key)));
  });

  it('usage errors', async () => {
    await expect(discv4Ping([], capture())).rejects.toBeInstanceOf(UsageError);
    await expect(discv4Ping(['enode://xyz'], capture())).rejects.toBeInstanceOf(UsageError);
    await expect(discv4Listen(['--addr', 'nope'], capture())).rejects.toBeInstanceOf(UsageError);
  });
});
