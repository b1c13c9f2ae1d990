/**
 * A full devp2p node as an execution client runs one: discv4 discovery (and DNS node lists, when
 * given) feeding the server's dialer, the server accepting and dialing with geth's limits, and
 * eth/68-70 on every peer. `devp2p-ts node` and the devnet demo run it; an embedding client can too.
 */
import type { Logger } from '../../common/log.js';
import { silentLogger } from '../../common/log.js';
import { Discv4 } from '../../discv4/discv4.js';
import { DnsClient, type DnsClientConfig } from '../../dnsdisc/client.js';
import { makeNode } from '../../discv4/node.js';
import { parseCidr } from '../../common/netutil.js';
import { formatEnode, type Enode } from '../../enode/enode-url.js';
import type { ChainReader } from '../../chain/chain.js';
import type { EthNetwork } from '../../chain/chain-config.js';
import type { EthVersion } from '../../eth/protocol.js';
import type { DialCandidate } from '../../server/dial-scheduler.js';
import { Server, type ServerConfig } from '../../server/server.js';
import type { Protocol } from '../../server/protocol.js';
import { EthService } from './eth-service.js';
import { discoveryCandidates } from './discovery-candidates.js';
import { dnsCandidates, mergeCandidates } from './dns-candidates.js';

export interface P2PNodeOptions {
  network: EthNetwork;
  chain: ChainReader;
  privateKey: Uint8Array;
  /** TCP (RLPx) and UDP (discv4) address. */
  addr: { host: string; port: number };
  /** NAT extip: the IP advertised in our enode and ENR. */
  advertisedIp?: string;
  bootnodes?: readonly Enode[];
  staticNodes?: readonly Enode[];
  trustedNodes?: readonly Enode[];
  /** Run discv4 and dial what it finds (default true). */
  discovery?: boolean;
  /** DNS node lists (EIP-1459 enrtree:// URLs) whose nodes are dialed too, and the client's settings. */
  dns?: { urls: readonly string[]; client?: DnsClientConfig };
  netrestrict?: readonly string[];
  maxPeers?: number;
  ethVersions?: readonly EthVersion[];
  /** More protocols to run beside eth. */
  extraProtocols?: readonly Protocol[];
  clientId?: string;
  logger?: Logger;
  /** Overrides for the server (limits, timeouts). */
  server?: Partial<ServerConfig>;
}

export class P2PNode {
  private constructor(
    readonly server: Server,
    readonly eth: EthService,
    readonly discv4: Discv4 | undefined,
    /** The DNS discovery client, when DNS lists were given. */
    readonly dns: DnsClient | undefined,
    private readonly stopDiscovery: AbortController,
  ) {}

  static async start(opts: P2PNodeOptions): Promise<P2PNode> {
    const log = opts.logger ?? silentLogger;
    const eth = new EthService({ network: opts.network, chain: opts.chain, ...(opts.ethVersions ? { versions: opts.ethVersions } : {}) });
    const stop = new AbortController();
    const wantDiscovery = opts.discovery ?? true;
    // The server binds TCP first (port 0 picks one); discv4 then binds the same port number on
    // UDP, so the enode and ENR carry one port. The dialer's candidate stream waits for it.
    let discv4: Discv4 | undefined;
    let discv4Ready!: (d: Discv4 | undefined) => void;
    const discv4Promise = new Promise<Discv4 | undefined>((r) => (discv4Ready = r));
    const sources: AsyncIterable<DialCandidate>[] = wantDiscovery ? [discoveryCandidates(discv4Promise, stop.signal)] : [];
    // The iterator checks the URLs here, before anything binds.
    const dns = opts.dns?.urls.length ? new DnsClient({ logger: log.child('dns'), ...opts.dns.client }) : undefined;
    if (dns) sources.push(dnsCandidates(dns.nodeIterator(opts.dns!.urls, { signal: stop.signal })));
    const candidates = sources.length > 1 ? mergeCandidates(sources) : sources[0];
    const server = new Server({
      privateKey: opts.privateKey,
      protocols: [...eth.protocols(), ...(opts.extraProtocols ?? [])],
      ...(opts.clientId ? { clientId: opts.clientId } : {}),
      listen: opts.addr,
      ...(opts.advertisedIp ? { advertisedIp: opts.advertisedIp } : {}),
      ...(opts.maxPeers !== undefined ? { maxPeers: opts.maxPeers } : {}),
      ...(opts.netrestrict ? { netrestrict: opts.netrestrict } : {}),
      staticNodes: opts.staticNodes ?? [],
      trustedNodes: opts.trustedNodes ?? [],
      // Discovery finds the bootnodes' neighbours; dialing bootnodes too makes small networks connect.
      bootnodes: opts.bootnodes ?? [],
      ...(candidates ? { discovery: candidates } : {}),
      ...opts.server,
    });
    server.on('peer:added', (p) => log.debug('peer added', { id: p.id.slice(0, 16), dir: p.direction, client: p.session.remoteHello?.clientId }));
    server.on('peer:removed', (p, i) => log.debug('peer removed', { id: p.id.slice(0, 16), reason: i.reason, remote: i.remote }));
    await server.start();
    if (wantDiscovery) {
      try {
        discv4 = await Discv4.listen(
          { ip: opts.addr.host, port: server.port },
          {
            privateKey: opts.privateKey,
            ...(opts.advertisedIp ? { externalIp: opts.advertisedIp } : {}),
            tcpPort: server.port,
            bootnodes: (opts.bootnodes ?? []).map((b) => makeNode(b.publicKey, b.ip, b.udpPort, b.tcpPort)),
            ...(opts.netrestrict ? { netrestrict: opts.netrestrict.map(parseCidr) } : {}),
          },
        );
      } catch (err) {
        discv4Ready(undefined);
        stop.abort(err);
        await server.stop();
        throw err;
      }
      discv4.start();
    }
    discv4Ready(discv4);
    return new P2PNode(server, eth, discv4, dns, stop);
  }

  /** Our enode URL (advertised IP, TCP port, UDP port). */
  get enode(): string {
    const e = this.server.enode;
    return this.discv4 ? this.discv4.enode : e;
  }

  /** Enode with a given IP, e.g. for a node listening on 0.0.0.0. */
  enodeAt(ip: string): string {
    return formatEnode({ publicKey: this.server.publicKey, ip, tcpPort: this.server.port, udpPort: this.server.port });
  }

  async stop(): Promise<void> {
    this.stopDiscovery.abort(new Error('node stopping'));
    await this.server.stop();
    await this.discv4?.close();
    this.dns?.close();
  }
}
