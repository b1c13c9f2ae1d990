/** `devp2p-ts sync-headers`: header sync from peers into a data directory. */
import { parseArgs } from 'node:util';
import { hexToBytes } from '../common/bytes.js';
import { createLogger } from '../common/log.js';
import type { SyncProgress } from '../sync/header-sync.js';
import { runSyncNode } from '../sync/sync-node.js';
import { NETWORK_OPTIONS, parseEnodeList, resolveNetworkAndGenesis, resolveNodeKey } from './common-options.js';
import { parseIntOption, printJson, UsageError } from './output.js';

export const SYNC_USAGE = `usage:
  devp2p-ts sync-headers [--network NAME | --genesis FILE --genesis-hash HASH] --peer ENODE[,ENODE...]
                         [--bootnodes ENODES] [--datadir DIR] [--from N] [--checkpoint HASH] [--to N]
                         [--timeout MS] [--json]
      sync headers from the given peers; the target is --checkpoint or the highest head they announce`;

function bar(p: SyncProgress): string {
  const frac = p.total > 0n ? Number(p.verified) / Number(p.total) : 1;
  const width = 30;
  const filled = Math.round(frac * width);
  const eta = p.headersPerSecond > 0 ? Math.round(Number(p.total - p.verified) / p.headersPerSecond) : undefined;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(1)}% ${p.verified}/${p.total} headers, ${p.headersPerSecond.toFixed(0)}/s, ${p.activePeers} peers busy${eta !== undefined ? `, ETA ${eta}s` : ''}`;
}

export async function syncHeadersCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...NETWORK_OPTIONS,
      peer: { type: 'string', multiple: true },
      bootnodes: { type: 'string' },
      datadir: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      checkpoint: { type: 'string' },
      timeout: { type: 'string' },
      nodekey: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbosity: { type: 'string', default: 'warn' },
    },
    strict: true,
  });
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
  const timeoutMs = parseIntOption('timeout', values.timeout, 0);
  const log = createLogger({ level: values.verbosity as 'warn', component: 'sync' });
  const tty = process.stderr.isTTY && !values.json;
  let lastLine = 0;
  const ac = new AbortController();
  const timer = timeoutMs > 0 ? setTimeout(() => ac.abort(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs) : undefined;
  const onSignal = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    const summary = await runSyncNode({
      network,
      ...(genesis ? { genesis } : {}),
      datadir: values.datadir ?? `devp2p-ts-data/${network.name}`,
      privateKey: await resolveNodeKey(values.nodekey),
      peers,
      bootnodes,
      from: BigInt(parseIntOption('from', values.from, 0)),
      ...(checkpoint ? { checkpoint } : {}),
      signal: ac.signal,
      logger: log,
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r${bar(p)}`);
        else if (!values.json && Date.now() - lastLine > 5_000) {
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
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
  }
}
