import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { Discv4 } from '../../src/discv4/discv4.js';
import { Discv4TimeoutError } from '../../src/discv4/errors.js';
import { makeNode } from '../../src/discv4/node.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { requireBuild, startServe } from './serve-chain-harness.js';

let disc: Discv4;
beforeAll(async () => {
  requireBuild();
  disc = await Discv4.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey() });
  disc.start();
});
afterAll(() => disc?.close());

describe('serve answers discv4', () => {
  it('on the UDP port of its TCP port number, with the key of its enode, by default (as geth does)', async () => {
    const serve = await startServe(['--devnet-blocks', '4']);
    try {
      const e = parseEnode(serve.enode);
      expect(e.udpPort).toBe(e.tcpPort);
      const node = makeNode(e.publicKey, e.ip, e.udpPort, e.tcpPort);
      const pong = await disc.ping(node, { timeoutMs: 5_000 });
      expect(pong).toBeDefined();
      const enr = await disc.requestEnr(node, { timeoutMs: 5_000 });
      expect(bytesToHex(enr.publicKey)).toBe(bytesToHex(e.publicKey));
      expect(enr.tcp()).toBe(e.tcpPort);
    } finally {
      await serve.stop();
    }
  });

  it('--nodiscover: no discv4, so a ping times out', async () => {
    const serve = await startServe(['--devnet-blocks', '4', '--nodiscover']);
    try {
      const e = parseEnode(serve.enode);
      await expect(disc.ping(makeNode(e.publicKey, e.ip, e.udpPort, e.tcpPort), { timeoutMs: 1_500 })).rejects.toBeInstanceOf(Discv4TimeoutError);
    } finally {
      await serve.stop();
    }
  });
});
