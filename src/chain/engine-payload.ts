/**
 * A block as the engine API carries it: the ExecutionPayload of `engine_newPayload` and the
 * method versions of its fork. A consensus client hands an execution client its head this way;
 * a test or demo driving geth without a beacon node does the same (newPayload of the head, then
 * forkchoiceUpdated), and geth syncs the chain behind that head from its peers.
 */
import { bytesToHex } from '../common/bytes.js';
import type { Block } from './block.js';

const hex = (b: Uint8Array): string => `0x${bytesToHex(b)}`;
const qty = (n: bigint): string => `0x${n.toString(16)}`;

/** One JSON-RPC call: method and params. */
export interface EngineCall {
  method: string;
  params: unknown[];
}

/** The ExecutionPayload (V1-V3 fields by fork: withdrawals from Shanghai, blob gas from Cancun) of a post-merge block. */
export function executionPayload(b: Block): Record<string, unknown> {
  const h = b.header;
  if (h.baseFee === undefined) throw new RangeError(`block ${h.number} has no base fee: not a post-merge block`);
  return {
    parentHash: hex(h.parentHash),
    feeRecipient: hex(h.coinbase),
    stateRoot: hex(h.stateRoot),
    receiptsRoot: hex(h.receiptRoot),
    logsBloom: hex(h.bloom),
    prevRandao: hex(h.mixDigest),
    blockNumber: qty(h.number),
    gasLimit: qty(h.gasLimit),
    gasUsed: qty(h.gasUsed),
    timestamp: qty(h.time),
    extraData: hex(h.extra),
    baseFeePerGas: qty(h.baseFee),
    blockHash: hex(h.hash),
    transactions: b.transactions.map((t) => hex(t.raw)),
    ...(h.withdrawalsRoot === undefined ? {} : { withdrawals: (b.withdrawals ?? []).map((w) => ({ index: qty(w.index), validatorIndex: qty(w.validatorIndex), address: hex(w.address), amount: qty(w.amount) })) }),
    ...(h.blobGasUsed === undefined ? {} : { blobGasUsed: qty(h.blobGasUsed), excessBlobGas: qty(h.excessBlobGas!) }),
  };
}

/**
 * The two calls that make an execution client take `head` as its canonical head: newPayload at
 * the head's fork version (V4 with requests from Prague, V3 from Cancun, V2 before), then
 * forkchoiceUpdated with head, safe and finalized all at `head`. The devnet's blocks carry no blob
 * transactions and empty execution requests, so the lists are empty.
 */
export function engineHeadCalls(head: Block): [EngineCall, EngineCall] {
  const h = head.header;
  const payload = executionPayload(head);
  const newPayload: EngineCall =
    h.requestsHash !== undefined
      ? { method: 'engine_newPayloadV4', params: [payload, [], hex(h.parentBeaconRoot!), []] }
      : h.parentBeaconRoot !== undefined
        ? { method: 'engine_newPayloadV3', params: [payload, [], hex(h.parentBeaconRoot)] }
        : { method: 'engine_newPayloadV2', params: [payload] };
  const hash = hex(h.hash);
  const forkchoice: EngineCall = {
    method: h.parentBeaconRoot !== undefined ? 'engine_forkchoiceUpdatedV3' : 'engine_forkchoiceUpdatedV2',
    params: [{ headBlockHash: hash, safeBlockHash: hash, finalizedBlockHash: hash }, null],
  };
  return [newPayload, forkchoice];
}
