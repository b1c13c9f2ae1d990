/**
 * Writes the hand-made seeds of test/corpus: inputs aimed at the limits (oversized length
 * claims, deep nesting, truncated and oversized frames, the snappy length bomb, oversized
 * handshake packets, Hello and records). Run after `tsc -p test/fuzz/tsconfig.json` with
 * `node dist/test/fuzz/seed-corpus.js`; the output is deterministic, so rerunning it rewrites
 * the same files. corpus.test.ts replays them with everything the fuzzer found.
 */
import { rlpEncode } from '../../src/common/rlp.js';
import { ENR_MAX_SIZE } from '../../src/enode/enr.js';
import { makeHeader } from '../../src/chain/header.js';
import { MAX_HANDSHAKE_PACKET } from '../../src/rlpx/handshake.js';
import { MAX_HELLO_SIZE } from '../../src/rlpx/hello.js';
import { MAX_FRAME_SIZE } from '../../src/rlpx/frame.js';
import { defaultCorpusDir, writeCorpusEntry } from './corpus.js';
import { rlpLongHeader } from './mutate.js';
import { sealAll } from './targets.js';

/** `depth` nested lists around an empty list, built inside-out. */
function nested(depth: number): Uint8Array {
  const headers: Uint8Array[] = [];
  let len = 1;
  for (let i = 0; i < depth; i++) {
    const h = len < 56 ? Uint8Array.of(0xc0 + len) : rlpLongHeader(len, true);
    headers.push(h);
    len += h.length;
  }
  const out = new Uint8Array(len);
  let off = 0;
  for (const h of headers.reverse()) {
    out.set(h, off);
    off += h.length;
  }
  out[off] = 0xc0;
  return out;
}

const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
/** A list whose header is right for its contents (the contents themselves may lie). */
const list = (...parts: (Uint8Array | number[])[]) => {
  const body = cat(...parts);
  return cat(body.length < 56 ? [0xc0 + body.length] : rlpLongHeader(body.length, true), body);
};
/** A valid post-merge header with one unknown trailing field nested `depth` lists deep. */
function headerWithDeepField(depth: number): Uint8Array {
  const h32 = new Uint8Array(32);
  const raw = makeHeader({
    parentHash: h32, uncleHash: h32, coinbase: new Uint8Array(20), stateRoot: h32, txRoot: h32, receiptRoot: h32,
    bloom: new Uint8Array(256), difficulty: 0n, number: 1n, gasLimit: 30_000_000n, gasUsed: 0n, time: 1n,
    extra: new Uint8Array(0), mixDigest: h32, nonce: new Uint8Array(8), baseFee: 7n, withdrawalsRoot: h32,
    blobGasUsed: 0n, excessBlobGas: 0n, parentBeaconRoot: h32, requestsHash: h32, unknownFields: [Uint8Array.of(0xc0)],
  }).raw;
  // makeHeader refuses the deep field itself: swap it in for the trailing empty list.
  const bodyStart = raw[0]! < 0xf8 ? 1 : 1 + raw[0]! - 0xf7;
  return list(raw.subarray(bodyStart, raw.length - 1), nested(depth));
}
const dir = process.argv[2] ?? defaultCorpusDir();
const seeds: [string, string, Uint8Array][] = [
  // Oversized length claims: a list header announcing far more bytes than follow.
  ['eth69-transactions', 'seed: list header claims 2^32-1 bytes, 4 follow', cat(rlpLongHeader(0xffffffff, true), [1, 2, 3, 4])],
  ['eth69-block-headers', 'seed: request ID then a header list claiming 2^40 bytes', list([0x01], rlpLongHeader(2 ** 40, true), [0xc0])],
  ['eth68-status', 'seed: string claiming 16 MiB inside a 12-byte Status', list(rlpLongHeader(1 << 24, false), [0, 0, 0, 0, 0, 0, 0])],
  ['eth70-new-pooled-transaction-hashes', 'seed: 4096 announced types with no room for their sizes and hashes', list(rlpLongHeader(4096, false), new Uint8Array(4096).fill(2), [0xc0, 0xc0])],
  ['rlp', 'seed: long-form length with a leading zero byte', Uint8Array.of(0xb9, 0x00, 0x40, ...new Uint8Array(64))],
  // Deep nesting.
  ['rlp-reader', 'seed: 5000 nested lists (the reader walks iteratively and stops at depth 64)', nested(5000)],
  ['eth-block-header', 'seed: a header whose unknown trailing field nests 200 lists', headerWithDeepField(200)],
  ['rlp', 'seed: 700 nested lists in under 2 KiB (the generic decoder recurses)', nested(700)],
  // Frames: truncated, oversized, bad MAC.
  ['rlpx-frames', 'seed: a frame cut in the middle of its body (waits for more; no error)', sealAll([{ code: 0x10, data: new Uint8Array(100).fill(7) }], false).subarray(0, 80)],
  ['rlpx-frames', `seed: a header with a valid MAC announcing ${MAX_FRAME_SIZE} bytes, no body`, sealAll([{ code: 0x10, data: new Uint8Array(MAX_FRAME_SIZE - 1) }], false).subarray(0, 32)],
  ['rlpx-frames', 'seed: a valid frame followed by one whose header MAC is wrong', (() => {
    const f = sealAll([{ code: 0x10, data: Uint8Array.of(1) }, { code: 0x11, data: Uint8Array.of(2) }], false);
    f[64 + 20]! ^= 0xff; // the second frame's header MAC (the first frame is 64 bytes)
    return f;
  })()],
  // Snappy: the length bomb and a broken varint.
  ['snappy', 'seed: length bomb, varint 2^25 in a 10-byte block', Uint8Array.of(0x80, 0x80, 0x80, 0x10, 0, 1, 2, 3, 4, 5)],
  ['snappy', 'seed: varint of 2^35 (over 32 bits)', Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)],
  ['rlpx-frames-snappy', 'seed: a valid frame carrying the snappy length bomb', sealAll([{ code: 0x10, data: Uint8Array.of(0x80, 0x80, 0x80, 0x10, 0, 1, 2, 3) }], false)],
  // Handshake and base protocol sizes.
  ['rlpx-auth-packet', `seed: size prefix 0xffff (over ${MAX_HANDSHAKE_PACKET})`, cat([0xff, 0xff], new Uint8Array(64))],
  ['rlpx-auth-packet', 'seed: size prefix below the ECIES overhead', cat([0x00, 0x10], new Uint8Array(16))],
  ['rlpx-ack-packet', 'seed: a complete packet of random bytes', cat([0x00, 0x80], new Uint8Array(128).fill(0x5a))],
  ['rlpx-hello', `seed: ${MAX_HELLO_SIZE + 1} bytes`, list(new Uint8Array(MAX_HELLO_SIZE - 2).fill(0x80))],
  ['rlpx-hello', 'seed: Hello with a 9-byte capability name', rlpEncode([5, new Uint8Array(3), [[new Uint8Array(9).fill(0x61), 68]], 0, new Uint8Array(64)])],
  ['enr', `seed: ${ENR_MAX_SIZE + 1} bytes`, list(new Uint8Array(ENR_MAX_SIZE - 2).fill(0x80))],
  ['discv4-packet', 'seed: 1281 bytes (over the 1280-byte limit)', new Uint8Array(1281)],
];

for (const [target, what, input] of seeds) console.log(writeCorpusEntry(dir, target, input, [`target: ${target}`, what]));
