/**
 * DNS discovery (EIP-1459) against go-ethereum's `devp2p dns` (v1.17.10), on loopback:
 * - a tree geth signs (`dns sign`, keystore + password) and exports (`dns to-txt`) resolves with
 *   our client, served by a DNS server on 127.0.0.1, to the nodes and links of its directory;
 * - our `dns to-txt` of that directory equals geth's byte for byte; a directory we sign with the
 *   same key and seq gets geth's url and signature; geth's `dns to-txt` accepts (verifies) a tree
 *   we signed and prints what ours prints;
 * - geth's own `devp2p dns sync` downloads a tree we signed from dnsmasq on 127.0.0.1:53 inside
 *   a private network + mount namespace (its resolver reads only /etc/resolv.conf, so that file
 *   is bind-mounted there), and writes the nodes.json and enrtree-info.json our `dns sync` writes
 *   (lastModified aside). Skipped, saying why, without unshare or dnsmasq.
 * Skipped without Go.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { encryptKeystore } from '../../src/dnsdisc/keystore.js';
import { parseTxtRecordsJson, writeTreeNodes } from '../../src/dnsdisc/tree-definition.js';
import { DnsClient } from '../../src/dnsdisc/client.js';
import { SystemTxtResolver } from '../../src/dnsdisc/resolver.js';
import { enrFromText } from '../../src/enode/enr.js';
import { cli } from '../cli/run-cli.js';
import { dnsmasqBinary } from '../dnsdisc/dnsmasq.js';
import { signedTree, testRecords, TREE_KEY } from '../dnsdisc/fixtures.js';
import { startTxtServer } from '../support/txt-server.js';
import { buildTool, goBinary } from './geth-harness.js';
import { check, record } from './report.js';

const NODE = 'devp2p v1.17.10 dns';
const PASSWORD = 'interop';

/** Runs a command with `input` on stdin; resolves with stdout, rejects on a non-zero exit. */
function run(cmd: string, args: readonly string[], input = '', timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(kill);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err.trim().slice(-2000)} ${out.trim().slice(-500)}`));
    });
    child.stdin.end(input);
  });
}

const ids = (records: readonly { nodeId: Uint8Array }[]) => records.map((r) => bytesToHex(r.nodeId)).sort();

/** `unshare --net --mount` works here (root with CAP_SYS_ADMIN, util-linux present). */
function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['--net', '--mount', '--', 'true'], { stdio: 'ignore' });
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!goBinary())('DNS discovery against geth devp2p v1.17.10', () => {
  let devp2p: string;
  let dir: string;
  beforeAll(async () => {
    devp2p = await buildTool('devp2p', 'v1.17.10');
    dir = mkdtempSync(join(tmpdir(), 'dnsdisc-interop-'));
    writeFileSync(join(dir, 'key.json'), encryptKeystore(TREE_KEY, PASSWORD));
    writeFileSync(join(dir, 'pw.txt'), PASSWORD + '\n');
  }, 1_500_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A tree directory named `domain` holding `n` nodes and one link, unsigned. */
  async function treeDir(domain: string, n: number): Promise<{ path: string; link: string }> {
    const path = join(dir, domain);
    await writeTreeNodes(path, testRecords(n, domain));
    const link = signedTree([], [], `linked.${domain}`).url;
    writeFileSync(join(path, 'enrtree-info.json'), JSON.stringify({ seq: 4, links: [link] }));
    return { path, link };
  }

  it('a tree geth signs resolves with our client to the nodes and links of its directory; our to-txt equals geth\'s', async () => {
    const { path, link } = await treeDir('geth-signed.example.org', 60);
    await check(NODE, 'dns sign (geth) -> sync (ours): same nodes, links, seq', async () => {
      await run(devp2p, ['dns', 'sign', path, join(dir, 'key.json')], PASSWORD + '\n');
      const info = JSON.parse(readFileSync(join(path, 'enrtree-info.json'), 'utf8')) as { url: string; seq: number };
      expect(info.seq).toBe(5);
      const gethTxt = await run(devp2p, ['dns', 'to-txt', path]);
      const srv = await startTxtServer(parseTxtRecordsJson('geth to-txt', gethTxt));
      try {
        const tree = await new DnsClient({ resolver: new SystemTxtResolver({ servers: [srv.server] }), rateLimit: Infinity }).syncTree(info.url);
        const nodes = JSON.parse(readFileSync(join(path, 'nodes.json'), 'utf8')) as Record<string, { record: string }>;
        expect(ids(tree.records())).toEqual(ids(Object.values(nodes).map((n) => enrFromText(n.record))));
        expect(tree.links()).toEqual([link]);
        expect(tree.seq).toBe(5n);
      } finally {
        await srv.close();
      }
    });
    await check(NODE, 'dns to-txt: ours equals geth\'s byte for byte (geth-signed tree)', async () => {
      const gethTxt = await run(devp2p, ['dns', 'to-txt', path]);
      const ours = await cli(['dns', 'to-txt', path]);
      expect(ours.code, ours.stderr).toBe(0);
      expect(ours.stdout).toBe(gethTxt);
    });
  }, 300_000);

  it('a tree we sign gets geth\'s url and signature; geth\'s to-txt verifies it and prints what ours prints', async () => {
    const { path } = await treeDir('ours.example.org', 60);
    const twin = join(dir, 'twin', 'ours.example.org');
    mkdirSync(join(dir, 'twin'));
    cpSync(path, twin, { recursive: true });
    await check(NODE, 'dns sign: ours and geth\'s give the same url, seq and signature (same key, RFC 6979)', async () => {
      const r = await cli(['dns', 'sign', path, join(dir, 'key.json'), '--password', join(dir, 'pw.txt')]);
      expect(r.code, r.stderr).toBe(0);
      await run(devp2p, ['dns', 'sign', twin, join(dir, 'key.json')], PASSWORD + '\n');
      const ours = JSON.parse(readFileSync(join(path, 'enrtree-info.json'), 'utf8'));
      const geths = JSON.parse(readFileSync(join(twin, 'enrtree-info.json'), 'utf8'));
      expect({ ...ours, lastModified: 0, links: ours.links.sort() }).toEqual({ ...geths, lastModified: 0, links: geths.links.sort() });
    });
    await check(NODE, 'dns to-txt (geth) accepts our signature and equals ours', async () => {
      const gethTxt = await run(devp2p, ['dns', 'to-txt', path]);
      const ours = await cli(['dns', 'to-txt', path]);
      expect(ours.stdout).toBe(gethTxt);
      // And geth refuses a tree whose signature does not match (so the check above means something).
      const info = JSON.parse(readFileSync(join(path, 'enrtree-info.json'), 'utf8'));
      writeFileSync(join(path, 'enrtree-info.json'), JSON.stringify({ ...info, seq: info.seq + 1 }));
      await expect(run(devp2p, ['dns', 'to-txt', path])).rejects.toThrow(/invalid signature/);
    });
  }, 300_000);

  const dnsmasq = dnsmasqBinary();
  const unshare = canUnshare();
  const why = !dnsmasq ? 'dnsmasq is not installed' : !unshare ? 'unshare --net --mount is not permitted here' : '';
  if (why) {
    it.skip(`geth's dns sync of a tree we serve (skipped: ${why})`, () => {});
    record({ node: NODE, check: 'dns sync (geth) of a tree we signed, from dnsmasq on 127.0.0.1:53', status: 'skipped', reason: why, ms: 0 });
  } else {
    it("geth's dns sync downloads a tree we signed from dnsmasq on 127.0.0.1:53 and writes what our dns sync writes", async () => {
      const { path } = await treeDir('synced.example.org', 30);
      expect((await cli(['dns', 'sign', path, join(dir, 'key.json'), '--password', join(dir, 'pw.txt')])).code).toBe(0);
      const txt = parseTxtRecordsJson('ours', (await cli(['dns', 'to-txt', path])).stdout);
      const url = (JSON.parse(readFileSync(join(path, 'enrtree-info.json'), 'utf8')) as { url: string }).url;
      const ns = join(dir, 'ns');
      mkdirSync(ns);
      writeFileSync(join(ns, 'resolv.conf'), 'nameserver 127.0.0.1\n');
      writeFileSync(join(ns, 'txt.conf'), [...txt].map(([k, v]) => `txt-record=${k},"${v}"`).join('\n') + '\n');
      // Inside a private network namespace (only its own loopback) and mount namespace (its own
      // /etc/resolv.conf): dnsmasq on 127.0.0.1:53, then geth's dns sync at geth's rate limit.
      const script = [
        'set -e',
        'ip link set lo up',
        `mount --bind "${join(ns, 'resolv.conf')}" /etc/resolv.conf`,
        `"${dnsmasq}" --no-daemon --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --pid-file= --conf-file="${join(ns, 'txt.conf')}" 2>/dev/null &`,
        'DNSMASQ=$!',
        'trap "kill $DNSMASQ" EXIT',
        'for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/53) 2>/dev/null && break; sleep 0.05; done',
        `"${devp2p}" dns sync --timeout 5s "${url}" "${join(ns, 'geth-out')}"`,
      ].join('\n');
      await check(NODE, 'dns sync (geth) of a tree we signed, from dnsmasq on 127.0.0.1:53', async () => {
        await run('unshare', ['--net', '--mount', '--', 'bash', '-c', script], '', 180_000);
        const srv = await startTxtServer(txt);
        try {
          const ours = await cli(['dns', 'sync', url, join(ns, 'our-out'), '--server', srv.server, '--rate', '0']);
          expect(ours.code, ours.stderr).toBe(0);
        } finally {
          await srv.close();
        }
        expect(readFileSync(join(ns, 'our-out', 'nodes.json'), 'utf8')).toBe(readFileSync(join(ns, 'geth-out', 'nodes.json'), 'utf8'));
        const info = (p: string) => ({ ...JSON.parse(readFileSync(join(p, 'enrtree-info.json'), 'utf8')), lastModified: 0 });
        expect(info(join(ns, 'our-out'))).toEqual(info(join(ns, 'geth-out')));
      });
    }, 300_000);
  }
});
