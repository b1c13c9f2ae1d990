/** `devp2p-ts sync-headers`: header sync from peers into a data directory. */
import { Registry } from 'prom-client';
import { hexToBytes } from '../common/bytes.js';
import { serveMetrics } from '../server/metrics.js';
import type { SyncProgress } from '../sync/headers/header-sync.js';
import { runSyncNode } from '../sync/node/sync-node.js';
import { defineCommand, parseCommand } from './command.js';
import type { Command } from './command-tree.js';
import { commandLogger, EXAMPLE_ENODE, logFlags, NETWORK_FLAGS, NODEKEY_FLAG, parseAddr, parseEnodeList, resolveNetworkAndGenesis, resolveNodeKey } from './common-options.js';
import { defaultDataDir } from './datadir.js';
import { parseDurationFlag } from './duration.js';
import { InterruptedError, ListenError, parseIntOption, printJson, UsageError } from './output.js';

/** How often progress goes to stderr when it is not a terminal. */
const PROGRESS_LINE_INTERVAL_MS = 5_000;

const SYNC = defineCommand({
  name: 'sync-headers',
  summary: 'sync block headers from the given peers into a data directory (a rerun resumes)',
  description:
    'The target is --checkpoint, or the highest head the peers announce. Progress goes to stderr. ' +
    'When the given peers are the only ones and none can be reached (or all are refused), it fails at once with their errors.',
  flags: {
    ...NETWORK_FLAGS,
    peer: { type: 'string', value: 'ENODE', help: 'a peer to sync from (repeat, or comma-separate)', multiple: true },
    bootnodes: { type: 'string', value: 'ENODES', help: 'comma-separated enode URLs to dial as well' },
    datadir: { type: 'string', value: 'DIR', help: 'where the header store lives', defaultText: '$XDG_DATA_HOME/devp2p-ts/NETWORK or ~/.local/share/devp2p-ts/NETWORK' },
    from: { type: 'string', value: 'N', help: 'lowest block number to sync down to', default: '0' },
    checkpoint: { type: 'string', value: 'HASH', help: 'trusted hash of the target block (32 bytes of hex)' },
    to: { type: 'string', value: 'N', help: 'the number of the --checkpoint block (checked)' },
    timeout: { type: 'string', value: 'DURATION', help: 'give up after this long: 30s, 10m (a bare number is milliseconds; 0 for never)', default: '0' },
    ...NODEKEY_FLAG,
    metrics: { type: 'string', value: 'IP:PORT', help: 'serve Prometheus metrics at http://IP:PORT/metrics while it runs (server, eth and header sync progress)' },
    json: { type: 'boolean', help: 'print one JSON summary (errors too)' },
    ...logFlags('2'),
  },
  examples: [`devp2p-ts sync-headers --network sepolia --peer ${EXAMPLE_ENODE} --timeout 10m`],
});

function bar(p: SyncProgress): string {
  const frac = p.total > 0n ? Number(p.verified) / Number(p.total) : 1;
  const width = 30;
  const filled = Math.round(frac * width);
  const eta = p.headersPerSecond > 0 ? Math.round(Number(p.total - p.verified) / p.headersPerSecond) : undefined;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(1)}% ${p.verified}/${p.total} headers, ${p.headersPerSecond.toFixed(0)}/s, ${p.activePeers} peers busy${eta !== undefined ? `, ETA ${eta}s` : ''}`;
}

export async function syncHeadersCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(SYNC, args);
  const log = commandLogger(values, 'sync');
  const { network, genesis } = await resolveNetworkAndGenesis(values);
  const peers = parseEnodeList('peer', values.peer);
  const bootnodes = parseEnodeList('bootnodes', values.bootnodes);
  if (peers.length === 0 && bootnodes.length === 0) throw new UsageError('give --peer ENODE (or --bootnodes)');
  let checkpoint: Uint8Array | undefined;
  if (values.checkpoint) {
    try {
      checkpoint = hexToBytes(values.checkpoint);
    } catch {
      checkpoint = undefined;
    }
    if (!checkpoint || checkpoint.length !== 32) throw new UsageError('--checkpoint must be a 32-byte block hash in hex');
  }
  if (values.to && !checkpoint) throw new UsageError('--to needs --checkpoint (the hash of block --to): a header is only trusted when a peer announced it or you gave its hash');
  if (values.to !== undefined) parseIntOption('to', values.to, 0);
  const from = BigInt(parseIntOption('from', values.from, 0));
  const timeoutMs = parseDurationFlag('timeout', values.timeout);
  const tty = process.stderr.isTTY && !values.json;
  let lastLine = 0;
  const datadir = values.datadir ?? defaultDataDir(network.name);
  const metricsAddr = values.metrics ? parseAddr('metrics', values.metrics) : undefined;
  log.info('data directory', { path: datadir, network: network.name });
  const registry = metricsAddr ? new Registry() : undefined;
  const metrics = metricsAddr ? await serveMetrics(registry!, metricsAddr.host, metricsAddr.port).catch((err: unknown) => Promise.reject(new ListenError(values.metrics!, err))) : undefined;
  if (metrics) log.info('metrics', { url: `http://${metricsAddr!.host.includes(':') ? `[${metricsAddr!.host}]` : metricsAddr!.host}:${metrics.port}/metrics` });
  const ac = new AbortController();
  const timer = timeoutMs > 0 ? setTimeout(() => ac.abort(new SyncTimeoutError(values.timeout)), timeoutMs) : undefined;
  const onSignal = () => ac.abort(new InterruptedError());
  process.once('SIGINT', onSignal);
  try {
    const summary = await runSyncNode({
      network,
      ...(genesis ? { genesis } : {}),
      datadir,
      privateKey: await resolveNodeKey(values.nodekey),
      peers,
      bootnodes,
      from,
      ...(checkpoint ? { checkpoint } : {}),
      signal: ac.signal,
      logger: log,
      ...(registry ? { metrics: registry } : {}),
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r${bar(p)}`);
        else if (!values.json && Date.now() - lastLine > PROGRESS_LINE_INTERVAL_MS) {
          lastLine = Date.now();
          process.stderr.write(`${bar(p)}\n`);
        }
      },
    });
    if (tty) process.stderr.write('\n');
    if (values.to && summary.to !== values.to) throw new Error(`--checkpoint is block ${summary.to}, not --to ${values.to}`);
    if (values.json) printJson(summary);
    else {
      process.stdout.write(`synced headers ${summary.from}..${summary.to} of ${summary.network}: head ${summary.headHash}\n`);
      process.stdout.write(`${summary.headersFetched} headers in ${(summary.ms / 1000).toFixed(1)} s (${summary.headersPerSecond.toFixed(0)}/s) from ${summary.peers.length} peers\n`);
      for (const p of summary.peers) process.stdout.write(`  ${p.id.slice(0, 16)} ${p.clientId} eth/${p.version}: ${p.requests} requests, ${p.rejected} rejected, ${p.timeouts} timeouts\n`);
    }
  } catch (err) {
    // Whatever failed after --timeout or Ctrl-C failed because of it: report that.
    throw ac.signal.aborted && ac.signal.reason instanceof Error ? ac.signal.reason : err;
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    await metrics?.close();
  }
}

/** --timeout passed before the sync finished. */
class SyncTimeoutError extends Error {
  constructor(given: string) {
    super(`sync-headers: --timeout ${given} passed before the sync finished`);
    this.name = 'TimeoutError';
  }
}

export const SYNC_HEADERS_COMMAND: Command = { spec: SYNC, run: syncHeadersCommand };
