/**
 * The snap capability's versions, message codes and limits (devp2p `caps/snap.md`, go-ethereum
 * `eth/protocols/snap/protocol.go` and `handler.go` v1.17.10). Codes are offsets relative to the
 * snap capability's base. snap/2 (EIP-8189) drops GetTrieNodes/TrieNodes (healing is replaced by
 * block access lists) and adds GetAccessLists/AccessLists.
 */
import type { CapabilityDef } from '../rlpx/capabilities.js';

/** snap protocol versions this stack speaks. */
export const SNAP_VERSIONS = [1, 2] as const;
/** One of {@link SNAP_VERSIONS}. */
export type SnapVersion = (typeof SNAP_VERSIONS)[number];

/** The capability name announced in Hello. */
export const SNAP_PROTOCOL_NAME = 'snap';

/** Message codes reserved per version (geth `protocolLengths`): snap/1 8, snap/2 10. */
export const SNAP_PROTOCOL_LENGTHS: Readonly<Record<SnapVersion, number>> = { 1: 8, 2: 10 };

/** Largest snap message accepted (geth `maxMessageSize`, 10 MiB). */
export const SNAP_MAX_MESSAGE_SIZE = 10 * 1024 * 1024;

/** Target size of a reply (geth `softResponseLimit`, 2 MiB); a request asking for more is clamped to it. */
export const SNAP_SOFT_RESPONSE_LIMIT = 2 * 1024 * 1024;
/** Most bytecodes served per request (geth `maxCodeLookups`). */
export const MAX_CODE_LOOKUPS = 1024;
/** Most trie node loads per GetTrieNodes (geth `maxTrieNodeLookups`). */
export const MAX_TRIE_NODE_LOOKUPS = 1024;
/** Most access lists served per GetAccessLists (geth `maxAccessListLookups`). */
export const MAX_ACCESS_LIST_LOOKUPS = 1024;
/** Longest time spent looking up trie nodes for one request (geth `maxTrieNodeTimeSpent`). */
export const MAX_TRIE_NODE_TIME_MS = 5_000;
/**
 * How far a storage reply may exceed the requested bytes to finish a contract instead of cutting
 * it and proving the cut (geth `stateLookupSlack`, 10 %).
 */
export const STATE_LOOKUP_SLACK = 0.1;
/** Most proof nodes accepted in an AccountRange or StorageRanges reply (geth's handler check). */
export const MAX_PROOF_NODES = 128;

/** Message codes, relative to the snap capability offset. */
export const SnapMessageCode = {
  GetAccountRange: 0x00,
  AccountRange: 0x01,
  GetStorageRanges: 0x02,
  StorageRanges: 0x03,
  GetByteCodes: 0x04,
  ByteCodes: 0x05,
  GetTrieNodes: 0x06,
  TrieNodes: 0x07,
  GetAccessLists: 0x08,
  AccessLists: 0x09,
} as const;
/** Name of a snap message. */
export type SnapMessageName = keyof typeof SnapMessageCode;

const RANGE_MESSAGES: readonly SnapMessageName[] = ['GetAccountRange', 'AccountRange', 'GetStorageRanges', 'StorageRanges', 'GetByteCodes', 'ByteCodes'];

/** The messages each version defines (geth's `snap1` and `snap2` handler tables). */
export const SNAP_MESSAGES: Readonly<Record<SnapVersion, readonly SnapMessageName[]>> = {
  1: [...RANGE_MESSAGES, 'GetTrieNodes', 'TrieNodes'],
  2: [...RANGE_MESSAGES, 'GetAccessLists', 'AccessLists'],
};

const CODE_TO_NAME = new Map<number, SnapMessageName>(Object.entries(SnapMessageCode).map(([name, code]) => [code, name as SnapMessageName]));

/** True if `v` is a snap version this stack speaks. */
export function isSnapVersion(v: number): v is SnapVersion {
  return (SNAP_VERSIONS as readonly number[]).includes(v);
}

/** The message name for `code` if `version` defines it, otherwise undefined (geth disconnects on such a code). */
export function snapMessageNameForCode(version: SnapVersion, code: number): SnapMessageName | undefined {
  const name = CODE_TO_NAME.get(code);
  return name !== undefined && SNAP_MESSAGES[version].includes(name) ? name : undefined;
}

/** The capability to announce in Hello for snap `version`. */
export function snapCapability(version: SnapVersion): CapabilityDef {
  return { name: SNAP_PROTOCOL_NAME, version, length: SNAP_PROTOCOL_LENGTHS[version] };
}
