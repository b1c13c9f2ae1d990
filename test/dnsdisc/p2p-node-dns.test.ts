/** `P2PNode` with DNS node lists: the records of a tree on a loopback DNS server become dials. */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/index.js';
import { EnrBuilder } from '../../src/enode/enr.js';
import { DnsEntryError } from '../../src/dnsdisc/errors.js';
import { SystemTxtResolver } from '../../src/dnsdisc/resolver.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { dialCandidateFromEnr, mergeCandidates } from '../../src/sync/node/dns-candidates.js';
import { P2PNode } from '../../src/sync/node/p2p-node.js';
import type { DialCandidate } from '../../src/server/dial-scheduler.js';
import { freePort } from '../interop/geth-harness.js';
import { startTxtServer, type TxtServer } from '../support/txt-server.js';
import { signedTree, testKey } from './fixtures.js';

const nodes: P2PNode[] = [];
const servers: TxtServer[] = [];
afterEach(async () => {
  while (nodes.length) await nodes.pop()!.stop();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function waitFor(cond: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => void (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error('condition not met in time')) : setTimeout(tick, 50));
    tick();
  });
}

describe('P2PNode with --dns', () => {
  it('dials the nodes of a DNS tree (no bootnodes, no discv4 neighbours) and runs eth with them', async () => {
    const devnet = generateDevnetChain({ length: 4 });
    const start = async (privateKey: Uint8Array, extra: Partial<Parameters<typeof P2PNode.start>[0]> = {}) => {
      const n = await P2PNode.start({ network: devnet.network, chain: devnet.chain, privateKey, addr: { host: '127.0.0.1', port: await freePort() }, ...extra });
      nodes.push(n);
      return n;
    };
    const keys = [generatePrivateKey(), generatePrivateKey()];
    const targets = await Promise.all(keys.map((k) => start(k, { discovery: false })));
    const records = targets.map((t, i) => new EnrBuilder().ip(Uint8Array.of(127, 0, 0, 1)).tcp(t.server.port).udp(t.server.port).sign(keys[i]!, 1n));
    const { url, txt } = signedTree(records, [], 'nodes.example.org');
    const dns = await startTxtServer(txt);
    servers.push(dns);
    const dialer = await start(generatePrivateKey(), { dns: { urls: [url], client: { resolver: new SystemTxtResolver({ servers: [dns.server] }) } } });
    await waitFor(() => targets.every((t) => dialer.eth.peers.has(t.server.id)), 20_000);
    expect(dialer.dns!.stats.lookups).toBeGreaterThan(0);
  }, 30_000);

  it('refuses a malformed enrtree URL before binding anything', async () => {
    const devnet = generateDevnetChain({ length: 1 });
    await expect(
      P2PNode.start({ network: devnet.network, chain: devnet.chain, privateKey: generatePrivateKey(), addr: { host: '127.0.0.1', port: 0 }, dns: { urls: ['enrtree://nope'] } }),
    ).rejects.toBeInstanceOf(DnsEntryError);
  });
});

describe('dial candidates from records', () => {
  it('take the IPv4 TCP endpoint, else the IPv6 one; records without TCP are not dialable', () => {
    const k = testKey('cand');
    expect(dialCandidateFromEnr(new EnrBuilder().ip(Uint8Array.of(10, 1, 2, 3)).tcp(30303).sign(k, 1n))).toMatchObject({ ip: '10.1.2.3', tcpPort: 30303, udpPort: 30303 });
    const v6 = new Uint8Array(16);
    v6[15] = 1;
    expect(dialCandidateFromEnr(new EnrBuilder().ip6(v6).tcp6(30304).udp6(30305).sign(k, 1n))).toMatchObject({ ip: '::1', tcpPort: 30304, udpPort: 30305 });
    expect(dialCandidateFromEnr(new EnrBuilder().ip(Uint8Array.of(10, 1, 2, 3)).udp(30303).sign(k, 1n))).toBeUndefined();
  });

  it('mergeCandidates passes on whichever source answers first and ends when all have ended', async () => {
    const c = (port: number): DialCandidate => ({ publicKey: new Uint8Array(64), ip: '10.0.0.1', tcpPort: port, udpPort: port });
    async function* slow(): AsyncGenerator<DialCandidate> {
      await new Promise((r) => setTimeout(r, 100));
      yield c(1);
    }
    async function* fast(): AsyncGenerator<DialCandidate> {
      yield c(2);
      yield c(3);
    }
    const out: number[] = [];
    for await (const x of mergeCandidates([slow(), fast()])) out.push(x.tcpPort);
    expect(out).toEqual([2, 3, 1]);
  });
});
