/**
 * `devp2p-ts demo`: the offline devnet demo, the README's main job. With no internet and no
 * arguments it starts on 127.0.0.1 a discv4 bootnode and several serving nodes holding a
 * generated chain (deterministic, valid hashes and links, post-merge fields, transactions and
 * withdrawals), then syncs the headers through discovery against them with the progress
 * display, checks that the synced head hash equals the served head, and ends with a short crawl
 * of the same devnet (every serving node must be found, reached and give its eth Status).
 * With --with-geth the chain is executed (real state roots) and a geth process joins: it finds
 * the serving nodes through the bootnode, syncs and executes the chain, and must reach the same
 * head. `demo rlpx` runs the RLPx-only demo instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { roleClientId } from '../common/client-id.js';
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { Discv4 } from '../discv4/discv4.js';
import { parseEnode } from '../enode/enode-url.js';
import { generateDevnetChain, DEFAULT_SLOT_SECONDS } from '../chain/devnet-chain.js';
import { executedDevnetChain } from '../chain/devnet-execution.js';
import { MemoryChain, type ChainBlock } from '../chain/chain.js';
import type { GethNode } from '../testing/geth-node.js';
import type { SyncProgress } from '../sync/headers/header-sync.js';
import { HeaderStore } from '../sync/headers/header-store.js';
import { P2PNode } from '../sync/node/p2p-node.js';
import { runSyncNode } from '../sync/node/sync-node.js';
import { crawl, type CrawlResult } from '../sync/crawl/crawler.js';
import { isReachable, speaksEth } from '../sync/crawl/crawled-node.js';
import { formatCrawlSummary } from '../sync/crawl/crawl-summary.js';
import { writeCrawlReport } from '../report/report-file.js';
import type { EthNetwork } from '../chain/chain-config.js';
import { DEVNET_SEED } from './common-options.js';
import { defineCommand, parseCommand } from './command.js';
import type { Group } from './command-tree.js';
import { RLPX_DEMO_COMMAND } from './demo-rlpx.js';
import { demoGethBinary, gethVersion, startDemoGeth, waitForGethHead, type DemoGethResult } from './demo-geth.js';
import { parseIntInRange, printJson, ReportedFailure } from './output.js';

/** Most serving nodes the demo starts. */
export const MAX_DEMO_NODES = 16;
/** Longest devnet chain the demo generates (in memory). */
export const MAX_DEMO_BLOCKS = 200_000;
/** Default chain length. */
export const DEMO_BLOCKS = 5_000;
/** Longest chain with --with-geth: it is executed first (~17 blocks/s here), then by geth. */
export const MAX_DEMO_EXECUTED_BLOCKS = 5_000;
/** Default chain length with --with-geth (executing it takes seconds, not minutes). */
export const DEMO_GETH_BLOCKS = 128;

/** The demo's crawl report, in the working directory unless --report says otherwise. */
export const DEMO_REPORT_FILE = 'demo-crawl.html';

const DEMO = defineCommand({
  name: 'demo',
  summary: 'offline devnet demo: a bootnode and serving nodes on 127.0.0.1, header sync through discovery, then a crawl',
  description: 'Checks that the synced head equals the served head and that the crawl reaches every serving node; exit code 1 otherwise.',
  flags: {
    nodes: { type: 'string', value: 'N', help: `serving nodes (1-${MAX_DEMO_NODES})`, default: '3' },
    blocks: { type: 'string', value: 'N', help: `length of the devnet chain in blocks (1-${MAX_DEMO_BLOCKS}, default ${DEMO_BLOCKS}; with --with-geth 1-${MAX_DEMO_EXECUTED_BLOCKS}, default ${DEMO_GETH_BLOCKS})` },
    'with-geth': { type: 'boolean', help: 'add a geth node (from the interop build cache, else PATH) that finds the serving nodes by discovery, syncs and executes the chain (then executed here first), and must reach the served head' },
    geth: { type: 'string', value: 'FILE', help: 'the geth binary for --with-geth (implies it)' },
    report: { type: 'string', value: 'FILE', help: 'where to write the HTML report of the crawl', default: DEMO_REPORT_FILE },
    json: { type: 'boolean', help: 'print one JSON summary instead of the report (errors too)' },
  },
  examples: ['devp2p-ts demo --nodes 4 --blocks 20000', 'devp2p-ts demo --with-geth'],
});

/** Bounds of the demo's crawl: a few seconds on a devnet this small. */
const DEMO_CRAWL = { timeoutMs: 3_000, durationMs: 20_000, idleMs: 1_500 } as const;
/**
 * The bootnode revalidates its table this often. Nodes answer FindNode only with neighbours that
 * passed revalidation (geth's preferLive); at the default pace (one node per ~3 s) a crawl right
 * after the sync would see only some of the serving nodes through it.
 */
const BOOTNODE_REVALIDATE_MS = 100;

/**
 * Crawls the devnet from its bootnode with a fresh discovery node; `devnet` counts how many of
 * the serving nodes were found, reached over RLPx and gave their eth Status.
 */
async function crawlDevnet(network: EthNetwork, boot: Discv4, servers: readonly P2PNode[]): Promise<CrawlResult & { devnet: { nodes: number; found: number; reachable: number; eth: number } }> {
  const privateKey = generatePrivateKey();
  const discv4 = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey, bootnodes: [boot.self] });
  try {
    const result = await crawl({ discv4, network, privateKey, clientId: roleClientId('demo-crawler'), ...DEMO_CRAWL });
    const recs = servers.map((s) => result.nodes.get(s.server.id));
    return {
      ...result,
      devnet: {
        nodes: servers.length,
        found: recs.filter((r) => r !== undefined).length,
        reachable: recs.filter((r) => r !== undefined && isReachable(r)).length,
        eth: recs.filter((r) => r !== undefined && speaksEth(r) && r.status!.mismatch === undefined).length,
      },
    };
  } finally {
    await discv4.close();
  }
}

/**
 * The devnet executed, in memory, dated so that its head is now (geth takes a chain whose head
 * lies in the future from nobody), with its genesis.json for geth.
 */
async function executedDevnet(blocks: number): Promise<{ network: EthNetwork; blocks: ChainBlock[]; chain: MemoryChain; genesisJson: Record<string, unknown> }> {
  const genesisTime = BigInt(Math.floor(Date.now() / 1000)) - DEFAULT_SLOT_SECONDS * BigInt(blocks);
  const executed = executedDevnetChain({ length: blocks, seed: DEVNET_SEED, genesisTime });
  const all: ChainBlock[] = [];
  for await (const b of executed.blocks()) all.push(b);
  return { network: executed.network, blocks: all, chain: new MemoryChain(all), genesisJson: executed.genesisJson };
}

export async function demoCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(DEMO, args);
  const nodeCount = parseIntInRange('nodes', values.nodes, 3, 1, MAX_DEMO_NODES);
  const withGeth = values['with-geth'] === true || values.geth !== undefined;
  const blocks = withGeth
    ? parseIntInRange('blocks', values.blocks, DEMO_GETH_BLOCKS, 1, MAX_DEMO_EXECUTED_BLOCKS)
    : parseIntInRange('blocks', values.blocks, DEMO_BLOCKS, 1, MAX_DEMO_BLOCKS);
  const gethBin = withGeth ? demoGethBinary(values.geth) : undefined;
  const say = (s: string) => {
    if (!values.json) process.stdout.write(s + '\n');
  };
  const t0 = Date.now();
  const devnet = withGeth ? await executedDevnet(blocks) : { ...generateDevnetChain({ length: blocks, seed: DEVNET_SEED }), genesisJson: undefined };
  const head = devnet.chain.head();
  const headBlock = devnet.blocks[devnet.blocks.length - 1]!;
  const txs = devnet.blocks.reduce((n, b) => n + b.body.transactions.length, 0);
  const withdrawals = devnet.blocks.reduce((n, b) => n + (b.body.withdrawals?.length ?? 0), 0);
  say(`devnet chain: ${blocks} blocks (${txs} transactions, ${withdrawals} withdrawals), head ${head.number} ${bytesToHex(head.hash)}, ${withGeth ? 'executed' : 'generated'} in ${Date.now() - t0} ms`);

  const boot = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: BOOTNODE_REVALIDATE_MS });
  boot.start();
  say(`discv4 bootnode: ${boot.enode}`);
  const servers: P2PNode[] = [];
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-demo-'));
  let store: HeaderStore | undefined;
  let geth: GethNode | undefined;
  try {
    for (let i = 0; i < nodeCount; i++) {
      const n = await P2PNode.start({
        network: devnet.network,
        chain: devnet.chain,
        privateKey: generatePrivateKey(),
        addr: { host: '127.0.0.1', port: 0 },
        bootnodes: [parseEnode(boot.enode)],
        clientId: roleClientId(`demo-server-${i}`),
        ethVersions: [[68, 69, 70], [69], [68]][i % 3] as (68 | 69 | 70)[],
      });
      servers.push(n);
      say(`serving node ${i} (eth/${n.eth.protocols().map((p) => p.version).join(',')}): ${n.enode}`);
    }
    let gethStartedAt = 0;
    if (gethBin !== undefined) {
      say(`starting geth ${await gethVersion(gethBin)} (${gethBin}) with the devnet genesis and the bootnode; telling it the head through the engine API`);
      gethStartedAt = Date.now();
      geth = await startDemoGeth(gethBin, datadir, devnet.genesisJson!, boot.enode, headBlock);
      say(`geth node: ${geth.enode} (pid ${geth.pid})`);
    }
    const tty = process.stderr.isTTY && !values.json;
    let lastLine = 0;
    const progress = (p: SyncProgress) => {
      const pct = ((Number(p.verified) / Number(p.total)) * 100).toFixed(1);
      const line = `syncing headers ${pct}% ${p.verified}/${p.total}, ${p.headersPerSecond.toFixed(0)} headers/s, ${p.activePeers} peers busy`;
      if (tty) process.stderr.write(`\r${line}`);
      else if (!values.json && Date.now() - lastLine > 1000) {
        lastLine = Date.now();
        process.stderr.write(line + '\n');
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
    say(`crawling the devnet from the bootnode (discv4 walk, then RLPx Hello + eth Status per node)...`);
    const crawled = await crawlDevnet(devnet.network, boot, servers);
    const crawlOk = crawled.devnet.found === servers.length && crawled.devnet.reachable === servers.length && crawled.devnet.eth === servers.length;
    say(`crawl ended (${crawled.endedBy}) after ${(crawled.ms / 1000).toFixed(1)} s:`);
    say(formatCrawlSummary(crawled.summary, { maxRows: 8 }).trimEnd().replace(/^(?=.)/gm, '  '));
    say(`  (the bootnode runs discovery only and the syncing node has stopped: neither accepts RLPx)`);
    say(
      crawlOk
        ? `check passed: the crawl found all ${servers.length} serving nodes, reached them over RLPx and got their eth Status`
        : `CHECK FAILED: the crawl found ${crawled.devnet.found}, reached ${crawled.devnet.reachable} and got eth Status from ${crawled.devnet.eth} of ${servers.length} serving nodes`,
    );
    let gethResult: DemoGethResult | undefined;
    if (geth !== undefined) {
      say(`waiting for geth to sync and execute the devnet from the serving nodes...`);
      gethResult = await waitForGethHead(geth, headBlock, servers.map((s) => s.enode), gethStartedAt);
      if (gethResult.addedPeers) say(`  geth found no peer through discovery in time: the serving nodes were given to it with admin_addPeer`);
      say(
        gethResult.ok
          ? `check passed: geth synced and executed the devnet to ${bytesToHex(head.hash)} in ${(gethResult.ms / 1000).toFixed(1)} s (${gethResult.peers} peers)`
          : `CHECK FAILED: geth is at block ${gethResult.number} ${gethResult.hash}, not the served head, after ${(gethResult.ms / 1000).toFixed(1)} s (${gethResult.peers} peers)`,
      );
    }
    const reportFile = resolve(values.report);
    await writeCrawlReport(reportFile, crawled.nodes.values(), { network: devnet.network, title: 'devp2p-ts demo: crawl of the loopback devnet' });
    say(`crawl report: ${reportFile} (open it in a browser; it loads nothing from the network)`);
    if (values.json) {
      printJson({
        ok: ok && crawlOk && (gethResult?.ok ?? true),
        blocks,
        head: bytesToHex(head.hash),
        synced: synced ? bytesToHex(synced.hash) : null,
        ...summary,
        crawl: { ok: crawlOk, endedBy: crawled.endedBy, ms: Math.round(crawled.ms), devnet: crawled.devnet, reportFile, ...crawled.summary },
        ...(gethResult === undefined ? {} : { geth: { ...gethResult, number: gethResult.number.toString() } }),
      });
    }
    if (!ok) throw new ReportedFailure('demo failed: synced head differs from the served head');
    if (!crawlOk) throw new ReportedFailure('demo failed: the crawl did not reach every serving node');
    if (gethResult !== undefined && !gethResult.ok) throw new ReportedFailure('demo failed: geth did not reach the served head');
  } finally {
    store?.close();
    await geth?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await boot.close();
    rmSync(datadir, { recursive: true, force: true });
  }
}

export const DEMO_GROUP: Group = {
  name: 'demo',
  summary: 'Offline demos on 127.0.0.1.',
  default: { spec: DEMO, run: demoCommand },
  commands: { rlpx: RLPX_DEMO_COMMAND },
};
