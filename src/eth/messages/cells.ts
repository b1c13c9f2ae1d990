/**
 * eth/72 GetCells (0x14) and Cells (0x15): cells of blob transactions (PeerDAS), by transaction
 * hash and a custody bitmap of the cell columns wanted (geth `GetCellsRequestPacket`,
 * `CellsPacket`).
 */
import { DecodeError } from '../../common/errors.js';
import { checkLength, readHashList } from '../../chain/fields.js';
import { encBytes, encList } from '../../common/rlp-encode.js';
import { RlpReader } from '../../common/rlp-reader.js';
import { MAX_MESSAGE_SIZE } from '../protocol.js';
import { CUSTODY_BITMAP_LENGTH } from './pooled-transactions.js';
import { encRequestId, readRequestId } from './request-id.js';

/** Bytes of one cell (geth `kzg4844.Cell`: 64 field elements of 32 bytes). */
export const CELL_LENGTH = 2048;

/** `[request-id, [tx-hash, ...], mask]`. */
export interface GetCells {
  requestId: bigint;
  hashes: Uint8Array[];
  /** Custody bitmap of the columns wanted ({@link CUSTODY_BITMAP_LENGTH} bytes). */
  mask: Uint8Array;
}

/** `[request-id, [tx-hash, ...], [[cell, ...], ...], mask]`: one cell list per transaction served. */
export interface Cells {
  requestId: bigint;
  hashes: Uint8Array[];
  cells: Uint8Array[][];
  mask: Uint8Array;
}

export function encodeGetCells(m: GetCells): Uint8Array {
  return encList([encRequestId(m.requestId), encList(m.hashes.map((h) => encBytes(checkLength(h, 32, 'hash')))), encBytes(checkLength(m.mask, CUSTODY_BITMAP_LENGTH, 'mask'))]);
}

export function decodeGetCells(data: Uint8Array): GetCells {
  const r = RlpReader.message(data, 'GetCells', MAX_MESSAGE_SIZE);
  const m = { requestId: readRequestId(r), hashes: readHashList(r, 'hashes'), mask: r.bytes('mask', CUSTODY_BITMAP_LENGTH) };
  r.done();
  return m;
}

export function encodeCells(m: Cells): Uint8Array {
  return encList([
    encRequestId(m.requestId),
    encList(m.hashes.map((h) => encBytes(checkLength(h, 32, 'hash')))),
    encList(m.cells.map((list) => encList(list.map((c) => encBytes(checkLength(c, CELL_LENGTH, 'cell')))))),
    encBytes(checkLength(m.mask, CUSTODY_BITMAP_LENGTH, 'mask')),
  ]);
}

/** Decodes a Cells; there must be one cell list per hash. */
export function decodeCells(data: Uint8Array): Cells {
  const r = RlpReader.message(data, 'Cells', MAX_MESSAGE_SIZE);
  const requestId = readRequestId(r);
  const hashes = readHashList(r, 'hashes');
  const cells = r.listItems('cells', (l, i) => l.listItems(i, (c, j) => c.bytes(j, CELL_LENGTH)));
  const mask = r.bytes('mask', CUSTODY_BITMAP_LENGTH);
  r.done();
  if (cells.length !== hashes.length) throw new DecodeError('Cells', 'cells', `${cells.length} cell lists for ${hashes.length} hashes`);
  return { requestId, hashes, cells, mask };
}
