/**
 * Every snap message codec, and the tables that route a message code to its codec per version.
 */
import { DecodeError } from '../../common/errors.js';
import { snapMessageNameForCode, SnapMessageCode, type SnapMessageName, type SnapVersion } from '../protocol.js';
import { decodeAccessLists, decodeGetAccessLists, encodeAccessLists, encodeGetAccessLists, type AccessLists, type GetAccessLists } from './access-lists.js';
import { decodeAccountRange, decodeGetAccountRange, encodeAccountRange, encodeGetAccountRange, type AccountRange, type GetAccountRange } from './account-range.js';
import { decodeByteCodes, decodeGetByteCodes, encodeByteCodes, encodeGetByteCodes, type ByteCodes, type GetByteCodes } from './bytecodes.js';
import { decodeGetStorageRanges, decodeStorageRanges, encodeGetStorageRanges, encodeStorageRanges, type GetStorageRanges, type StorageRanges } from './storage-ranges.js';
import { topLevelValue } from './fields.js';
import { decodeGetTrieNodes, decodeTrieNodes, encodeGetTrieNodes, encodeTrieNodes, type GetTrieNodes, type TrieNodes } from './trie-nodes.js';

export * from './access-lists.js';
export * from './account-range.js';
export * from './bytecodes.js';
export * from './storage-ranges.js';
export * from './trie-nodes.js';

/** The value type of each snap message. */
export interface SnapMessages {
  GetAccountRange: GetAccountRange;
  AccountRange: AccountRange;
  GetStorageRanges: GetStorageRanges;
  StorageRanges: StorageRanges;
  GetByteCodes: GetByteCodes;
  ByteCodes: ByteCodes;
  GetTrieNodes: GetTrieNodes;
  TrieNodes: TrieNodes;
  GetAccessLists: GetAccessLists;
  AccessLists: AccessLists;
}

/** A decoded snap message: its name and value. */
export type SnapMessage = { [K in SnapMessageName]: { name: K; value: SnapMessages[K] } }[SnapMessageName];

interface Codec<T> {
  encode(m: T): Uint8Array;
  decode(data: Uint8Array): T;
}

/** One codec per snap message (the same for both versions; which messages exist is per version). */
export const SNAP_CODECS: { [K in SnapMessageName]: Codec<SnapMessages[K]> } = {
  GetAccountRange: { encode: encodeGetAccountRange, decode: decodeGetAccountRange },
  AccountRange: { encode: encodeAccountRange, decode: decodeAccountRange },
  GetStorageRanges: { encode: encodeGetStorageRanges, decode: decodeGetStorageRanges },
  StorageRanges: { encode: encodeStorageRanges, decode: decodeStorageRanges },
  GetByteCodes: { encode: encodeGetByteCodes, decode: decodeGetByteCodes },
  ByteCodes: { encode: encodeByteCodes, decode: decodeByteCodes },
  GetTrieNodes: { encode: encodeGetTrieNodes, decode: decodeGetTrieNodes },
  TrieNodes: { encode: encodeTrieNodes, decode: decodeTrieNodes },
  GetAccessLists: { encode: encodeGetAccessLists, decode: decodeGetAccessLists },
  AccessLists: { encode: encodeAccessLists, decode: decodeAccessLists },
};

/** Decodes message `code` of `version` as received (bytes after its top-level value ignored, as geth does); a code the version lacks throws {@link DecodeError} with field `code`. */
export function decodeSnapMessage(version: SnapVersion, code: number, data: Uint8Array): SnapMessage {
  const name = snapMessageNameForCode(version, code);
  if (name === undefined) throw new DecodeError(`snap/${version}`, 'code', `no message with code ${code}`);
  return { name, value: (SNAP_CODECS[name] as Codec<unknown>).decode(topLevelValue(data)) } as SnapMessage;
}

/** Encodes a message of `version`, returning its code (relative to the snap offset) and body. */
export function encodeSnapMessage(version: SnapVersion, message: SnapMessage): { code: number; data: Uint8Array } {
  const code = SnapMessageCode[message.name];
  if (snapMessageNameForCode(version, code) !== message.name) throw new RangeError(`snap/${version} has no ${message.name} message`);
  return { code, data: (SNAP_CODECS[message.name] as Codec<unknown>).encode(message.value) };
}
