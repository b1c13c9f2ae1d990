/**
 * `devp2p-ts snap ...` run as the built CLI against our own node (Server with eth on the devnet
 * chain and snap over geth's ethtest head state) on 127.0.0.1: each command prints what it
 * fetched once verified, and fails with one line when verification or the request fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/node/eth-service.js';
import { SnapService } from '../../src/sync/node/snap-service.js';
import { DEVNET_SEED } from '../../src/cli/common-options.js';
import type { DumpStateReader } from '../../src/snap/state-dump.js';
import { headState } from '../snap/fixtures.js';
import { cli, expectErrorLine, requireBuild } from './run-cli.js';

let server: Server;
let state: DumpStateReader;
let root: string;
const net = ['--network', 'devnet'];

beforeAll(async () => {
  requireBuild();
  state = await headState();
  root = '0x' + bytesToHex(state.root);
  const dev = generateDevnetChain({ length: 8, seed: DEVNET_SEED });
  const eth = new EthService({ network: dev.network, chain: dev.chain });
  server = new Server({ privateKey: generatePrivateKey(), protocols: [...eth.protocols(), ...new SnapService({ state }).protocols()], listen: { host: '127.0.0.1', port: 0 }, noDial: true });
  await server.start();
});
afterAll(async () => {
  await server?.stop();
});

describe('devp2p-ts snap', () => {
  it('account-range --json prints the whole state, proved', async () => {
    const r = await cli(['snap', 'account-range', server.enode, ...net, '--root', root, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { verified: boolean; more: boolean; count: number; accounts: { hash: string }[] };
    expect(j).toMatchObject({ verified: true, more: false, count: 48 });
    expect(j.accounts.map((a) => a.hash)).toEqual(state.allAccounts.map((a) => '0x' + bytesToHex(a.hash)));
  });

  it('account-range with a small --bytes says more accounts follow', async () => {
    const r = await cli(['snap', 'account-range', server.enode, ...net, '--root', root, '--bytes', '500']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/accounts, proved against 0x7714.* more follow\n$/);
  });

  it('account-range for a root the node does not have exits 1', async () => {
    const r = await cli(['snap', 'account-range', server.enode, ...net, '--root', '0x' + '11'.repeat(32)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/does not serve state/);
  });

  it('storage-ranges and bytecodes print verified storage and code', async () => {
    const acct = state.allAccounts.find((a) => state.slotsOf(a.hash).length > 0)!;
    const s = await cli(['snap', 'storage-ranges', server.enode, ...net, '--root', root, '--account', `0x${bytesToHex(acct.hash)}:0x${bytesToHex(acct.account.storageRoot)}`, '--json']);
    expect(s.code, s.stderr).toBe(0);
    expect((JSON.parse(s.stdout) as { accounts: { slots: unknown[] }[] }).accounts[0]!.slots).toHaveLength(state.slotsOf(acct.hash).length);
    const code = state.allCodes[0]!;
    const b = await cli(['snap', 'bytecodes', server.enode, ...net, '--hash', '0x' + bytesToHex(keccak256(code)), '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect((JSON.parse(b.stdout) as { codes: { code: string }[] }).codes[0]!.code).toBe('0x' + bytesToHex(code));
  });

  it('trie-nodes checks nodes against --expect and fails with one line on a mismatch', async () => {
    const ok = await cli(['snap', 'trie-nodes', server.enode, ...net, '--root', root, '--path', '0x00', '--expect', root]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/1 nodes, each hashing to its --expect/);
    const bad = await cli(['snap', 'trie-nodes', server.enode, ...net, '--root', root, '--path', '0x00', '--expect', '0x' + '22'.repeat(32)]);
    expectErrorLine(bad, 1, /^error: snap GetTrieNodes: invalid-response: node 0 does not hash to 2222/);
  });

  it('refuses a --root that is not a hash', async () => {
    const r = await cli(['snap', 'account-range', server.enode, ...net, '--root', '0x1234']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--root: expected 32 bytes, got 2/);
  });
});
