/**
 * `devp2p-ts node`: a full discovery + RLPx + eth node. Prints its enode at start, joins the
 * network, keeps peers, prints a status line periodically (peers in/out, dials, clients seen),
 * optionally serves Prometheus metrics, and stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { createLogger } from '../common/log.js';
import { parseEnode } from '../enode/enode-url.js';
import { enrToText } from '../enode/enr.js';
import { serveMetrics, serverMetrics } from '../server/metrics.js';
import { HeaderStore } from '../sync/header-store.js';
import { P2PNode } from '../sync/p2p-node.js';
import { StoreChain } from '../sync/store-chain.js';
import { NETWORK_OPTIONS, parseAddr, parseEnodeList, resolveNetworkAndGenesis, resolveNodeKey, untilStopped } from './common-options.js';
import { parseIntOption, UsageError } from './output.js';

export const NODE_USAGE = `usage:
  devp2p-ts node [--network NAME | --genesis FILE --genesis-hash HASH] [--addr IP:PORT] [--maxpeers N]
                 [--nodekey FILE] [--bootnodes ENODES] [--nodiscover] [--static ENODES] [--trusted ENODES]
                 [--nat none|extip:IP] [--netrestrict CIDRS] [--metrics IP:PORT] [--datadir DIR]
                 [--status-interval SEC] [--verbosity LEVEL] [--log-json]
      run a discovery + RLPx + eth node until stopped (bootnodes default to the network's)`;

export async function nodeCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...NETWORK_OPTIONS,
      addr: { type: 'string', default: '0.0.0.0:30303' },
      maxpeers: { type: 'string' },
      nodekey: { type: 'string' },
      bootnodes: { type: 'string' },
      nodiscover: { type: 'boolean', default: false },
      static: { type: 'string' },
      trusted: { type: 'string' },
      nat: { type: 'string', default: 'none' },
      netrestrict: { type: 'string' },
      metrics: { type: 'string' },
      datadir: { type: 'string' },
      'status-interval': { type: 'string' },
      verbosity: { type: 'string', default: 'info' },
      'log-json': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const { network, genesis } = await resolveNetworkAndGenesis(values);
  const addr = parseAddr('addr', values.addr!);
  let advertisedIp: string | undefined;
  if (values.nat !== 'none') {
    const m = /^extip:(.+)$/.exec(values.nat!);
    if (!m || !isIP(m[1]!)) throw new UsageError('--nat takes none or extip:IP');
    advertisedIp = m[1]!;
  }
  const bootnodes = values.bootnodes !== undefined ? parseEnodeList('bootnodes', values.bootnodes) : network.bootnodes.map((b) => parseEnode(b));
  const level = values.verbosity as 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(level)) throw new UsageError('--verbosity takes error, warn, info or debug');
  const log = createLogger({ level, format: values['log-json'] ? 'json' : 'text', component: 'node' });
  const store = HeaderStore.open(values.datadir ?? `devp2p-ts-data/${network.name}`);
  const node = await P2PNode.start({
    network,
    chain: new StoreChain(network, store, genesis),
    privateKey: await resolveNodeKey(values.nodekey),
    addr,
    ...(advertisedIp ? { advertisedIp } : {}),
    bootnodes,
    staticNodes: parseEnodeList('static', values.static),
    trustedNodes: parseEnodeList('trusted', values.trusted),
    discovery: !values.nodiscover,
    ...(values.netrestrict ? { netrestrict: values.netrestrict.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(values.maxpeers !== undefined ? { maxPeers: parseIntOption('maxpeers', values.maxpeers, 50) } : {}),
    logger: log,
  });
  const clients = new Map<string, number>();
  node.server.on('peer:added', (p) => {
    const name = (p.session.remoteHello?.clientId ?? '?').split('/')[0]!;
    clients.set(name, (clients.get(name) ?? 0) + 1);
  });
  node.eth.on('peer', (p, sp) => log.info('eth peer', { id: sp.id.slice(0, 16), client: sp.session.remoteHello?.clientId, eth: p.version }));
  process.stdout.write(`${advertisedIp || !['0.0.0.0', '::'].includes(addr.host) ? node.enode : node.enodeAt('127.0.0.1')}\n`);
  if (node.discv4) process.stdout.write(`${enrToText(node.discv4.localEnr)}\n`);
  let metrics: { close(): Promise<void> } | undefined;
  if (values.metrics) {
    const m = parseAddr('metrics', values.metrics);
    metrics = await serveMetrics(serverMetrics(node.server), m.host, m.port);
    log.info('metrics', { url: `http://${values.metrics}/metrics` });
  }
  const every = parseIntOption('status-interval', values['status-interval'], 30) * 1000;
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
  await metrics?.close();
  await node.stop();
  store.close();
}
