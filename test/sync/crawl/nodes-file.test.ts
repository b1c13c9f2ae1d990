/** The crawl nodes file: geth's nodes.json shape, round trips, atomic writes, typed load errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '../../../src/common/bytes.js';
import { generatePrivateKey, publicKeyOf } from '../../../src/crypto/secp256k1.js';
import { makeNode, nodeFromEnr } from '../../../src/discv4/node.js';
import { EnrBuilder, enrToText } from '../../../src/enode/enr.js';
import { type CrawledNode, applyCheck, newCrawledNode } from '../../../src/sync/crawl/crawled-node.js';
import { loadNodesFile, NodesFileError, nodesToJson, parseNodesJson, saveNodesFile } from '../../../src/sync/crawl/nodes-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nodes-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A node with an ENR, checked once: Hello + an eth/68 Status with a TD above 2^53, a mismatch. */
function checkedNode(): CrawledNode {
  const key = generatePrivateKey();
  const enr = new EnrBuilder().ip(Uint8Array.of(127, 0, 0, 1)).tcp(30303).udp(30304).sign(key, 1_700_000_000_123n);
  const rec = newCrawledNode(nodeFromEnr(enr)!, Date.parse('2025-01-01T00:00:00.000Z'));
  applyCheck(
    rec,
    {
      ms: 12,
      hello: { clientId: 'Geth/v1.17.0-stable/linux-amd64/go1.26.0', protocolVersion: 5, capabilities: [{ name: 'eth', version: 68 }, { name: 'snap', version: 1 }], listenPort: 30303 },
      status: {
        version: 68,
        networkId: 1n,
        genesis: new Uint8Array(32).fill(0xd4),
        forkId: { hash: Uint8Array.of(0xc3, 0x76, 0xcf, 0x8b), next: 0n },
        head: { hash: new Uint8Array(32).fill(7), td: 58_750_003_716_598_352_816_469n },
        mismatch: { reason: 'fork-id', message: 'remote-stale' },
      },
    },
    Date.parse('2025-01-01T00:00:01.000Z'),
  );
  return rec;
}

/** A node known only by its enode URL, whose check failed. */
function failedNode(): CrawledNode {
  const rec = newCrawledNode(makeNode(publicKeyOf(generatePrivateKey()), '10.0.0.1', 30303, 30303), Date.parse('2025-01-02T00:00:00.000Z'));
  applyCheck(rec, { ms: 3, error: { kind: 'too-many-peers', phase: 'status', message: 'remote disconnect: too many peers', disconnectReason: 4, remoteDisconnect: true } }, Date.parse('2025-01-02T00:00:05.000Z'));
  return rec;
}

describe('nodes file', () => {
  it('writes geth\'s fields keyed by node ID, the ENR as the record, an enode URL without one', () => {
    const a = checkedNode();
    const b = failedNode();
    const j = nodesToJson([a, b]);
    expect(Object.keys(j)).toEqual([a.node.idHex, b.node.idHex].sort());
    expect(j[a.node.idHex]).toMatchObject({
      seq: 1_700_000_000_123,
      record: enrToText(a.node.enr!),
      score: 1,
      firstResponse: '2025-01-01T00:00:01.000Z',
      lastResponse: '2025-01-01T00:00:01.000Z',
      lastCheck: '2025-01-01T00:00:01.000Z',
      firstSeen: '2025-01-01T00:00:00.000Z',
      eth: { version: 68, networkId: '1', forkId: { hash: '0xc376cf8b', next: '0' }, head: { td: '58750003716598352816469' }, mismatch: { reason: 'fork-id' } },
    });
    expect(j[b.node.idHex]).toMatchObject({ seq: 0, record: `enode://${bytesToHex(b.node.publicKey)}@10.0.0.1:30303`, score: 0, lastError: { kind: 'too-many-peers', disconnectReason: 4 } });
    expect(j[b.node.idHex]!.firstResponse).toBeUndefined();
  });

  it('round-trips every field through save and load', async () => {
    const a = checkedNode();
    const b = failedNode();
    const file = join(dir, 'roundtrip.json');
    await saveNodesFile(file, [a, b]);
    const loaded = await loadNodesFile(file);
    expect(loaded.size).toBe(2);
    expect(nodesToJson(loaded.values())).toEqual(nodesToJson([a, b]));
    const la = loaded.get(a.node.idHex)!;
    expect(la.status!.head!.td).toBe(58_750_003_716_598_352_816_469n);
    expect(la.node.enr!.seq).toBe(1_700_000_000_123n);
    expect(la.node.udpPort).toBe(30304);
    // The write left no temporary file behind.
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('reads a geth nodes.json (only geth\'s fields)', () => {
    const key = generatePrivateKey();
    const enr = new EnrBuilder().ip(Uint8Array.of(1, 2, 3, 4)).udp(30303).tcp(30303).sign(key, 5n);
    const id = bytesToHex(enr.nodeId);
    const geth = { [id]: { seq: 5, record: enrToText(enr), score: 12, firstResponse: '2024-05-01T10:00:00Z', lastResponse: '2024-05-02T10:00:00Z', lastCheck: '2024-05-02T10:00:00Z' } };
    const rec = parseNodesJson(JSON.stringify(geth)).get(id)!;
    expect(rec.score).toBe(12);
    expect(rec.firstSeen).toBe(Date.parse('2024-05-01T10:00:00Z'));
    expect(rec.lastResponse).toBe(rec.lastCheck);
    expect(rec.node.ip).toBe('1.2.3.4');
  });

  it('a missing file is an empty set (a first run)', async () => {
    expect((await loadNodesFile(join(dir, 'absent.json'))).size).toBe(0);
  });

  it.each([
    ['truncated JSON', '{"ab', 'parse'],
    ['not an object', '[1,2]', 'shape'],
    ['a key that is not a node ID', '{"xyz": {"seq": 0, "record": "enode://00@1.2.3.4:1"}}', 'shape'],
    ['a record of another node', 'MISMATCH', 'shape'],
    ['a bad time', 'BADTIME', 'shape'],
    ['a bad record', `{"${'a'.repeat(64)}": {"seq": 0, "record": "enr:!!!"}}`, 'shape'],
  ])('%s gives NodesFileError(%s)', async (_name, text, reason) => {
    const a = checkedNode();
    const body =
      text === 'MISMATCH'
        ? JSON.stringify({ ['b'.repeat(64)]: nodesToJson([a])[a.node.idHex] })
        : text === 'BADTIME'
          ? JSON.stringify({ [a.node.idHex]: { ...nodesToJson([a])[a.node.idHex], lastCheck: 'yesterday' } })
          : text;
    const file = join(dir, `bad-${reason}-${Math.random()}.json`);
    await writeFile(file, body);
    const err = await loadNodesFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NodesFileError);
    expect((err as NodesFileError).reason).toBe(reason);
    expect((err as NodesFileError).path).toBe(file);
  });

  it('an unreadable path gives NodesFileError(read)', async () => {
    await expect(loadNodesFile(dir)).rejects.toMatchObject({ name: 'NodesFileError', reason: 'read' });
  });

  it('saving over an existing file replaces it whole', async () => {
    const file = join(dir, 'replace.json');
    await writeFile(file, 'x'.repeat(100_000));
    const a = checkedNode();
    await saveNodesFile(file, [a]);
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')) as object)).toEqual([a.node.idHex]);
  });
});
