/**
 * Against geth v1.17.0 (speaks eth/68 and eth/69) with its ethtest chain, on loopback:
 * RLPx ping (our dial), header sync from it equal to its chain (checked against its JSON-RPC),
 * block bodies equal to its data, and its dial to us staying up with keepalive.
 * Skipped, with one line saying so, when Go is not installed.
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
import { parseEnode } from '../../src/enode/enode-url.js';
import { networkFromGenesisJson, type EthNetwork } from '../../src/eth/chain-config.js';
import { EthPeer } from '../../src/eth/peer.js';
import { dial } from '../../src/rlpx/connect.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/eth-service.js';
import { HeaderStore } from '../../src/sync/header-store.js';
import { StoreChain } from '../../src/sync/store-chain.js';
import { runSyncNode } from '../../src/sync/sync-node.js';
import { buildTool, ethtestData, goBinary, startGeth, type GethNode } from './geth-harness.js';

const GETH_VERSION = 'v1.17.0';
const go = goBinary();
if (!go) process.stderr.write('Go is not installed: geth interop tests skipped\n');
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

describe.skipIf(!go)(`geth ${GETH_VERSION} interop`, () => {
  let geth: GethNode;
  let network: EthNetwork;
  let testdata: string;
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-geth-sync-'));

  beforeAll(async () => {
    const bin = buildTool('geth', GETH_VERSION);
    testdata = ethtestData(go!, GETH_VERSION);
    geth = await startGeth(bin, testdata);
    network = networkFromGenesisJson(readFileSync(join(testdata, 'genesis.json'), 'utf8'), hexToBytes(geth.genesisHash));
  });
  afterAll(async () => {
    await geth?.stop();
    rmSync(datadir, { recursive: true, force: true });
  });

  it('rlpx ping: handshake + Hello with geth', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'rlpx', 'ping', geth.enode, '--json'], { timeout: 30_000 });
    const hello = JSON.parse(stdout);
    expect(hello.clientId).toMatch(/^Geth\/v1\.17\.0/);
    expect(hello.capabilities).toEqual(expect.arrayContaining([{ name: 'eth', version: 68 }, { name: 'eth', version: 69 }]));
    expect(hello.publicKey).toBe(bytesToHex(parseEnode(geth.enode).publicKey));
  });

  it('sync-headers from geth yields exactly its chain', async () => {
    const summary = await runSyncNode({ network, datadir, privateKey: generatePrivateKey(), peers: [parseEnode(geth.enode)], peerWaitMs: 20_000, settleMs: 200 });
    const latest = await geth.rpc<{ number: string; hash: string }>('eth_getBlockByNumber', ['latest', false]);
    expect(summary.to).toBe(BigInt(latest.number).toString());
    expect(summary.headHash).toBe(latest.hash.slice(2));
    expect(summary.peers[0]!.version).toBe(69);
    const store = HeaderStore.open(datadir);
    try {
      expect(store.lowest).toBe(0n);
      for (const n of [0n, 1n, 77n, BigInt(latest.number) / 2n, BigInt(latest.number)]) {
        const b = await geth.rpc<{ hash: string }>('eth_getBlockByNumber', ['0x' + n.toString(16), false]);
        expect(bytesToHex(store.get(n)!.hash)).toBe(b.hash.slice(2));
      }
    } finally {
      store.close();
    }
  });

  it('GetBlockHeaders and GetBlockBodies answered with exactly its data (eth/68 and eth/69)', async () => {
    for (const version of [68, 69] as const) {
      const e = parseEnode(geth.enode);
      const session = await dial({ publicKey: e.publicKey, host: e.ip, port: e.tcpPort }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities([version]) });
      const store = HeaderStore.open(datadir);
      try {
        const peer = await EthPeer.connect(session, { network, chain: new StoreChain(network, store) });
        expect(peer.version).toBe(version);
        const latest = await geth.rpc<string>('eth_blockNumber');
        const headers = await peer.getBlockHeaders({ origin: { number: 1n }, amount: 2n, skip: 1n });
        expect(headers.map((h) => h.number)).toEqual([1n, 3n]);
        // A block with transactions: the body's transaction hashes match geth's RPC.
        let checked = 0;
        for (let n = 1n; n <= BigInt(latest) && checked < 3; n++) {
          const b = await geth.rpc<{ hash: string; transactions: string[]; withdrawals?: unknown[] }>('eth_getBlockByNumber', ['0x' + n.toString(16), false]);
          if (b.transactions.length === 0) continue;
          const [body] = await peer.getBlockBodies([hexToBytes(b.hash)]);
          expect(body!.transactions.map((t) => '0x' + bytesToHex(t.hash))).toEqual(b.transactions);
          expect(body!.withdrawals?.length ?? 0).toBe(b.withdrawals?.length ?? 0);
          checked++;
        }
        expect(checked).toBe(3);
        await peer.disconnect();
      } finally {
        store.close();
      }
    }
  });

  it('its dial to us: admin_addPeer, eth Status with our synced head, session survives keepalive', async () => {
    const store = HeaderStore.open(datadir);
    const eth = new EthService({ network, chain: new StoreChain(network, store) });
    const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 } });
    await server.start();
    try {
      const gethPeer = new Promise<EthPeer>((resolve) => eth.once('peer', (p) => resolve(p)));
      expect(await geth.rpc<boolean>('admin_addPeer', [server.enode])).toBe(true);
      const p = await gethPeer;
      expect(p.session.capabilities[0]!.version).toBeGreaterThanOrEqual(68);
      // 20 s spans a geth ping (every 15 s) and one of ours; both sides must keep the session.
      await new Promise((r) => setTimeout(r, 20_000));
      expect(p.closed).toBe(false);
      const peers = await geth.rpc<{ id: string; protocols: Record<string, unknown> }[]>('admin_peers');
      expect(peers.some((x) => x.id === server.id)).toBe(true);
    } finally {
      await server.stop();
      store.close();
    }
  }, 60_000);
});
