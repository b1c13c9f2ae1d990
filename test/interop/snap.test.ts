/**
 * snap against geth v1.17.10, both ways:
 * - our SnapPeer against geth serving the ethtest chain: the whole account range at its head
 *   root fetched and proved (as many accounts as the chain's headstate.json), the storage of
 *   every contract account proved against its storage root, and every bytecode checked;
 * - geth's own snap suites (`devp2p rlpx snap-test` and `snap2-test`) against
 *   `devp2p-ts serve --chain --genesis --state headstate.json,...` with the head state and the
 *   two older states the suite asks for (dumped from geth once, see olderStateDumps).
 * Every check lands in interop-report.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, equalBytes, hexToBytes } from '../../src/common/bytes.js';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import { networkFromGenesisJson } from '../../src/chain/chain-config.js';
import { EthPeer } from '../../src/eth/peer.js';
import { dial } from '../../src/rlpx/connect.js';
import { EMPTY_CODE_HASH, EMPTY_ROOT_HASH } from '../../src/snap/account.js';
import { SnapPeer, type AccountRangeResult } from '../../src/snap/peer.js';
import { snapCapability, type SnapVersion } from '../../src/snap/protocol.js';
import { DumpStateReader } from '../../src/snap/state-dump.js';
import { execFile } from 'node:child_process';
import { buildTool, ethtestData, goBinary, loadEthtestChain, startGeth, toolCacheDir, type GethNode } from './geth-harness.js';
import { check, record } from './report.js';
import { failureReason, startServe, stopChild } from './serve-process.js';

const go = goBinary();
const GETH = 'v1.17.10';
const node = `geth ${GETH} (snap)`;
/** geth builds its flat state after the import in the background: how long we retry an empty answer. */
const STATE_WAIT_MS = 60_000;

function next(h: Uint8Array): Uint8Array {
  const out = h.slice();
  for (let i = 31; i >= 0 && ++out[i]! === 256; i--) out[i] = 0;
  return out;
}

describe.skipIf(!go)(`our SnapPeer against geth ${GETH} serving the ethtest chain`, () => {
  let geth: GethNode;
  let testdata: string;
  let state: DumpStateReader;

  beforeAll(async () => {
    testdata = await ethtestData(go!, GETH);
    geth = await startGeth(await buildTool('geth', GETH), testdata);
    state = await DumpStateReader.fromFile(join(testdata, 'headstate.json'));
  }, 600_000);
  afterAll(async () => {
    if (process.env.SNAP_DEBUG) process.stderr.write(geth?.log().slice(-5000) ?? '');
    await geth?.stop();
  });

  async function connect(version: SnapVersion): Promise<{ snap: SnapPeer; eth: EthPeer }> {
    const e = parseEnode(geth.enode);
    const session = await dial({ publicKey: e.publicKey, host: e.ip, port: e.tcpPort }, { privateKey: generatePrivateKey(), capabilities: [...ethCapabilities([70]), snapCapability(version)] });
    const { chain } = await loadEthtestChain(testdata);
    const network = networkFromGenesisJson(readFileSync(join(testdata, 'genesis.json'), 'utf8'), hexToBytes(geth.genesisHash));
    // geth serves snap only to a peer that also passed the eth handshake. The session holds
    // messages until its first listener: eth's, so the Status is not handed to snap's.
    const eth = await EthPeer.connect(session, { network, chain });
    return { snap: SnapPeer.fromSession(session), eth };
  }

  for (const version of [1, 2] as const) {
    it(`snap/${version}: the whole account range at the head root, proved, as many accounts as headstate.json; storage, code and (snap/1) the root node or (snap/2) access lists verified`, () =>
      check(node, `snap/${version} account range + storage + bytecodes verified`, async () => {
        const { snap, eth } = await connect(version);
        try {
          expect(snap.version).toBe(version);
          const head = await geth.rpc<{ stateRoot: string }>('eth_getBlockByNumber', ['latest', false]);
          const root = hexToBytes(head.stateRoot);
          expect(bytesToHex(root)).toBe(bytesToHex(state.root));
          let first: AccountRangeResult | undefined;
          for (const end = Date.now() + STATE_WAIT_MS; Date.now() < end; await new Promise((r) => setTimeout(r, 1000))) {
            first = await snap.getAccountRange({ root, bytes: 500n * 1024n });
            if (first.available) break;
          }
          expect(first?.available).toBe(true);
          const accounts = [...first!.accounts];
          for (let more = first!.more, rounds = 0; more && rounds < 1000; rounds++) {
            const res = await snap.getAccountRange({ root, origin: next(accounts.at(-1)!.hash), bytes: 500n * 1024n });
            accounts.push(...res.accounts);
            more = res.more;
          }
          expect(accounts.length).toBe(state.accountCount);
          expect(accounts.map((a) => bytesToHex(a.hash))).toEqual(state.allAccounts.map((a) => bytesToHex(a.hash)));

          const withStorage = accounts.filter((a) => !equalBytes(a.account.storageRoot, EMPTY_ROOT_HASH)).map((a) => ({ hash: a.hash, storageRoot: a.account.storageRoot }));
          const storage = await snap.getStorageRanges({ root, accounts: withStorage });
          expect(storage.slots.length).toBe(withStorage.length);
          storage.slots.forEach((list, i) => expect(list.length).toBe(state.slotsOf(withStorage[i]!.hash).length));

          const codeHashes = [...new Set(accounts.map((a) => bytesToHex(a.account.codeHash)))].filter((h) => h !== bytesToHex(EMPTY_CODE_HASH)).map(hexToBytes);
          const codes = await snap.getByteCodes({ hashes: codeHashes });
          expect(codes.length).toBe(codeHashes.length);
          for (const c of codes) expect(bytesToHex(keccak256(c.code))).toBe(bytesToHex(c.hash));

          if (version === 1) {
            const [rootNode] = await snap.getTrieNodes({ root, paths: [[new Uint8Array(0)]], expected: [root] });
            expect(bytesToHex(keccak256(rootNode!))).toBe(bytesToHex(root));
          } else {
            // The ethtest chain's head is post-Amsterdam: geth has its access list, which hashes to
            // the header's commitment; an unknown block gets the empty entry.
            const head = await geth.rpc<{ hash: string; blockAccessListHash?: string }>('eth_getBlockByNumber', ['latest', false]);
            const [bal, none] = await snap.getAccessLists({ hashes: [hexToBytes(head.hash), new Uint8Array(32)] });
            expect(none).toBeUndefined();
            expect(head.blockAccessListHash).toBeDefined();
            expect('0x' + bytesToHex(keccak256(bal!))).toBe(head.blockAccessListHash);
          }
        } finally {
          await eth.disconnect();
        }
      }), 120_000);
  }
});

/**
 * The states geth's snap-test asks for besides the head's: the head's parent (GetTrieNodes) and
 * the state 127 blocks back (AccountRange), as a node keeping geth's 128 recent states has them.
 * Dumped once with geth's own `debug_dumpBlock` from an archive node that kept preimages (a dump
 * keys storage by slot, so it needs them), then cached beside the Go builds.
 */
async function olderStateDumps(testdata: string): Promise<string[]> {
  const dir = join(toolCacheDir(), 'snap-states');
  mkdirSync(dir, { recursive: true });
  const head = 600;
  const blocks = [head - 1, head - 127];
  const files = blocks.map((n) => join(dir, `ethtest-${GETH}-${n}.json`));
  if (files.every((f) => existsSync(f))) return files;
  const geth = await startGeth(await buildTool('geth', GETH), testdata, { extraArgs: ['--state.scheme', 'hash', '--gcmode', 'archive', '--cache.preimages'] });
  try {
    expect(Number(await geth.rpc<string>('eth_blockNumber'))).toBe(head);
    for (const [i, n] of blocks.entries()) {
      const dump = await geth.rpc<{ accounts: Record<string, unknown> }>('debug_dumpBlock', ['0x' + n.toString(16)]);
      // Checked as serve will read it: every storage root and the state root must add up.
      await DumpStateReader.fromJson(JSON.stringify(dump));
      writeFileSync(files[i]!, JSON.stringify(dump));
    }
  } finally {
    await geth.stop();
  }
  return files;
}

const SNAP_SUITES = [
  { command: 'snap-test', tests: ['Status', 'AccountRange', 'GetByteCodes', 'GetTrieNodes', 'GetStorageRanges'] },
  { command: 'snap2-test', tests: ['Status', 'GetBlockAccessLists', 'TrieNodesRemoved'] },
];

describe.skipIf(!go)(`geth's snap suites (devp2p ${GETH} rlpx snap-test, snap2-test) against devp2p-ts serve --state`, () => {
  let devp2p: string;
  let testdata: string;
  let serve: Awaited<ReturnType<typeof startServe>> | undefined;

  beforeAll(async () => {
    devp2p = await buildTool('devp2p', GETH);
    testdata = await ethtestData(go!, GETH);
    const states = [join(testdata, 'headstate.json'), ...(await olderStateDumps(testdata))];
    serve = await startServe(['--chain', join(testdata, 'chain.rlp'), '--genesis', join(testdata, 'genesis.json'), '--state', states.join(',')]);
  }, 900_000);
  afterAll(async () => {
    if (serve) await stopChild(serve.child);
  });

  for (const suite of SNAP_SUITES) {
    const node = `devp2p ${GETH} ${suite.command}`;
    it(`${suite.command}: all ${suite.tests.length} tests pass`, async () => {
      const out = await new Promise<string>((resolve) => {
        execFile(
          devp2p,
          ['rlpx', suite.command, '--chain', testdata, '--engineapi', 'http://127.0.0.1:1', '--jwtsecret', '0x' + '00'.repeat(32), '--node', serve!.enode],
          { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
          (_err, stdout, stderr) => resolve(stdout + stderr),
        );
      });
      const results = new Map<string, boolean>();
      for (const m of out.matchAll(/^-- (OK|FAIL) (\S+)/gm)) results.set(m[2]!, m[1] === 'OK');
      for (const t of suite.tests) {
        const ok = results.get(t);
        const reason = ok === true ? undefined : ok === undefined ? 'not run' : failureReason(out, t);
        record({ node, check: t, status: ok === true ? 'passed' : 'failed', ...(reason ? { reason } : {}), ms: 0 });
      }
      expect(suite.tests.filter((t) => results.get(t) !== true), `${out.slice(-6000)}\n--- serve log ---\n${serve!.log().slice(-3000)}`).toEqual([]);
    }, 360_000);
  }
});
