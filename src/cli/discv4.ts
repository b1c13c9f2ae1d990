/**
 * `devp2p-ts discv4 ...` and `enrdump`: geth `devp2p`'s discovery commands
 * (cmd/devp2p/discv4cmd.go, enrcmd.go) on top of src/discv4.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { bytesToHex } from '../common/bytes.js';
import { rlpDecode, type RlpItem } from '../common/rlp.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { type Enr, enrToText } from '../enode/enr.js';
import { loadNodeKey } from '../enode/key.js';
import { Discv4 } from '../discv4/discv4.js';
import { parseCidrList } from '../common/netutil.js';
import { commandLogger, echoInput, EXAMPLE_ENODE, logFlags, NODEKEY_FLAG, parseAddr, parseEnodeArg, parseEnrArg, untilStopped } from './common-options.js';
import { type DiscNode, makeNode, nodeFromEnode, nodeFromEnr, nodeToEnode } from '../discv4/node.js';
import { FileNodeDb } from '../discv4/nodedb.js';
import { NETWORKS } from '../chain/networks.js';
import { crawlIntoNodesFile } from './enr-crawl-command.js';
import { defineCommand, defineFlags, parseCommand, type FlagValues } from './command.js';
import type { Group } from './command-tree.js';
import { formatDuration, MIN_TIMEOUT_MS, parseDurationFlag } from './duration.js';
import { logDiscoveryNodes } from './peer-log.js';
import { jsonLine, ListenError, parseIntInRange, UsageError } from './output.js';

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

/** How long ping, requestenr and resolve wait for each reply by default. */
export const DISCV4_REQUEST_TIMEOUT_MS = 2_000;
/** How long `discv4 crawl` runs by default. */
export const DISCV4_CRAWL_TIMEOUT_MS = 30 * 60_000;
/** ENR requests `discv4 crawl` keeps in flight by default. */
export const DISCV4_CRAWL_PARALLEL = 16;
/** Most ENR requests in flight in `discv4 crawl`. */
export const MAX_DISCV4_CRAWL_PARALLEL = 1024;

const NODE_FLAGS = defineFlags({
  ...NODEKEY_FLAG,
  addr: { type: 'string', value: 'IP:PORT', help: 'UDP address to listen on (port 0: any free port)', defaultText: '0.0.0.0:0 ([::]:0 for an IPv6 target)' },
});

const REQUEST_FLAGS = defineFlags({
  ...NODE_FLAGS,
  timeout: { type: 'string', value: 'DURATION', help: 'how long to wait for each reply: 500ms, 2s (a bare number is milliseconds)', default: formatDuration(DISCV4_REQUEST_TIMEOUT_MS) },
  json: { type: 'boolean', help: 'print one JSON object (errors too)' },
});

const BOOTNODES_FLAG = defineFlags({
  bootnodes: { type: 'string', value: 'LIST', help: 'comma-separated enode/ENR URLs, or a network name (mainnet, sepolia, holesky, hoodi); "" for none' },
});

const NETRESTRICT_FLAG = defineFlags({
  netrestrict: { type: 'string', value: 'CIDRS', help: 'only talk to nodes in these networks, comma-separated (e.g. 10.0.0.0/8,192.168.0.0/16)' },
});

const PING = defineCommand({
  name: 'discv4 ping',
  args: '<enode|enr>',
  argsName: 'an enode URL or ENR',
  positionals: [1, 1],
  summary: 'ping a node over discovery v4 and print the round trip',
  flags: REQUEST_FLAGS,
  examples: [`devp2p-ts discv4 ping ${EXAMPLE_ENODE}`],
});

const REQUESTENR = defineCommand({
  name: 'discv4 requestenr',
  args: '<enode|enr>',
  argsName: 'an enode URL or ENR',
  positionals: [1, 1],
  summary: 'ask a node for its node record (ENR) and print it',
  flags: REQUEST_FLAGS,
  examples: [`devp2p-ts discv4 requestenr ${EXAMPLE_ENODE} --json`],
});

const RESOLVE = defineCommand({
  name: 'discv4 resolve',
  args: '<enode|enr>',
  argsName: 'an enode URL or ENR',
  positionals: [1, 1],
  summary: "find a node's current record: ask it, then look it up through the table",
  flags: { ...REQUEST_FLAGS, ...BOOTNODES_FLAG },
  examples: [`devp2p-ts discv4 resolve ${EXAMPLE_ENODE} --bootnodes sepolia`],
});

const LISTEN = defineCommand({
  name: 'discv4 listen',
  summary: 'run a discovery node until SIGINT/SIGTERM; print its enode and ENR, log nodes entering and leaving its table',
  flags: {
    ...NODEKEY_FLAG,
    addr: { type: 'string', value: 'IP:PORT', help: 'UDP address to listen on', default: '127.0.0.1:30303' },
    extaddr: { type: 'string', value: 'IP', help: 'IP to advertise in our ENR and Pings (behind NAT)' },
    ...BOOTNODES_FLAG,
    nodedb: { type: 'string', value: 'DIR', help: 'keep endpoint proofs and seeds in DIR across restarts', defaultText: 'in memory' },
    ...NETRESTRICT_FLAG,
    ...logFlags('3'),
  },
  examples: ['devp2p-ts discv4 listen --addr 0.0.0.0:30301 --nodekey boot.key --nodedb ./discv4-db'],
});

const CRAWL = defineCommand({
  name: 'discv4 crawl',
  args: '[FILE]',
  positionals: [0, 1],
  summary: "walk discovery and ask every node for its ENR; write geth's nodes.json (FILE: the nodes to recheck first)",
  flags: {
    out: { type: 'string', value: 'FILE', help: 'where to write the nodes', defaultText: 'FILE, else nodes.json' },
    ...BOOTNODES_FLAG,
    timeout: { type: 'string', value: 'DURATION', help: 'how long to crawl: 90s, 5m, 1h (a bare number is milliseconds)', default: formatDuration(DISCV4_CRAWL_TIMEOUT_MS) },
    parallel: { type: 'string', value: 'N', help: `ENR requests in flight (1-${MAX_DISCV4_CRAWL_PARALLEL})`, default: String(DISCV4_CRAWL_PARALLEL) },
    ...NODE_FLAGS,
    ...NETRESTRICT_FLAG,
  },
  examples: ['devp2p-ts discv4 crawl nodes.json --bootnodes sepolia --timeout 10m'],
});

const ENRDUMP = defineCommand({
  name: 'enrdump',
  args: '<enr|FILE>',
  argsName: 'an ENR ("enr:...", or a file holding one)',
  positionals: [1, 1],
  summary: 'decode and verify a node record (ENR), print its pairs',
  flags: { json: { type: 'boolean', help: 'print one JSON object (errors too)' } },
  examples: ['devp2p-ts enrdump enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8'],
});

/** `discv4 ping|requestenr|resolve`: one request to one node. */
async function request(kind: 'ping' | 'requestenr' | 'resolve', values: FlagValues<typeof REQUEST_FLAGS> & { bootnodes?: string | undefined }, arg: string, io: CliIo): Promise<void> {
  const target = parseNodeArg(arg);
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  const node = await startNode(values, isIP(target.ip) === 6 ? '[::]:0' : '0.0.0.0:0', []);
  try {
    if (kind === 'ping') {
      const pong = await node.ping(target, { timeoutMs });
      if (values.json) io.out(jsonLine({ rttMs: round(pong.rttMs), enrSeq: pong.enrSeq, to: { ip: formatBytesIp(pong.to.ip), udp: pong.to.udpPort, tcp: pong.to.tcpPort } }));
      else io.out(`node responded to ping (RTT ${pong.rttMs.toFixed(1)} ms)\n`);
    } else if (kind === 'requestenr') {
      const enr = await node.requestEnr(target, { timeoutMs });
      if (values.json) io.out(jsonLine(enrJson(enr)));
      else io.out(`${enrToText(enr)}\n${dumpEnr(enr)}`);
    } else {
      const r = await node.resolve(target, { timeoutMs });
      if (!r) throw new Error(`could not resolve ${target.idHex}`);
      if (values.json) io.out(jsonLine({ enode: nodeToEnode(r), enr: r.enr ? enrToText(r.enr) : undefined }));
      else io.out(`${r.enr ? enrToText(r.enr) : nodeToEnode(r)}\n`);
    }
  } finally {
    await node.close();
  }
}

export async function discv4Ping(args: string[], io: CliIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(PING, args);
  return request('ping', values, positionals[0]!, io);
}

export async function discv4RequestEnr(args: string[], io: CliIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(REQUESTENR, args);
  return request('requestenr', values, positionals[0]!, io);
}

export async function discv4Resolve(args: string[], io: CliIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(RESOLVE, args);
  return request('resolve', values, positionals[0]!, io);
}

export async function discv4Listen(args: string[], io: CliIo = stdio): Promise<void> {
  const { values } = parseCommand(LISTEN, args);
  return listen(values, io);
}

export async function discv4Crawl(args: string[], io: CliIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(CRAWL, args);
  return crawl(values, positionals[0], io);
}

export const DISCV4_GROUP: Group = {
  name: 'discv4',
  summary: "Discovery v4 commands (geth devp2p's discv4 commands).",
  commands: {
    ping: { spec: PING, run: (a) => discv4Ping(a) },
    requestenr: { spec: REQUESTENR, run: (a) => discv4RequestEnr(a) },
    resolve: { spec: RESOLVE, run: (a) => discv4Resolve(a) },
    listen: { spec: LISTEN, run: (a) => discv4Listen(a) },
    crawl: { spec: CRAWL, run: (a) => discv4Crawl(a) },
  },
};

export const ENRDUMP_COMMAND = { spec: ENRDUMP, run: (a: string[]) => enrdumpCommand(a) };

/** How often `listen` logs a status line. */
const LISTEN_STATUS_INTERVAL_MS = 30_000;
/** How often `crawl` reports progress on stderr. */

/** The flags startNode reads (each command declares the ones it takes). */
interface NodeValues {
  nodekey?: string | undefined;
  addr?: string | undefined;
  extaddr?: string | undefined;
  bootnodes?: string | undefined;
  nodedb?: string | undefined;
  netrestrict?: string | undefined;
}

async function listen(values: FlagValues<typeof LISTEN.flags>, io: CliIo): Promise<void> {
  const log = commandLogger(values, 'discv4', (line) => io.err(line + '\n'));
  const node = await startNode(values, '127.0.0.1:30303', []);
  logDiscoveryNodes(node, log);
  node.start();
  io.out(`${node.enode}\n${enrToText(node.localEnr)}\n`);
  io.onListening?.(node);
  const status = setInterval(() => {
    const st = node.stats;
    const dropped = Object.values(st.dropped).reduce((a, b) => a + (b ?? 0), 0);
    log.info('status', { table: node.table.size, packetsIn: st.packetsIn, dropped, packetsOut: st.packetsOut });
  }, LISTEN_STATUS_INTERVAL_MS);
  status.unref();
  await untilStopped(io.signal);
  clearInterval(status);
  await node.close();
  log.info('discv4 node closed');
}

/**
 * geth's `devp2p discv4 crawl`: the ENR crawl of sync/crawl/enr-crawl.ts, `--parallel` at a
 * time, into a geth-style nodes.json (known nodes are rechecked; `score` +1 per answer, -1 per miss).
 */
async function crawl(values: FlagValues<typeof CRAWL.flags>, file: string | undefined, io: CliIo): Promise<void> {
  const outPath = values.out ?? file ?? 'nodes.json';
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  const parallel = parseIntInRange('parallel', values.parallel, DISCV4_CRAWL_PARALLEL, 1, MAX_DISCV4_CRAWL_PARALLEL);
  await crawlIntoNodesFile(() => startNode(values, '0.0.0.0:0', NETWORKS.mainnet.bootnodes), { inPath: file ?? outPath, outPath, timeoutMs, parallel, signal: io.signal }, io);
}

/** `devp2p-ts enrdump <enr|FILE>`: decodes, verifies and prints a record. */
export async function enrdumpCommand(args: string[], io: CliIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(ENRDUMP, args);
  const arg = positionals[0]!;
  let enr: Enr;
  if (arg.startsWith('enr:')) enr = parseEnrArg(arg);
  else {
    const text = (await readFile(arg, 'utf8')).trim();
    try {
      enr = parseEnrArg(text);
    } catch (err) {
      // The record came from a file: a bad file is a failure (exit 1), not a usage error.
      throw new Error(`${arg}: ${(err as Error).message}`);
    }
  }
  if (values.json) io.out(jsonLine(enrJson(enr)));
  else io.out(dumpEnr(enr));
}

// ---- helpers ------------------------------------------------------------------------------

/** An enode URL or ENR naming a discovery endpoint (`flag` names it in errors). */
export function parseNodeArg(arg: string, flag?: string): DiscNode {
  if (arg.startsWith('enr:')) {
    const n = nodeFromEnr(parseEnrArg(arg, flag));
    if (!n) throw new UsageError(`${flag ? `--${flag}: ` : ''}the ENR ${echoInput(arg)} has no IP address and UDP port`);
    return n;
  }
  const e = parseEnodeArg(arg, flag);
  return makeNode(e.publicKey, e.ip, e.udpPort, e.tcpPort);
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

async function startNode(values: NodeValues, defaultAddr: string, defaultBootnodes: readonly string[]): Promise<Discv4> {
  const { host: ip, port } = parseAddr('addr', values.addr ?? defaultAddr);
  const addr = { ip, port };
  if (values.extaddr !== undefined && !isIP(values.extaddr)) throw new UsageError(`--extaddr must be an IP, got "${values.extaddr}"`);
  let netrestrict;
  try {
    netrestrict = values.netrestrict ? parseCidrList(values.netrestrict) : undefined;
  } catch (err) {
    throw new UsageError(`--netrestrict: ${(err as Error).message}`);
  }
  const bootnodes = parseBootnodes(values.bootnodes, defaultBootnodes);
  const privateKey = values.nodekey ? await loadNodeKey(values.nodekey) : generatePrivateKey();
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
    throw new ListenError(`${addr.ip}:${addr.port}`, err);
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function formatBytesIp(ip: Uint8Array): string {
  return ip.length === 4 ? ip.join('.') : bytesToHex(ip);
}

export function enrJson(enr: Enr): Record<string, unknown> {
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
