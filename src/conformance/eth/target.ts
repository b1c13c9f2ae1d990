/** What the eth checks test: the node, and what is known about the chain it should serve. */
import type { Enode } from '../../enode/enode-url.js';
import type { EthNetwork } from '../../chain/chain-config.js';
import type { TestChain } from './test-chain.js';

/** Default bound on each wait for a message (geth's Status handshake timeout). */
export const DEFAULT_READ_TIMEOUT_MS = 5_000;

/** The environment every eth check receives. */
export interface EthTarget {
  /** The node under test. */
  node: Enode;
  /**
   * The node's network, if known (`--network`, `--genesis` or `--chain`): its Status is checked
   * against it. Without it the checks take network ID, genesis and fork ID from the node's
   * own Status.
   */
  network?: EthNetwork;
  /** The chain the node should serve (`--chain`): responses are compared with it. */
  chain?: TestChain;
  /** Bound on each wait for a message or a disconnect, default {@link DEFAULT_READ_TIMEOUT_MS}. */
  readTimeoutMs?: number;
  /** Local address to dial from. */
  localAddress?: string;
}

/** The read timeout of a target. */
export function readTimeout(target: EthTarget): number {
  return target.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
}
