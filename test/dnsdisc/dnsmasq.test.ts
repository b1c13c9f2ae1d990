/**
 * The client against a real DNS server: Debian's dnsmasq on 127.0.0.1 serving the trees as TXT
 * records. Skipped, saying why, when dnsmasq is not installed (`.ci/run` installs it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { EnrBuilder, enrFromText, enrToText } from '../../src/enode/enr.js';
import { DnsClient } from '../../src/dnsdisc/client.js';
import { DnsBadSignatureError } from '../../src/dnsdisc/errors.js';
import { SystemTxtResolver } from '../../src/dnsdisc/resolver.js';
import { loadVectors } from '../support/vectors.js';
import { dnsmasqBinary, startDnsmasq, type Dnsmasq } from './dnsmasq.js';
import { signedTree, testKey, testRecords } from './fixtures.js';

const bin = dnsmasqBinary();
if (!bin) process.stderr.write('dnsmasq tests skipped: dnsmasq is not installed (apt-get install dnsmasq-base; .ci/run does)\n');

const running: Dnsmasq[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});
async function serve(records: ReadonlyMap<string, string>): Promise<Dnsmasq> {
  const d = await startDnsmasq(bin!, records);
  running.push(d);
  return d;
}
const client = (d: Dnsmasq) => new DnsClient({ resolver: new SystemTxtResolver({ servers: [d.server] }), rateLimit: Infinity });
const ids = (r: readonly { nodeId: Uint8Array }[]) => r.map((x) => bytesToHex(x.nodeId)).sort();

describe.skipIf(!bin)('against dnsmasq (a real DNS server on 127.0.0.1)', () => {
  it('syncs the EIP-1459 example tree', async () => {
    const V = loadVectors<{ url: string; records: Record<string, string>; nodes: string[]; links: string[] }>('dnsdisc.json');
    const d = await serve(new Map(Object.entries(V.records)));
    const tree = await client(d).syncTree(V.url);
    expect(ids(tree.records())).toEqual(ids(V.nodes.map(enrFromText)));
    expect(tree.links()).toEqual(V.links);
  });

  it('syncs a 500-node tree with a link, and a 404-character record split into 255-byte strings', async () => {
    const big = new EnrBuilder().ip(Uint8Array.of(10, 9, 9, 9)).tcp(1).set('pad', new Uint8Array(161)).sign(testKey('big'), 1n);
    const recs = [...testRecords(500), big];
    const link = signedTree([], [], 'other.example.org').url;
    const { url, txt } = signedTree(recs, [link], 'nodes.example.org', 9n);
    const d = await serve(txt);
    const c = client(d);
    const tree = await c.syncTree(url);
    expect(ids(tree.records())).toEqual(ids(recs));
    expect(tree.records().map(enrToText)).toContain(enrToText(big));
    expect(tree.links()).toEqual([link]);
    expect(tree.seq).toBe(9n);
    expect(c.stats.lookups).toBe(txt.size);
  });

  it('refuses a root signed by another key', async () => {
    const { txt } = signedTree(testRecords(2), [], 'n.example.org', 1n, testKey('impostor'));
    const d = await serve(txt);
    await expect(client(d).syncTree(signedTree([], [], 'n.example.org').url)).rejects.toBeInstanceOf(DnsBadSignatureError);
  });

  it('the random iterator walks the tree dnsmasq serves', async () => {
    const recs = testRecords(20);
    const { url, txt } = signedTree(recs, [], 'it.example.org');
    const d = await serve(txt);
    const it = client(d).nodeIterator([url]);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await it.next();
      if (r.done) break;
      seen.add(bytesToHex(r.value.nodeId));
    }
    await it.return();
    expect([...seen].sort()).toEqual(ids(recs));
  });
});
