import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { DecodeError } from '../../src/common/errors.js';
import { rlpDecode, rlpEncode } from '../../src/common/rlp.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { decodeHeader, encodeHeader, makeHeader, type HeaderFields } from '../../src/chain/header.js';
import { decodeBlockHeaders, encodeBlockHeaders } from '../../src/eth/messages/headers.js';
import { decodeNewBlock, encodeNewBlock } from '../../src/eth/messages/new-block.js';
import { encList, encUint } from '../../src/common/rlp-encode.js';

const fill = (n: number, b: number) => new Uint8Array(n).fill(b);

/** A header with every field through Prague set to a distinct value. */
const PRAGUE: HeaderFields = {
  parentHash: fill(32, 0x01),
  uncleHash: hexToBytes('1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347'),
  coinbase: fill(20, 0x03),
  stateRoot: fill(32, 0x04),
  txRoot: fill(32, 0x05),
  receiptRoot: fill(32, 0x06),
  bloom: fill(256, 0x07),
  difficulty: 0n,
  number: 22_431_084n,
  gasLimit: 36_000_000n,
  gasUsed: 12_345_678n,
  time: 1_746_612_311n,
  extra: new TextEncoder().encode('prague'),
  mixDigest: fill(32, 0x08),
  nonce: new Uint8Array(8),
  baseFee: 1_234_567_890n,
  withdrawalsRoot: fill(32, 0x09),
  blobGasUsed: 393_216n,
  excessBlobGas: 0n,
  parentBeaconRoot: fill(32, 0x0a),
  requestsHash: hexToBytes('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
};

describe('block header', () => {
  it('encodes a Prague header with 21 fields and decodes it back', () => {
    const h = makeHeader(PRAGUE);
    expect((rlpDecode(h.raw, 'test') as unknown[]).length).toBe(21);
    const d = decodeHeader(h.raw);
    expect(d).toEqual(h);
    expect(d.requestsHash).toEqual(PRAGUE.requestsHash);
    expect(d.unknownFields).toBeUndefined();
  });

  it('hashes the RLP encoding and re-encodes to the original bytes', () => {
    const h = makeHeader(PRAGUE);
    const d = decodeHeader(h.raw);
    expect(d.hash).toEqual(keccak256(h.raw));
    expect(encodeHeader(d)).toEqual(h.raw);
  });

  it('keeps a trailing field from a future fork verbatim, with hash and encoding unchanged', () => {
    // A post-Prague header with one more field (e.g. a block access list hash).
    const future = encList([...(rlpDecode(makeHeader(PRAGUE).raw, 't') as Uint8Array[]).map((x) => rlpEncode(x)), rlpEncode(fill(32, 0xbb))]);
    const d = decodeHeader(future);
    expect(d.unknownFields).toEqual([rlpEncode(fill(32, 0xbb))]);
    expect(d.requestsHash).toEqual(PRAGUE.requestsHash);
    expect(d.raw).toEqual(future);
    expect(d.hash).toEqual(keccak256(future));
    // Rebuilding from the decoded fields gives the same bytes.
    expect(makeHeader(d).raw).toEqual(future);
    // And a BlockHeaders message carries it unchanged.
    const msg = encodeBlockHeaders({ requestId: 7n, headers: [d] });
    const back = decodeBlockHeaders(msg).headers[0]!;
    expect(back.raw).toEqual(future);
    expect(back.hash).toEqual(d.hash);
    expect(back.unknownFields).toEqual(d.unknownFields);
  });

  it('keeps several unknown fields, including a nested list', () => {
    const extra = [rlpEncode(5n), rlpEncode([Uint8Array.of(1), [Uint8Array.of(2)]])];
    const h = makeHeader({ ...PRAGUE, unknownFields: extra });
    const d = decodeHeader(h.raw);
    expect(d.unknownFields).toEqual(extra);
    expect(d.hash).toEqual(h.hash);
  });

  it('decodes a pre-London header without optional fields', () => {
    const { baseFee, withdrawalsRoot, blobGasUsed, excessBlobGas, parentBeaconRoot, requestsHash, ...frontier } = PRAGUE;
    void [baseFee, withdrawalsRoot, blobGasUsed, excessBlobGas, parentBeaconRoot, requestsHash];
    const d = decodeHeader(makeHeader(frontier).raw);
    expect(d.baseFee).toBeUndefined();
    expect(d.requestsHash).toBeUndefined();
    expect(d.number).toBe(PRAGUE.number);
  });

  it('decodes each fork boundary (London, Shanghai, Cancun) with only its fields', () => {
    const london = makeHeader({ ...PRAGUE, withdrawalsRoot: undefined, blobGasUsed: undefined, excessBlobGas: undefined, parentBeaconRoot: undefined, requestsHash: undefined });
    expect(Object.keys(decodeHeader(london.raw))).toContain('baseFee');
    expect(decodeHeader(london.raw).withdrawalsRoot).toBeUndefined();
    const cancun = makeHeader({ ...PRAGUE, requestsHash: undefined });
    expect(decodeHeader(cancun.raw).parentBeaconRoot).toEqual(PRAGUE.parentBeaconRoot);
    expect(decodeHeader(cancun.raw).requestsHash).toBeUndefined();
  });

  it('refuses to encode an optional field after a missing one', () => {
    expect(() => makeHeader({ ...PRAGUE, blobGasUsed: undefined })).toThrow(RangeError);
  });

  it('names the bad field in a DecodeError', () => {
    const items = (rlpDecode(makeHeader(PRAGUE).raw, 't') as Uint8Array[]).map((x) => rlpEncode(x));
    items[6] = rlpEncode(fill(255, 0)); // bloom one byte short
    expect(() => decodeHeader(encList(items))).toThrow(/header\.bloom/);
    items[6] = rlpEncode(fill(256, 0));
    items[8] = encUint(1n << 64n); // number above uint64
    expect(() => decodeHeader(encList(items))).toThrow(DecodeError);
    expect(() => decodeHeader(encList(items.slice(0, 14)))).toThrow(DecodeError);
  });

  it('matches the go-ethereum SimpleTx block: fields, header hash and re-encoding', () => {
    // go-ethereum core/types/block_test.go TestBlockEncoding (bcValidBlockTest.json "SimpleTx").
    const block = hexToBytes(
      'f90260f901f9a083cafc574e1f51ba9dc0568fc617a08ea2429fb384059c972f13b19fa1c8dd55a01dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347948888f1f195afa192cfee860698584c030f4c9db1a0ef1552a40b7165c3cd773806b9e0c165b75356e0314bf0706f279c729f51e017a05fe50b260da6308036625b850b5d6ced6d0a9f814c0688bc91ffb7b7a3a54b67a0bc37d79753ad738a6dac4921e57392f145d8887476de3f783dfa7edae9283e52b90100' +
        '00'.repeat(256) +
        '8302000001832fefd8825208845506eb0780a0bd4472abb6659ebe3ee06ee4d7b72a00a9f4d001caca51342001075469aff49888a13a5a8c8f2bb1c4f861f85f800a82c35094095e7baea6a6c7c4c2dfeb977efac326af552d870a801ba09bea4c4daac7c7c52e093e6a4c35dbbcf8856f1af7b059ba20253e70848d094fa08a8fae537ce25ed8cb5af9adac3f141af69bd515bd2ba031522df09b97dd72b1c0',
    );
    const msg = encList([block, encUint(131072n)]);
    const nb = decodeNewBlock(msg);
    const h = nb.block.header;
    expect(bytesToHex(h.hash)).toBe('0a5843ac1cb04865017cb35a57b50b07084e5fcee39b5acadade33149f4fff9e');
    expect(h.difficulty).toBe(131072n);
    expect(h.gasLimit).toBe(3141592n);
    expect(h.gasUsed).toBe(21000n);
    expect(h.time).toBe(1426516743n);
    expect(bytesToHex(h.coinbase)).toBe('8888f1f195afa192cfee860698584c030f4c9db1');
    expect(bytesToHex(h.nonce)).toBe('a13a5a8c8f2bb1c4');
    expect(nb.block.transactions).toHaveLength(1);
    expect(nb.block.transactions[0]!.type).toBe(0);
    expect(nb.block.withdrawals).toBeUndefined();
    expect(encodeNewBlock(nb)).toEqual(msg);
  });

  it('decodes a block with a typed (EIP-2930) transaction as a byte string and re-encodes it', () => {
    // go-ethereum core/types/block_test.go TestEIP2718BlockEncoding.
    const block = hexToBytes(
      'f90319f90211a00000000000000000000000000000000000000000000000000000000000000000a01dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347948888f1f195afa192cfee860698584c030f4c9db1a0ef1552a40b7165c3cd773806b9e0c165b75356e0314bf0706f279c729f51e017a0e6e49996c7ec59f7a23d22b83239a60151512c65613bf84a0d7da336399ebc4aa0cafe75574d59780665a97fbfd11365c7545aa8f1abf4e5e12e8243334ef7286bb901000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000083020000820200832fefd882a410845506eb0796636f6f6c65737420626c6f636b206f6e20636861696ea0bd4472abb6659ebe3ee06ee4d7b72a00a9f4d001caca51342001075469aff49888a13a5a8c8f2bb1c4f90101f85f800a82c35094095e7baea6a6c7c4c2dfeb977efac326af552d870a801ba09bea4c4daac7c7c52e093e6a4c35dbbcf8856f1af7b059ba20253e70848d094fa08a8fae537ce25ed8cb5af9adac3f141af69bd515bd2ba031522df09b97dd72b1b89e01f89b01800a8301e24194095e7baea6a6c7c4c2dfeb977efac326af552d878080f838f7940000000000000000000000000000000000000001e1a0000000000000000000000000000000000000000000000000000000000000000001a03dbacc8d0259f2508625e97fdfc57cd85fdd16e5821bc2c10bdd1a52649e8335a0476e10695b183a87b0aa292a7f4b78ef0c3fbe62aa2c42c84e1d9c3da159ef14c0',
    );
    const msg = encList([block, encUint(0n)]);
    const nb = decodeNewBlock(msg);
    expect(nb.block.header.gasUsed).toBe(42000n);
    expect(new TextDecoder().decode(nb.block.header.extra)).toBe('coolest block on chain');
    expect(nb.block.transactions.map((t) => t.type)).toEqual([0, 1]);
    const typed = nb.block.transactions[1]!;
    expect(typed.raw[0]).toBe(1);
    expect(typed.hash).toEqual(keccak256(typed.raw));
    expect(encodeNewBlock(nb)).toEqual(msg);
  });
});
