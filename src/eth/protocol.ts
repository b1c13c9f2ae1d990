/**
 * The eth capability's versions, message codes and limits (devp2p `caps/eth.md`, go-ethereum
 * `eth/protocols/eth/protocol.go`). Codes are offsets relative to the eth capability's base.
 */

/** eth protocol versions this stack speaks. */
export const ETH_VERSIONS = [68, 69, 70, 71, 72] as const;
/** One of {@link ETH_VERSIONS}. */
export type EthVersion = (typeof ETH_VERSIONS)[number];

/** The capability name announced in Hello. */
export const ETH_PROTOCOL_NAME = 'eth';

/**
 * Largest eth message accepted (geth `maxMessageSize`, 10 MiB). Every decoder checks it before
 * touching the bytes, so an oversized message is rejected without being parsed.
 */
export const MAX_MESSAGE_SIZE = 10 * 1024 * 1024;

/** Message codes, relative to the eth capability offset. */
export const EthMessageCode = {
  Status: 0x00,
  NewBlockHashes: 0x01,
  Transactions: 0x02,
  GetBlockHeaders: 0x03,
  BlockHeaders: 0x04,
  GetBlockBodies: 0x05,
  BlockBodies: 0x06,
  NewBlock: 0x07,
  NewPooledTransactionHashes: 0x08,
  GetPooledTransactions: 0x09,
  PooledTransactions: 0x0a,
  GetReceipts: 0x0f,
  Receipts: 0x10,
  BlockRangeUpdate: 0x11,
  GetBlockAccessLists: 0x12,
  BlockAccessLists: 0x13,
  GetCells: 0x14,
  Cells: 0x15,
} as const;
/** Name of an eth message. */
export type EthMessageName = keyof typeof EthMessageCode;

/**
 * Number of message codes each version reserves (geth `protocolLengths`): the size of the
 * capability's slice of the message-ID space, which fixes the offset of the next capability.
 * eth/68 reserves 17 (0x00-0x10); eth/69 adds BlockRangeUpdate (0x11), so 18; eth/70 changes
 * only the receipt messages and keeps 18; eth/71 (EIP-8159) adds GetBlockAccessLists and
 * BlockAccessLists (0x12-0x13), so 20; eth/72 adds GetCells and Cells (0x14-0x15), so 22.
 */
export const ETH_PROTOCOL_LENGTHS: Readonly<Record<EthVersion, number>> = { 68: 17, 69: 18, 70: 18, 71: 20, 72: 22 };

const COMMON_MESSAGES: readonly EthMessageName[] = [
  'Status',
  'Transactions',
  'GetBlockHeaders',
  'BlockHeaders',
  'GetBlockBodies',
  'BlockBodies',
  'NewPooledTransactionHashes',
  'GetPooledTransactions',
  'PooledTransactions',
  'GetReceipts',
  'Receipts',
];

/**
 * The messages each version defines. eth/69 (EIP-7642) dropped the pre-merge block
 * announcements (NewBlockHashes, NewBlock) and added BlockRangeUpdate; eth/71 adds block
 * access lists, eth/72 blob cells (geth's `eth71` and `eth72` handler tables).
 */
export const ETH_MESSAGES: Readonly<Record<EthVersion, readonly EthMessageName[]>> = {
  68: [...COMMON_MESSAGES, 'NewBlockHashes', 'NewBlock'],
  69: [...COMMON_MESSAGES, 'BlockRangeUpdate'],
  70: [...COMMON_MESSAGES, 'BlockRangeUpdate'],
  71: [...COMMON_MESSAGES, 'BlockRangeUpdate', 'GetBlockAccessLists', 'BlockAccessLists'],
  72: [...COMMON_MESSAGES, 'BlockRangeUpdate', 'GetBlockAccessLists', 'BlockAccessLists', 'GetCells', 'Cells'],
};

/** Whether `version` has eth/70's paginated receipts (EIP-7975): eth/70 and every later version. */
export function hasPaginatedReceipts(version: EthVersion): boolean {
  return version >= 70;
}

const CODE_TO_NAME = new Map<number, EthMessageName>(
  Object.entries(EthMessageCode).map(([name, code]) => [code, name as EthMessageName]),
);

/** True if `v` is a version this stack speaks. */
export function isEthVersion(v: number): v is EthVersion {
  return (ETH_VERSIONS as readonly number[]).includes(v);
}

/** The message name for `code` if `version` defines it, otherwise undefined. */
export function messageNameForCode(version: EthVersion, code: number): EthMessageName | undefined {
  const name = CODE_TO_NAME.get(code);
  return name !== undefined && ETH_MESSAGES[version].includes(name) ? name : undefined;
}

/**
 * Whether `code` is a message of `version`. Codes inside the reserved length but not defined
 * (0x0b-0x0e, or 0x01/0x07 after eth/68) are invalid: geth disconnects on them.
 */
export function isValidMessageCode(version: EthVersion, code: number): boolean {
  return messageNameForCode(version, code) !== undefined;
}

/** The message codes `version` defines, ascending. */
export function validMessageCodes(version: EthVersion): number[] {
  return ETH_MESSAGES[version].map((n) => EthMessageCode[n]).sort((a, b) => a - b);
}
