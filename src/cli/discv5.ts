/**
 * `devp2p-ts discv5 ...`: geth `devp2p`'s discovery v5 commands (cmd/devp2p/discv5cmd.go:
 * ping, resolve, requestenr, listen, crawl) on top of src/discv5.
 */
import { isIP } from 'node:net';
import { parseCidrList } from '../common/netutil.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { enrToText } from '../enode/enr.js';
import { loadNodeKey } from '../enode/key.js';
import { nodeToEnode } from '../discv4/node.js';
import { Discv5 } from '../discv5/discv5.js';
import { crawlIntoNodesFile } from './enr-crawl-command.js';
import { commandLogger, EXAMPLE_ENODE, logFlags, NODEKEY_FLAG, parseAddr, untilStopped } from './common-options.js';
import { defineCommand, defineFlags, parseCommand, type FlagValues } from './command.js';
import type { Group } from './command-tree.js';
import { dumpEnr, enrJson, parseBootnodes, parseNodeArg } from './discv4.js';
import { formatDuration, MIN_TIMEOUT_MS, parseDurationFlag } from './duration.js';
import { jsonLine, ListenError, parseIntInRange, UsageError } from './output.js';

/** Where command output goes (tests capture it). */
export interface Discv5CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  signal?: AbortSignal;
  onListening?: (node: Discv5) => void;
}

const stdio: Discv5CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** How long ping, requestenr and resolve wait in all by default. */
export const DISCV5_REQUEST_TIMEOUT_MS = 2_000;
/** How long `discv5 crawl` runs by default. */
export const DISCV5_CRAWL_TIMEOUT_MS = 30 * 60_000;
/** ENR requests `discv5 crawl` keeps in flight by default, and at most. */
export const DISCV5_CRAWL_PARALLEL = 16;
export const MAX_DISCV5_CRAWL_PARALLEL = 1024;
/** How often `crawl` reports progress on stderr, and `listen` logs a status line. */
const LISTEN_STATUS_INTERVAL_MS = 30_000;

const NODE_FLAGS = defineFlags({
  ...NODEKEY_FLAG,
  addr: { type: 'string', value: 'IP:PORT', help: 'UDP address to listen on (port 0: any free port)', defaultText: '0.0.0.0:0 ([::]:0 for an IPv6 target)' },
});

const REQUEST_FLAGS = defineFlags({
  ...NODE_FLAGS,
  timeout: { type: 'string', value: 'DURATION', help: 'how long to wait for the answer: 500ms, 2s (a bare number is milliseconds)', default: formatDuration(DISCV5_REQUEST_TIMEOUT_MS) },
  json: { type: 'boolean', help: 'print one JSON object (errors too)' },
});

const BOOTNODES_FLAG = defineFlags({
  bootnodes: { type: 'string', value: 'LIST', help: 'comma-separated ENRs (or enode URLs), "" for none' },
});

const NETRESTRICT_FLAG = defineFlags({
  netrestrict: { type: 'string', value: 'CIDRS', help: 'only talk to nodes in these networks, comma-separated' },
});

const PING = defineCommand({
  name: 'discv5 ping',
  args: '<enr|enode>',
  argsName: 'an ENR or enode URL',
  positionals: [1, 1],
  summary: 'ping a node over discovery v5 (handshake included) and print the round trip',
  flags: REQUEST_FLAGS,
  examples: [`devp2p-ts discv5 ping ${EXAMPLE_ENODE}`],
});

const REQUESTENR = defineCommand({
  name: 'discv5 requestenr',
  args: '<enr|enode>',
  argsName: 'an ENR or enode URL',
  positionals: [1, 1],
  summary: 'ask a node for its record (FINDNODE distance 0) and print it',
  flags: REQUEST_FLAGS,
  examples: [`devp2p-ts discv5 requestenr ${EXAMPLE_ENODE} --json`],
});

const RESOLVE = defineCommand({
  name: 'discv5 resolve',
  args: '<enr|enode>',
  argsName: 'an ENR or enode URL',
  positionals: [1, 1],
  summary: "find a node's current record: ask it, then look it up through the table",
  flags: { ...REQUEST_FLAGS, ...BOOTNODES_FLAG },
  examples: [`devp2p-ts discv5 resolve ${EXAMPLE_ENODE} --bootnodes enr:-...`],
});

const LISTEN = defineCommand({
  name: 'discv5 listen',
  summary: 'run a discovery v5 node until SIGINT/SIGTERM; print its enode and ENR, log nodes entering and leaving its table',
  flags: {
    ...NODEKEY_FLAG,
    addr: { type: 'string', value: 'IP:PORT', help: 'UDP address to listen on', default: '127.0.0.1:30303' },
    extaddr: { type: 'string', value: 'IP', help: 'IP to advertise in our ENR (behind NAT)' },
    ...BOOTNODES_FLAG,
    ...NETRESTRICT_FLAG,
    ...logFlags('3'),
  },
  examples: ['devp2p-ts discv5 listen --addr 127.0.0.1:30305 --nodekey boot.key'],
});

const CRAWL = defineCommand({
  name: 'discv5 crawl',
  args: '[FILE]',
  positionals: [0, 1],
  summary: "walk discovery v5 and ask every node for its ENR; write geth's nodes.json (FILE: the nodes to recheck first)",
  flags: {
    out: { type: 'string', value: 'FILE', help: 'where to write the nodes', defaultText: 'FILE, else nodes.json' },
    ...BOOTNODES_FLAG,
    timeout: { type: 'string', value: 'DURATION', help: 'how long to crawl: 90s, 5m, 1h', default: formatDuration(DISCV5_CRAWL_TIMEOUT_MS) },
    parallel: { type: 'string', value: 'N', help: `ENR requests in flight (1-${MAX_DISCV5_CRAWL_PARALLEL})`, default: String(DISCV5_CRAWL_PARALLEL) },
    ...NODE_FLAGS,
    ...NETRESTRICT_FLAG,
  },
  examples: ['devp2p-ts discv5 crawl nodes.json --bootnodes enr:-... --timeout 10m'],
});

interface NodeValues {
  nodekey?: string | undefined;
  addr?: string | undefined;
  extaddr?: string | undefined;
  bootnodes?: string | undefined;
  netrestrict?: string | undefined;
}

async function startNode(values: NodeValues, defaultAddr: string): Promise<Discv5> {
  const { host: ip, port } = parseAddr('addr', values.addr ?? defaultAddr);
  if (values.extaddr !== undefined && !isIP(values.extaddr)) throw new UsageError(`--extaddr must be an IP, got "${values.extaddr}"`);
  let netrestrict;
  try {
    netrestrict = values.netrestrict ? parseCidrList(values.netrestrict) : undefined;
  } catch (err) {
    throw new UsageError(`--netrestrict: ${(err as Error).message}`);
  }
  const bootnodes = parseBootnodes(values.bootnodes ?? '', []);
  const privateKey = values.nodekey ? await loadNodeKey(values.nodekey) : generatePrivateKey();
  try {
    return await Discv5.listen({ ip, port }, {
      privateKey,
      bootnodes,
      ...(values.extaddr ? { externalIp: values.extaddr } : {}),
      ...(netrestrict ? { netrestrict } : {}),
    });
  } catch (err) {
    throw new ListenError(`${ip}:${port}`, err);
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

async function request(kind: 'ping' | 'requestenr' | 'resolve', values: FlagValues<typeof REQUEST_FLAGS> & { bootnodes?: string | undefined }, arg: string, io: Discv5CliIo): Promise<void> {
  const target = parseNodeArg(arg);
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  const node = await startNode(values, isIP(target.ip) === 6 ? '[::]:0' : '0.0.0.0:0');
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    if (kind === 'ping') {
      const pong = await node.ping(target, { signal });
      if (values.json) io.out(jsonLine({ rttMs: round(pong.rttMs), enrSeq: pong.enrSeq, to: { ip: pong.toIp, udp: pong.toPort } }));
      else io.out(`node responded to ping (RTT ${pong.rttMs.toFixed(1)} ms)\n`);
    } else if (kind === 'requestenr') {
      const enr = await node.requestEnr(target, { signal });
      if (values.json) io.out(jsonLine(enrJson(enr)));
      else io.out(`${enrToText(enr)}\n${dumpEnr(enr)}`);
    } else {
      for (const b of parseBootnodes(values.bootnodes ?? '', [])) node.addNode(b);
      const r = await node.resolve(target, { signal });
      if (!r) throw new Error(`could not resolve ${target.idHex}`);
      if (values.json) io.out(jsonLine({ enode: nodeToEnode(r), enr: r.enr ? enrToText(r.enr) : undefined }));
      else io.out(`${r.enr ? enrToText(r.enr) : nodeToEnode(r)}\n`);
    }
  } finally {
    await node.close();
  }
}

async function listen(values: FlagValues<typeof LISTEN.flags>, io: Discv5CliIo): Promise<void> {
  const log = commandLogger(values, 'discv5', (line) => io.err(line + '\n'));
  const node = await startNode(values, '127.0.0.1:30303');
  node.on('node:added', (n) => log.info('node added', { id: n.idHex.slice(0, 16), addr: `${n.ip}:${n.udpPort}` }));
  node.on('node:removed', (n) => log.info('node removed', { id: n.idHex.slice(0, 16), addr: `${n.ip}:${n.udpPort}` }));
  node.on('dropped', (reason, from, detail) => log.debug('packet refused', { reason, from: `${from.ip}:${from.port}`, detail }));
  node.start();
  io.out(`${node.enode}\n${enrToText(node.localEnr)}\n`);
  io.onListening?.(node);
  const status = setInterval(() => {
    const st = node.stats;
    const dropped = Object.values(st.dropped).reduce((a, b) => a + (b ?? 0), 0);
    log.info('status', { table: node.table.size, sessions: node.sessionCount, packetsIn: st.packetsIn, dropped, packetsOut: st.packetsOut });
  }, LISTEN_STATUS_INTERVAL_MS);
  status.unref();
  await untilStopped(io.signal);
  clearInterval(status);
  await node.close();
  log.info('discv5 node closed');
}

/**
 * geth's `devp2p discv5 crawl`: the ENR crawl of sync/crawl/enr-crawl.ts (the one `discv4 crawl`
 * runs) over discv5, into a geth-style nodes.json.
 */
async function crawl(values: FlagValues<typeof CRAWL.flags>, file: string | undefined, io: Discv5CliIo): Promise<void> {
  const outPath = values.out ?? file ?? 'nodes.json';
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  const parallel = parseIntInRange('parallel', values.parallel, DISCV5_CRAWL_PARALLEL, 1, MAX_DISCV5_CRAWL_PARALLEL);
  await crawlIntoNodesFile(() => startNode(values, '0.0.0.0:0'), { inPath: file ?? outPath, outPath, timeoutMs, parallel, signal: io.signal }, io);
}

export async function discv5Ping(args: string[], io: Discv5CliIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(PING, args);
  return request('ping', values, positionals[0]!, io);
}

export async function discv5RequestEnr(args: string[], io: Discv5CliIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(REQUESTENR, args);
  return request('requestenr', values, positionals[0]!, io);
}

export async function discv5Resolve(args: string[], io: Discv5CliIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(RESOLVE, args);
  return request('resolve', values, positionals[0]!, io);
}

export async function discv5Listen(args: string[], io: Discv5CliIo = stdio): Promise<void> {
  const { values } = parseCommand(LISTEN, args);
  return listen(values, io);
}

export async function discv5Crawl(args: string[], io: Discv5CliIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(CRAWL, args);
  return crawl(values, positionals[0], io);
}

export const DISCV5_GROUP: Group = {
  name: 'discv5',
  summary: "Discovery v5 commands (geth devp2p's discv5 commands).",
  commands: {
    ping: { spec: PING, run: (a) => discv5Ping(a) },
    requestenr: { spec: REQUESTENR, run: (a) => discv5RequestEnr(a) },
    resolve: { spec: RESOLVE, run: (a) => discv5Resolve(a) },
    listen: { spec: LISTEN, run: (a) => discv5Listen(a) },
    crawl: { spec: CRAWL, run: (a) => discv5Crawl(a) },
  },
};
