/**
 * NewBlockHashes (0x01, eth/68 only): announcements of new blocks. Post-merge nodes must not
 * send it (geth disconnects), but it still decodes so a peer sending it can be identified.
 */
import { asHash, asListOf, asUint64, checkLength, checkUint, decodeMessageRlp } from '../fields.js';
import { asList } from '../../common/rlp.js';
import { encBytes, encList, encUint } from '../rlp-raw.js';

/** One announced block. */
export interface BlockAnnouncement {
  hash: Uint8Array;
  number: bigint;
}

const WHAT = 'NewBlockHashes';

/** Encodes `[[hash, number], ...]`. */
export function encodeNewBlockHashes(items: readonly BlockAnnouncement[]): Uint8Array {
  return encList(items.map((a) => encList([encBytes(checkLength(a.hash, 32, 'hash')), encUint(checkUint(a.number, 64, 'number'))])));
}

/** Decodes `[[hash, number], ...]`. */
export function decodeNewBlockHashes(data: Uint8Array): BlockAnnouncement[] {
  return asList(decodeMessageRlp(data, WHAT), WHAT, 'message').map((item, i) => {
    const l = asListOf(item, 2, WHAT, `[${i}]`);
    return { hash: asHash(l[0], WHAT, `[${i}].hash`), number: asUint64(l[1], WHAT, `[${i}].number`) };
  });
}
