/**
 * `devp2p-ts demo`: the offline devnet demo, the README's main job. With no internet and no
 * arguments it starts on 127.0.0.1 a discv4 bootnode and several serving nodes holding a
 * generated chain (deterministic, valid hashes and links, post-merge fields, transactions and
 * withdrawals), then syncs the headers through discovery against them with the progress
 * display, and ends by checking that the synced head hash equals the served head.
 * `demo rlpx` runs the RLPx-only demo instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { Discv4 } from '../discv4/discv4.js';
import { parseEnode } from '../enode/enode-url.js';
import { generateDevnetChain } from '../eth/devnet-chain.js';
import type { SyncProgress } from '../sync/header-sync.js';
import { HeaderStore } from '../sync/header-store.js';
import { P2PNode } from '../sync/p2p-node.js';
import { runSyncNode } from '../sync/sync-node.js';
import { DEVNET_SEED } from './common-options.js';
import { rlpxDemoCommand } from './demo-rlpx.js';
import { parseIntOption, printJson } from './output.js';

export async function demoCommand(args: string[]): Promise<void> {
  if (args[0] === 'rlpx') return rlpxDemoCommand(args.slice(1));
  const { values } = parseArgs({
    args,
    options: { nodes: { type: 'string' }, blocks: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const nodeCount = Math.max(1, Math.min(parseIntOption('nodes', values.nodes, 3), 16));
  const blocks = Math.max(1, Math.min(parseIntOption('blocks', values.blocks, 5000), 200_000));
  const say = (s: string) => {
    if (!values.json) process.stdout.write(s + '\n');
  };
  const t0 = Date.now();
  const devnet = generateDevnetChain({ length: blocks, seed: DEVNET_SEED });
  const head = devnet.chain.head();
  const txs = devnet.blocks.reduce((n, b) => n + b.body.transactions.length, 0);
  const withdrawals = devnet.blocks.reduce((n, b) => n + (b.body.withdrawals?.length ?? 0), 0);
  say(`devnet chain: ${blocks} blocks (${txs} transactions, ${withdrawals} withdrawals), head ${head.number} ${bytesToHex(head.hash)}, generated in ${Date.now() - t0} ms`);

  const boot = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey() });
  boot.start();
  say(`discv4 bootnode: ${boot.enode}`);
  const servers: P2PNode[] = [];
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-demo-'));
  let store: HeaderStore | undefined;
  try {
    for (let i = 0; i < nodeCount; i++) {
      const n = await P2PNode.start({
        network: devnet.network,
        chain: devnet.chain,
        privateKey: generatePrivateKey(),
        addr: { host: '127.0.0.1', port: 0 },
        bootnodes: [parseEnode(boot.enode)],
        clientId: `devp2p-ts/v0.1.0/demo-server-${i}`,
        ethVersions: [[68, 69, 70], [69], [68]][i % 3] as (68 | 69 | 70)[],
      });
      servers.push(n);
      say(`serving node ${i} (eth/${n.eth.protocols().map((p) => p.version).join(',')}): ${n.enode}`);
    }
    const tty = process.stderr.isTTY && !values.json;
    let lastLine = 0;
    const progress = (p: SyncProgress) => {
      const pct = ((Number(p.verified) / Number(p.total)) * 100).toFixed(1);
      const line = `syncing headers ${pct}% ${p.verified}/${p.total}, ${p.headersPerSecond.toFixed(0)} headers/s, ${p.activePeers} peers busy`;
      if (tty) process.stderr.write(`\r${line}`);
      else if (!values.json && Date.now() - lastLine > 1000) {
        lastLine = Date.now();
        process.stdout.write(line + '\n');
      }
    };
    say(`syncing headers through discovery (the syncing node knows only the bootnode)...`);
    const summary = await runSyncNode({
      network: devnet.network,
      datadir,
      privateKey: generatePrivateKey(),
      bootnodes: [parseEnode(boot.enode)],
      discover: { host: '127.0.0.1', port: 0 },
      peerWaitMs: 30_000,
      settleMs: 2_000,
      onProgress: progress,
      signal: AbortSignal.timeout(300_000),
    });
    if (tty) process.stderr.write('\n');
    store = HeaderStore.open(datadir);
    const synced = store.get(head.number);
    const ok = synced !== undefined && equalBytes(synced.hash, head.hash) && store.lowest === 0n;
    for (const p of summary.peers) say(`  peer ${p.id.slice(0, 16)} ${p.clientId} eth/${p.version}: ${p.requests} requests, ${p.rejected} rejected, ${p.timeouts} timeouts`);
    say(`synced ${summary.headersFetched} headers in ${(summary.ms / 1000).toFixed(1)} s (${summary.headersPerSecond.toFixed(0)}/s) from ${summary.peers.length} peers found by discovery`);
    say(ok ? `check passed: synced head ${bytesToHex(synced!.hash)} equals the served head` : `CHECK FAILED: synced head does not equal the served head`);
    if (values.json) printJson({ ok, blocks, head: bytesToHex(head.hash), synced: synced ? bytesToHex(synced.hash) : null, ...summary });
    if (!ok) throw new Error('demo failed: synced head differs from the served head');
  } finally {
    store?.close();
    await Promise.all(servers.map((s) => s.stop()));
    await boot.close();
    rmSync(datadir, { recursive: true, force: true });
  }
}
