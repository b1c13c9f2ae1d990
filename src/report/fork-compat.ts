/**
 * Where a remote fork ID stands against our chain, in the words of EIP-2124's validation rules,
 * one step finer than the handshake's accept/reject ({@link forkIdFilter}): a census wants to
 * tell nodes that are behind but know what comes next from nodes that are ahead of us.
 *
 * - `compatible`: the remote is in our current fork state (rule 1) or in a past one and knows the
 *   fork we passed next (rule 2: it is syncing).
 * - `stale`: the remote is in a past state and does not know the next fork (rule 2 rejects it:
 *   it needs a software update; geth ErrRemoteStale).
 * - `future`: the remote is in a state we have not reached (rule 3: we are behind or our head
 *   estimate is; accepted).
 * - `incompatible`: no state of ours has its checksum, or it announces as next a fork we have
 *   passed without knowing it (rules 1a and 4; geth ErrLocalIncompatibleOrStale).
 *
 * The states are computed with {@link forkId} itself, so the checksums are the ones the
 * handshake uses; a test checks that the classes map onto {@link forkIdFilter}'s results.
 */
import { equalBytes } from '../common/bytes.js';
import { type EthNetwork, networkForkId, networkForkSchedule } from '../chain/chain-config.js';
import { FORK_TIMESTAMP_THRESHOLD, type ForkId } from '../chain/forkid.js';

/** See the module comment. */
export type ForkCompat = 'compatible' | 'stale' | 'future' | 'incompatible';

/** Every class, in the order reports list them. */
export const FORK_COMPAT_CLASSES: readonly ForkCompat[] = ['compatible', 'stale', 'future', 'incompatible'];

/** Largest uint64: a head past every block fork. */
const MAX_UINT64 = (1n << 64n) - 1n;

/** Our chain's position: head block number and head timestamp (seconds). */
export interface ChainPosition {
  head: bigint;
  time: bigint;
}

/** The fork IDs of a network, one per state: [0] at genesis, [i] after its first i forks. */
export function forkStates(network: EthNetwork): ForkId[] {
  const { blocks, times } = networkForkSchedule(network);
  const states = [networkForkId(network, 0n, network.genesisTime)];
  for (const b of blocks) states.push(networkForkId(network, b, network.genesisTime));
  for (const t of times) states.push(networkForkId(network, MAX_UINT64, t));
  return states;
}

/**
 * The position a synced node of `network` has at `time` (seconds) when its head block number is
 * not known: past a time fork it is past every block fork too (schedules order block forks
 * first, as geth's checksum does), so its head is at least the last block fork; `knownHead`
 * (e.g. the highest head peers announced) raises it.
 */
export function positionAt(network: EthNetwork, time: bigint, knownHead = 0n): ChainPosition {
  const { blocks, times } = networkForkSchedule(network);
  const lastBlockFork = blocks.length > 0 ? blocks[blocks.length - 1]! : 0n;
  const pastTimeFork = times.length > 0 && time >= times[0]!;
  return { head: pastTimeFork && knownHead < lastBlockFork ? lastBlockFork : knownHead, time };
}

/** Classifies `remote` against `network` at `at` (see the module comment). */
export function classifyForkId(network: EthNetwork, remote: ForkId, at: ChainPosition): ForkCompat {
  const states = forkStates(network);
  const ours = networkForkId(network, at.head, at.time);
  const current = states.findIndex((s) => equalBytes(s.hash, ours.hash));
  const j = states.findIndex((s) => equalBytes(s.hash, remote.hash));
  if (j < 0) return 'incompatible';
  if (j === current) {
    const next = remote.next;
    const passed = next > 0n && (at.head >= next || (next > FORK_TIMESTAMP_THRESHOLD && at.time >= next));
    return passed ? 'incompatible' : 'compatible';
  }
  if (j < current) return states[j]!.next === remote.next ? 'compatible' : 'stale';
  return 'future';
}
