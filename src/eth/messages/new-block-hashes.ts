/**
 * NewBlockHashes (0x01, eth/68 only): announcements of new blocks. Post-merge nodes must not
 * send it (geth disconnects), but it still decodes so a peer sending it can be identified.
 */
import { checkLength, checkUint } from '../../chain/fields.js';
import { encBytes, encList, encUint } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';

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
  return RlpReader.message(data, WHAT, MAX_MESSAGE_SIZE).map((r, name) => {
    const l = r.list(name);
    const a = { hash: l.hash('hash'), number: l.uint64('number') };
    l.done();
    return a;
  });
}
