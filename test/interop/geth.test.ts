/**
 * Against geth at each pinned version (v1.17.0: eth/68+69; v1.17.10, the newest v1.17: eth/69+70)
 * with its own ethtest chain, on loopback:
 * - our dial: RLPx + Hello, Status at the highest shared version, GetBlockHeaders,
 *   GetBlockBodies and GetReceipts at every shared version, equal to its JSON-RPC;
 * - sync-headers from it yields exactly its chain;
 * - its dial: a fresh geth (genesis only) dials our node serving the chain file, the session
 *   survives 60 s of keepalive, then (engine API newPayload + forkchoiceUpdated) geth syncs the
 *   whole chain from us alone;
 * - discv4 both ways: we ping/requestENR/findnode it, it bonds with us (we are its bootnode), and
 *   our node is in its table;
 * - on the newest version, the pure crypto backend: rlpx ping, eth status and sync-headers from
 *   the CLI with DEVP2P_CRYPTO=pure.
 * Every check lands in interop-report.json. Skipped, with one line saying so, without Go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { Discv4 } from '../../src/discv4/discv4.js';
import { makeNode } from '../../src/discv4/node.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { networkFromGenesisJson, type EthNetwork } from '../../src/chain/chain-config.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import { receiptsRoot } from '../../src/chain/block-roots.js';
import { EthPeer } from '../../src/eth/peer.js';
import type { Receipt69 } from '../../src/chain/receipt.js';
import { ETH_VERSIONS, type EthVersion } from '../../src/eth/protocol.js';
import { dial } from '../../src/rlpx/connect.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/node/eth-service.js';
import { HeaderStore } from '../../src/sync/headers/header-store.js';
import { StoreChain } from '../../src/sync/headers/store-chain.js';
import { runSyncNode } from '../../src/sync/node/sync-node.js';
import { buildTool, ethtestData, GETH_VERSIONS, goBinary, loadEthtestChain, startGeth, type GethNode } from './geth-harness.js';
import { check, record } from './report.js';

const go = goBinary();
if (!go) process.stderr.write('Go is not installed: geth interop tests skipped\n');
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const KEEPALIVE_MS = 60_000;
/** The geth version the pure-backend checks run against (one is enough: the wire is the same). */
const PURE_CHECK_VERSION = GETH_VERSIONS[GETH_VERSIONS.length - 1]!.version;

interface RpcBlock {
  number: string;
  hash: string;
  receiptsRoot: string;
  transactions: string[];
  withdrawals?: unknown[];
}

for (const { version, eth } of GETH_VERSIONS) {
  const node = `geth ${version}`;
  const shared = ETH_VERSIONS.filter((v) => (eth as readonly number[]).includes(v)) as EthVersion[];
  const highest = Math.max(...shared) as EthVersion;

  describe.skipIf(!go)(`${node} interop`, () => {
    let geth: GethNode;
    let bin: string;
    let network: EthNetwork;
    let testdata: string;
    let disc: Discv4;
    const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-geth-sync-'));
    const block = (n: bigint | 'latest') => geth.rpc<RpcBlock>('eth_getBlockByNumber', [n === 'latest' ? n : '0x' + n.toString(16), false]);

    beforeAll(async () => {
      bin = await buildTool('geth', version);
      testdata = await ethtestData(go!, version);
      // Our discovery node first: geth gets it as its bootnode, so it must bond with us.
      disc = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey() });
      disc.start();
      geth = await startGeth(bin, testdata, { discovery: { bootnodes: [disc.enode] } });
      network = networkFromGenesisJson(readFileSync(join(testdata, 'genesis.json'), 'utf8'), hexToBytes(geth.genesisHash));
    });
    afterAll(async () => {
      await geth?.stop();
      await disc?.close();
      rmSync(datadir, { recursive: true, force: true });
    });

    it('rlpx ping: handshake + Hello', () =>
      check(node, 'rlpx ping (our dial): Hello', async () => {
        const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'rlpx', 'ping', geth.enode, '--json'], { timeout: 30_000 });
        const hello = JSON.parse(stdout);
        expect(hello.clientId).toMatch(new RegExp(`^Geth/${version.replace(/\./g, '\\.')}`));
        expect(hello.capabilities).toEqual(expect.arrayContaining(eth.map((v) => ({ name: 'eth', version: v }))));
        expect(hello.publicKey).toBe(bytesToHex(parseEnode(geth.enode).publicKey));
      }));

    it(`eth Status at the highest shared version (eth/${highest})`, () =>
      check(node, `eth status: eth/${highest} negotiated, Status matches RPC`, async () => {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [CLI, 'eth', 'status', geth.enode, '--genesis', join(testdata, 'genesis.json'), '--genesis-hash', geth.genesisHash, '--json'],
          { timeout: 30_000 },
        );
        const s = JSON.parse(stdout);
        const latest = await block('latest');
        expect(s.version).toBe(highest);
        expect(JSON.stringify(s)).toContain(geth.genesisHash);
        expect(JSON.stringify(s)).toContain(latest.hash.slice(2));
      }));

    it('sync-headers from it yields exactly its chain', () =>
      check(node, 'sync-headers yields its chain', async () => {
        const summary = await runSyncNode({ network, datadir, privateKey: generatePrivateKey(), peers: [parseEnode(geth.enode)], peerWaitMs: 20_000, settleMs: 200 });
        const latest = await block('latest');
        expect(summary.to).toBe(BigInt(latest.number).toString());
        expect(summary.headHash).toBe(latest.hash.slice(2));
        expect(summary.peers[0]!.version).toBe(highest);
        const store = HeaderStore.open(datadir);
        try {
          expect(store.lowest).toBe(0n);
          for (let n = 0n; n <= BigInt(latest.number); n++) expect(bytesToHex(store.get(n)!.hash)).toBe((await block(n)).hash.slice(2));
        } finally {
          store.close();
        }
      }));

    // The pure crypto backend against the same geth, in child processes (the backend is chosen
    // per process): Hello, Status and a header sync, on the newest version only.
    it.runIf(version === PURE_CHECK_VERSION)('pure crypto backend (DEVP2P_CRYPTO=pure): rlpx ping, eth Status, sync-headers', async () => {
      const pureEnv = { ...process.env, DEVP2P_CRYPTO: 'pure' };
      const cli = (args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args], { timeout: 60_000, env: pureEnv });
      await check(node, 'pure crypto: rlpx ping (our dial): Hello', async () => {
        const hello = JSON.parse((await cli(['rlpx', 'ping', geth.enode, '--json'])).stdout);
        expect(hello.clientId).toMatch(/^Geth\//);
        expect(hello.publicKey).toBe(bytesToHex(parseEnode(geth.enode).publicKey));
      });
      const genesis = ['--genesis', join(testdata, 'genesis.json'), '--genesis-hash', geth.genesisHash];
      await check(node, `pure crypto: eth status: eth/${highest} negotiated`, async () => {
        const s = JSON.parse((await cli(['eth', 'status', geth.enode, ...genesis, '--json'])).stdout);
        expect(s.version).toBe(highest);
        expect(JSON.stringify(s)).toContain((await block('latest')).hash.slice(2));
      });
      await check(node, 'pure crypto: sync-headers yields its chain', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'devp2p-ts-geth-pure-'));
        try {
          const out = (await cli(['sync-headers', ...genesis, '--peer', geth.enode, '--datadir', dir, '--json'])).stdout;
          const latest = await block('latest');
          expect(out).toContain(latest.hash.slice(2));
          const store = HeaderStore.open(dir);
          try {
            expect(store.lowest).toBe(0n);
            expect(bytesToHex(store.get(BigInt(latest.number))!.hash)).toBe(latest.hash.slice(2));
          } finally {
            store.close();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }, 180_000);

    for (const v of shared) {
      it(`GetBlockHeaders, GetBlockBodies, GetReceipts over eth/${v} equal its JSON-RPC`, () =>
        check(node, `eth/${v} headers+bodies+receipts equal RPC`, async () => {
          const e = parseEnode(geth.enode);
          const session = await dial({ publicKey: e.publicKey, host: e.ip, port: e.tcpPort }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities([v]) });
          const store = HeaderStore.open(datadir);
          try {
            const peer = await EthPeer.connect(session, { network, chain: new StoreChain(network, store) });
            expect(peer.version).toBe(v);
            const latest = BigInt(await geth.rpc<string>('eth_blockNumber'));
            // Skip and reverse as geth's own suite asks them.
            const headers = await peer.getBlockHeaders({ origin: { number: 1n }, amount: 3n, skip: 1n });
            expect(headers.map((h) => h.number)).toEqual([1n, 3n, 5n]);
            const reverse = await peer.getBlockHeaders({ origin: { hash: hexToBytes((await block(latest)).hash) }, amount: 4n, skip: 0n, reverse: true });
            expect(reverse.map((h) => h.number)).toEqual([latest, latest - 1n, latest - 2n, latest - 3n]);
            for (const h of [...headers, ...reverse]) expect(bytesToHex(h.hash)).toBe((await block(h.number)).hash.slice(2));
            // Blocks with transactions: bodies and receipts match geth's RPC (tx hashes, receipts root).
            let checked = 0;
            for (let n = 1n; n <= latest && checked < 5; n++) {
              const b = await block(n);
              if (b.transactions.length === 0) continue;
              const [body] = await peer.getBlockBodies([hexToBytes(b.hash)]);
              expect(body!.transactions.map((t) => '0x' + bytesToHex(t.hash))).toEqual(b.transactions);
              expect(body!.withdrawals?.length ?? 0).toBe(b.withdrawals?.length ?? 0);
              const r = await peer.getReceipts([hexToBytes(b.hash)]);
              expect(r.receipts.length).toBe(1);
              expect(r.receipts[0]!.length).toBe(b.transactions.length);
              expect('0x' + bytesToHex(receiptsRoot(r.receipts[0] as Receipt69[]))).toBe(b.receiptsRoot);
              checked++;
            }
            expect(checked).toBe(5);
            await peer.disconnect();
          } finally {
            store.close();
          }
        }));
    }

    it('its dial: a fresh geth dials our serve node, keeps the session 60 s, then syncs the chain from us', async () => {
      const chain = await loadEthtestChain(testdata);
      const eth = new EthService({ network, chain: chain.chain, ...(chain.td === undefined ? {} : { td: chain.td }) });
      const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 } });
      await server.start();
      const fresh = await startGeth(bin, testdata, { importChain: false });
      try {
        const p = await check(node, 'its dial: admin_addPeer -> eth peer', async () => {
          const gethPeer = new Promise<EthPeer>((resolve) => eth.once('peer', (p) => resolve(p)));
          expect(await fresh.rpc<boolean>('admin_addPeer', [server.enode])).toBe(true);
          const peer = await gethPeer;
          expect(peer.version).toBe(highest);
          return peer;
        });
        await check(node, `its dial: session survives ${KEEPALIVE_MS / 1000} s keepalive`, async () => {
          // 60 s spans several geth pings (every 15 s) and ours; neither side may drop the session.
          await new Promise((r) => setTimeout(r, KEEPALIVE_MS));
          expect(p.closed).toBe(false);
          const peers = await fresh.rpc<{ id: string }[]>('admin_peers');
          expect(peers.some((x) => x.id === server.id)).toBe(true);
        });
        await check(node, 'its dial: geth syncs the whole chain from us (headers + bodies)', async () => {
          // The engine API drives a post-merge geth: newPayload of the head, then forkchoiceUpdated.
          const payloads = JSON.parse(readFileSync(join(testdata, 'newpayload.json'), 'utf8')) as { method: string; params: unknown[] }[];
          const fcu = JSON.parse(readFileSync(join(testdata, 'headfcu.json'), 'utf8')) as { method: string; params: unknown[] };
          const head = payloads[payloads.length - 1]!;
          await fresh.engine(head.method, head.params);
          await fresh.engine(fcu.method, fcu.params);
          const want = (await block('latest')).hash;
          let got = '';
          for (let i = 0; i < 240 && got !== want; i++) {
            await new Promise((r) => setTimeout(r, 500));
            got = (await fresh.rpc<RpcBlock>('eth_getBlockByNumber', ['latest', false])).hash;
          }
          expect(got, fresh.log().slice(-2000)).toBe(want);
          expect(p.closed).toBe(false);
        });
      } finally {
        await fresh.stop();
        await server.stop();
      }
    }, KEEPALIVE_MS + 240_000);

    for (const suite of ['eth', 'discv4'] as const) {
      it(`our conformance runner: devp2p-ts test ${suite} against it, every check passes or is skipped`, async () => {
        const args = [CLI, 'test', suite, '--node', geth.enode, '--json', ...(suite === 'eth' ? ['--chain', testdata] : [])];
        const out = await new Promise<string>((resolve) => execFile(process.execPath, args, { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (_e, stdout) => resolve(stdout)));
        const report = JSON.parse(out) as { results: { name: string; status: 'pass' | 'fail' | 'skip'; reason?: string; notes: string[]; durationMs: number }[] };
        const who = `${node} (devp2p-ts test ${suite})`;
        for (const r of report.results) {
          const reason = [r.reason, ...r.notes].filter(Boolean).join('; ');
          record({ node: who, check: r.name, status: r.status === 'pass' ? 'passed' : r.status === 'fail' ? 'failed' : 'skipped', ...(reason ? { reason } : {}), ms: r.durationMs });
        }
        expect(report.results.filter((r) => r.status === 'pass').length).toBeGreaterThan(10);
        expect(report.results.filter((r) => r.status === 'fail').map((r) => `${r.name}: ${r.reason}`)).toEqual([]);
      }, 660_000);
    }

    it('discv4 both ways: ping, ENR, findnode; it bonded with us; we are in its table', async () => {
      const gethNode = parseEnode(geth.enode);
      const target = makeNode(gethNode.publicKey, '127.0.0.1', geth.udpPort, gethNode.tcpPort);
      await check(node, 'discv4: our ping answered', async () => {
        const pong = await disc.ping(target);
        expect(pong.rttMs).toBeGreaterThanOrEqual(0);
      });
      await check(node, 'discv4: ENRRequest answered with its ENR', async () => {
        const enr = await disc.requestEnr(target);
        expect(bytesToHex(enr.publicKey)).toBe(bytesToHex(gethNode.publicKey));
        expect(enr.seq).toBeGreaterThan(0n);
      });
      await check(node, 'discv4: it bonded with us (we are its bootnode)', async () => {
        for (let i = 0; i < 100 && !disc.isBonded(target.idHex, '127.0.0.1'); i++) await new Promise((r) => setTimeout(r, 100));
        expect(disc.isBonded(target.idHex, '127.0.0.1')).toBe(true);
      });
      await check(node, 'discv4: FindNode answered; our node is in its table', async () => {
        // A third node asks geth for the nodes closest to our ID: we must be among them.
        const third = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey() });
        try {
          await third.ping(target);
          let found = false;
          for (let i = 0; i < 20 && !found; i++) {
            const nodes = await third.findNode(target, disc.publicKey);
            found = nodes.some((n) => bytesToHex(n.id) === bytesToHex(disc.selfId));
            if (!found) await new Promise((r) => setTimeout(r, 500));
          }
          expect(found).toBe(true);
        } finally {
          await third.close();
        }
      });
    }, 60_000);
  });
}
