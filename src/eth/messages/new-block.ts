/** NewBlock (0x07, eth/68 only): a full block propagated with its total difficulty. */
import { asBigUint } from '../../common/rlp.js';
import { blockFromItem, encodeBlockItem, type Block } from '../block.js';
import { asListOf, checkUint, decodeMessageRlp } from '../fields.js';
import { encList, encUint, rlpListSpans } from '../rlp-raw.js';

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
  const l = asListOf(decodeMessageRlp(data, WHAT), 2, WHAT, 'message');
  const spans = rlpListSpans(data, WHAT, 'message');
  return { block: blockFromItem(l[0], spans[0]!, WHAT, 'block'), td: asBigUint(l[1], WHAT, 'td', 32) };
}
