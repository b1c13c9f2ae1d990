/**
 * EIP-2124 fork identifier: creation, validation of a remote ID, and its RLP form.
 *
 * Follows go-ethereum `core/forkid/forkid.go`: block-number forks are checksummed first, then
 * timestamp forks; duplicates and genesis-ruleset forks (block 0, times at or before genesis)
 * are skipped, since they are not transitions a node can be on either side of.
 */
import { crc32 } from './crc32.js';
import { checkLength, checkUint } from './fields.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import { RlpReader } from '../common/rlp-reader.js';

/** An EIP-2124 fork ID: CRC32 of genesis and passed forks, and the next fork (0 if none known). */
export interface ForkId {
  /** FORK_HASH, 4 bytes big-endian. */
  hash: Uint8Array;
  /** FORK_NEXT: block number or timestamp of the next known fork, 0 if none. */
  next: bigint;
}

/** Fork activation points in checksum order, after deduplication and genesis skipping. */
export interface ForkSchedule {
  /** Block-number forks, ascending, distinct, none at 0. */
  blocks: bigint[];
  /** Timestamp forks, ascending, distinct, all after the genesis timestamp. */
  times: bigint[];
}

/**
 * Outcome of validating a remote fork ID:
 * - `ok`: compatible (or not yet provably incompatible).
 * - `remote-stale`: the remote is on a subset of our passed forks but does not know the fork
 *   we passed next; it needs a software update (geth `ErrRemoteStale`).
 * - `local-incompatible-or-stale`: the chains diverged, or the remote announced a fork we have
 *   passed without knowing it (geth `ErrLocalIncompatibleOrStale`).
 */
export type ForkIdValidation = 'ok' | 'remote-stale' | 'local-incompatible-or-stale';

/** Validates a remote fork ID against the local chain at head block `head` and head time `time`. */
export type ForkIdFilter = (remote: ForkId, head: bigint, time: bigint) => ForkIdValidation;

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * FORK_NEXT values above this are read as timestamps rather than block numbers when checking
 * whether a remotely announced fork has already passed locally (geth `timestampThreshold`,
 * the mainnet genesis timestamp of Frontier's first block).
 */
export const FORK_TIMESTAMP_THRESHOLD = 1438269973n;

function sortedDistinct(values: readonly bigint[]): bigint[] {
  for (const v of values) checkUint(v, 64, 'fork activation');
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
}

/**
 * Normalises raw fork activation values into the checksum order geth uses (`gatherForks`):
 * sorted, deduplicated, block 0 dropped, timestamps at or before `genesisTime` dropped.
 */
export function gatherForks(forkBlocks: readonly bigint[], forkTimes: readonly bigint[], genesisTime = 0n): ForkSchedule {
  return {
    blocks: sortedDistinct(forkBlocks).filter((b) => b !== 0n),
    times: sortedDistinct(forkTimes).filter((t) => t > genesisTime),
  };
}

function checksumUpdate(crc: number, fork: bigint): number {
  const blob = new Uint8Array(8);
  new DataView(blob.buffer).setBigUint64(0, fork);
  return crc32(blob, crc);
}

function checksumBytes(crc: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, crc);
  return out;
}

function checksumOf(hash: Uint8Array): number {
  return new DataView(hash.buffer, hash.byteOffset, 4).getUint32(0);
}

/**
 * Computes the fork ID of a chain whose head is block `head` with timestamp `time`.
 *
 * @param genesisHash - 32-byte genesis block hash.
 * @param forkBlocks - block-number fork activations (any order, duplicates and 0 allowed).
 * @param forkTimes - timestamp fork activations (any order, duplicates allowed).
 * @param genesisTime - genesis timestamp; time forks at or before it are part of genesis.
 */
export function forkId(
  genesisHash: Uint8Array,
  forkBlocks: readonly bigint[],
  forkTimes: readonly bigint[],
  head: bigint,
  time: bigint,
  genesisTime = 0n,
): ForkId {
  checkLength(genesisHash, 32, 'genesis hash');
  const { blocks, times } = gatherForks(forkBlocks, forkTimes, genesisTime);
  let crc = crc32(genesisHash);
  for (const fork of blocks) {
    if (fork > head) return { hash: checksumBytes(crc), next: fork };
    crc = checksumUpdate(crc, fork);
  }
  for (const fork of times) {
    if (fork > time) return { hash: checksumBytes(crc), next: fork };
    crc = checksumUpdate(crc, fork);
  }
  return { hash: checksumBytes(crc), next: 0n };
}

/**
 * Builds a validator for remote fork IDs (geth `newFilter`), applying the EIP-2124 rules:
 * 1. same checksum as our current fork state: reject only if the remote's FORK_NEXT has
 *    already passed locally (1a), else accept (1b);
 * 2. the remote checksum is one of our past states: accept only if its FORK_NEXT is the fork
 *    we passed next (else the remote is stale);
 * 3. the remote checksum is one of our future states: accept (we are syncing);
 * 4. otherwise reject.
 */
export function forkIdFilter(
  genesisHash: Uint8Array,
  forkBlocks: readonly bigint[],
  forkTimes: readonly bigint[],
  genesisTime = 0n,
): ForkIdFilter {
  checkLength(genesisHash, 32, 'genesis hash');
  const { blocks, times } = gatherForks(forkBlocks, forkTimes, genesisTime);
  const forks = [...blocks, ...times];
  // sums[i] is the checksum with the first i forks applied; sums[0] is genesis alone.
  const sums: number[] = [crc32(genesisHash)];
  for (const fork of forks) sums.push(checksumUpdate(sums[sums.length - 1]!, fork));
  // A sentinel fork that is never passed, so the loop below always finds an unpassed fork.
  forks.push(MAX_UINT64);
  // In a purely block-based schedule the sentinel must be compared against the block number,
  // not spill into timestamp territory.
  const blockForkCount = times.length === 0 ? blocks.length + 1 : blocks.length;

  return (remote: ForkId, head: bigint, time: bigint): ForkIdValidation => {
    const remoteSum = checksumOf(checkLength(remote.hash, 4, 'fork hash'));
    for (let i = 0; i < forks.length; i++) {
      const current = i < blockForkCount ? head : time;
      if (current >= forks[i]!) continue;
      // forks[i] is the first unpassed fork, so sums[i] is our current state.
      if (sums[i] === remoteSum) {
        const next = remote.next;
        if (next > 0n && (head >= next || (next > FORK_TIMESTAMP_THRESHOLD && time >= next))) {
          return 'local-incompatible-or-stale';
        }
        return 'ok';
      }
      for (let j = 0; j < i; j++) {
        if (sums[j] === remoteSum) return forks[j] === remote.next ? 'ok' : 'remote-stale';
      }
      for (let j = i + 1; j < sums.length; j++) {
        if (sums[j] === remoteSum) return 'ok';
      }
      return 'local-incompatible-or-stale';
    }
    // Unreachable: the sentinel is never passed. Accept, as geth does, rather than reject.
    return 'ok';
  };
}

/** RLP item for a fork ID: `[hash: B_4, next: P]`. */
export function encodeForkIdItem(id: ForkId): Uint8Array {
  return encList([encBytes(checkLength(id.hash, 4, 'fork hash')), encUint(checkUint(id.next, 64, 'fork next'))]);
}

/** Reads a fork ID (`[hash: B_4, next: P]`) as the next element of `r`. */
export function readForkId(r: RlpReader, name = 'forkId'): ForkId {
  const l = r.list(name);
  const id = { hash: l.bytes('hash', 4), next: l.uint64('next') };
  l.done();
  return id;
}

/** Encodes a fork ID on its own (as in the ENR `eth` entry and the EIP-2124 encoding tests). */
export function encodeForkId(id: ForkId): Uint8Array {
  return encodeForkIdItem(id);
}

/** Decodes a fork ID on its own. */
export function decodeForkId(data: Uint8Array): ForkId {
  const r = RlpReader.over(data, 'ForkId');
  const id = readForkId(r);
  r.done();
  return id;
}
