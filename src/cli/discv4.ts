/**
 * `devp2p-ts discv4 ...`, `enrdump` and `key to-enr`: geth `devp2p`'s discovery commands
 * (cmd/devp2p/discv4cmd.go, enrcmd.go, keycmd.go) on top of src/discv4.
 */
import { setMaxListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { bytesToHex } from '../common/bytes.js';
import { rlpDecode, type RlpItem } from '../common/rlp.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { type Enr, EnrBuilder, enrFromText, enrToText } from '../enode/enr.js';
import { loadNodeKey } from '../enode/key.js';
import { Discv4 } from '../discv4/discv4.js';
import { parseCidrList, parseIp } from '../common/netutil.js';
import { untilStopped } from './common-options.js';
import { type DiscNode, nodeFromEnode, nodeFromEnr, nodeToEnode } from '../discv4/node.js';
import { FileNodeDb } from '../discv4/nodedb.js';
import { NETWORKS } from '../eth/networks.js';
import { applyEnr, newCrawledNode } from '../sync/crawled-node.js';
import { walkDiscovery } from '../sync/discovery-walk.js';
import { loadNodesFile, saveNodesFile } from '../sync/nodes-file.js';
import { WorkQueue } from '../sync/work-queue.js';
import { parseIntOption, parsePortOption, printJson, UsageError } from './output.js';

export const DISCV4_USAGE = `usage:
  devp2p-ts discv4 ping <enode|enr> [--timeout MS] [--json]        ping a node, print the round trip
  devp2p-ts discv4 requestenr <enode|enr> [--timeout MS] [--json]  ask a node for its ENR
  devp2p-ts discv4 resolve <enode|enr> [--timeout MS] [--json]     find a node's current record (direct, then lookup)
  devp2p-ts discv4 listen [--nodekey FILE] [--addr IP:PORT] [--extaddr IP] [--bootnodes LIST]
                          [--nodedb DIR] [--netrestrict CIDRS]     run a discovery node until SIGINT/SIGTERM
  devp2p-ts discv4 crawl [FILE] [--out FILE] [--bootnodes LIST] [--timeout DURATION] [--parallel N]
                         write a geth-style nodes.json of the nodes found
  devp2p-ts enrdump <enr> [--json]                                 decode and verify a node record
options shared by the discv4 commands: --nodekey FILE (default: a fresh key), --addr IP:PORT
(default 127.0.0.1:30303 for listen, 0.0.0.0:0 otherwise), --bootnodes (comma-separated enode/enr
URLs or a network name: mainnet, sepolia, holesky, hoodi; default: none for listen, mainnet for crawl)`;

/** Where command output goes (tests capture it; the CLI writes to stdout). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Ends `listen`/`crawl` early (tests); the CLI uses SIGINT/SIGTERM. */
  signal?: AbortSignal;
  /** Called once `listen` serves (tests). */
  onListening?: (node: Discv4) => void;
}

const stdio: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const COMMON_OPTIONS = {
  nodekey: { type: 'string' },
  addr: { type: 'string' },
  extaddr: { type: 'string' },
  bootnodes: { type: 'string' },
  nodedb: { type: 'string' },
  netrestrict: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean', default: false },
  out: { type: 'string' },
  parallel: { type: 'string' },
} as const;

/** Entry point for `devp2p-ts discv4 <sub> ...`. */
export async function discv4Command(args: string[], io: CliIo = stdio): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: COMMON_OPTIONS, allowPositionals: true, strict: true });
  switch (sub) {
    case 'ping':
    case 'requestenr':
    case 'resolve': {
      const target = parseNodeArg(positionals[0], sub);
      const timeoutMs = parseIntOption('timeout', values.timeout, 2000);
      const node = await startNode(values, isIP(target.ip) === 6 ? '[::]:0' : '0.0.0.0:0', []);
      try {
        if (sub === 'ping') {
          const pong = await node.ping(target, { timeoutMs });
          if (values.json) printJsonTo(io, { rttMs: round(pong.rttMs), enrSeq: pong.enrSeq, to: { ip: formatBytesIp(pong.to.ip), udp: pong.to.udpPort, tcp: pong.to.tcpPort } });
          else io.out(`node responded to ping (RTT ${pong.rttMs.toFixed(1)} ms)\n`);
        } else if (sub === 'requestenr') {
          const enr = await node.requestEnr(target, { timeoutMs });
          if (values.json) printJsonTo(io, enrJson(enr));
          else io.out(`${enrToText(enr)}\n${dumpEnr(enr)}`);
        } else {
          const r = await node.resolve(target, { timeoutMs });
          if (!r) throw new Error(`could not resolve ${target.idHex}`);
          if (values.json) printJsonTo(io, { enode: nodeToEnode(r), enr: r.enr ? enrToText(r.enr) : undefined });
          else io.out(`${r.enr ? enrToText(r.enr) : nodeToEnode(r)}\n`);
        }
      } finally {
        await node.close();
      }
      return;
    }
    case 'listen':
      return listen(values, io);
    case 'crawl':
      return crawl(values, positionals[0], io);
    default:
      throw new UsageError(sub ? `unknown discv4 command "${sub}"\n${DISCV4_USAGE}` : DISCV4_USAGE);
  }
}

/** How often `listen` prints a status line on stderr. */
const LISTEN_STATUS_INTERVAL_MS = 30_000;

type Values = { [K in keyof typeof COMMON_OPTIONS]?: (typeof COMMON_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

async function listen(values: Values, io: CliIo): Promise<void> {
  const node = await startNode(values, '127.0.0.1:30303', []);
  node.start();
  io.out(`${node.enode}\n${enrToText(node.localEnr)}\n`);
  io.onListening?.(node);
  const status = setInterval(() => {
    const st = node.stats;
    const dropped = Object.values(st.dropped).reduce((a, b) => a + (b ?? 0), 0);
    io.err(`discv4: ${node.table.size} nodes in table, ${st.packetsIn} datagrams in (${dropped} dropped), ${st.packetsOut} out\n`);
  }, LISTEN_STATUS_INTERVAL_MS);
  status.unref();
  await untilStopped(io.signal);
  clearInterval(status);
  await node.close();
  io.err('discv4 node closed\n');
}

/**
 * geth's `devp2p discv4 crawl`: walks discovery (sync/discovery-walk.ts) and asks every node for
 * its ENR, `--parallel` at a time; nodes that answer go to a geth-style nodes.json (known nodes
 * are rechecked; `score` +1 per answer, -1 per miss).
 */
async function crawl(values: Values, file: string | undefined, io: CliIo): Promise<void> {
  const outPath = values.out ?? file ?? 'nodes.json';
  const timeoutMs = parseDuration(values.timeout ?? '30m');
  const parallel = parseIntOption('parallel', values.parallel, 16) || 1;
  const nodes = await loadNodesFile(file ?? outPath);
  const node = await startNode(values, '0.0.0.0:0', NETWORKS.mainnet.bootnodes);
  const onStop = signalOnProcessStop();
  const stop = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(io.signal ? [io.signal] : []), onStop.signal]);
  // One abort listener per request in flight (up to --parallel plus lookups).
  setMaxListeners(0, stop);
  let seen = 0;
  const progress = setInterval(() => io.err(`crawl: ${seen} nodes seen, ${nodes.size} with ENR\n`), 5000);
  const check = async (n: DiscNode): Promise<void> => {
    const now = Date.now();
    const prev = nodes.get(n.idHex);
    try {
      const enr = await node.requestEnr(n, { signal: stop });
      const rec = prev ?? newCrawledNode(n, now);
      applyEnr(rec, enr, now);
      rec.score++;
      rec.firstResponse ??= now;
      rec.lastResponse = now;
      rec.lastCheck = now;
      nodes.set(n.idHex, rec);
    } catch {
      if (prev && !stop.aborted) {
        prev.score--;
        prev.lastCheck = now;
      }
    }
  };
  const queue = new WorkQueue<DiscNode>(parallel, check);
  const checked = new Set<string>();
  const enqueue = (n: DiscNode): void => {
    if (checked.has(n.idHex) || stop.aborted) return;
    checked.add(n.idHex);
    seen++;
    queue.push(n.idHex, n);
  };
  try {
    for (const rec of nodes.values()) enqueue(rec.node);
    await walkDiscovery(node, { signal: stop, onNode: enqueue });
    await queue.idle();
  } finally {
    clearInterval(progress);
    queue.close();
    await queue.idle();
    onStop.abort();
    await node.close();
  }
  await saveNodesFile(outPath, nodes.values());
  io.out(`wrote ${nodes.size} nodes to ${outPath} (${seen} seen)\n`);
}

/** `devp2p-ts enrdump <enr>`: decodes, verifies and prints a record. */
export async function enrdumpCommand(args: string[], io: CliIo = stdio): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  let text = positionals[0];
  if (!text) throw new UsageError('enrdump needs an ENR ("enr:...", or a file holding one)');
  if (!text.startsWith('enr:')) text = (await readFile(text, 'utf8')).trim();
  const enr = enrFromText(text);
  if (values.json) printJsonTo(io, enrJson(enr));
  else io.out(dumpEnr(enr));
}

/** `devp2p-ts key to-enr FILE --ip --tcp --udp`: the signed record of a node key (seq 1). */
export async function keyToEnr(args: string[], io: CliIo = stdio): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { ip: { type: 'string', default: '127.0.0.1' }, tcp: { type: 'string' }, udp: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  if (!file) throw new UsageError('key to-enr needs a key FILE');
  const ip = parseIp(values.ip!);
  if (!ip) throw new UsageError(`--ip must be an IP address, got "${values.ip}"`);
  const tcp = parsePortOption('tcp', values.tcp, 30303);
  const udp = parsePortOption('udp', values.udp, tcp);
  const b = new EnrBuilder();
  if (ip.length === 4) b.ip(ip);
  else b.ip6(ip);
  const enr = b.tcp(tcp).udp(udp).sign(await loadNodeKey(file), 1n);
  io.out(enrToText(enr) + '\n');
}

// ---- helpers ------------------------------------------------------------------------------

function parseNodeArg(arg: string | undefined, cmd: string): DiscNode {
  if (!arg) throw new UsageError(`discv4 ${cmd} needs an enode URL or ENR\n${DISCV4_USAGE}`);
  if (arg.startsWith('enr:')) {
    const n = nodeFromEnr(enrFromText(arg));
    if (!n) throw new UsageError('the ENR has no ip/udp endpoint');
    return n;
  }
  return nodeFromEnode(arg);
}

/** `--bootnodes`: comma-separated enode/ENR URLs or a network name; `dflt` when absent, none when empty. */
export function parseBootnodes(v: string | undefined, dflt: readonly string[]): DiscNode[] {
  if (v === undefined) return dflt.map(nodeFromEnode);
  const net = NETWORKS[v as keyof typeof NETWORKS];
  if (net) return net.bootnodes.map(nodeFromEnode);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseNodeArg(s, 'bootnodes'));
}

function parseAddr(v: string): { ip: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(v);
  if (!m || !isIP(m[1]!)) throw new UsageError(`--addr must be IP:PORT, got "${v}"`);
  return { ip: m[1]!, port: parsePortOption('addr', m[2]) };
}

async function startNode(values: Values, defaultAddr: string, defaultBootnodes: readonly string[]): Promise<Discv4> {
  const privateKey = values.nodekey ? await loadNodeKey(values.nodekey) : generatePrivateKey();
  const addr = parseAddr(values.addr ?? defaultAddr);
  if (values.extaddr !== undefined && !isIP(values.extaddr)) throw new UsageError(`--extaddr must be an IP, got "${values.extaddr}"`);
  let netrestrict;
  try {
    netrestrict = values.netrestrict ? parseCidrList(values.netrestrict) : undefined;
  } catch (err) {
    throw new UsageError(`--netrestrict: ${(err as Error).message}`);
  }
  const bootnodes = parseBootnodes(values.bootnodes, defaultBootnodes);
  const db = values.nodedb ? await FileNodeDb.open(values.nodedb) : undefined;
  try {
    return await Discv4.listen(addr, {
      privateKey,
      bootnodes,
      ...(values.extaddr ? { externalIp: values.extaddr } : {}),
      ...(db ? { db } : {}),
      ...(netrestrict ? { netrestrict } : {}),
    });
  } catch (err) {
    await db?.close();
    throw new Error(`cannot listen on ${addr.ip}:${addr.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Aborts at SIGINT/SIGTERM; abort it yourself to remove the handlers. */
export function signalOnProcessStop(): AbortController {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  ac.signal.addEventListener('abort', () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
  return ac;
}


/** "90s", "5m", "1h", "250ms" or plain milliseconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new UsageError(`invalid duration "${v}" (use e.g. 30s, 5m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return Math.round(n * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1));
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function formatBytesIp(ip: Uint8Array): string {
  return ip.length === 4 ? ip.join('.') : bytesToHex(ip);
}

function printJsonTo(io: CliIo, v: unknown): void {
  if (io === stdio) return printJson(v);
  io.out(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? bytesToHex(x) : x)) + '\n');
}

function enrJson(enr: Enr): Record<string, unknown> {
  const n = nodeFromEnr(enr);
  const pairs: Record<string, string> = {};
  for (const k of enr.keys()) pairs[k] = formatValue(k, enr);
  return { nodeId: bytesToHex(enr.nodeId), seq: enr.seq, enode: n ? nodeToEnode(n) : undefined, pairs, record: enrToText(enr) };
}

/** geth enrdump's layout: node ID, seq and pair count, then one pair per line. */
export function dumpEnr(enr: Enr): string {
  const keys = enr.keys();
  const lines = [`Node ID: ${bytesToHex(enr.nodeId)}`];
  const n = nodeFromEnr(enr);
  if (n) lines.push(`URLv4:   ${nodeToEnode(n)}`);
  lines.push(`Record has sequence number ${enr.seq} and ${keys.length} key/value pairs.`);
  const width = Math.max(...keys.map((k) => JSON.stringify(k).length));
  for (const k of keys) lines.push(`  ${JSON.stringify(k).padEnd(width)}  ${formatValue(k, enr)}`);
  return lines.join('\n') + '\n';
}

function formatValue(k: string, enr: Enr): string {
  try {
    switch (k) {
      case 'id':
        return enr.id() ?? '';
      case 'ip':
        return enr.ip()!.join('.');
      case 'tcp':
      case 'udp':
      case 'tcp6':
      case 'udp6':
        return String(enr[k]());
      case 'eth': {
        const f = enr.eth()!;
        return `fork hash ${bytesToHex(f.hash)}, next ${f.next}`;
      }
    }
  } catch {
    // fall through to raw
  }
  const item = rlpDecode(enr.get(k)!, 'ENR');
  return showItem(item);
}

function showItem(item: RlpItem): string {
  return item instanceof Uint8Array ? bytesToHex(item) : `[${item.map(showItem).join(', ')}]`;
}
