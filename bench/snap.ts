/**
 * snap range sync speed: `snap_accounts_verified_per_s`, account ranges fetched in 500 KiB
 * requests and proved against the root, our SnapPeer against our server over loopback RLPx in
 * this process (a synthetic state of plain accounts). There is no other TypeScript snap peer to
 * compare with. With Go and the cached geth v1.17.10 build present, the same client also fetches
 * the ethtest head state (48 accounts) from geth and from our server, for a like-for-like figure.
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bytesToHex } from '../src/common/bytes.js';
import { keccak256 } from '../src/crypto/keccak.js';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/secp256k1.js';
import { parseEnode } from '../src/enode/enode-url.js';
import { networkFromGenesisJson } from '../src/chain/chain-config.js';
import { FileChain } from '../src/chain/file-chain.js';
import { genesisBlockFromJson } from '../src/chain/genesis.js';
import { ethCapabilities } from '../src/eth/capabilities.js';
import { EthPeer } from '../src/eth/peer.js';
import { dial } from '../src/rlpx/connect.js';
import { RlpxListener } from '../src/rlpx/listener.js';
import type { Session } from '../src/rlpx/session.js';
import { EMPTY_CODE_HASH, EMPTY_ROOT_HASH, encodeFullAccount } from '../src/snap/account.js';
import { SnapPeer } from '../src/snap/peer.js';
import { stopProcess } from '../src/testing/geth-node.js';
import { snapCapability } from '../src/snap/protocol.js';
import { DumpStateReader } from '../src/snap/state-dump.js';
import { HashedTrie } from '../src/snap/trie.js';

/** Bytes asked per account-range request (the 500 KiB). */
const REQUEST_BYTES = 500n * 1024n;
const ZERO = new Uint8Array(32);

function next(h: Uint8Array): Uint8Array {
  const out = h.slice();
  for (let i = 31; i >= 0 && ++out[i]! === 256; i--) out[i] = 0;
  return out;
}

/** Fetches the whole account range of `root` in REQUEST_BYTES requests; returns the accounts verified. */
async function fetchAll(snap: SnapPeer, root: Uint8Array): Promise<number> {
  let origin: Uint8Array = ZERO;
  let n = 0;
  for (let round = 0; round < 100_000; round++) {
    const res = await snap.getAccountRange({ root, origin, bytes: REQUEST_BYTES });
    if (!res.available) throw new Error(`state ${bytesToHex(root)} not served`);
    n += res.accounts.length;
    if (!res.more) return n;
    origin = next(res.accounts.at(-1)!.hash);
  }
  throw new Error('range did not end');
}

/** Accounts verified per second: whole-range passes repeated for at least `ms`. */
async function rate(snap: SnapPeer, root: Uint8Array, ms: number): Promise<number> {
  await fetchAll(snap, root); // warm-up
  const t0 = performance.now();
  let n = 0;
  do n += await fetchAll(snap, root);
  while (performance.now() - t0 < ms);
  return n / ((performance.now() - t0) / 1000);
}

/** A state dump of `count` plain accounts (random addresses), as geth's dump JSON. */
async function syntheticDump(count: number): Promise<string> {
  const accounts: Record<string, unknown> = {};
  const entries: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < count; i++) {
    const addr = keccak256(Uint8Array.of(i >> 24, i >> 16, i >> 8, i)).subarray(12);
    const a = { nonce: BigInt(i % 7), balance: 10n ** 18n + BigInt(i), storageRoot: EMPTY_ROOT_HASH, codeHash: EMPTY_CODE_HASH };
    accounts['0x' + bytesToHex(addr)] = { balance: a.balance.toString(), nonce: Number(a.nonce), root: '0x' + bytesToHex(EMPTY_ROOT_HASH), codeHash: '0x' + bytesToHex(EMPTY_CODE_HASH) };
    entries.push([keccak256(addr), encodeFullAccount(a)]);
  }
  const root = (await HashedTrie.build(entries)).root;
  return JSON.stringify({ root: bytesToHex(root), accounts });
}

/** Our server over `state` on loopback and a SnapPeer dialed to it; `close` ends both. */
async function ourPair(state: DumpStateReader): Promise<{ snap: SnapPeer; close: () => Promise<void> }> {
  const caps = [snapCapability(1)];
  const serverKey = generatePrivateKey();
  const listener = new RlpxListener({ privateKey: serverKey, capabilities: caps });
  const port = await listener.listen(0);
  const inbound = new Promise<Session>((r) => listener.once('session', r));
  const out = await dial({ publicKey: publicKeyOf(serverKey), host: '127.0.0.1', port }, { privateKey: generatePrivateKey(), capabilities: caps });
  SnapPeer.fromSession(await inbound, { state });
  return {
    snap: SnapPeer.fromSession(out),
    close: async () => {
      await out.disconnect();
      await listener.close();
    },
  };
}

export interface SnapBenchResult {
  snap_accounts_verified_per_s: number;
  snap_accounts: number;
  snap_headstate_accounts_verified_per_s?: number;
  geth_snap_headstate_accounts_verified_per_s?: number;
}

export async function snapBench(opts: { quick: boolean; log: (s: string) => void }): Promise<SnapBenchResult> {
  const count = opts.quick ? 5_000 : 50_000;
  const ms = opts.quick ? 1_000 : 5_000;
  const state = await DumpStateReader.fromJson(await syntheticDump(count));
  const ours = await ourPair(state);
  const result: SnapBenchResult = { snap_accounts: count, snap_accounts_verified_per_s: 0 };
  try {
    result.snap_accounts_verified_per_s = await rate(ours.snap, state.root, ms);
  } finally {
    await ours.close();
  }
  const geth = join(process.env.DEVP2P_TS_CACHE ?? join(homedir(), '.cache', 'devp2p-ts'), 'go', 'geth-v1.17.10', 'bin', 'geth');
  const testdata = join(process.env.GOMODCACHE ?? join(homedir(), 'go', 'pkg', 'mod'), 'github.com', 'ethereum', 'go-ethereum@v1.17.10', 'cmd', 'devp2p', 'internal', 'ethtest', 'testdata');
  if (!existsSync(geth) || !existsSync(join(testdata, 'headstate.json'))) {
    opts.log('  geth v1.17.10 build or ethtest testdata absent: the geth-served figure is skipped');
    return result;
  }
  const head = await DumpStateReader.fromFile(join(testdata, 'headstate.json'));
  const pair = await ourPair(head);
  try {
    result.snap_headstate_accounts_verified_per_s = await rate(pair.snap, head.root, ms);
  } finally {
    await pair.close();
  }
  result.geth_snap_headstate_accounts_verified_per_s = await gethRate(geth, testdata, head.root, ms);
  return result;
}

/** geth v1.17.10 with the ethtest chain imported, serving snap to our client over eth/70 + snap/1. */
async function gethRate(geth: string, testdata: string, root: Uint8Array, ms: number): Promise<number> {
  const run = promisify(execFile);
  const datadir = mkdtempSync(join(tmpdir(), 'devp2p-ts-bench-geth-'));
  await run(geth, ['--datadir', datadir, 'init', join(testdata, 'genesis.json')], { timeout: 120_000 });
  await run(geth, ['--datadir', datadir, 'import', join(testdata, 'chain.rlp')], { timeout: 300_000 });
  const genesisJson = readFileSync(join(testdata, 'genesis.json'), 'utf8');
  const networkId = String((JSON.parse(genesisJson) as { config: { chainId: number } }).config.chainId);
  const child = spawn(geth, ['--datadir', datadir, '--port', '0', '--nodiscover', '--ipcdisable', '--networkid', networkId, '--http', '--http.addr', '127.0.0.1', '--http.port', '0', '--authrpc.port', '0', '--nat', 'extip:127.0.0.1', '--verbosity', '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  try {
    let enode = '';
    for (let i = 0; i < 300 && !enode; i++) {
      await new Promise((r) => setTimeout(r, 100));
      enode = /enode:\/\/[0-9a-f]+@127\.0\.0\.1:\d+/.exec(log)?.[0] ?? '';
    }
    if (!enode) throw new Error(`geth did not start:\n${log.slice(-2000)}`);
    const e = parseEnode(enode);
    const session = await dial({ publicKey: e.publicKey, host: e.ip, port: e.tcpPort }, { privateKey: generatePrivateKey(), capabilities: [...ethCapabilities([70]), snapCapability(1)] });
    const chain = await FileChain.load({ chainFile: join(testdata, 'chain.rlp'), genesis: genesisBlockFromJson(JSON.parse(genesisJson)) });
    const network = networkFromGenesisJson(genesisJson, chain.headerByNumber(0n)!.hash);
    await EthPeer.connect(session, { network, chain });
    const snap = SnapPeer.fromSession(session);
    // geth builds its flat state in the background after start: wait for it to serve.
    for (let i = 0; i < 60; i++) {
      if ((await snap.getAccountRange({ root, bytes: REQUEST_BYTES })).available) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const r = await rate(snap, root, ms);
    await session.disconnect();
    chain.close();
    return r;
  } finally {
    await stopProcess(child);
    rmSync(datadir, { recursive: true, force: true });
  }
}

