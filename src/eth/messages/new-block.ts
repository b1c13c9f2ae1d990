/** NewBlock (0x07, eth/68 only): a full block propagated with its total difficulty. */
import { encodeBlockItem, readBlock, type Block } from '../../chain/block.js';
import { checkUint } from '../../chain/fields.js';
import { encList, encUint } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';

/** `[block, td]`. */
export interface NewBlock {
  block: Block;
  td: bigint;
}

const WHAT = 'NewBlock';

/** Encodes a NewBlock. */
export function encodeNewBlock(m: NewBlock): Uint8Array {
  return encList([encodeBlockItem(m.block), encUint(checkUint(m.td, 256, 'td'))]);
}

/** Decodes a NewBlock. */
export function decodeNewBlock(data: Uint8Array): NewBlock {
  const r = RlpReader.message(data, WHAT, MAX_MESSAGE_SIZE);
  const m = { block: readBlock(r, 'block'), td: r.uint('td', 32) };
  r.done();
  return m;
}
