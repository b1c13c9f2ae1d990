/**
 * The engine API calls for a devnet head: the newPayload and forkchoiceUpdated versions of its
 * fork (Engine API spec: V2 Shanghai, V3 Cancun, V4 Prague) and an ExecutionPayload that carries
 * the header's fields. The interop suite drives geth with them (test/interop/devnet.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../src/common/bytes.js';
import { generateDevnetChain, type DevnetFork } from '../../src/chain/devnet-chain.js';
import { engineHeadCalls, executionPayload } from '../../src/chain/engine-payload.js';

const headOf = (fork: DevnetFork) => {
  const d = generateDevnetChain({ length: 12, fork });
  const b = d.blocks[d.blocks.length - 1]!;
  return { header: b.header, ...b.body };
};

describe('engine API calls for a head', () => {
  it.each([
    ['shanghai', 'engine_newPayloadV2', 'engine_forkchoiceUpdatedV2', 1],
    ['cancun', 'engine_newPayloadV3', 'engine_forkchoiceUpdatedV3', 3],
    ['prague', 'engine_newPayloadV4', 'engine_forkchoiceUpdatedV3', 4],
  ] as const)('%s: %s with %i params, then %s at the head', (fork, newPayload, forkchoice, params) => {
    const head = headOf(fork);
    const [np, fcu] = engineHeadCalls(head);
    expect(np.method).toBe(newPayload);
    expect(np.params).toHaveLength(params);
    expect(fcu.method).toBe(forkchoice);
    const hash = `0x${bytesToHex(head.header.hash)}`;
    expect(fcu.params[0]).toEqual({ headBlockHash: hash, safeBlockHash: hash, finalizedBlockHash: hash });
    if (fork !== 'shanghai') expect(np.params[2]).toBe(`0x${bytesToHex(head.header.parentBeaconRoot!)}`);
  });

  it('the payload carries the header fields, the raw transactions and the withdrawals', () => {
    const head = headOf('cancun');
    const p = executionPayload(head);
    expect(p.blockHash).toBe(`0x${bytesToHex(head.header.hash)}`);
    expect(p.stateRoot).toBe(`0x${bytesToHex(head.header.stateRoot)}`);
    expect(p.blockNumber).toBe(`0x${head.header.number.toString(16)}`);
    expect(p.baseFeePerGas).toBe(`0x${head.header.baseFee!.toString(16)}`);
    expect(p.transactions).toEqual(head.transactions.map((t) => `0x${bytesToHex(t.raw)}`));
    expect(p.withdrawals).toHaveLength(head.withdrawals!.length);
    expect(p.blobGasUsed).toBe(`0x${head.header.blobGasUsed!.toString(16)}`);
  });

  it('a pre-merge header (no base fee) is refused', () => {
    const head = headOf('cancun');
    const { baseFee: _b, ...rest } = head.header;
    expect(() => executionPayload({ ...head, header: { ...rest } as typeof head.header })).toThrow(RangeError);
  });
});
