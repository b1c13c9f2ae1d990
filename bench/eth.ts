/**
 * eth benchmarks: block header decoding and encoding (ours against @ethereumjs/block on the same
 * bytes, in the same run) and headers served over one loopback RLPx connection.
 *
 * The headers are shaped like mainnet's after Prague (block ~22.5M): every field through
 * requestsHash present, random-looking roots and a dense logs bloom (as busy mainnet blocks
 * have; it also keeps snappy from shrinking the wire bytes unrealistically), a builder tag as
 * extra data, 4-5 byte base fees and nonzero blob gas. About 600 bytes each, as on mainnet.
 */
import { Common, Hardfork, Mainnet } from '@ethereumjs/common';
import { createBlockHeaderFromRLP } from '@ethereumjs/block';
import { keccak256 } from '../src/crypto/keccak.js';
import { generatePrivateKey } from '../src/crypto/secp256k1.js';
import { parseEnode } from '../src/enode/enode-url.js';
import { ethCapabilities } from '../src/eth/capabilities.js';
import { MemoryChain, type ChainBlock } from '../src/chain/chain.js';
import type { EthNetwork } from '../src/chain/chain-config.js';
import { EMPTY_REQUESTS_HASH, EMPTY_UNCLE_HASH } from '../src/chain/devnet-chain.js';
import { decodeHeader, encodeHeaderFields, makeHeader, type BlockHeader, type HeaderFields } from '../src/chain/header.js';
import { EthPeer } from '../src/eth/peer.js';
import { dial } from '../src/rlpx/connect.js';
import { Server } from '../src/server/server.js';
import { EthService } from '../src/sync/node/eth-service.js';
import { median, withDeadline } from './measure.js';

/** Builder tags seen in mainnet extra data (a realistic spread of lengths, 0 to 32 bytes). */
const EXTRA_TAGS = ['beaverbuild.org', 'Titan (titanbuilder.xyz)', 'rsync-builder.xyz', 'Illuminate Dmocratize Dstribute', 'buildernet', '', 'geth/v1.15.11/linux'];

/** Deterministic pseudo-random bytes: keccak of a label (cheap enough for 100k headers). */
function bytesOf(label: string, i: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let off = 0, k = 0; off < len; off += 32, k++) out.set(keccak256(new TextEncoder().encode(`${label}/${i}/${k}`)).subarray(0, Math.min(32, len - off)), off);
  return out;
}

function smallInt(label: string, i: number): number {
  const b = bytesOf(label, i, 4);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** The fields of a mainnet-shaped post-Prague header number `number` (its parent hash given). */
export function mainnetShapedFields(number: bigint, parentHash: Uint8Array): HeaderFields {
  const i = Number(number);
  return {
    parentHash,
    uncleHash: EMPTY_UNCLE_HASH,
    coinbase: bytesOf('coinbase', i % 17, 20),
    stateRoot: bytesOf('state', i, 32),
    txRoot: bytesOf('tx', i, 32),
    receiptRoot: bytesOf('receipt', i, 32),
    bloom: bytesOf('bloom', i, 256),
    difficulty: 0n,
    number,
    gasLimit: 36_000_000n,
    gasUsed: 8_000_000n + BigInt(smallInt('gas', i) % 28_000_000),
    time: 1_750_000_000n + 12n * number,
    extra: new TextEncoder().encode(EXTRA_TAGS[i % EXTRA_TAGS.length]!),
    mixDigest: bytesOf('randao', i, 32),
    nonce: new Uint8Array(8),
    baseFee: 300_000_000n + BigInt(smallInt('basefee', i) % 4_000_000_000),
    withdrawalsRoot: bytesOf('withdrawals', i, 32),
    blobGasUsed: 131_072n * BigInt(smallInt('blobs', i) % 10),
    excessBlobGas: BigInt(smallInt('excess', i) % 20_000_000),
    parentBeaconRoot: bytesOf('beacon', i, 32),
    requestsHash: i % 5 === 0 ? bytesOf('requests', i, 32) : EMPTY_REQUESTS_HASH,
  };
}

/** `count` mainnet-shaped headers from block `first` on, each the child of the previous one. */
export function mainnetShapedHeaders(count: number, first = 22_500_000n): BlockHeader[] {
  const out: BlockHeader[] = [];
  let parent = bytesOf('parent', Number(first), 32);
  for (let i = 0; i < count; i++) {
    const h = makeHeader(mainnetShapedFields(first + BigInt(i), parent));
    out.push(h);
    parent = h.hash;
  }
  return out;
}

/**
 * A headers-only chain (genesis at block 0, then `length` mainnet-shaped headers) and a network
 * whose genesis it is: for serving headers without the cost of generating the devnet's
 * transactions. Bodies are empty and receipts none; only headers are asked for.
 */
export function headerChain(length: number): { network: EthNetwork; chain: MemoryChain; headers: BlockHeader[] } {
  const headers = mainnetShapedHeaders(length + 1, 0n);
  const blocks: ChainBlock[] = headers.map((header) => ({ header, body: { transactions: [], uncles: [], withdrawals: [] }, receipts: [] }));
  const network: EthNetwork = {
    name: 'bench',
    networkId: 31_337n,
    genesisHash: headers[0]!.hash,
    genesisTime: headers[0]!.time,
    blockForks: [],
    timeForks: [],
    bootnodes: [],
  };
  return { network, chain: new MemoryChain(blocks), headers };
}

/**
 * One pass of `fn` over every item, as operations per CPU second of this process. These loops
 * are pure computation on one thread, so CPU time measures them; wall time would also count the
 * time other processes on this shared machine hold the core.
 */
function ratePerSecond<T>(items: readonly T[], fn: (item: T) => unknown): () => number {
  return () => {
    const c0 = process.cpuUsage();
    for (const x of items) fn(x);
    const c = process.cpuUsage(c0);
    return items.length / ((c.user + c.system) / 1e6);
  };
}

export interface HeaderCodecResult {
  /** Our decodeHeader (RLP walk, field validation, keccak of the bytes) per second. */
  decodePerS: number;
  /** Our encodeHeaderFields (fields to RLP) per second. */
  encodePerS: number;
  /** @ethereumjs/block createBlockHeaderFromRLP + .hash() per second, same bytes. */
  ejsDecodePerS: number;
  /** Mean encoded size of the headers, bytes. */
  headerBytes: number;
}

/**
 * Header decode and encode rates, ours and @ethereumjs/block's on the same bytes. Passes of the
 * two decoders alternate, so drift on this shared machine hits both; each figure is a median.
 *
 * @ethereumjs/block runs as an application would use it: a mainnet Common at Prague (so the
 * Prague fields are accepted), its default keccak (@noble/hashes) and default options
 * (consensus format validation on, header frozen). Its `hash()` re-encodes the fields; ours
 * hashes the received bytes.
 */
export function headerCodecBench(opts: { headers: number; rounds: number }): HeaderCodecResult {
  const headers = mainnetShapedHeaders(opts.headers);
  const raws = headers.map((h) => h.raw);
  const fields: HeaderFields[] = headers.map(({ raw: _r, hash: _h, ...f }) => f);
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });

  // Both decoders must agree on what they decoded, or the comparison means nothing.
  for (const raw of raws.slice(0, 16)) {
    const ours = decodeHeader(raw);
    const theirs = createBlockHeaderFromRLP(raw, { common });
    if (Buffer.compare(ours.hash, theirs.hash()) !== 0 || ours.number !== theirs.number || ours.requestsHash === undefined || theirs.requestsHash === undefined) {
      throw new Error('headerCodecBench: @ethereumjs/block and ours disagree on a header');
    }
  }
  let sink = 0;
  const ours = ratePerSecond(raws, (raw) => (sink ^= decodeHeader(raw).hash[0]!));
  const ejs = ratePerSecond(raws, (raw) => (sink ^= createBlockHeaderFromRLP(raw, { common }).hash()[0]!));
  const enc = ratePerSecond(fields, (f) => (sink ^= encodeHeaderFields(f).length));
  // Warm-up pass of each (JIT), then alternating measured passes.
  ours();
  ejs();
  enc();
  const o: number[] = [];
  const e: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    o.push(ours());
    e.push(ejs());
    w.push(enc());
  }
  if (sink === -1) process.stderr.write(''); // keeps the results observable to the optimiser
  return { decodePerS: median(o), encodePerS: median(w), ejsDecodePerS: median(e), headerBytes: raws.reduce((n, r) => n + r.length, 0) / raws.length };
}

export interface HeadersServedResult {
  headersPerS: number;
  requests: number;
  inFlight: number;
}

/**
 * GetBlockHeaders for 1024 headers at a time, served by our Server + EthService from a
 * mainnet-shaped header chain and received + decoded (hashes included) by an EthPeer over one
 * loopback RLPx connection (snappy, AES-CTR, keccak MACs; both ends in this process), with
 * `inFlight` requests outstanding at any time.
 */
export async function headersServedBench(opts: { requests: number; inFlight: number; chainLength?: number }): Promise<HeadersServedResult> {
  const PER_REQUEST = 1024;
  const { network, chain } = headerChain(opts.chainLength ?? 8 * PER_REQUEST);
  const eth = new EthService({ network, chain });
  const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, noDial: true });
  await server.start();
  const e = parseEnode(server.enode);
  const session = await dial({ publicKey: e.publicKey, host: '127.0.0.1', port: e.tcpPort }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities() });
  try {
    // Our side serves nothing: a chain holding only the genesis.
    const peer = await EthPeer.connect(session, { network, chain: new MemoryChain([{ header: chain.headerByNumber(0n)!, body: { transactions: [], uncles: [], withdrawals: [] }, receipts: [] }]), maxInFlight: opts.inFlight });
    const starts = Math.floor(Number(chain.head().number) / PER_REQUEST);
    const fetch = async (k: number) => {
      const from = BigInt((k % starts) * PER_REQUEST + 1);
      const hs = await peer.getBlockHeaders({ origin: { number: from }, amount: BigInt(PER_REQUEST) });
      if (hs.length !== PER_REQUEST || hs[0]!.number !== from) throw new Error(`headersServedBench: got ${hs.length} headers from ${hs[0]?.number}`);
      return hs.length;
    };
    await fetch(0); // warm-up
    let next = 0;
    let received = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < opts.requests) {
        const n = await fetch(next++);
        received += n;
      }
    };
    await withDeadline('headersServedBench', 120_000, Promise.all(Array.from({ length: opts.inFlight }, worker)));
    const s = (performance.now() - t0) / 1000;
    await peer.disconnect();
    return { headersPerS: received / s, requests: opts.requests, inFlight: opts.inFlight };
  } finally {
    if (!session.closeInfo) await session.disconnect();
    await server.stop();
  }
}
