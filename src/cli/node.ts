/**
 * `devp2p-ts node`: a full discovery + RLPx + eth node. Prints its enode at start, joins the
 * network, keeps peers (each arrival, refusal and departure logged), logs a status line
 * periodically (peers in/out, dials, clients seen), optionally serves Prometheus metrics and a
 * status page (src/sync/node/status-server.ts), and stops cleanly on SIGINT/SIGTERM.
 */
import { isIP } from 'node:net';
import type { SystemTxtResolver } from '../dnsdisc/resolver.js';
import { parseEnode } from '../enode/enode-url.js';
import { enrToText } from '../enode/enr.js';
import { serveMetrics } from '../server/metrics.js';
import { DEFAULT_MAX_PEERS } from '../server/server.js';
import { HeaderStore } from '../sync/headers/header-store.js';
import { P2PNode } from '../sync/node/p2p-node.js';
import { StoreChain } from '../sync/headers/store-chain.js';
import { nodeMetrics } from '../sync/node/node-metrics.js';
import { serveNodeStatus } from '../sync/node/status-server.js';
import { defineCommand, parseCommand } from './command.js';
import type { Command } from './command-tree.js';
import { commandLogger, EXAMPLE_ENODE, logFlags, NETWORK_FLAGS, NODEKEY_FLAG, parseAddr, parseEnodeList, resolveNetworkAndGenesis, resolveNodeKey, untilStopped } from './common-options.js';
import { defaultDataDir } from './datadir.js';
import { parseTreeUrlArg, resolverForServers } from './dns.js';
import { formatDuration, parseDurationFlag } from './duration.js';
import { ListenError, parseIntInRange, UsageError } from './output.js';
import { logServerPeers } from './peer-log.js';

/** How often the status line is logged by default. */
export const NODE_STATUS_INTERVAL_MS = 30_000;
/** The shortest status interval (0 turns it off): more often only floods the log. */
export const MIN_NODE_STATUS_INTERVAL_MS = 1_000;
/** The most --maxpeers accepts. */
export const MAX_NODE_MAX_PEERS = 10_000;

const NODE = defineCommand({
  name: 'node',
  summary: 'run a discovery + RLPx + eth node until SIGINT/SIGTERM',
  description:
    'Prints its enode and ENR on stdout, logs its data directory, each peer that connects, is refused (with the reason) or leaves ' +
    '(with the Disconnect reason and who sent it), and a status line. Bootnodes default to the network\'s.',
  flags: {
    ...NETWORK_FLAGS,
    addr: { type: 'string', value: 'IP:PORT', help: 'TCP (RLPx) and UDP (discv4) address to listen on', default: '0.0.0.0:30303' },
    maxpeers: { type: 'string', value: 'N', help: `most connected peers (0-${MAX_NODE_MAX_PEERS})`, default: String(DEFAULT_MAX_PEERS) },
    ...NODEKEY_FLAG,
    bootnodes: { type: 'string', value: 'ENODES', help: 'comma-separated enode URLs to bootstrap from; "" for none', defaultText: "the network's" },
    nodiscover: { type: 'boolean', help: 'do not run discovery (dial only static nodes and bootnodes)' },
    dns: { type: 'string', value: 'URLS', help: 'comma-separated enrtree:// URLs of DNS node lists (EIP-1459) to dial nodes from, beside discv4' },
    'dns-server': { type: 'string', value: 'IP[:PORT]', help: 'DNS server for --dns; repeat for more', defaultText: "the system's", multiple: true },
    static: { type: 'string', value: 'ENODES', help: 'comma-separated enode URLs to keep connected' },
    trusted: { type: 'string', value: 'ENODES', help: 'comma-separated enode URLs admitted above the peer limit' },
    nat: { type: 'string', value: 'none|extip:IP', help: 'the address to advertise: none (the listening one) or extip:IP', default: 'none' },
    netrestrict: { type: 'string', value: 'CIDRS', help: 'only accept, dial and discover peers in these networks, comma-separated' },
    metrics: { type: 'string', value: 'IP:PORT', help: 'serve Prometheus metrics at http://IP:PORT/metrics' },
    http: { type: 'string', value: 'IP:PORT', help: 'serve a status page at http://IP:PORT/ (refreshing itself), its data as JSON at /api/status, and /metrics' },
    datadir: { type: 'string', value: 'DIR', help: 'where the header store lives', defaultText: '$XDG_DATA_HOME/devp2p-ts/NETWORK or ~/.local/share/devp2p-ts/NETWORK' },
    'status-interval': { type: 'string', value: 'DURATION', help: `how often to log the status line: 10s, 1m (a bare number is milliseconds; 0 for never; at least ${formatDuration(MIN_NODE_STATUS_INTERVAL_MS)})`, default: formatDuration(NODE_STATUS_INTERVAL_MS) },
    ...logFlags('3'),
  },
  examples: ['devp2p-ts node --network sepolia --addr 0.0.0.0:30303 --http 127.0.0.1:6060', `devp2p-ts node --network devnet --nodiscover --static ${EXAMPLE_ENODE} --datadir ./devnet-data`],
});

export async function nodeCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(NODE, args);
  const log = commandLogger(values, 'node');
  const { network, genesis } = await resolveNetworkAndGenesis(values);
  const addr = parseAddr('addr', values.addr);
  let advertisedIp: string | undefined;
  if (values.nat !== 'none') {
    const m = /^extip:(.+)$/.exec(values.nat);
    if (!m || !isIP(m[1]!)) throw new UsageError(`--nat takes none or extip:IP, got "${values.nat}"`);
    advertisedIp = m[1]!;
  }
  const bootnodes = values.bootnodes !== undefined ? parseEnodeList('bootnodes', values.bootnodes) : network.bootnodes.map((b) => parseEnode(b));
  const staticNodes = parseEnodeList('static', values.static);
  const trustedNodes = parseEnodeList('trusted', values.trusted);
  const maxPeers = parseIntInRange('maxpeers', values.maxpeers, DEFAULT_MAX_PEERS, 0, MAX_NODE_MAX_PEERS);
  const every = parseDurationFlag('status-interval', values['status-interval']);
  if (every !== 0 && every < MIN_NODE_STATUS_INTERVAL_MS) {
    throw new UsageError(`--status-interval must be 0 or at least ${formatDuration(MIN_NODE_STATUS_INTERVAL_MS)}, got "${values['status-interval']}"${/^\d+$/.test(values['status-interval'].trim()) ? ' (a bare number is milliseconds)' : ''}`);
  }
  const dns = parseDnsOptions(values.dns, values['dns-server'], values.nodiscover);
  const metricsAddr = values.metrics ? parseAddr('metrics', values.metrics) : undefined;
  const httpAddr = values.http ? parseAddr('http', values.http) : undefined;
  const datadir = values.datadir ?? defaultDataDir(network.name);
  log.info('data directory', { path: datadir, network: network.name });
  const store = HeaderStore.open(datadir);
  const chain = new StoreChain(network, store, genesis);
  const startedAt = Date.now();
  let node: P2PNode;
  try {
    // No logger for P2PNode: its peer lines (debug) would repeat logServerPeers' (info).
    node = await P2PNode.start({
      network,
      chain,
      privateKey: await resolveNodeKey(values.nodekey),
      addr,
      ...(advertisedIp ? { advertisedIp } : {}),
      bootnodes,
      staticNodes,
      trustedNodes,
      discovery: !values.nodiscover,
      ...(dns ? { dns } : {}),
      ...(values.netrestrict ? { netrestrict: values.netrestrict.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
      maxPeers,
    });
  } catch (err) {
    store.close();
    throw typeof (err as NodeJS.ErrnoException).code === 'string' ? new ListenError(values.addr, err) : err;
  }
  logServerPeers(node.server, log, node.eth);
  const clients = new Map<string, number>();
  node.server.on('peer:added', (p) => {
    const name = (p.session.remoteHello?.clientId ?? '?').split('/')[0]!;
    clients.set(name, (clients.get(name) ?? 0) + 1);
  });
  process.stdout.write(`${advertisedIp || !['0.0.0.0', '::'].includes(addr.host) ? node.enode : node.enodeAt('127.0.0.1')}\n`);
  if (node.discv4) process.stdout.write(`${enrToText(node.discv4.localEnr)}\n`);
  const listeners: { close(): Promise<void> }[] = [];
  const registry = metricsAddr || httpAddr ? nodeMetrics(node) : undefined;
  try {
    // The URLs logged carry the bound port (port 0 picks one).
    const at = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (metricsAddr) {
      const metrics = await serveMetrics(registry!, metricsAddr.host, metricsAddr.port).catch((err: unknown) => Promise.reject(new ListenError(values.metrics!, err)));
      listeners.push(metrics);
      log.info('metrics', { url: `${at(metricsAddr.host, metrics.port)}/metrics` });
    }
    if (httpAddr) {
      const http = await serveNodeStatus({ server: node.server, eth: node.eth, discv4: node.discv4, network, chain, startedAt }, { host: httpAddr.host, port: httpAddr.port, registry: registry! }).catch((err: unknown) => Promise.reject(new ListenError(values.http!, err)));
      listeners.push(http);
      const base = at(httpAddr.host, http.port);
      log.info('status page', { url: `${base}/`, api: `${base}/api/status`, metrics: `${base}/metrics` });
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    await node.stop();
    store.close();
    throw err;
  }
  const timer = every > 0 ? setInterval(() => {
    const c = node.server.counts();
    const s = node.server.stats;
    log.info('status', {
      peers: c.inbound + c.outbound,
      in: c.inbound,
      out: c.outbound,
      eth: node.eth.peers.size,
      dialing: c.dialing,
      dials: s.dialsStarted,
      dialsOk: s.dialsSucceeded,
      table: node.discv4?.table.size ?? 0,
      clients: [...clients.entries()].map(([k, v]) => `${k}:${v}`).join(','),
    });
  }, every) : undefined;
  await untilStopped();
  clearInterval(timer);
  await Promise.all(listeners.map((l) => l.close()));
  await node.stop();
  store.close();
}

/** --dns and --dns-server: the trees to dial from and where to look them up. */
function parseDnsOptions(list: string | undefined, servers: string[], nodiscover: boolean): { urls: string[]; client: { resolver: SystemTxtResolver } } | undefined {
  const urls = (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (urls.length === 0) {
    if (servers.length) throw new UsageError('--dns-server needs --dns');
    return undefined;
  }
  // geth's --nodiscover turns its DNS lists off too; saying so beats ignoring the flag.
  if (nodiscover) throw new UsageError('--dns is discovery: it cannot be used with --nodiscover');
  for (const u of urls) parseTreeUrlArg(u, 'dns');
  return { urls, client: { resolver: resolverForServers('dns-server', servers) } };
}

export const NODE_COMMAND: Command = { spec: NODE, run: nodeCommand };
