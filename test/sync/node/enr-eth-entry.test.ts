/**
 * The ENR `eth` entry: the node publishes its fork ID (on discv4 and discv5, one record), signs
 * again when the head passes a fork, and its dial filter keeps only records with a compatible
 * fork ID; discv5 runs beside discv4 on the node's one UDP port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../../src/crypto/secp256k1.js';
import { EnrBuilder } from '../../../src/enode/enr.js';
import { generateDevnetChain } from '../../../src/chain/devnet-chain.js';
import type { ChainReader } from '../../../src/chain/chain.js';
import type { EthNetwork } from '../../../src/chain/chain-config.js';
import { makeNode, nodeFromEnr } from '../../../src/discv4/node.js';
import { Discv4 } from '../../../src/discv4/discv4.js';
import { Discv5 } from '../../../src/discv5/discv5.js';
import { P2PNode } from '../../../src/sync/node/p2p-node.js';
import { currentForkId, ethEntryFilter, sameForkId, startEthEntryUpdater } from '../../../src/sync/node/enr-eth-entry.js';
import { freePort } from '../../interop/geth-harness.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

const devnet = generateDevnetChain({ length: 8 });

function recordWith(eth?: { hash: Uint8Array; next: bigint }) {
  const b = new EnrBuilder().ip(new Uint8Array([10, 0, 0, 1])).udp(30303).tcp(30303);
  if (eth) b.eth(eth);
  return nodeFromEnr(b.sign(generatePrivateKey(), 1n))!;
}

describe('ENR eth entry', () => {
  it('the filter keeps records with a compatible fork ID and nodes without a record; refuses other fork IDs and records without eth', () => {
    const ours = currentForkId(devnet.network, devnet.chain);
    const keep = ethEntryFilter(devnet.network, devnet.chain);
    expect(keep(recordWith(ours))).toBe(true);
    expect(keep(recordWith({ hash: new Uint8Array([1, 2, 3, 4]), next: 0n }))).toBe(false);
    expect(keep(recordWith())).toBe(false);
    expect(keep(makeNode(recordWith().publicKey, '10.0.0.1', 30303, 30303))).toBe(true);
  });

  it('the updater signs a new record when the head passes a fork', () => {
    // A network with a time fork after the devnet's head: moving the head past it changes the fork ID.
    const head = devnet.chain.head();
    const network: EthNetwork = { ...devnet.network, timeForks: [...devnet.network.timeForks, { name: 'test', time: head.time + 100n }] as EthNetwork['timeForks'] };
    let time = head.time;
    // The devnet chain with its head's timestamp moved (only head() is read).
    const chain: ChainReader = Object.assign(Object.create(devnet.chain) as ChainReader, { head: () => ({ ...head, time }) });
    let published = currentForkId(network, chain);
    const updates: bigint[] = [];
    const stop = startEthEntryUpdater(network, chain, () => published, (id) => {
      published = id;
      updates.push(id.next);
    }, 10);
    stops.push(async () => stop());
    expect(updates).toEqual([]);
    expect(published.next).toBe(head.time + 100n);
    time = head.time + 200n;
    return new Promise<void>((resolve) => setTimeout(() => {
      expect(updates).toEqual([0n]);
      expect(sameForkId(published, currentForkId(network, chain))).toBe(true);
      resolve();
    }, 60));
  });

  it('a node with --discv5 publishes eth in its one record and answers discv4 and discv5 on its one UDP port', async () => {
    const node = await P2PNode.start({ network: devnet.network, chain: devnet.chain, privateKey: generatePrivateKey(), addr: { host: '127.0.0.1', port: await freePort() }, discv5: true, bootnodes: [] });
    stops.push(() => node.stop());
    const enr = node.discv4!.localEnr;
    expect(node.discv5!.localEnr).toBe(enr);
    expect(sameForkId(enr.eth(), currentForkId(devnet.network, devnet.chain))).toBe(true);
    const self = node.discv4!.self;
    const v5 = await Discv5.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: 0, refreshIntervalMs: 0 });
    const v4 = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: 0, refreshIntervalMs: 0 });
    stops.push(() => v5.close(), () => v4.close());
    expect((await v5.requestEnr(self)).raw).toEqual(enr.raw);
    expect((await v4.requestEnr(self)).raw).toEqual(enr.raw);
    // The record discv5 hands out is the same one discv4 does, after an update too.
    node.discv4!.updateEnr((b) => b.set('x', new Uint8Array([1])));
    expect((await v5.requestEnr(self)).seq).toBe(enr.seq + 1n);
  });
});
